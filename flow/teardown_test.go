package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// tagged counts the resources in the sandbox whose names carry cioaep's tag, by kind.
func (op *opsPlatform) tagged(t *testing.T) map[string]int {
	t.Helper()
	ctx := context.Background()
	c := op.client()
	n := map[string]int{}
	has := func(name string) bool { return strings.Contains(name, "(cioaep ") }
	scs, err := c.SourceConnections(ctx)
	noErr(t, err)
	for _, x := range scs {
		if has(x.Name) {
			n[flow.KindSource]++
		}
	}
	tcs, err := c.TargetConnections(ctx)
	noErr(t, err)
	for _, x := range tcs {
		if has(x.Name) {
			n[flow.KindTarget]++
		}
	}
	fs, err := c.Flows(ctx)
	noErr(t, err)
	for _, x := range fs {
		if has(x.Name) {
			n[flow.KindFlow]++
		}
	}
	noErr(t, c.Datasets(ctx, func(ds []aep.Dataset) error {
		for _, d := range ds {
			if has(d.Name) {
				n[flow.KindDataset]++
			}
		}
		return nil
	}))
	noErr(t, c.Schemas(ctx, func(refs []aep.SchemaRef) error {
		for _, r := range refs {
			if has(r.Title) {
				n[flow.KindSchema]++
			}
		}
		return nil
	}))
	return n
}

// existingDatasetSetup streams into a dataset that existed before setup (built by hand, with its own
// hand-built dataflow beside it), as `setup --dataset ID` does.
func existingDatasetSetup(t *testing.T, op *opsPlatform) (*flow.Session, flow.Result, localtest.Dataflow) {
	t.Helper()
	pre := localtest.NewDataflow(t, op.url, "prod")
	raw, err := json.Marshal(localtest.Mapping(pre.Tenant))
	noErr(t, err)
	rules, err := dataprep.ParseRules(raw)
	noErr(t, err)
	s := op.session(t.TempDir())
	res, err := s.Apply(context.Background(), flow.Plan{Sandbox: "prod", Events: []string{"email"},
		Destination: flow.Destination{Kind: flow.ExistingDataset, DatasetID: pre.Dataset}, Mapping: rules}, nil)
	noErr(t, err)
	return s, res, pre
}

// Must-show 4: teardown removes every resource cioaep created and leaves the dataset that existed before
// setup, and the dataflow cioaep did not make, untouched.
func TestTeardownKeepsWhatExistedBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res, pre := existingDatasetSetup(t, op)
	postEvent(t, res.WebhookURL, cioEvent)
	if n := op.tagged(t); n[flow.KindFlow] != 1 || n[flow.KindSource] != 1 || n[flow.KindTarget] != 1 {
		t.Fatalf("before teardown: %v", n)
	}

	items, err := s.PlanTeardown(ctx, flow.TeardownOptions{IncludeDataset: true})
	noErr(t, err)
	var order []string
	for _, it := range items {
		order = append(order, it.Kind+":"+it.Action)
	}
	want := []string{"flow:delete", "targetConnection:delete", "sourceConnection:delete", "mappingSet:keep", "dataset:keep"}
	if !slices.Equal(order, want) {
		t.Fatalf("teardown plan = %v, want %v", order, want)
	}
	if ds := items[4]; ds.ID != pre.Dataset || !strings.Contains(ds.Reason, "existed before") {
		t.Errorf("dataset item = %+v, want the pre-existing dataset kept because it existed before", ds)
	}
	if ms := items[3]; !strings.Contains(ms.Reason, "no delete") {
		t.Errorf("mapping set item = %+v, want it kept because Data Prep cannot delete it", ms)
	}
	if after := op.tagged(t); after[flow.KindFlow] != 1 {
		t.Fatalf("planning deleted something: %v", after)
	}

	var done []string
	noErr(t, s.Teardown(ctx, items, func(it flow.TeardownItem, err error) {
		noErr(t, err)
		done = append(done, it.Kind)
	}))
	if !slices.Equal(done, []string{flow.KindFlow, flow.KindTarget, flow.KindSource}) {
		t.Errorf("teardown did %v", done)
	}
	if n := op.tagged(t); len(n) != 0 {
		t.Errorf("cioaep resources left after teardown: %v", n)
	}
	c := op.client()
	if ds, err := c.Dataset(ctx, pre.Dataset); err != nil || ds.Name != "Customer.io events" {
		t.Errorf("the pre-existing dataset after teardown: %+v, %v", ds, err)
	}
	if _, err := c.Flow(ctx, pre.Flow); err != nil {
		t.Errorf("teardown touched a dataflow cioaep did not create: %v", err)
	}
	if code, body := pre.Send(t, cioEvent); code != 200 {
		t.Errorf("the hand-built dataflow no longer ingests: %d %s", code, body)
	}
	for _, f := range []string{flow.JournalFile, flow.ResultFile} {
		if _, err := os.Stat(filepath.Join(s.StateDir(), f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after a complete teardown (%v)", f, err)
		}
	}
	if items, err := s.PlanTeardown(ctx, flow.TeardownOptions{}); err != nil || len(items) != 0 {
		t.Errorf("a second teardown would do %+v (%v), want nothing", items, err)
	}
}

