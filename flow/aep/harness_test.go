package aep_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// Test credentials. secret is long and distinctive so a leak into any text is easy to spot.
const (
	orgID    = "0123456789ABCDEF01234567@AdobeOrg"
	clientID = "test-client-id"
	secret   = "p8e-SECRET-do-not-print-7f3a9c"
)

// seen is one request as the fake platform received it.
type seen struct {
	Method, Path string
	RawPath      string // as sent, escapes kept
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// platform is a fake Adobe (IMS + Platform gateway) on loopback. It checks credentials like the
// gateway does and records every request, so tests can assert exactly what the client sent.
type platform struct {
	t   testing.TB
	srv *httptest.Server
	mux *http.ServeMux

	mu        sync.Mutex
	requests  []seen
	valid     map[string]bool // tokens the gateway accepts
	tokenLife int             // expires_in of issued tokens, seconds

	// raw skips the OpenAPI check, for tests whose answers are broken on purpose (truncated JSON) or
	// follow platform.md where Adobe's files disagree with it; each such test says which.
	raw bool

	tokenCalls atomic.Int32
	// tokenHook, when set, answers the IMS call instead of the default.
	tokenHook func(w http.ResponseWriter, r *http.Request) bool
}

func newPlatform(t testing.TB) *platform {
	t.Helper()
	p := &platform{t: t, mux: http.NewServeMux(), valid: map[string]bool{}, tokenLife: 86399}
	p.mux.HandleFunc("POST /ims/token/v3", p.token)
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *platform) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	p.mu.Lock()
	p.requests = append(p.requests, seen{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.Query(), r.Header.Clone(), body})
	p.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/data/") {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		p.mu.Lock()
		ok := p.valid[tok]
		p.mu.Unlock()
		if !ok {
			writeJSON(w, 401, `{"error_code":"401013","message":"Oauth token is not valid"}`)
			return
		}
	}
	p.mux.ServeHTTP(w, r)
}

func (p *platform) token(w http.ResponseWriter, r *http.Request) {
	n := p.tokenCalls.Add(1)
	if p.tokenHook != nil && p.tokenHook(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, `{"error":"invalid_request"}`)
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != clientID ||
		r.PostForm.Get("client_secret") != secret || r.PostForm.Get("scope") == "" {
		writeJSON(w, 401, `{"error":"invalid_client","error_description":"invalid client_id parameter"}`)
		return
	}
	tok := fmt.Sprintf("eyJ-access-token-%d-xyz", n)
	p.mu.Lock()
	p.valid[tok] = true
	life := p.tokenLife
	p.mu.Unlock()
	writeJSON(w, 200, fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":%d}`, tok, life))
}

// revokeAll makes the gateway refuse every token issued so far (a revoked or expired token).
func (p *platform) revokeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.valid)
}

func (p *platform) handle(pattern string, h http.HandlerFunc) { p.mux.HandleFunc(pattern, h) }

// reply registers a handler that answers status and body.
func (p *platform) reply(pattern string, status int, body string) {
	p.handle(pattern, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) })
}

// calls returns the recorded requests to paths starting with prefix (IMS included when prefix is "").
func (p *platform) calls(prefix string) []seen {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []seen
	for _, s := range p.requests {
		if strings.HasPrefix(s.Path, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// sleeps records the waits the client asked for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// config is a client config pointing at p with instant, recorded backoff.
func (p *platform) config(s *sleeps) aep.Config {
	return aep.Config{
		PlatformURL: p.srv.URL, IMSURL: p.srv.URL,
		OrgID: orgID, ClientID: clientID, ClientSecret: secret,
		Sandbox: "Dev-1",
		HTTP:    &http.Client{Transport: p.transport()},
		Retry:   aep.Retry{Sleep: s.sleep, Timeout: 5 * time.Second},
	}
}

func (p *platform) transport() http.RoundTripper {
	if p.raw {
		return http.DefaultTransport
	}
	return testTransport(p.t, http.DefaultTransport)
}

func (p *platform) client() (*aep.Client, *sleeps) {
	s := &sleeps{}
	return aep.New(p.config(s)), s
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// dropConnection closes the TCP connection without an answer, as a proxy or a crash would.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// cutBody promises a long body and closes the connection half-way through it.
func cutBody(w http.ResponseWriter, body string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body)*2, body[:len(body)/2])
	buf.Flush()
}

func mustJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", b, err)
	}
	return m
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
