package aep_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// TestRedirectsRefused: IMS or Platform answering with a redirect to another host must not make the
// client re-post the client secret there, nor send x-api-key, the org id or a token. The call fails at
// once (no retry) with an error that says what happened and what to do.
func TestRedirectsRefused(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Write([]byte(`{"access_token":"stolen","expires_in":86400}`))
	}))
	defer other.Close()
	var tokens, platform atomic.Int32
	for _, tc := range []struct {
		name   string
		status int
		imsOut bool // the redirect comes from IMS rather than from Platform
	}{{"IMS 307", 307, true}, {"IMS 302", 302, true}, {"Platform 307", 307, false}, {"Platform 301", 301, false}} {
		t.Run(tc.name, func(t *testing.T) {
			elsewhere.Store(0)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/ims/token/v3" {
					tokens.Add(1)
					if tc.imsOut {
						http.Redirect(w, r, other.URL+"/ims/token/v3", tc.status)
						return
					}
					w.Write([]byte(`{"access_token":"tok","expires_in":86400}`))
					return
				}
				platform.Add(1)
				http.Redirect(w, r, other.URL+r.URL.Path, tc.status)
			}))
			defer srv.Close()
			c := aep.New(aep.Config{PlatformURL: srv.URL, IMSURL: srv.URL, OrgID: "org@AdobeOrg", ClientID: "id",
				ClientSecret: "the-secret", Retry: aep.Retry{Attempts: 3, Sleep: func(context.Context, time.Duration) error { return nil }}})
			_, err := c.Sandboxes(context.Background())
			if err == nil {
				t.Fatal("the call followed the redirect and succeeded")
			}
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("%d request(s) reached the redirect's target", n)
			}
			var re *aep.RedirectError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), other.URL) {
				t.Errorf("error does not say a redirect was refused: %v", err)
			}
			if strings.Contains(err.Error(), "the-secret") {
				t.Errorf("error carries the secret: %v", err)
			}
		})
	}
	if tokens.Load() > 4 || platform.Load() > 2 {
		t.Errorf("a refused redirect was retried: %d token calls, %d Platform calls", tokens.Load(), platform.Load())
	}
}
