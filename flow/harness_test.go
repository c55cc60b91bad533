package flow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/internal/openapitest"
	"github.com/cioaep/cioaep/flow/local"
)

// wire sits between the client and the local platform, like the network: it counts Platform calls,
// adds latency, and injects the faults issue 3 asks for at call k.
type wire struct {
	h       http.Handler
	latency time.Duration

	mu    sync.Mutex
	calls []string // "METHOD /path" of every Platform call (IMS token calls excluded)
	at    int      // 1-based call to break; 0 = none
	match string   // or: break the first call that is exactly this "METHOD /path"
	mode  fault
	hit   string // the call that was broken
	// inject is the fault when mode is faultFunc: it answers the broken call however the network would
	// (platform is the local platform, for faults that let it act first).
	inject func(rw http.ResponseWriter, r *http.Request, platform http.Handler)
	// gate, when set, sees every request first, IMS included, and answers it when it returns true:
	// for faults that last (an outage, a refused token) rather than hit one call.
	gate func(rw http.ResponseWriter, r *http.Request) bool
}

type fault int

const (
	fault503  fault = iota + 1 // answer 503 without touching the platform
	faultDrop                  // let the platform act, then drop the connection without an answer
	faultFunc                  // call wire.inject (see breakWith)
)

func (f fault) String() string {
	return map[fault]string{fault503: "503", faultDrop: "drop-after-commit", faultFunc: "custom"}[f]
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if w.latency > 0 {
		time.Sleep(w.latency)
	}
	w.mu.Lock()
	gate := w.gate
	w.mu.Unlock()
	if gate != nil && gate(rw, r) {
		return
	}
	if r.URL.Path == "/ims/token/v3" || strings.HasPrefix(r.URL.Path, "/collection/") {
		w.h.ServeHTTP(rw, r)
		return
	}
	w.mu.Lock()
	w.calls = append(w.calls, r.Method+" "+r.URL.Path)
	k := len(w.calls)
	broken := k == w.at || (w.match != "" && w.hit == "" && w.match == r.Method+" "+r.URL.Path)
	if broken {
		w.hit = fmt.Sprintf("call %d %s %s", k, r.Method, r.URL.Path)
	}
	mode, inject := w.mode, w.inject
	w.mu.Unlock()
	if !broken {
		w.h.ServeHTTP(rw, r)
		return
	}
	switch mode {
	case fault503:
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusServiceUnavailable)
		_, _ = rw.Write([]byte(`{"error_code":"503000","message":"injected: service unavailable"}`))
	case faultDrop:
		w.h.ServeHTTP(httptest.NewRecorder(), r) // the platform commits whatever the call does
		conn, _, err := rw.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	case faultFunc:
		inject(rw, r, w.h)
	}
}

// breakAt arms a fault at the k-th Platform call from now on (counting resets).
func (w *wire) breakAt(k int, mode fault) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls, w.at, w.match, w.mode, w.hit = nil, k, "", mode, ""
}

// breakOn arms a fault at the first call that is exactly "METHOD /path", wherever it falls: the engine
// runs independent steps in parallel, so a call's position varies from run to run.
func (w *wire) breakOn(call string, mode fault) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls, w.at, w.match, w.mode, w.hit = nil, 0, call, mode, ""
}

// breakWith arms inject at the first call that is exactly "METHOD /path", like breakOn.
func (w *wire) breakWith(call string, inject func(rw http.ResponseWriter, r *http.Request, platform http.Handler)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls, w.at, w.match, w.mode, w.hit, w.inject = nil, 0, call, faultFunc, "", inject
}

// setGate installs gate for every request from now on; nil removes it.
func (w *wire) setGate(gate func(rw http.ResponseWriter, r *http.Request) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gate = gate
}

// hitCall names the call that was broken, or "" when the run never reached it.
func (w *wire) hitCall() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hit
}

func (w *wire) log() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.calls...)
}

// env is one local platform behind a wire, served over real HTTP.
type env struct {
	platform *local.Platform
	wire     *wire
	url      string
	// http, when set, carries the engine's requests through Adobe's OpenAPI files (openapitest), so a
	// request Adobe would not accept fails the test even though the local platform took it.
	http *http.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	p, err := local.Open(local.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{h: p}
	srv := httptest.NewServer(w)
	p.SetBaseURL(srv.URL)
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return &env{platform: p, wire: w, url: srv.URL}
}

// validated makes the engine's clients check every exchange against Adobe's OpenAPI files. A request
// that does not match fails the test; an answer that does not match is only logged, because these tests
// are about what the engine sends, and the local platform's answers have their own tests against the
// same files.
func (e *env) validated(t *testing.T) *env {
	e.http = &http.Client{Transport: openapitest.Load(t).Transport(requestsOnly{t}, nil)}
	return e
}

// requestsOnly fails the test for openapitest reports about requests and logs the rest.
type requestsOnly struct{ *testing.T }

func (r requestsOnly) Errorf(format string, args ...any) {
	r.Helper()
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "the request it sent") {
		r.T.Errorf("%s", msg)
		return
	}
	r.Logf("not the engine's concern (the platform's answer): %s", msg)
}