// Without --include-dataset the dataset, schema and field group setup created stay, and stay journaled
// so a later teardown --include-dataset still finds them.
func TestTeardownKeepsCreatedDatasetUnlessAsked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	items, err := s.PlanTeardown(ctx, flow.TeardownOptions{})
	noErr(t, err)
	kept := map[string]string{}
	for _, it := range items {
		if it.Action == flow.ActionKeep {
			kept[it.Kind] = it.Reason
		}
	}
	for _, kind := range []string{flow.KindDataset, flow.KindSchema, flow.KindFieldGroup} {
		if !strings.Contains(kept[kind], "--include-dataset") {
			t.Errorf("%s kept for %q, want a pointer to --include-dataset", kind, kept[kind])
		}
	}
	noErr(t, s.Teardown(ctx, items, nil))
	if n := op.tagged(t); n[flow.KindFlow]+n[flow.KindSource]+n[flow.KindTarget] != 0 || n[flow.KindDataset] != 1 || n[flow.KindSchema] != 1 {
		t.Errorf("after teardown without --include-dataset: %v, want only the dataset and schema", n)
	}
	j, err := flow.OpenJournal(s.StateDir())
	noErr(t, err)
	if e, ok := j.Entry(flow.KindDataset); !ok || e.ID != res.DatasetID {
		t.Errorf("the journal forgot the created dataset: %+v", j.Resources)
	}
	if _, ok := j.Entry(flow.KindFlow); ok {
		t.Errorf("the journal still names the deleted flow")
	}
	if _, ok, _ := flow.LoadResult(s.StateDir()); ok {
		t.Errorf("the setup result survived the deletion of its dataflow")
	}
}

// A create whose id never reached the journal (killed between the POST and the write) is found by the
// plan's tagged name and deleted; a pending entry the platform never saw is only forgotten.
func TestTeardownFindsPendingByName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	c := op.client()
	const name = "Customer.io source (cioaep abc123)"
	sc, err := c.CreateSourceConnection(ctx, aep.SourceConnection{Name: name, ProviderID: aep.CustomerIOProviderID,
		ConnectionSpec: aep.SpecRef{ID: aep.CustomerIOConnectionSpecID, Version: aep.SpecVersion}, Data: aep.ConnectionData{Format: "json"}})
	noErr(t, err)
	dir := t.TempDir()
	journal := `{"planId":"abc123","sandbox":"prod","resources":{
	  "sourceConnection":{"name":"` + name + `","pending":true,"created":true,"at":"2026-11-28T20:00:00Z"},
	  "targetConnection":{"name":"Customer.io → dataset (cioaep abc123)","pending":true,"created":true,"at":"2026-11-28T20:00:00Z"}}}`
	noErr(t, os.WriteFile(filepath.Join(dir, flow.JournalFile), []byte(journal), 0o600))
	s := op.session(dir)
	items, err := s.PlanTeardown(ctx, flow.TeardownOptions{})
	noErr(t, err)
	if len(items) != 2 || items[0].Action != flow.ActionForget || items[1].Action != flow.ActionDelete || items[1].ID != sc.ID {
		t.Fatalf("plan = %+v, want the target forgotten and the source found by name", items)
	}
	noErr(t, s.Teardown(ctx, items, nil))
	if _, err := c.SourceConnection(ctx, sc.ID); !errors.Is(err, aep.ErrNotFound) {
		t.Errorf("the source connection found by name survived: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, flow.JournalFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the emptied journal was kept (%v)", err)
	}
}

