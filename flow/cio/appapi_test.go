package cio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// appStandIn is a local Customer.io App API for reporting webhooks, following the documented shapes: it
// keeps webhooks in memory, requires the Bearer key, and answers wrapped ({"reporting_webhook":…}) or bare
// depending on wrap, since Customer.io's documentation does not settle which.
type appStandIn struct {
	key  string
	wrap bool

	mu    sync.Mutex
	next  int64
	hooks map[int64]Webhook
	hosts []string // Host of every request, as the client addressed it
}

func newAppStandIn(t *testing.T, key string, wrap bool) (*appStandIn, *httptest.Server) {
	s := &appStandIn{key: key, wrap: wrap, hooks: map[int64]Webhook{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/reporting_webhooks", func(w http.ResponseWriter, r *http.Request) {
		list := []Webhook{}
		for id := int64(1); id <= s.next; id++ {
			if h, ok := s.hooks[id]; ok {
				list = append(list, h)
			}
		}
		if s.wrap {
			writeJSON(w, http.StatusOK, map[string]any{"reporting_webhooks": list})
		} else {
			writeJSON(w, http.StatusOK, list)
		}
	})
	mux.HandleFunc("POST /v1/reporting_webhooks", func(w http.ResponseWriter, r *http.Request) {
		h, ok := s.decode(w, r)
		if ok {
			s.next++
			h.ID, h.Type = s.next, "webhook"
			s.hooks[h.ID] = h
			s.reply(w, h)
		}
	})
	mux.HandleFunc("GET /v1/reporting_webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := s.find(w, r); ok {
			s.reply(w, h)
		}
	})
	mux.HandleFunc("PUT /v1/reporting_webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		old, ok := s.find(w, r)
		if !ok {
			return
		}
		if h, ok := s.decode(w, r); ok {
			h.ID, h.Type = old.ID, old.Type
			s.hooks[h.ID] = h
			s.reply(w, h)
		}
	})
	mux.HandleFunc("DELETE /v1/reporting_webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := s.find(w, r); ok {
			delete(s.hooks, h.ID)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hosts = append(s.hosts, r.Host)
		if hasBody := r.ContentLength != 0; hasBody != (r.Method == http.MethodPost || r.Method == http.MethodPut) {
			t.Errorf("%s %s with a body of %d bytes", r.Method, r.URL.Path, r.ContentLength)
		}
		if r.Header.Get("Authorization") != "Bearer "+s.key {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"meta": map[string]string{"error": "Unauthorized request"}})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *appStandIn) decode(w http.ResponseWriter, r *http.Request) (Webhook, bool) {
	var h Webhook
	if err := json.NewDecoder(r.Body).Decode(&h); err != nil || h.Name == "" || h.Endpoint == "" || len(h.Events) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]string{{"detail": "name, endpoint and events are required"}}})
		return Webhook{}, false
	}
	return h, true
}

func (s *appStandIn) find(w http.ResponseWriter, r *http.Request) (Webhook, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	h, ok := s.hooks[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []map[string]string{{"detail": "not found"}}})
	}
	return h, ok
}

func (s *appStandIn) reply(w http.ResponseWriter, h Webhook) {
	if s.wrap {
		writeJSON(w, http.StatusOK, map[string]any{"reporting_webhook": h})
	} else {
		writeJSON(w, http.StatusOK, h)
	}
}

func (s *appStandIn) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hooks)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// redirect sends every request to srv while leaving req.Host as the client addressed it, so a test sees
// which Customer.io host the client chose without any network access.
type redirect struct{ srv *url.URL }

func (rd redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = r.URL.Host
	r.URL.Scheme, r.URL.Host = rd.srv.Scheme, rd.srv.Host
	return http.DefaultTransport.RoundTrip(r)
}

func regionClient(t *testing.T, srv *httptest.Server, key, region string) *AppAPI {
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return NewAppAPI(key, region, &http.Client{Transport: redirect{u}})
}

const testEndpoint = "https://dcs.adobedc.net/collection/9f3c1d2e?x-adobe-flow-id=0fc6b2a4-3c0a-4f7e-9d1e-5c0b9a7e2f11"

