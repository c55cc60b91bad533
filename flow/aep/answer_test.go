package aep_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
)

// bigJSON answers a valid JSON object of about n bytes, with or without a Content-Length.
func bigJSON(n int, announce bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := `{"tenantId":"acme","pad":"` + strings.Repeat("a", n) + `"}`
		w.Header().Set("Content-Type", "application/json")
		if announce {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		}
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		w.Write([]byte(body))
	}
}

// TestAnswerBounds: an answer larger than the call's bound is an *AnswerError naming the host, whether
// announced or found while reading, and is not asked for again; one within the bound is read; one cut
// short is retried like a dropped connection; an oversized answer to a create is ambiguous.
func TestAnswerBounds(t *testing.T) {
	t.Parallel()
	for _, announce := range []bool{true, false} {
		t.Run(fmt.Sprintf("9MB_read_announced=%v/refused_once", announce), func(t *testing.T) {
			p := newPlatform(t)
			p.raw = true // oversized on purpose
			p.handle(statsRoute, bigJSON(9<<20, announce))
			c, s := p.client()
			_, err := c.TenantID(ctx(t))
			var ae *aep.AnswerError
			if !errors.As(err, &ae) || ae.Limit != 8<<20 {
				t.Fatalf("err = %v, want an *AnswerError with the 8 MB bound", err)
			}
			host := strings.TrimPrefix(p.srv.URL, "http://")
			if msg := err.Error(); !strings.Contains(msg, "larger than 8 MB") || !strings.Contains(msg, "from "+host) {
				t.Errorf("message %q does not say what was too large and who sent it", msg)
			}
			if aep.Hint(err) == "" {
				t.Error("no hint for an oversized answer")
			}
			if n := len(p.calls("/data/")); n != 1 || len(s.all()) != 0 {
				t.Errorf("%d requests, %d waits: an oversized answer was asked for again", n, len(s.all()))
			}
		})
	}
	t.Run("7MB_read/read", func(t *testing.T) {
		p := newPlatform(t)
		p.raw = true // padded on purpose
		p.handle(statsRoute, bigJSON(7<<20, false))
		c, _ := p.client()
		if id, err := c.TenantID(ctx(t)); err != nil || id != "acme" {
			t.Fatalf("TenantID = %q, %v", id, err)
		}
	})
	t.Run("cut_short/retried_then_named", func(t *testing.T) {
		p := newPlatform(t)
		p.raw = true // cut short on purpose
		p.handle(statsRoute, func(w http.ResponseWriter, r *http.Request) { cutBody(w, `{"tenantId":"acme"}`) })
		c, _ := p.client()
		_, err := c.TenantID(ctx(t))
		var ae *aep.AnswerError
		if !errors.As(err, &ae) || ae.Limit != 0 || !strings.Contains(err.Error(), "cut short") {
			t.Fatalf("err = %v, want an answer cut short", err)
		}
		if n := len(p.calls("/data/")); n != 4 {
			t.Errorf("%d requests, want 4 (retried like a dropped connection)", n)
		}
	})
	t.Run("oversized_answer_to_a_create/ambiguous", func(t *testing.T) {
		p := newPlatform(t)
		p.raw = true // oversized on purpose
		p.handle("POST /data/foundation/conversion/mappingSets", bigJSON(9<<20, true))
		c, _ := p.client()
		_, err := c.CreateMappingSet(ctx(t), aep.MappingInput{SchemaID: "s"})
		var ae *aep.AnswerError
		if !errors.Is(err, aep.ErrAmbiguous) || !errors.As(err, &ae) || len(p.calls("/data/")) != 1 {
			t.Fatalf("err = %v after %d requests, want ambiguous with the *AnswerError", err, len(p.calls("/data/")))
		}
	})
}
