package flow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/local"
)

// TestCheckSamplesMatchesIngestion: under the default mapping every embedded sample is accepted by the
// check and by the local platform's streaming inlet alike; a rule Data Prep's validator accepts but
// whose records ingestion rejects (a constant that is not a date into timestamp) is caught, naming the
// field, what the schema expects and what the mapping made, for every sample.
func TestCheckSamplesMatchesIngestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := e.session(t.TempDir())
	plan := newSchemaPlan()
	plan.Events = nil // every object type

	before, err := s.CheckSamples(ctx, plan, nil)
	must(t, err)
	if n := len(before.Samples); n == 0 || before.Accepted() != n || before.Err() != nil {
		t.Fatalf("default mapping before create: %d of %d accepted: %v", before.Accepted(), n, before.Err())
	}

	res, err := s.Apply(ctx, plan, nil)
	must(t, err)
	existing := flow.Plan{Sandbox: "prod", Destination: flow.Destination{Kind: flow.ExistingDataset, DatasetID: res.DatasetID}}
	after, err := s.CheckSamples(ctx, existing, flow.SampleEvents(nil))
	must(t, err)
	if after.Accepted() != len(after.Samples) {
		t.Fatalf("default mapping on the created schema: %d of %d accepted: %v", after.Accepted(), len(after.Samples), after.Err())
	}
	for _, ev := range flow.SampleEvents(nil) {
		body, _ := json.Marshal(ev)
		resp, err := http.Post(res.WebhookURL, "application/json", bytes.NewReader(body))
		must(t, err)
		resp.Body.Close()
	}
	evs, err := e.platform.Events(ctx, local.EventFilter{DatasetID: res.DatasetID})
	must(t, err)
	for _, ev := range evs {
		if ev.Failed {
			t.Errorf("the inlet rejected an event the check accepted: %s", ev.Reason)
		}
	}
	if len(evs) != len(after.Samples) {
		t.Errorf("the inlet stored %d events, want %d", len(evs), len(after.Samples))
	}

	rules, err := s.SuggestMapping(ctx, plan, nil)
	must(t, err)
	i := slices.IndexFunc(rules, func(r dataprep.Rule) bool { return r.Destination == "timestamp" })
	rules[i] = dataprep.Rule{SourceType: dataprep.Expression, Source: `"not-a-date"`, Destination: "timestamp"}
	existing.Mapping = rules
	checks, err := s.ValidateMapping(ctx, existing)
	must(t, err)
	for _, c := range checks {
		if !c.OK {
			t.Fatalf("Data Prep's validator rejected %v: this test needs a rule it accepts", c)
		}
	}
	bad, err := s.CheckSamples(ctx, existing, nil)
	must(t, err)
	if bad.Accepted() != 0 || len(bad.Samples) != len(flow.SampleEvents(nil)) {
		t.Fatalf("%d of %d accepted, want none of every sample", bad.Accepted(), len(bad.Samples))
	}
	p := bad.Samples[0].Problems
	if len(p) != 1 || p[0].Field != "timestamp" || p[0].Rule == nil || p[0].Rule.Source != `"not-a-date"` ||
		!strings.Contains(p[0].Message, "date-time") || !strings.Contains(p[0].Message, `"not-a-date"`) {
		t.Errorf("problems %+v, want timestamp: expected a date-time, got \"not-a-date\"", p)
	}
	var rejected *flow.SampleRejectedError
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "timestamp") || !errors.As(err, &rejected) || rejected.Rejected != rejected.Of {
		t.Errorf("Err() = %v", err)
	}
}
