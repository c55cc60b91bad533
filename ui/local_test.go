package ui

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

// realWorld runs the real engine (flow.Session over aep.Client) against the real local platform over
// HTTP, so these tests see what a user of `cioaep --local` sees.
type realWorld struct {
	base     string
	platform *local.Platform
	prefill  Credentials
}

func newRealWorld(t *testing.T, cfg local.Config) *realWorld {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg.DataDir, cfg.BaseURL = t.TempDir(), base
	p, err := local.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); _ = p.Close() })
	return &realWorld{base: base, platform: p,
		prefill: Credentials{OrgID: local.OrgID, ClientID: "cioaep-local", ClientSecret: "cioaep-local-secret", Scopes: aep.DefaultScopes}}
}

func (r *realWorld) deps(t *testing.T) Deps {
	var samples []Sample
	for _, s := range assets.Samples() {
		samples = append(samples, Sample{ObjectType: s.ObjectType, Metric: s.Metric, Body: s.Body})
	}
	stateDir := t.TempDir()
	return Deps{
		Profile: "default",
		Local:   true,
		Prefill: func(context.Context, Platform) (Credentials, error) { return r.prefill, nil },
		Connect: func(_ context.Context, _ Platform, c Credentials) (Engine, error) {
			client := aep.New(aep.Config{PlatformURL: r.base, IMSURL: r.base, OrgID: c.OrgID, ClientID: c.ClientID,
				ClientSecret: c.ClientSecret, Scopes: c.Scopes})
			return flow.NewSession(client, stateDir), nil
		},
		Save:    func(context.Context, Platform, Credentials, string) (string, error) { return "", nil },
		Samples: samples,
	}
}

// TestLocalPlatformEndToEnd takes the default path against the real engine and local platform, then
// posts a sample Customer.io event to the URL on screen and finds it ingested.
func TestLocalPlatformEndToEnd(t *testing.T) {
	rw := newRealWorld(t, local.Config{})
	d := start(t, rw.deps(t), 120, 40)
	d.wait("--local")
	for _, m := range []string{"accepted these credentials", "(prod)", "Which Customer.io events",
		"Where should Customer.io events land?", "rules checked", "Source connection", "dataflow is ready"} {
		d.enter(m)
	}
	w, view := d.final()
	url := w.c.result.WebhookURL
	if url == "" || !strings.Contains(view, "\n"+link(url)+"\n") {
		t.Fatalf("no webhook URL on screen:\n%s", view)
	}
	t.Logf("launch to URL against the local platform: %d keystrokes", d.keys)
	if d.keys > 12 {
		t.Errorf("%d keystrokes, want at most 12", d.keys)
	}

	body, _ := assets.Sample("email", "sent")
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the webhook URL answered %s", resp.Status)
	}
	evs, err := rw.platform.Events(context.Background(), local.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Failed {
		t.Fatalf("want one ingested event, got %+v", evs)
	}
}

// TestLocalPlatformRejectsSecret shows the real client's explanation for a refused credential.
func TestLocalPlatformRejectsSecret(t *testing.T) {
	rw := newRealWorld(t, local.Config{ClientID: "cioaep-local", ClientSecret: "the-right-one"})
	d := start(t, rw.deps(t), 80, 24)
	d.wait("--local")
	d.enter("✗")
	_, view := d.final()
	if !strings.Contains(view, "┃ Client secret") {
		t.Errorf("focus should be on the secret after a refusal:\n%s", view)
	}
	t.Logf("\n%s", view)
}
