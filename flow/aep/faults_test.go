package aep_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// flaky answers with fault for the first n requests, then with ok.
func flaky(n int32, fault, ok http.HandlerFunc) http.HandlerFunc {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			fault(w, r)
			return
		}
		ok(w, r)
	}
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) }
}

const statsRoute = "GET /data/foundation/schemaregistry/stats"
const flowsRoute = "POST /data/foundation/flowservice/flows"

// The network-fault suite for the client. Each subtest name says the fault and the outcome.
func TestFault(t *testing.T) {
	t.Parallel()
	t.Run("503_then_200_on_read/retried_and_succeeds", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, flaky(1, answer(503, `{"error_code":"503","message":"busy"}`), answer(200, `{"tenantId":"acme"}`)))
		c, s := p.client()
		if id, err := c.TenantID(ctx(t)); err != nil || id != "acme" {
			t.Fatalf("TenantID = %q, %v", id, err)
		}
		if n := len(p.calls("/data/")); n != 2 || len(s.all()) != 1 {
			t.Errorf("%d requests, %d waits; want 2 and 1", n, len(s.all()))
		}
	})

	t.Run("429_with_Retry-After_on_read/waits_as_told", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, flaky(1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, 429, `{"error_code":"429","message":"too many"}`)
		}, answer(200, `{"tenantId":"acme"}`)))
		c, s := p.client()
		if _, err := c.TenantID(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if w := s.all(); len(w) != 1 || w[0] != 7*time.Second {
			t.Errorf("waits %v, want [7s]", w)
		}
	})

	t.Run("503_with_Retry-After_on_inlet/retried_after_the_wait", func(t *testing.T) {
		p := newPlatform(t)
		p.handle("POST /collection/{id}", flaky(2, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			writeJSON(w, 503, `{"title":"Service Unavailable"}`)
		}, answer(200, `{"inletId":"i","xactionId":"x","receivedTimeMs":1}`)))
		c, s := p.client()
		if _, err := c.Send(ctx(t), p.srv.URL+"/collection/"+hex64, "f", []byte(`{}`), aep.SendOptions{}); err != nil {
			t.Fatal(err)
		}
		if w := s.all(); len(w) != 2 || w[0] != 2*time.Second || w[1] != 2*time.Second {
			t.Errorf("waits %v, want [2s 2s]", w)
		}
	})

	t.Run("Retry-After_of_an_hour/capped", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, flaky(1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			writeJSON(w, 503, ``)
		}, answer(200, `{"tenantId":"acme"}`)))
		s := &sleeps{}
		cfg := p.config(s)
		cfg.Retry.Max = 3 * time.Second
		if _, err := aep.New(cfg).TenantID(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if w := s.all(); len(w) != 1 || w[0] != 3*time.Second {
			t.Errorf("waits %v, want [3s]", w)
		}
	})

	t.Run("503_forever/gives_up_after_the_attempt_bound", func(t *testing.T) {
		p := newPlatform(t)
		p.reply(statsRoute, 503, `{"error_code":"503","message":"busy"}`)
		c, s := p.client()
		_, err := c.TenantID(ctx(t))
		var ae *aep.Error
		if !errors.As(err, &ae) || ae.Status != 503 {
			t.Fatalf("err = %v, want a 503 *Error", err)
		}
		if n := len(p.calls("/data/")); n != 4 {
			t.Errorf("%d attempts, want 4", n)
		}
		for i, d := range s.all() { // exponential backoff with full jitter: each wait within its doubling ceiling
			if ceil := 500 * time.Millisecond << i; d <= 0 || d > ceil {
				t.Errorf("wait %d = %v, want (0, %v]", i, d, ceil)
			}
		}
	})

	t.Run("401013_once/token_renewed_once_and_call_succeeds", func(t *testing.T) {
		p := newPlatform(t)
		p.reply(statsRoute, 200, `{"tenantId":"acme"}`)
		c, s := p.client()
		if _, err := c.Token(ctx(t)); err != nil {
			t.Fatal(err)
		}
		p.revokeAll() // the gateway stops accepting the cached token
		if _, err := c.TenantID(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if n := p.tokenCalls.Load(); n != 2 {
			t.Errorf("%d token fetches, want 2", n)
		}
		if len(s.all()) != 0 {
			t.Error("a token renewal waited like a retry")
		}
	})

	t.Run("401013_always/renews_once_then_fails_with_a_hint", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, answer(200, `{"tenantId":"acme"}`))
		p.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
			writeJSON(w, 200, `{"access_token":"never-valid-token","expires_in":86399}`)
			return true
		}
		c, _ := p.client()
		_, err := c.TenantID(ctx(t))
		var ae *aep.Error
		if !errors.As(err, &ae) || ae.Code != "401013" {
			t.Fatalf("err = %v", err)
		}
		if n := p.tokenCalls.Load(); n != 2 {
			t.Errorf("%d token fetches, want 2 (one renewal)", n)
		}
		if !strings.Contains(aep.Hint(err), "organization id") {
			t.Errorf("hint %q", aep.Hint(err))
		}
	})

	t.Run("reset_mid_body_on_read/retried_and_succeeds", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, flaky(1, func(w http.ResponseWriter, r *http.Request) { cutBody(w, `{"tenantId":"acme","x":1}`) },
			answer(200, `{"tenantId":"acme"}`)))
		c, _ := p.client()
		if id, err := c.TenantID(ctx(t)); err != nil || id != "acme" {
			t.Fatalf("TenantID = %q, %v", id, err)
		}
	})

	t.Run("truncated_JSON_on_read/retried_and_succeeds", func(t *testing.T) {
		p := newPlatform(t)
		p.raw = true // the answer is broken on purpose
		p.handle(statsRoute, flaky(1, answer(200, `{"tenantId":"ac`), answer(200, `{"tenantId":"acme"}`)))
		c, _ := p.client()
		if id, err := c.TenantID(ctx(t)); err != nil || id != "acme" {
			t.Fatalf("TenantID = %q, %v", id, err)
		}
	})

	t.Run("truncated_JSON_always/clear_error", func(t *testing.T) {
		p := newPlatform(t)
		p.raw = true // the answer is broken on purpose
		p.reply(statsRoute, 200, `{"tenantId":"ac`)
		c, _ := p.client()
		_, err := c.TenantID(ctx(t))
		if err == nil || !strings.Contains(err.Error(), "not the JSON expected") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("slow_response_past_timeout_on_read/retried_and_succeeds", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, flaky(1, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, answer(200, `{"tenantId":"acme"}`)))
		s := &sleeps{}
		cfg := p.config(s)
		cfg.Retry.Timeout = 400 * time.Millisecond
		if id, err := aep.New(cfg).TenantID(ctx(t)); err != nil || id != "acme" {
			t.Fatalf("TenantID = %q, %v", id, err)
		}
	})

	t.Run("slow_response_past_timeout_on_create/ambiguous_not_repeated", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(flowsRoute, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		s := &sleeps{}
		cfg := p.config(s)
		cfg.Retry.Timeout = 400 * time.Millisecond
		_, err := aep.New(cfg).CreateFlow(ctx(t), aep.Flow{Name: "n"})
		if !errors.Is(err, aep.ErrAmbiguous) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ambiguous with the timeout as cause", err)
		}
		if n := len(p.calls("/data/")); n != 1 {
			t.Errorf("%d create requests, want 1", n)
		}
	})

	t.Run("connection_dropped_after_commit_on_create/ambiguous_not_repeated", func(t *testing.T) {
		p := newPlatform(t)
		var created atomic.Int32
		p.handle(flowsRoute, func(w http.ResponseWriter, r *http.Request) {
			created.Add(1) // the platform commits, then the answer is lost
			dropConnection(w)
		})
		c, _ := p.client()
		_, err := c.CreateFlow(ctx(t), aep.Flow{Name: "n"})
		if !errors.Is(err, aep.ErrAmbiguous) {
			t.Fatalf("err = %v, want ErrAmbiguous", err)
		}
		if created.Load() != 1 {
			t.Errorf("created %d times, want 1", created.Load())
		}
		if !strings.Contains(aep.Hint(err), "by name") {
			t.Errorf("hint %q", aep.Hint(err))
		}
	})

	t.Run("reset_mid_body_on_create/ambiguous_not_repeated", func(t *testing.T) {
		p := newPlatform(t)
		p.handle("POST /data/foundation/catalog/dataSets", func(w http.ResponseWriter, r *http.Request) {
			cutBody(w, `["@/dataSets/ds-created"]`)
		})
		c, _ := p.client()
		_, err := c.CreateDataset(ctx(t), aep.NewDataset{Name: "n", SchemaID: "s"})
		if !errors.Is(err, aep.ErrAmbiguous) || len(p.calls("/data/")) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(p.calls("/data/")))
		}
	})

	t.Run("502_on_create/ambiguous_keeps_the_platform_error", func(t *testing.T) {
		p := newPlatform(t)
		p.reply("POST /data/foundation/flowservice/sourceConnections", 502, `{"error_code":"502","message":"bad gateway"}`)
		c, _ := p.client()
		_, err := c.CreateSourceConnection(ctx(t), aep.SourceConnection{Name: "n"})
		var ae *aep.Error
		if !errors.Is(err, aep.ErrAmbiguous) || !errors.As(err, &ae) || ae.Status != 502 {
			t.Fatalf("err = %v", err)
		}
		if len(p.calls("/data/")) != 1 {
			t.Error("a create was repeated")
		}
	})

	t.Run("truncated_JSON_on_create/ambiguous", func(t *testing.T) {
		p := newPlatform(t)
		p.raw = true // the answer is broken on purpose
		p.reply("POST /data/foundation/conversion/mappingSets", 200, `{"id":"m-`)
		c, _ := p.client()
		_, err := c.CreateMappingSet(ctx(t), aep.MappingInput{SchemaID: "s"})
		if !errors.Is(err, aep.ErrAmbiguous) || len(p.calls("/data/")) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(p.calls("/data/")))
		}
	})

	t.Run("503_on_patch/ambiguous", func(t *testing.T) {
		p := newPlatform(t)
		p.reply("PATCH /data/foundation/flowservice/flows/{id}", 503, ``)
		c, _ := p.client()
		_, err := c.PatchFlow(ctx(t), "f-1", `"e"`, []aep.PatchOp{{Op: "replace", Path: "/transformations/0",
			Value: aep.Transformation{Name: aep.MappingTransformation, Params: aep.TransformationParams{MappingID: "m-1", MappingVersion: 1}}}})
		if !errors.Is(err, aep.ErrAmbiguous) || len(p.calls("/data/")) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(p.calls("/data/")))
		}
	})

	t.Run("429_on_create/retried_since_nothing_was_done", func(t *testing.T) {
		p := newPlatform(t)
		var created atomic.Int32
		p.handle(flowsRoute, flaky(1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, `{"error_code":"429","message":"slow down"}`)
		}, func(w http.ResponseWriter, r *http.Request) {
			created.Add(1)
			writeJSON(w, 201, `{"id":"f-1","etag":"\"1\""}`)
		}))
		c, s := p.client()
		got, err := c.CreateFlow(ctx(t), aep.Flow{Name: "n"})
		if err != nil || got.ID != "f-1" || created.Load() != 1 {
			t.Fatalf("CreateFlow = %+v, %v (created %d)", got, err, created.Load())
		}
		if w := s.all(); len(w) != 1 || w[0] != time.Second {
			t.Errorf("waits %v", w)
		}
	})

	t.Run("401013_on_create/renewed_and_created_once", func(t *testing.T) {
		p := newPlatform(t)
		p.reply(flowsRoute, 201, `{"id":"f-1","etag":"\"1\""}`)
		c, _ := p.client()
		c.Token(ctx(t))
		p.revokeAll()
		if _, err := c.CreateFlow(ctx(t), aep.Flow{Name: "n"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("connection_refused_before_sending_a_create/retried", func(t *testing.T) {
		p := newPlatform(t)
		p.reply(flowsRoute, 201, `{"id":"f-1","etag":"\"1\""}`)
		s := &sleeps{}
		cfg := p.config(s)
		var failed atomic.Bool
		base := cfg.HTTP.Transport
		cfg.HTTP = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/data/foundation/flowservice/flows" && !failed.Swap(true) {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			}
			return base.RoundTrip(r)
		})}
		if _, err := aep.New(cfg).CreateFlow(ctx(t), aep.Flow{Name: "n"}); err != nil {
			t.Fatalf("err = %v; a request that never left should be retried", err)
		}
		if n := len(p.calls("/data/")); n != 1 {
			t.Errorf("%d creates reached the platform, want 1", n)
		}
	})

	t.Run("DNS_failure_of_the_IMS_host/fails_at_once_naming_the_host", func(t *testing.T) {
		p := newPlatform(t)
		s := &sleeps{}
		cfg := p.config(s)
		cfg.IMSURL = "http://ims.cioaep-test.invalid"
		_, err := aep.New(cfg).Sandboxes(ctx(t))
		if err == nil || !strings.Contains(err.Error(), "ims.cioaep-test.invalid") {
			t.Fatalf("err = %v", err)
		}
		h := aep.Hint(err)
		if !strings.Contains(h, "cannot be found") && !strings.Contains(h, "could not be reached") {
			t.Errorf("hint %q", h)
		}
		if len(p.calls("")) != 0 {
			t.Error("a platform call went out without a token")
		}
		var dns *net.DNSError
		if errors.As(err, &dns) && dns.IsNotFound && len(s.all()) != 0 {
			t.Errorf("retried a host that does not exist: waits %v", s.all())
		}
	})

	t.Run("token_expires_mid_sequence/renewed_before_use_without_a_401", func(t *testing.T) {
		p := newPlatform(t)
		p.tokenLife = 3600
		p.reply(statsRoute, 200, `{"tenantId":"acme"}`)
		p.reply("GET /data/foundation/sandbox-management/", 200, `{"sandboxes":[]}`)
		var mu sync.Mutex
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s := &sleeps{}
		cfg := p.config(s)
		cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		c := aep.New(cfg)

		if _, err := c.Sandboxes(ctx(t)); err != nil {
			t.Fatal(err)
		}
		advance(54 * time.Minute) // still more than the 5-minute margin left: reuse
		if _, err := c.Sandboxes(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if n := p.tokenCalls.Load(); n != 1 {
			t.Fatalf("%d token fetches before the margin, want 1", n)
		}
		advance(2 * time.Minute) // inside the margin: renew before the gateway would refuse
		p.revokeAll()
		if _, err := c.WithSandbox("other").TenantID(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if n := p.tokenCalls.Load(); n != 2 {
			t.Errorf("%d token fetches, want 2", n)
		}
		for _, r := range p.calls("/data/") {
			if r.Header.Get("Authorization") == "Bearer eyJ-access-token-1-xyz" && r.Path == "/data/foundation/schemaregistry/stats" {
				t.Error("the expiring token was used after the margin")
			}
		}
	})

	t.Run("context_cancelled_during_a_slow_call/returns_promptly", func(t *testing.T) {
		p := newPlatform(t)
		release := make(chan struct{})
		defer close(release)
		cctx, cancel := context.WithCancel(ctx(t))
		// Cancelled once the call has reached the platform, not after a fixed delay: under load the
		// token fetch alone can take longer than any delay a test would pick.
		p.handle(statsRoute, func(w http.ResponseWriter, r *http.Request) {
			cancel()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		c, _ := p.client()
		_, err := c.TenantID(cctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if n := len(p.calls("/data/")); n != 1 {
			t.Errorf("%d attempts after cancellation, want 1", n)
		}
	})

	t.Run("caller_cancels_while_a_create_is_in_flight/ambiguous", func(t *testing.T) {
		p := newPlatform(t)
		arrived := make(chan struct{})
		p.handle(flowsRoute, func(w http.ResponseWriter, r *http.Request) {
			close(arrived) // committed; the caller gives up before the answer
			<-r.Context().Done()
		})
		c, _ := p.client()
		cctx, cancel := context.WithCancel(ctx(t))
		go func() { <-arrived; cancel() }()
		_, err := c.CreateFlow(cctx, aep.Flow{Name: "n"})
		if !errors.Is(err, aep.ErrAmbiguous) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want ambiguous and cancelled", err)
		}
	})

	t.Run("untrusted_TLS_certificate/fails_at_once_with_a_proxy_hint", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		defer srv.Close()
		s := &sleeps{}
		c := aep.New(aep.Config{PlatformURL: srv.URL, IMSURL: srv.URL, OrgID: orgID, ClientID: clientID, ClientSecret: secret,
			Retry: aep.Retry{Sleep: s.sleep}})
		_, err := c.Sandboxes(ctx(t))
		if err == nil || len(s.all()) != 0 {
			t.Fatalf("err = %v after %d retries", err, len(s.all()))
		}
		if !strings.Contains(aep.Hint(err), "certificate") {
			t.Errorf("hint %q", aep.Hint(err))
		}
	})

	t.Run("invalid_client_at_IMS/no_retry_and_the_Developer_Console_hint", func(t *testing.T) {
		p := newPlatform(t)
		s := &sleeps{}
		cfg := p.config(s)
		cfg.ClientSecret = "wrong-secret-value"
		_, err := aep.New(cfg).Sandboxes(ctx(t))
		var ae *aep.Error
		if !errors.As(err, &ae) || ae.Code != "invalid_client" {
			t.Fatalf("err = %v", err)
		}
		if p.tokenCalls.Load() != 1 {
			t.Errorf("%d token attempts", p.tokenCalls.Load())
		}
		if !strings.Contains(aep.Hint(err), "Developer Console") || strings.Contains(err.Error(), "wrong-secret-value") {
			t.Errorf("err %q hint %q", err, aep.Hint(err))
		}
	})

	t.Run("404_on_a_repeated_delete/treated_as_done", func(t *testing.T) {
		p := newPlatform(t)
		p.handle("DELETE /data/foundation/flowservice/flows/{id}", flaky(1, func(w http.ResponseWriter, r *http.Request) {
			dropConnection(w) // deleted, answer lost
		}, answer(404, `{"type":"https://ns.adobe.com/aep/errors/FLOW-1439-404","title":"not found"}`)))
		c, _ := p.client()
		if err := c.DeleteFlow(ctx(t), "f-1"); err != nil {
			t.Fatal(err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTokenSharedByConcurrentCallers: the engine's parallel calls and every sandbox view wait for
// one IMS fetch.
func TestTokenSharedByConcurrentCallers(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.reply(statsRoute, 200, `{"tenantId":"acme"}`)
	p.reply("GET /data/foundation/sandbox-management/", 200, `{"sandboxes":[]}`)
	gate := make(chan struct{})
	p.tokenHook = func(w http.ResponseWriter, r *http.Request) bool { <-gate; return false }
	c, _ := p.client()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := c
			if i%2 == 0 {
				cc = c.WithSandbox("sb")
			}
			_, err := cc.Sandboxes(ctx(t))
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // let the callers pile up behind the fetch
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := p.tokenCalls.Load(); n != 1 {
		t.Errorf("%d token fetches for 20 concurrent callers, want 1", n)
	}
}

// TestTokenWaiterCancelled: a caller that gives up does not fail the fetch others wait for.
func TestTokenWaiterCancelled(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	gate := make(chan struct{})
	p.tokenHook = func(w http.ResponseWriter, r *http.Request) bool { <-gate; return false }
	c, _ := p.client()
	quitter, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() { _, err := c.Token(quitter); done <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v", err)
	}
	close(gate)
	if _, err := c.Token(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := p.tokenCalls.Load(); n != 1 {
		t.Errorf("%d token fetches, want 1", n)
	}
}
