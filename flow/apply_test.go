package flow_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/local"
)

var allKinds = []string{flow.KindFieldGroup, flow.KindSchema, flow.KindDescriptor, flow.KindDataset,
	flow.KindSource, flow.KindTarget, flow.KindMapping, flow.KindFlow}

// TestApplyNewSchemaTwice is issue 3's first demonstration on the Customer.io schema path: one of each
// resource, a webhook URL that takes a real Customer.io event into the dataset, and a second run that
// creates nothing and prints the same URL.
func TestApplyNewSchemaTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t).validated(t)
	ctx := context.Background()
	state := t.TempDir()

	var steps []flow.Step
	res, err := e.session(state).Apply(ctx, newSchemaPlan(), func(s flow.Step) { steps = append(steps, s) })
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if res.WebhookURL != res.InletURL+"?x-adobe-flow-id="+res.FlowID || !strings.HasPrefix(res.InletURL, e.url+"/collection/") {
		t.Errorf("webhook URL %q from inlet %q and flow %q", res.WebhookURL, res.InletURL, res.FlowID)
	}
	slices.Sort(res.Created)
	want := slices.Clone(allKinds)
	slices.Sort(want)
	if !slices.Equal(res.Created, want) || len(res.Reused) != 0 {
		t.Errorf("created %v reused %v, want created %v", res.Created, res.Reused, want)
	}
	for _, s := range steps {
		if s.State == flow.StepFailed {
			t.Errorf("step %s failed: %v", s.Name, s.Err)
		}
	}
	checkCensus(t, e, res.SchemaID)

	// The dataflow works: Customer.io's event lands in the dataset, mapped, not in the failed records.
	resp, err := http.Post(res.WebhookURL, "application/json", strings.NewReader(sample))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("inlet answered %d", resp.StatusCode)
	}
	evs, err := e.platform.Events(ctx, local.EventFilter{DatasetID: res.DatasetID})
	must(t, err)
	if len(evs) != 1 || evs[0].Failed {
		t.Fatalf("events in the dataset: %+v", evs)
	}
	rec := string(evs[0].Record)
	for _, want := range []string{`"eventType":"customerio.email.sent"`, `"ada@example.com"`, `"timestamp":"2021-02-11T17:04:49`} {
		if !strings.Contains(rec, want) {
			t.Errorf("mapped record lacks %s: %s", want, rec)
		}
	}

	e.wire.breakAt(0, 0)
	again, err := e.session(state).Apply(ctx, newSchemaPlan(), nil)
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if again.WebhookURL != res.WebhookURL || len(again.Created) != 0 || len(again.Reused) != len(allKinds) {
		t.Errorf("second run: url %q (first %q) created %v reused %v", again.WebhookURL, res.WebhookURL, again.Created, again.Reused)
	}
	for _, c := range e.wire.log() {
		if strings.HasPrefix(c, "POST") && !strings.HasSuffix(c, "/validate") || strings.HasPrefix(c, "PUT") || strings.HasPrefix(c, "PATCH") {
			t.Errorf("second run changed something: %s", c)
		}
	}
	checkCensus(t, e, res.SchemaID)
	if got, ok, err := flow.LoadResult(state); err != nil || !ok || got.WebhookURL != res.WebhookURL {
		t.Errorf("LoadResult = %+v %v %v", got, ok, err)
	}
}

// checkCensus asserts the platform holds exactly one of each tagged resource.
func checkCensus(t *testing.T, e *env, schemaID string) {
	t.Helper()
	n := e.census(t, schemaID)
	for _, k := range allKinds {
		if n[k] != 1 {
			t.Errorf("platform holds %d %s, want 1 (census %v)", n[k], k, n)
		}
	}
}

// TestApplyExistingDataset streams into a dataset that exists (made by another profile's setup) with a
// suggested mapping: only the connections, the mapping set and the flow are created, the dataset is
// reused, and a second run creates nothing.
func TestApplyExistingDataset(t *testing.T) {
	t.Parallel()
	e := newEnv(t).validated(t)
	ctx := context.Background()
	first, err := e.session(t.TempDir()).Apply(ctx, newSchemaPlan(), nil)
	must(t, err)

	state := t.TempDir()
	s := e.session(state)
	plan := flow.Plan{Sandbox: "prod", Destination: flow.Destination{Kind: flow.ExistingDataset, DatasetID: first.DatasetID, SchemaID: first.SchemaID}}
	plan.Mapping, err = s.SuggestMapping(ctx, plan, nil)
	must(t, err)
	checks, err := s.ValidateMapping(ctx, plan)
	if err != nil {
		t.Fatalf("validate the suggestion: %v", err)
	}
	for _, c := range checks {
		if !c.OK {
			t.Errorf("suggested rule %+v fails: %v", c.Rule, c.Errors)
		}
	}
	res, err := s.Apply(ctx, plan, nil)
	must(t, err)
	slices.Sort(res.Created)
	if want := []string{flow.KindFlow, flow.KindMapping, flow.KindSource, flow.KindTarget}; !slices.Equal(res.Created, want) {
		t.Errorf("created %v, want %v", res.Created, want)
	}
	if !slices.Equal(res.Reused, []string{flow.KindDataset}) || res.DatasetID != first.DatasetID {
		t.Errorf("reused %v dataset %s", res.Reused, res.DatasetID)
	}
	again, err := e.session(state).Apply(ctx, plan, nil)
	must(t, err)
	if len(again.Created) != 0 || again.WebhookURL != res.WebhookURL {
		t.Errorf("second run created %v, url %s vs %s", again.Created, again.WebhookURL, res.WebhookURL)
	}
}

// TestReviewCallsNoCreate checks the dry run: every resource planned for creation on a fresh profile,
// nothing sent but reads and Data Prep's validation, and all reused after the real run.
func TestReviewCallsNoCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t).validated(t)
	ctx := context.Background()
	state := t.TempDir()
	steps, err := e.session(state).Review(ctx, newSchemaPlan())
	must(t, err)
	for _, s := range steps {
		if s.Action != "create" {
			t.Errorf("fresh review: %+v", s)
		}
	}
	if len(steps) < 8 {
		t.Errorf("review lists %d steps: %+v", len(steps), steps)
	}
	for _, c := range e.wire.log() {
		if !strings.HasPrefix(c, "GET") && !strings.HasSuffix(c, "/validate") {
			t.Errorf("dry run sent %s", c)
		}
	}
	_, err = e.session(state).Apply(ctx, newSchemaPlan(), nil)
	must(t, err)
	steps, err = e.session(state).Review(ctx, newSchemaPlan())
	must(t, err)
	for _, s := range steps {
		if s.Action != "reuse" {
			t.Errorf("review after apply: %+v", s)
		}
	}
}