// client is a fresh aep client (own token cache) with fast retries, as a new cioaep process would have.
func (e *env) client() *aep.Client { return aep.New(e.config()) }

// config is what client uses; fault tests change its retry bounds, clock or IMS URL before aep.New.
func (e *env) config() aep.Config {
	return aep.Config{PlatformURL: e.url, IMSURL: e.url, OrgID: local.OrgID, ClientID: "cioaep-test",
		ClientSecret: "test-secret", Sandbox: "prod", HTTP: e.http,
		Retry: aep.Retry{Base: time.Millisecond, Max: 5 * time.Millisecond, Timeout: 10 * time.Second}}
}

func (e *env) session(stateDir string) *flow.Session { return flow.NewSession(e.client(), stateDir) }

// census counts, over the Platform API, every resource carrying cioaep's name tag, by kind.
func (e *env) census(t testing.TB, schemaID string) map[string]int {
	t.Helper()
	ctx := context.Background()
	c := e.client()
	n := map[string]int{}
	tagged := func(name string) bool { return strings.Contains(name, "(cioaep ") }
	scs, err := c.SourceConnections(ctx, "connectionSpec.id=="+aep.CustomerIOConnectionSpecID)
	must(t, err)
	for _, x := range scs {
		if tagged(x.Name) {
			n[flow.KindSource]++
		}
	}
	tcs, err := c.TargetConnections(ctx)
	must(t, err)
	for _, x := range tcs {
		if tagged(x.Name) {
			n[flow.KindTarget]++
		}
	}
	fs, err := c.Flows(ctx)
	must(t, err)
	for _, x := range fs {
		if tagged(x.Name) {
			n[flow.KindFlow]++
		}
	}
	must(t, c.Datasets(ctx, func(ds []aep.Dataset) error {
		for _, d := range ds {
			if tagged(d.Name) {
				n[flow.KindDataset]++
			}
		}
		return nil
	}))
	must(t, c.Schemas(ctx, func(refs []aep.SchemaRef) error {
		for _, r := range refs {
			if tagged(r.Title) {
				n[flow.KindSchema]++
			}
		}
		return nil
	}))
	sets, err := c.FindMappingSets(ctx, "")
	must(t, err)
	for _, ms := range sets {
		if tagged(ms.Name) {
			n[flow.KindMapping]++
		}
	}
	n[flow.KindFieldGroup] = e.countFieldGroups(t, c)
	if schemaID != "" {
		ds, err := c.Descriptors(ctx, schemaID)
		must(t, err)
		for _, d := range ds {
			if d.Type == aep.IdentityDescriptor {
				n[flow.KindDescriptor]++
			}
		}
	}
	return n
}

// countFieldGroups lists tenant field groups directly: the client only finds them by title.
func (e *env) countFieldGroups(t testing.TB, c *aep.Client) int {
	tok, err := c.Token(context.Background())
	must(t, err)
	req, _ := http.NewRequest("GET", e.url+"/data/foundation/schemaregistry/tenant/fieldgroups?orderby=title&limit=300", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("x-api-key", "cioaep-test")
	req.Header.Set("x-gw-ims-org-id", local.OrgID)
	req.Header.Set("x-sandbox-name", "prod")
	req.Header.Set("Accept", "application/vnd.adobe.xed-id+json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var page struct {
		Results []struct {
			Title string `json:"title"`
		} `json:"results"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&page))
	n := 0
	for _, r := range page.Results {
		if strings.Contains(r.Title, "(cioaep ") {
			n++
		}
	}
	return n
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newSchemaPlan is the Customer.io schema path with defaults, as `setup --new-schema` builds it.
func newSchemaPlan() flow.Plan {
	return flow.Plan{Sandbox: "prod", Events: []string{"email"},
		Destination: flow.Destination{Kind: flow.NewSchema, DatasetName: "Customer.io events"}}
}

// sample is a Customer.io email-sent event as the reporting webhook posts it.
const sample = `{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQJ","object_type":"email","metric":"sent","timestamp":1613063089,
 "data":{"identifiers":{"id":"42","email":"ada@example.com","cio_id":"d9c106000001"},"customer_id":"42",
 "campaign_id":7,"action_id":3,"delivery_id":"RAECAAFwnUSneIa0ZXkmSw==","journey_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV",
 "recipient":"ada@example.com","subject":"Hello"}}`
