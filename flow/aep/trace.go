package aep

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// tracer writes the --debug log. Users attach it to support tickets, so everything that could let
// someone act as them is redacted: the client secret and every access token (wherever they appear),
// Authorization headers, and the values of secret-named JSON and form fields.
type tracer struct {
	w       io.Writer
	mu      sync.Mutex // one exchange is one Write; parallel calls do not interleave lines
	secrets []string
}

const redacted = "[REDACTED]"

// maxTraceBody keeps a trace readable when a call returns a whole resolved schema.
const maxTraceBody = 16 << 10

func newTracer(w io.Writer, secret string) *tracer {
	t := &tracer{w: w}
	t.addSecret(secret)
	return t
}

// addSecret registers a value to redact everywhere, including error texts.
func (t *tracer) addSecret(s string) {
	if len(s) < 4 { // short strings would redact ordinary text
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, x := range t.secrets {
		if x == s {
			return
		}
	}
	t.secrets = append(t.secrets, s)
}

var secretField = regexp.MustCompile(`(?i)("(?:access_token|client_secret|refresh_token|id_token|token|password|secret)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
var secretForm = regexp.MustCompile(`(?i)\b((?:client_secret|access_token|refresh_token|password)=)[^&\s]*`)

// redactString hides registered secrets and secret-named fields in s.
func (t *tracer) redactString(s string) string {
	t.mu.Lock()
	secrets := t.secrets
	t.mu.Unlock()
	for _, x := range secrets {
		s = strings.ReplaceAll(s, x, redacted)
		// form-encoded bodies carry the secret escaped
		if esc := url.QueryEscape(x); esc != x {
			s = strings.ReplaceAll(s, esc, redacted)
		}
	}
	s = secretField.ReplaceAllString(s, `$1"`+redacted+`"`)
	return secretForm.ReplaceAllString(s, "${1}"+redacted)
}

func (t *tracer) request(req *http.Request, body []byte) {
	if t.w == nil {
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "--> %s %s\n", req.Method, req.URL)
	t.headers(&b, req.Header)
	t.body(&b, body)
	t.write(b.Bytes())
}

func (t *tracer) response(req *http.Request, resp *http.Response, body []byte, took time.Duration, readErr error) {
	if t.w == nil {
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<-- %d %s %s (%s)\n", resp.StatusCode, req.Method, req.URL, roundTook(took))
	t.headers(&b, resp.Header)
	t.body(&b, body)
	if readErr != nil {
		fmt.Fprintf(&b, "    body cut short: %v\n", readErr)
	}
	t.write(b.Bytes())
}

func (t *tracer) failure(req *http.Request, took time.Duration, err error) {
	if t.w == nil {
		return
	}
	t.write(fmt.Appendf(nil, "<-- failed %s %s (%s): %v\n", req.Method, req.URL, roundTook(took), err))
}

func (t *tracer) headers(b *bytes.Buffer, h http.Header) {
	for _, k := range sortedKeys(h) {
		v := strings.Join(h[k], ", ")
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Cookie") || strings.EqualFold(k, "Set-Cookie") {
			v = redacted
		}
		fmt.Fprintf(b, "    %s: %s\n", k, v)
	}
}

func (t *tracer) body(b *bytes.Buffer, body []byte) {
	if len(body) == 0 {
		return
	}
	s := string(body)
	more := ""
	if len(s) > maxTraceBody {
		more = fmt.Sprintf("… (%d more bytes)", len(s)-maxTraceBody)
		s = s[:maxTraceBody]
	}
	fmt.Fprintf(b, "    %s%s\n", strings.ReplaceAll(s, "\n", "\n    "), more)
}

// write redacts the whole record once, so a secret split across header and body lines is still caught.
func (t *tracer) write(p []byte) {
	s := t.redactString(string(p))
	t.mu.Lock()
	defer t.mu.Unlock()
	io.WriteString(t.w, s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// roundTook keeps traces readable: milliseconds, or microseconds for loopback calls.
func roundTook(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