// With --include-dataset a Customer.io schema setup leaves nothing behind: flow, connections, dataset,
// schema and field group all go (only the mapping set stays: Data Prep cannot delete one).
func TestTeardownIncludeDatasetRemovesEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	items, err := s.PlanTeardown(ctx, flow.TeardownOptions{IncludeDataset: true})
	noErr(t, err)
	var order []string
	for _, it := range items {
		order = append(order, it.Kind+":"+it.Action)
	}
	want := []string{"flow:delete", "targetConnection:delete", "sourceConnection:delete", "mappingSet:keep", "dataset:delete", "schema:delete", "fieldGroup:delete"}
	if !slices.Equal(order, want) {
		t.Errorf("teardown plan = %v, want %v", order, want)
	}
	var done []string
	noErr(t, s.Teardown(ctx, items, func(it flow.TeardownItem, err error) {
		noErr(t, err)
		done = append(done, it.Kind)
	}))
	if want := []string{flow.KindFlow, flow.KindTarget, flow.KindSource, flow.KindDataset, flow.KindSchema, flow.KindFieldGroup}; !slices.Equal(done, want) {
		t.Errorf("teardown did %v, want %v", done, want)
	}
	if n := op.tagged(t); len(n) != 0 {
		t.Errorf("left after teardown --include-dataset: %v", n)
	}
	if ds, err := op.client().Descriptors(ctx, res.SchemaID); err != nil || len(ds) != 0 {
		t.Errorf("the deleted schema's descriptors: %+v (%v)", ds, err)
	}
	if _, err := os.Stat(filepath.Join(s.StateDir(), flow.JournalFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the journal survived a complete teardown (%v)", err)
	}
	fgTitle := "Customer.io reporting webhook events (cioaep " + planOf(t, items) + ")"
	if _, ok, err := op.client().FindFieldGroup(ctx, fgTitle); ok || err != nil {
		t.Errorf("field group %q still there (%v)", fgTitle, err)
	}
	if _, err := op.client().Dataset(ctx, res.DatasetID); !errors.Is(err, aep.ErrNotFound) {
		t.Errorf("dataset %s: %v, want not found", res.DatasetID, err)
	}
}

// planOf is the plan id the teardown items belong to.
func planOf(t *testing.T, items []flow.TeardownItem) string {
	t.Helper()
	if len(items) == 0 || items[0].PlanID == "" {
		t.Fatal("no plan id in the teardown items")
	}
	return items[0].PlanID
}

// A mapping set whose create reached Data Prep without its id reaching the journal is found by the
// plan's tagged name and reported (kept: Data Prep has no delete), not mistaken for one never made.
func TestTeardownFindsPendingMappingSetByName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	_, res := op.setUp(t)
	c := op.client()
	const name = "Customer.io mapping (cioaep fed987)"
	ms, err := c.CreateMappingSet(ctx, aep.MappingInput{Name: name, SchemaID: res.SchemaID,
		Mappings: []dataprep.Rule{{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"}}})
	noErr(t, err)
	dir := t.TempDir()
	journal := `{"planId":"fed987","sandbox":"prod","resources":{
	  "mappingSet":{"name":"` + name + `","pending":true,"created":true,"at":"2026-11-28T20:00:00Z"}}}`
	noErr(t, os.WriteFile(filepath.Join(dir, flow.JournalFile), []byte(journal), 0o600))
	s := op.session(dir)
	items, err := s.PlanTeardown(ctx, flow.TeardownOptions{IncludeDataset: true})
	noErr(t, err)
	if len(items) != 1 || items[0].ID != ms.ID || items[0].Action != flow.ActionKeep || !strings.Contains(items[0].Reason, "no delete") {
		t.Fatalf("plan = %+v, want mapping set %s found by name and kept", items, ms.ID)
	}
	noErr(t, s.Teardown(ctx, items, nil))
	if _, err := os.Stat(filepath.Join(dir, flow.JournalFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the journal still names the mapping set of a dataflow that never was (%v)", err)
	}
}