func TestEnsureWebhookIsIdempotent(t *testing.T) {
	t.Parallel()
	for _, wrap := range []bool{true, false} {
		t.Run("wrapped="+strconv.FormatBool(wrap), func(t *testing.T) {
			ctx := context.Background()
			stand, srv := newAppStandIn(t, "app-key-1", wrap)
			api := NewAppAPI("app-key-1", "us", nil)
			api.BaseURL = srv.URL

			first, created, err := api.EnsureWebhook(ctx, "cioaep AEP (a1b2)", testEndpoint, []string{"email_sent", "email_opened"})
			if err != nil || !created || first.ID == 0 || !first.FullResolution || first.Disabled || first.WithContent {
				t.Fatalf("first run: %+v created=%v err=%v", first, created, err)
			}
			// Someone disables it and turns on bodies in the web app; setup then runs again with more events.
			first.Disabled, first.WithContent = true, true
			if _, err := api.Update(ctx, first); err != nil {
				t.Fatal(err)
			}
			again, created, err := api.EnsureWebhook(ctx, "cioaep AEP (a1b2)", testEndpoint, []string{"email_sent", "email_opened", "sms_sent"})
			if err != nil || created || again.ID != first.ID {
				t.Fatalf("second run: %+v created=%v err=%v", again, created, err)
			}
			if stand.count() != 1 {
				t.Fatalf("%d webhooks after a re-run, want 1", stand.count())
			}
			got, err := api.Get(ctx, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Disabled || !got.WithContent || strings.Join(got.Events, ",") != "email_sent,email_opened,sms_sent" {
				t.Fatalf("after re-run: %+v", got)
			}
			// A different endpoint is a different webhook.
			if _, created, err := api.EnsureWebhook(ctx, "other", testEndpoint+"&x=1", []string{"sms_sent"}); err != nil || !created || stand.count() != 2 {
				t.Fatalf("other endpoint: created=%v err=%v count=%d", created, err, stand.count())
			}
		})
	}
}

func TestAppAPIListGetDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, srv := newAppStandIn(t, "k", false)
	api := NewAppAPI("k", "EU", nil)
	api.BaseURL = srv.URL + "/" // a trailing slash must not double up
	a, err := api.Create(ctx, Webhook{Name: "a", Endpoint: "https://a.example", Events: []string{"customer_subscribed"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := api.Create(ctx, Webhook{Name: "b", Endpoint: "https://b.example", Events: []string{"push_sent"}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := api.List(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "a" || list[1].Endpoint != "https://b.example" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := api.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Get(ctx, a.ID); err == nil || !strings.Contains(err.Error(), "reading Customer.io reporting webhook 1: it no longer exists") {
		t.Fatalf("Get deleted = %v", err)
	}
	if err := api.Delete(ctx, a.ID); err == nil {
		t.Fatal("deleting twice succeeded")
	}
	if got, err := api.Get(ctx, b.ID); err != nil || got.Name != "b" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
}

func TestAppAPIRejectedKey(t *testing.T) {
	t.Parallel()
	_, srv := newAppStandIn(t, "right-key", true)
	const wrong = "wrong-key-s3cr3t"
	api := regionClient(t, srv, wrong, "us")
	_, _, err := api.EnsureWebhook(context.Background(), "n", testEndpoint, []string{"email_sent"})
	if !errors.Is(err, ErrKeyRejected) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "Customer.io rejected this App API key: create one under Account Settings → API Credentials → App API Keys, with access to this workspace") ||
		!strings.Contains(msg, "api.customer.io") || strings.Contains(msg, wrong) {
		t.Fatalf("message %q", msg)
	}
	// A key broken across lines cannot go into a header; the error says so without showing it.
	_, err = regionClient(t, srv, "pasted-\ns3cr3t", "eu").List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "contains a line break") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("err = %v", err)
	}
	// A trailing newline from pasting is not part of the key.
	if _, err := regionClient(t, srv, "right-key\n", "eu").List(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAppAPIRegionHosts(t *testing.T) {
	t.Parallel()
	for region, host := range map[string]string{"us": "api.customer.io", "eu": "api-eu.customer.io", " Eu ": "api-eu.customer.io"} {
		stand, srv := newAppStandIn(t, "k", true)
		if _, err := regionClient(t, srv, "k", region).List(context.Background()); err != nil {
			t.Fatalf("%s: %v", region, err)
		}
		if len(stand.hosts) != 1 || stand.hosts[0] != host {
			t.Errorf("region %q asked %v, want %s", region, stand.hosts, host)
		}
	}
	_, err := NewAppAPI("k", "apac", nil).List(context.Background())
	if err == nil || !strings.Contains(err.Error(), `unknown Customer.io region "apac": use us or eu`) {
		t.Fatalf("err = %v", err)
	}
}

func TestAppAPIErrorsAreReadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, srv := newAppStandIn(t, "k", true)
	api := NewAppAPI("k", "us", nil)
	api.BaseURL = srv.URL
	_, err := api.Create(ctx, Webhook{Name: "no endpoint", Events: []string{"email_sent"}})
	if err == nil || err.Error() != "creating a Customer.io reporting webhook: Customer.io answered 400 Bad Request: name, endpoint and events are required" {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := api.EnsureWebhook(ctx, "n", testEndpoint, nil); err == nil || !strings.Contains(err.Error(), "pick at least one event type") {
		t.Fatalf("no events: %v", err)
	}

	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>\x1b[2Jmaintenance</html>"))
	}))
	defer garbage.Close()
	api.BaseURL = garbage.URL
	if _, err := api.List(ctx); err == nil || !strings.Contains(err.Error(), "unexpected reply <html>maintenance</html>") {
		t.Fatalf("List garbage = %v", err)
	}
	if _, err := api.Get(ctx, 7); err == nil || !strings.Contains(err.Error(), "reading Customer.io reporting webhook 7: unexpected reply") {
		t.Fatalf("Get garbage = %v", err)
	}

	garbage.Close()
	if _, err := api.List(ctx); err == nil || !strings.Contains(err.Error(), "could not reach 127.0.0.1") {
		t.Fatalf("unreachable = %v", err)
	}
}
