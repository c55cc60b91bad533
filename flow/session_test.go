package flow_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
)

// TestSessionDiscovery covers what the wizard asks before it applies anything: the credential check,
// active sandboxes, datasets and schemas page by page, the target fields with the tutorial's mandatory
// ones marked, and a preview of a Customer.io event on a new schema (mapped locally) and on an existing
// one (mapped by Data Prep's preview).
func TestSessionDiscovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t).validated(t)
	ctx := context.Background()
	s := e.session(t.TempDir())
	must(t, s.Verify(ctx))

	sbs, err := s.Sandboxes(ctx)
	must(t, err)
	if !slices.ContainsFunc(sbs, func(sb flow.Sandbox) bool { return sb.Name == "prod" }) {
		t.Errorf("sandboxes %+v lack prod", sbs)
	}
	var datasets []flow.Dataset
	must(t, s.Datasets(ctx, "prod", func(ds []flow.Dataset) { datasets = append(datasets, ds...) }))
	var schemas []flow.Schema
	must(t, s.Schemas(ctx, "prod", func(ss []flow.Schema) { schemas = append(schemas, ss...) }))
	if len(datasets) == 0 || len(schemas) == 0 || datasets[0].SchemaID == "" {
		t.Errorf("datasets %+v schemas %+v", datasets, schemas)
	}

	plan := newSchemaPlan()
	fields, err := s.TargetFields(ctx, plan)
	must(t, err)
	var mandatory []string
	for _, f := range fields {
		if f.Mandatory {
			mandatory = append(mandatory, f.Path[strings.LastIndex(f.Path, ".")+1:])
		}
	}
	slices.Sort(mandatory)
	if want := []string{"cio_id", "email", "event_id", "id", "metric", "object_type", "timestamp"}; !slices.Equal(mandatory, want) {
		t.Errorf("mandatory targets %v, want %v", mandatory, want)
	}

	var event map[string]any
	must(t, json.Unmarshal([]byte(sample), &event))
	local, err := s.Preview(ctx, plan, event)
	must(t, err)
	if local["eventType"] != "customerio.email.sent" || local["_id"] != "01E4C4CT6YDC7Y5M7FE1GWWPQJ" {
		t.Errorf("local preview %v", local)
	}

	res, err := s.Apply(ctx, plan, nil)
	must(t, err)
	existing := flow.Plan{Sandbox: "prod", Destination: flow.Destination{Kind: flow.ExistingDataset, DatasetID: res.DatasetID}}
	existing.Mapping, err = s.SuggestMapping(ctx, existing, []map[string]any{event})
	must(t, err)
	remote, err := s.Preview(ctx, existing, event)
	must(t, err)
	if remote["eventType"] != "customerio.email.sent" || remote["timestamp"] != local["timestamp"] {
		t.Errorf("Data Prep preview %v, local %v", remote, local)
	}
}

// TestSetupReadsOnce: setup onto an existing dataset suggests a mapping, checks it and applies it. The
// dataset, its schema and Data Prep's verdict are each read once for the three, which is what keeps the
// command within six round trips.
func TestSetupReadsOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	base, err := e.session(t.TempDir()).Apply(ctx, newSchemaPlan(), nil)
	must(t, err)
	s := e.session(t.TempDir())
	e.wire.breakAt(0, 0) // clears the call log
	plan := flow.Plan{Sandbox: "prod", Destination: flow.Destination{Kind: flow.ExistingDataset, DatasetID: base.DatasetID}}
	plan.Mapping, err = s.SuggestMapping(ctx, plan, nil)
	must(t, err)
	_, err = s.ValidateMapping(ctx, plan)
	must(t, err)
	_, err = s.Apply(ctx, plan, nil)
	must(t, err)
	count := map[string]int{}
	for _, c := range e.wire.log() {
		switch {
		case strings.HasPrefix(c, "GET /data/foundation/catalog/dataSets/"):
			count["dataset"]++
		case strings.HasPrefix(c, "GET /data/foundation/schemaregistry/tenant/schemas/"):
			count["schema"]++
		case c == "POST /data/foundation/conversion/mappingSets/validate":
			count["validate"]++
		}
	}
	if count["dataset"] != 1 || count["schema"] != 1 || count["validate"] != 1 {
		t.Errorf("reads %v, want one of each; calls: %q", count, e.wire.log())
	}
}
