package aep_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// progressLog collects what the client reports under aep.WithProgress.
type progressLog struct {
	mu sync.Mutex
	p  []aep.Progress
}

func (l *progressLog) add(p aep.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.p = append(l.p, p)
}

func (l *progressLog) all() []aep.Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]aep.Progress(nil), l.p...)
}

// stall never answers; it lets go when the client hangs up.
func stall(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// TestProgressAndDeadline: every wait before a retry is reported (with the status and whether the
// platform asked for it), an attempt without an answer is reported while it waits, and a caller's
// deadline ends the call with a *GaveUpError that says what the last attempt met, without waiting for
// a Retry-After that would pass it.
func TestProgressAndDeadline(t *testing.T) {
	t.Parallel()
	rateLimited := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		writeJSON(w, 429, `{"error_code":"429050","message":"Too many requests"}`)
	}
	t.Run("429_forever/each_retry_reported", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, rateLimited)
		c, _ := p.client()
		var log progressLog
		_, err := c.TenantID(aep.WithProgress(ctx(t), log.add))
		var ae *aep.Error
		if !errors.As(err, &ae) || ae.Status != 429 {
			t.Fatalf("err = %v, want the 429", err)
		}
		got := log.all()
		if len(got) != 3 {
			t.Fatalf("%d reports, want 3 (before attempts 2, 3, 4): %+v", len(got), got)
		}
		for i, pr := range got {
			if pr.Kind != aep.Retrying || pr.Attempt != i+2 || pr.Attempts != 4 || pr.Status != 429 || pr.RetryIn != 2*time.Second || !pr.RetryAfter {
				t.Errorf("report %d = %+v", i, pr)
			}
		}
		if s := got[0].String(); !strings.HasSuffix(s, "answered 429 Too Many Requests; retrying in 2 s, as it asked (attempt 2 of 4)") {
			t.Errorf("report reads %q", s)
		}
	})
	t.Run("Retry-After_past_the_deadline/gives_up_at_once", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "20")
			writeJSON(w, 429, `{"error_code":"429050","message":"Too many requests"}`)
		})
		c, s := p.client()
		cx, cancel := context.WithTimeout(ctx(t), 10*time.Second)
		defer cancel()
		_, err := c.TenantID(cx)
		var gave *aep.GaveUpError
		var ae *aep.Error
		if !errors.As(err, &gave) || !errors.As(err, &ae) || ae.Status != 429 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a *GaveUpError over the 429", err)
		}
		if n := len(p.calls("/data/")); n != 1 || len(s.all()) != 0 {
			t.Errorf("%d requests, %d waits: want 1 and none", n, len(s.all()))
		}
		if msg := err.Error(); !strings.Contains(msg, "attempt 2 of 4 not made: waiting 20 s, as the platform asked, would pass the deadline") {
			t.Errorf("message %q", msg)
		}
		if h := aep.Hint(err); !strings.Contains(h, "rate limiting") {
			t.Errorf("hint %q", h)
		}
	})
	t.Run("stalled/waiting_reported_then_retried", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, stall)
		s := &sleeps{}
		cfg := p.config(s)
		cfg.Retry.Timeout, cfg.Retry.Slow, cfg.Retry.Attempts = 300*time.Millisecond, 50*time.Millisecond, 2
		var log progressLog
		_, err := aep.New(cfg).TenantID(aep.WithProgress(ctx(t), log.add))
		var ne *aep.NetError
		if !errors.As(err, &ne) {
			t.Fatalf("err = %v, want a *NetError", err)
		}
		var waiting, retrying int
		for _, pr := range log.all() {
			switch pr.Kind {
			case aep.Waiting:
				waiting++
				if !strings.Contains(pr.String(), "to answer GET "+p.srv.URL+"/data/foundation/schemaregistry/stats") {
					t.Errorf("report reads %q", pr.String())
				}
			case aep.Retrying:
				retrying++
				if pr.Status != 0 || pr.Attempt != 2 || !strings.Contains(pr.String(), "did not answer GET") {
					t.Errorf("report %+v reads %q", pr, pr.String())
				}
			}
		}
		if waiting == 0 || retrying != 1 {
			t.Errorf("%d waiting and %d retrying reports, want some and 1", waiting, retrying)
		}
	})
	t.Run("stalled_past_the_deadline/gives_up_naming_the_call", func(t *testing.T) {
		p := newPlatform(t)
		p.handle(statsRoute, stall)
		c, _ := p.client()
		cx, cancel := context.WithTimeout(ctx(t), 300*time.Millisecond)
		defer cancel()
		_, err := c.TenantID(cx)
		var gave *aep.GaveUpError
		if !errors.As(err, &gave) || gave.Err != nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a *GaveUpError during the first attempt", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "/schemaregistry/stats: no answer before the deadline (attempt 1 of 4)") {
			t.Errorf("message %q", msg)
		}
		if h := aep.Hint(err); !strings.Contains(h, "did not answer in time") {
			t.Errorf("hint %q", h)
		}
	})
}
