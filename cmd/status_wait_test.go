package cmd

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// TestStatusRateLimitedOrStalled: a platform that answers every call with 429 (Retry-After: 2), and
// one that never answers. status shows, on stderr, each wait before a retry, ends within the deadline
// the test gives it with --timeout, and says what happened and what to do next.
func TestStatusRateLimitedOrStalled(t *testing.T) {
	w := newSetupWorld(t)
	if r := w.run(t, setupNewSchemaArgs...); r.code != 0 {
		t.Fatalf("setup exited %d: %s", r.code, r.stderr)
	}
	t.Run("429_forever", func(t *testing.T) {
		w.reset(func(_ int, rw http.ResponseWriter, r *http.Request) bool {
			rw.Header().Set("Retry-After", "2")
			writeJSONStatus(rw, http.StatusTooManyRequests, `{"error_code":"429050","message":"Too many requests"}`)
			return true
		})
		defer w.reset(nil)
		r := w.run(t, "status", "--timeout", "5s")
		t.Logf("exit %d; stderr:\n%s", r.code, r.stderr)
		if r.code != ExitFailed {
			t.Errorf("status exited %d, want %d", r.code, ExitFailed)
		}
		for _, s := range []string{
			"answered 429 Too Many Requests; retrying in 2 s, as it asked (attempt 2 of 4)", // progress
			"stopped after 5s", "429 Too Many Requests (429050)", "rate limiting", "--timeout", // the end
		} {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("stderr does not say %q", s)
			}
		}
		if strings.Contains(r.stdout+r.stderr, "no longer exists") {
			t.Error("a rate-limited read is reported as a deleted dataflow")
		}
	})
	t.Run("stalled", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		w.reset(func(_ int, rw http.ResponseWriter, r *http.Request) bool {
			select { // never answers; lets go when the client hangs up or the test ends
			case <-r.Context().Done():
			case <-release:
			}
			return true
		})
		defer w.reset(nil)
		r := w.run(t, "status", "--timeout", "1s")
		t.Logf("exit %d; stderr:\n%s", r.code, r.stderr)
		if r.code != ExitFailed {
			t.Errorf("status exited %d, want %d", r.code, ExitFailed)
		}
		for _, s := range []string{"did not answer", "/flows/", "--timeout"} {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("stderr does not say %q", s)
			}
		}
	})
}

func writeJSONStatus(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// TestProgressLineOnATerminal: on a terminal the progress is one line rewritten in place, cut to the
// terminal's width so that it never wraps, and cleared before the report; elsewhere, plain lines.
func TestProgressLineOnATerminal(t *testing.T) {
	t.Parallel()
	pr := aep.Progress{Kind: aep.Retrying, Method: "GET", URL: "https://platform.adobe.io/data/foundation/flowservice/flows/f1",
		Attempt: 2, Attempts: 4, RetryIn: 4 * time.Second, RetryAfter: true, Status: 429}
	var tty bytes.Buffer
	p := &progressLine{w: &tty, width: 40}
	p.show(pr)
	p.show(pr)
	p.clear()
	line := "\r\x1b[K" + string([]rune("Adobe (platform.adobe.io) answered 429 Too Many Requests")[:38]) + "…"
	if want := line + line + "\r\x1b[K"; tty.String() != want {
		t.Errorf("terminal got %q\nwant %q", tty.String(), want)
	}
	var plain bytes.Buffer
	p = &progressLine{w: &plain}
	p.show(pr)
	p.clear()
	if want := "Adobe (platform.adobe.io) answered 429 Too Many Requests; retrying in 4 s, as it asked (attempt 2 of 4)\n"; plain.String() != want {
		t.Errorf("plain got %q\nwant %q", plain.String(), want)
	}
	if p.last() == nil || p.last().Attempt != 2 {
		t.Errorf("last = %+v", p.last())
	}
}
