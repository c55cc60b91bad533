package aep_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
)

// syncBuffer is a trace sink safe for the client's parallel calls.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTraceRedactsSecrets runs a token fetch, platform calls, an error that echoes the token and a
// body with secret-named fields, then checks the --debug trace shows the exchanges but none of the
// secrets.
func TestTraceRedactsSecrets(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.reply(statsRoute, 200, `{"tenantId":"acme"}`)
	// a misbehaving service that echoes what it was sent
	p.handle("POST /data/foundation/flowservice/sourceConnections", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"title":"bad request","detail":"token was `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+` and secret `+secret+`","client_secret":"`+secret+`","password":"hunter2hunter2"}`)
	})
	var trace syncBuffer
	s := &sleeps{}
	cfg := p.config(s)
	cfg.Trace = &trace
	c := aep.New(cfg)
	if _, err := c.TenantID(ctx(t)); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateSourceConnection(ctx(t), aep.SourceConnection{Name: "with a secret " + secret})
	var ae *aep.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	token, _ := c.Token(context.Background())
	out := trace.String()
	for _, leak := range []string{secret, token, "hunter2hunter2"} {
		if strings.Contains(out, leak) {
			t.Errorf("trace contains %q:\n%s", leak, out)
		}
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error contains %q: %v", leak, err)
		}
	}
	for _, want := range []string{
		"--> POST " + p.srv.URL + "/ims/token/v3",
		"client_secret=[REDACTED]",
		`"access_token":"[REDACTED]"`,
		"--> GET " + p.srv.URL + "/data/foundation/schemaregistry/stats",
		"Authorization: [REDACTED]",
		"X-Sandbox-Name: dev-1",
		"<-- 200 GET " + p.srv.URL + "/data/foundation/schemaregistry/stats (",
		`{"tenantId":"acme"}`,
		"<-- 400 POST",
		`"client_secret":"[REDACTED]"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}
