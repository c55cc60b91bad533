package cmd

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fiftyMB is the size of the answer the attack audit sent to status.
const fiftyMB = 50 << 20

// padded writes a JSON object of about size bytes: prefix, then a string of 'a's, then the closing
// brace. It stops when the client hangs up.
func padded(w io.Writer, prefix string, size int) {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, `%s"pad":"`, prefix)
	chunk := strings.Repeat("a", 64<<10)
	for n := 0; n < size; n += len(chunk) {
		if _, err := bw.WriteString(chunk); err != nil {
			return
		}
	}
	bw.WriteString(`"}`)
	bw.Flush()
}

// TestStatusOversizedOrBrokenAnswer: the platform answers the dataflow read with 50 MB (with and without
// a Content-Length), with an answer cut short, or with JSON that is not a Flow Service answer. status
// fails with a message naming the answer and the host that sent it, and never says the dataflow is gone.
func TestStatusOversizedOrBrokenAnswer(t *testing.T) {
	w := newSetupWorld(t)
	if r := w.run(t, setupNewSchemaArgs...); r.code != 0 {
		t.Fatalf("setup exited %d: %s", r.code, r.stderr)
	}
	host := strings.TrimPrefix(w.url, "http://")
	cases := []struct {
		name   string
		answer func(rw http.ResponseWriter)
		want   []string
	}{
		{"50MB_object_with_no_items", func(rw http.ResponseWriter) {
			rw.Header().Set("Content-Length", fmt.Sprint(fiftyMB+len(`{"pad":""}`)))
			rw.Header().Set("Content-Type", "application/json")
			padded(rw, "{", fiftyMB)
		}, []string{"larger than", host, "/flows/"}},
		{"50MB_chunked_with_the_flow_first", func(rw http.ResponseWriter) {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(200)
			rw.(http.Flusher).Flush() // no Content-Length: the size shows only while reading
			padded(rw, `{"items":[],`, fiftyMB)
		}, []string{"larger than", host, "/flows/"}},
		{"cut_short_after_1MB_of_2MB", func(rw http.ResponseWriter) {
			rw.Header().Set("Content-Length", fmt.Sprint(2<<20))
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(200)
			padded(rw, "{", 1<<20)
			conn, _, err := rw.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, []string{"cut short", host, "/flows/"}},
		{"JSON_that_lists_nothing", func(rw http.ResponseWriter) {
			rw.Header().Set("Content-Type", "application/json")
			io.WriteString(rw, `{"surprise":true}`)
		}, []string{"not the JSON expected", host, "/flows/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.reset(func(_ int, rw http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/flowservice/flows/") {
					return false
				}
				tc.answer(rw)
				return true
			})
			defer w.reset(nil)
			for _, args := range [][]string{{"status"}, {"status", "--json"}} {
				r := w.run(t, args...)
				out := r.stdout + r.stderr
				t.Logf("%v exited %d; stderr:\n%s", args, r.code, r.stderr)
				if r.code != ExitFailed {
					t.Errorf("%v exited %d, want %d:\n%s", args, r.code, ExitFailed, out)
				}
				if strings.Contains(out, "no longer exists") {
					t.Errorf("%v reads a broken answer as a deleted dataflow:\n%s", args, out)
				}
				for _, s := range tc.want {
					if !strings.Contains(r.stderr, s) {
						t.Errorf("%v: stderr does not say %q:\n%s", args, s, r.stderr)
					}
				}
			}
		})
	}
}
