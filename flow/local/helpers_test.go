package local

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/internal/openapitest"
)

// testOrg is a well-formed organization id.
const testOrg = "0123456789ABCDEF01234567@AdobeOrg"

// env is a local platform behind a real HTTP server whose every exchange is checked against Adobe's
// OpenAPI files.
type env struct {
	t     testing.TB
	p     *Platform
	srv   *httptest.Server // nil when the platform runs in another process
	base  string
	specs *openapitest.Specs
	token string
	id    string // client id (x-api-key)
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	p, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	specs := openapitest.Load(t)
	srv := httptest.NewServer(specs.Handler(t, p))
	p.SetBaseURL(srv.URL)
	t.Cleanup(func() {
		srv.Close()
		if err := p.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	e := &env{t: t, p: p, srv: srv, base: srv.URL, specs: specs, id: "test-client"}
	if cfg.ClientID != "" {
		e.id = cfg.ClientID
	}
	secret := "s3cret"
	if cfg.ClientSecret != "" {
		secret = cfg.ClientSecret
	}
	e.token = e.getToken(e.id, secret)
	return e
}

// with returns a copy of e that reports failures to t, for subtests.
func (e *env) with(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// getToken asks IMS for a token and fails the test if it does not get one.
func (e *env) getToken(id, secret string) string {
	e.t.Helper()
	st, body := e.form("/ims/token/v3", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"openid,AdobeID"}})
	if st != http.StatusOK {
		e.t.Fatalf("token: %d %v", st, body)
	}
	return body["access_token"].(string)
}

// form posts a form-encoded body.
func (e *env) form(path string, v url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.Post(e.base+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// req describes one Platform call. Zero headers are filled with valid values; set a header to "-" to
// leave it out.
type req struct {
	method, path string
	body         any // marshalled as JSON unless it is []byte or string
	headers      map[string]string
	sandbox      string
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	raw    []byte
	obj    map[string]any
	arr    []any
}

func (e *env) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	hr, err := http.NewRequest(r.method, e.base+r.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	sb := r.sandbox
	if sb == "" {
		sb = "prod"
	}
	h := map[string]string{
		"Authorization": "Bearer " + e.token, "x-api-key": e.id, "x-gw-ims-org-id": testOrg,
		"x-sandbox-name": sb, "Accept": "application/json",
	}
	if body != nil {
		h["Content-Type"] = "application/json"
	}
	for k, v := range r.headers {
		h[k] = v
	}
	for k, v := range h {
		if v != "-" {
			hr.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.obj)
	_ = json.Unmarshal(raw, &out.arr)
	return out
}

// must performs a call and fails unless the status is want.
func (e *env) must(want int, r req) resp {
	e.t.Helper()
	got := e.do(r)
	if got.status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.path, got.status, want, got.raw)
	}
	return got
}

// str digs a string out of decoded JSON by keys and indexes.
func str(v any, path ...any) string {
	for _, k := range path {
		switch key := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[key]
		case int:
			a, _ := v.([]any)
			if key >= len(a) {
				return ""
			}
			v = a[key]
		}
	}
	s, _ := v.(string)
	return s
}

// pathEscape encodes an XDM $id for use as a path segment.
func pathEscape(id string) string { return url.PathEscape(id) }
