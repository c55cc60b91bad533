package openapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// canned is one exchange from platform.md: what a client sends and what Adobe answers.
type canned struct {
	name        string
	method, url string
	header      map[string]string
	body        string
	status      int
	respType    string
	respBody    string
}

var platformHeaders = map[string]string{
	"Authorization":   "Bearer token",
	"x-api-key":       "client-id",
	"x-gw-ims-org-id": "0123456789ABCDEF01234567@AdobeOrg",
	"x-sandbox-name":  "prod",
}

// answer serves c's response to any request, so the same canned exchange can be checked from both sides.
func (c canned) answer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if c.respType != "" {
			w.Header().Set("Content-Type", c.respType)
		}
		w.WriteHeader(c.status)
		io.WriteString(w, c.respBody)
	})
}

func (c canned) request(t *testing.T, base string) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range platformHeaders {
		req.Header.Set(k, v)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return req
}

// viaTransport runs c through the client-side wrapper and returns what it reported.
func viaTransport(t *testing.T, s *Specs, c canned) string {
	t.Helper()
	srv := httptest.NewServer(c.answer())
	defer srv.Close()
	tb := &fakeTB{TB: t}
	client := &http.Client{Transport: s.Transport(tb, nil)}
	resp, err := client.Do(c.request(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != c.respBody {
		t.Fatalf("the client read %q through the wrapper, want %q", got, c.respBody)
	}
	return tb.report()
}

// viaHandler runs c through the server-side wrapper and returns what it reported.
func viaHandler(t *testing.T, s *Specs, c canned) string {
	t.Helper()
	tb := &fakeTB{TB: t}
	srv := httptest.NewServer(s.Handler(tb, c.answer()))
	defer srv.Close()
	resp, err := http.DefaultClient.Do(c.request(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != c.status || string(got) != c.respBody {
		t.Fatalf("the wrapper changed the response: %d %q", resp.StatusCode, got)
	}
	return tb.report()
}

var createDataset = canned{
	name: "create dataset", method: "POST", url: "/data/foundation/catalog/dataSets?requestDataSource=true",
	body: `{"name":"Customer.io events","description":"d","schemaRef":{"id":"https://ns.adobe.com/acme/schemas/1",` +
		`"contentType":"application/vnd.adobe.xed+json;version=1"}}`,
	status: 201, respType: "application/json", respBody: `["@/dataSets/5c8c3c555033b814b69f947f"]`,
}

func TestConformingExchangePasses(t *testing.T) {
	t.Parallel()
	s := Load(t)
	if got := viaTransport(t, s, createDataset); got != "" {
		t.Errorf("client side: %s", got)
	}
	if got := viaHandler(t, s, createDataset); got != "" {
		t.Errorf("server side: %s", got)
	}
	if got := s.Covered(); len(got) != 1 || got[0] != "POST /data/foundation/catalog/dataSets" {
		t.Errorf("Covered() = %q", got)
	}
}

func TestMalformedRequestBodyFails(t *testing.T) {
	t.Parallel()
	s := Load(t)
	bad := createDataset
	bad.body = `{"name":42,"schemaRef":{"id":"x","contentType":"y"}}`
	got := viaTransport(t, s, bad)
	for _, want := range []string{
		"POST /data/foundation/catalog/dataSets",
		"the request it sent does not match the spec",
		"/name", "string",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("client-side report lacks %q:\n%s", want, got)
		}
	}
	// A server that accepts the bad body is wrong too.
	if got := viaHandler(t, s, bad); !strings.Contains(got, "was answered 201 for does not match") && !strings.Contains(got, "the request it was answered 201 for does not match the spec") {
		t.Errorf("server-side report: %q", got)
	}
	// A server that refuses it with a 4xx is doing its job.
	bad.status, bad.respBody = 400, `{"title":"bad"}`
	if got := viaHandler(t, s, bad); got != "" {
		t.Errorf("a 400 for a bad request was reported: %s", got)
	}
}

func TestMalformedResponseFails(t *testing.T) {
	t.Parallel()
	s := Load(t)
	bad := createDataset
	bad.respBody = `{"id":"5c8c3c555033b814b69f947f"}`
	for side, got := range map[string]string{"client": viaTransport(t, s, bad), "server": viaHandler(t, s, bad)} {
		if !strings.Contains(got, "POST /data/foundation/catalog/dataSets") ||
			!strings.Contains(got, "the 201 response does not match the spec") || !strings.Contains(got, "array") {
			t.Errorf("%s side report: %q", side, got)
		}
	}
}

func TestMissingHeaderFailsClient(t *testing.T) {
	t.Parallel()
	s := Load(t)
	c := createDataset
	c.header = map[string]string{"x-api-key": ""}
	got := viaTransport(t, s, c)
	if !strings.Contains(got, `header parameter "x-api-key"`) {
		t.Errorf("report: %q", got)
	}
}

func TestUndocumentedSuccessStatusFails(t *testing.T) {
	t.Parallel()
	s := Load(t)
	c := canned{name: "create mapping set", method: "POST", url: "/data/foundation/conversion/mappingSets",
		body: `{"outputSchema":{"schemaRef":{"id":"https://ns.adobe.com/acme/schemas/1","contentType":"application/vnd.adobe.xed-full+json;version=1"}},` +
			`"mappings":[{"sourceType":"ATTRIBUTE","source":"metric","destination":"_acme.customerio.metric"}]}`,
		status: 201, respType: "application/json", respBody: `{"id":"e7c80e4c0d8f4a98a7d400b4e178b635","version":0}`}
	if got := viaTransport(t, s, c); !strings.Contains(got, "status 201 is not documented") {
		t.Errorf("report: %q", got)
	}
	c.status = 200
	if got := viaTransport(t, s, c); got != "" {
		t.Errorf("200, as documented: %s", got)
	}
}

func TestUndescribedExchangesPass(t *testing.T) {
	t.Parallel()
	s := Load(t)
	c := canned{method: "POST", url: "/ims/token/v3", body: "x", status: 200, respType: "application/json", respBody: "{}"}
	if got := viaTransport(t, s, c); got != "" {
		t.Errorf("report: %q", got)
	}
	if len(s.Covered()) != 0 {
		t.Errorf("Covered() = %q", s.Covered())
	}
}

// Parsing happens once per process; each Load only starts a fresh coverage record.
func TestLoadSharesParsedFiles(t *testing.T) {
	t.Parallel()
	a, b := Load(t), Load(t)
	if a.specs != b.specs {
		t.Fatal("Load parsed the files again")
	}
	if got := viaTransport(t, a, createDataset); got != "" {
		t.Fatal(got)
	}
	if len(a.Covered()) != 1 || len(b.Covered()) != 0 {
		t.Fatalf("coverage leaked between Specs: %q %q", a.Covered(), b.Covered())
	}
}
