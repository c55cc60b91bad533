package flow_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// statusLog is an http.RoundTripper that remembers every Platform answer of 400 or more.
type statusLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	bad  []string
}

func (s *statusLog) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := s.next.RoundTrip(r)
	if err == nil && res.StatusCode >= 400 {
		s.mu.Lock()
		s.bad = append(s.bad, fmt.Sprintf("%s %s → %d", r.Method, r.URL.Path, res.StatusCode))
		s.mu.Unlock()
	}
	return res, err
}

func (s *statusLog) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.bad
	s.bad = nil
	return out
}

// TestFirstSetupStaysOnContractAndRerunCreatesNothing runs the default first-time setup (a new schema
// and dataset) against the local platform, which enforces Adobe's documented XDM rules, with every
// request checked against Adobe's OpenAPI files: no request is off-contract and none is refused. A
// second run of the same plan then creates nothing: no resource, and no write call at all.
func TestFirstSetupStaysOnContractAndRerunCreatesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t).validated(t)
	log := &statusLog{next: e.http.Transport}
	e.http.Transport = log
	state := t.TempDir()

	first, err := e.session(state).Apply(ctx, newSchemaPlan(), nil)
	must(t, err)
	if bad := log.take(); len(bad) > 0 {
		t.Errorf("the first setup had requests refused: %v", bad)
	}
	if len(first.Created) == 0 {
		t.Fatal("the first setup created nothing")
	}
	checkCensus(t, e, first.SchemaID)

	e.wire.breakAt(0, 0) // resets the call log
	again, err := e.session(state).Apply(ctx, newSchemaPlan(), nil)
	must(t, err)
	if len(again.Created) != 0 {
		t.Errorf("the re-run created %v", again.Created)
	}
	for _, call := range e.wire.log() {
		method, path, _ := strings.Cut(call, " ")
		readOnly := method == http.MethodGet || strings.HasSuffix(path, "/mappingSets/validate") || strings.HasSuffix(path, "/mappingSets/preview")
		if !readOnly {
			t.Errorf("the re-run wrote: %s", call)
		}
	}
	if bad := log.take(); len(bad) > 0 {
		t.Errorf("the re-run had requests refused: %v", bad)
	}
	if again.WebhookURL != first.WebhookURL {
		t.Errorf("the re-run moved the endpoint: %s → %s", first.WebhookURL, again.WebhookURL)
	}
	checkCensus(t, e, again.SchemaID)
}
