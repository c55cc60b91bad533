package flow_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/internal/openapitest"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// opsPlatform is a local platform over real HTTP for the reconfiguration, status and teardown tests. A
// hook may step in before the platform answers a request, to play another client acting meanwhile. Its
// clients send every request through Adobe's OpenAPI files, so a request Adobe would refuse fails the
// test even when the local platform takes it.
type opsPlatform struct {
	p     *local.Platform
	url   string
	hook  atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
	specs http.RoundTripper
}

// requestChecks fails the test for an openapitest report about a request and only logs one about the
// platform's answer: the local platform's answers have their own tests against the same files.
type requestChecks struct{ *testing.T }

func (r requestChecks) Errorf(format string, args ...any) {
	r.Helper()
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "the request it sent") {
		r.T.Errorf("%s", msg)
		return
	}
	r.Logf("the platform's answer, not this test's concern: %s", msg)
}

func startOps(t *testing.T) *opsPlatform {
	t.Helper()
	p, err := local.Open(local.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	op := &opsPlatform{p: p, specs: openapitest.Load(t).Transport(requestChecks{t}, nil)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := op.hook.Load(); h != nil && (*h)(w, r) {
			return
		}
		p.ServeHTTP(w, r)
	}))
	p.SetBaseURL(srv.URL)
	op.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return op
}

// client is a fresh client, as another cioaep process (or another tool) would have.
func (op *opsPlatform) client() *aep.Client {
	return aep.New(aep.Config{PlatformURL: op.url, IMSURL: op.url, OrgID: local.OrgID, ClientID: "ops-test",
		ClientSecret: "ops-secret", Sandbox: "prod", HTTP: &http.Client{Transport: op.specs},
		Retry: aep.Retry{Base: time.Millisecond, Max: 5 * time.Millisecond, Timeout: 10 * time.Second}})
}

// otherClient plays another tool changing the dataflow meanwhile. Its requests skip the OpenAPI check:
// a rename sends a string value, which platform.md documents but Adobe's spec file types as an object.
func (op *opsPlatform) otherClient() *aep.Client {
	return aep.New(aep.Config{PlatformURL: op.url, IMSURL: op.url, OrgID: local.OrgID, ClientID: "other-tool",
		ClientSecret: "other-secret", Sandbox: "prod"})
}

func (op *opsPlatform) session(stateDir string) *flow.Session {
	return flow.NewSession(op.client(), stateDir)
}

// setUp runs the Customer.io schema setup into a fresh state directory.
func (op *opsPlatform) setUp(t *testing.T) (*flow.Session, flow.Result) {
	t.Helper()
	s := op.session(t.TempDir())
	res, err := s.Apply(context.Background(), flow.Plan{Sandbox: "prod", Events: []string{"email"},
		Destination: flow.Destination{Kind: flow.NewSchema, DatasetName: "Customer.io events"}}, nil)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	return s, res
}

// postEvent posts one Customer.io event to a webhook URL and fails the test unless the inlet accepts it.
func postEvent(t *testing.T, webhook, event string) {
	t.Helper()
	res, err := http.Post(webhook, "application/json", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("inlet answered %d: %s", res.StatusCode, body)
	}
}

// lastRecord is the newest event the platform ingested into a dataset, mapped or failed.
func (op *opsPlatform) lastRecord(t *testing.T, datasetID string) local.Event {
	t.Helper()
	evs, err := op.p.Events(context.Background(), local.EventFilter{DatasetID: datasetID})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Fatalf("dataset %s received nothing", datasetID)
	}
	return evs[len(evs)-1]
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// cioEvent is a Customer.io email-sent reporting event.
const cioEvent = `{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQJ","object_type":"email","metric":"sent","timestamp":1613063089,
 "data":{"identifiers":{"id":"42","email":"ada@example.com","cio_id":"d9c106000001"},"customer_id":"42",
 "delivery_id":"RAECAAFwnUSneIa0ZXkmSw==","recipient":"ada@example.com","subject":"Hello"}}`

// Must-show 3: with the journal gone (another machine), the dataflow is found through the Customer.io
// connection spec, described, and adopted back into the journal with nothing marked as created by the
// adopting profile.
func TestDiscoverAdoptsWithoutJournal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	ui := localtest.NewDataflow(t, op.url, "prod") // a Customer.io dataflow built by hand, as in Adobe's UI
	postEvent(t, res.WebhookURL, cioEvent)
	for _, f := range []string{flow.JournalFile, flow.ResultFile} {
		noErr(t, os.Remove(filepath.Join(s.StateDir(), f)))
	}
	if _, found, _, err := s.Current(ctx); err != nil || found {
		t.Fatalf("Current without a journal: found=%v err=%v", found, err)
	}

	dfs, err := s.Discover(ctx, "")
	noErr(t, err)
	if len(dfs) != 2 {
		t.Fatalf("Discover found %d dataflows, want 2: %+v", len(dfs), dfs)
	}
	mine := dfs[0] // most recently active first: only ours has a run
	if mine.ID != res.FlowID || dfs[1].ID != ui.Flow {
		t.Fatalf("Discover order = %s, %s; want %s (active) then %s", mine.ID, dfs[1].ID, res.FlowID, ui.Flow)
	}
	if mine.PlanID == "" || dfs[1].PlanID != "" {
		t.Errorf("plan ids = %q, %q; want ours tagged and the hand-built one untagged", mine.PlanID, dfs[1].PlanID)
	}
	if mine.DatasetID != res.DatasetID || mine.DatasetName == "" || mine.SchemaID != res.SchemaID ||
		!mine.Enabled() || mine.WebhookURL() != res.WebhookURL || mine.MappingSetID != res.MappingSetID {
		t.Errorf("described dataflow = %+v, want it to match the setup result %+v", mine, res)
	}
	if len(mine.Runs) != 1 || mine.Runs[0].Input != 1 || mine.Runs[0].Output != 1 || mine.LastActivity().IsZero() {
		t.Errorf("runs = %+v, want one run with the event sent", mine.Runs)
	}

	adopted, err := s.Adopt(ctx, mine)
	noErr(t, err)
	if adopted.WebhookURL != res.WebhookURL || adopted.FlowID != res.FlowID {
		t.Errorf("adopted result = %+v, want the setup's %+v", adopted, res)
	}
	again, found, _, err := s.Current(ctx)
	if err != nil || !found || again.ID != res.FlowID {
		t.Fatalf("Current after Adopt = %s found=%v err=%v", again.ID, found, err)
	}
	j, err := flow.OpenJournal(s.StateDir())
	noErr(t, err)
	if j.PlanID != mine.PlanID {
		t.Errorf("journal plan = %q, want %q", j.PlanID, mine.PlanID)
	}
	for _, kind := range []string{flow.KindFlow, flow.KindSource, flow.KindTarget, flow.KindMapping, flow.KindDataset, flow.KindSchema, flow.KindFieldGroup} {
		// Even tagged resources are not this profile's to delete: another setup made them.
		if e, ok := j.Entry(kind); !ok || e.ID == "" || e.Created {
			t.Errorf("journal %s = %+v (ok=%v), want an id not marked created", kind, e, ok)
		}
	}

	other := op.session(t.TempDir())
	_, err = other.Adopt(ctx, dfs[1])
	noErr(t, err)
	j, err = flow.OpenJournal(other.StateDir())
	noErr(t, err)
	for kind, e := range j.Resources {
		if e.Created {
			t.Errorf("adopting a hand-built dataflow journaled %s %s as created by cioaep", kind, e.ID)
		}
	}
}
