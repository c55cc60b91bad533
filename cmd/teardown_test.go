package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// taggedCount counts the flows, connections and datasets whose names carry cioaep's tag.
func (w *opsWorld) taggedCount(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	c := w.client()
	n := 0
	has := func(name string) {
		if strings.Contains(name, "(cioaep ") {
			n++
		}
	}
	fs, err := c.Flows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		has(f.Name)
	}
	scs, err := c.SourceConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		has(sc.Name)
	}
	tcs, err := c.TargetConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tcs {
		has(tc.Name)
	}
	if err := c.Datasets(ctx, func(ds []aep.Dataset) error {
		for _, d := range ds {
			has(d.Name)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// Must-show 4 through the command: --dry-run deletes nothing, no terminal without --yes is exit 3, and
// teardown --yes leaves none of cioaep's resources while the dataset that existed before setup stays.
func TestTeardownCommand(t *testing.T) {
	w := newOpsWorld(t)
	pre := localtest.NewDataflow(t, w.url, "prod")
	mapping := filepath.Join(t.TempDir(), "mapping.json")
	raw, err := json.Marshal(localtest.Mapping(pre.Tenant))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mapping, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	w.setUp(t, "--dataset", pre.Dataset, "--mapping", mapping)
	before := w.taggedCount(t)
	if before != 3 {
		t.Fatalf("setup into an existing dataset made %d tagged resources, want flow + 2 connections", before)
	}

	dry := w.mustRun(t, ExitOK, "teardown", "--dry-run", "--include-dataset")
	if !strings.Contains(dry.stdout, "existed before setup") || !strings.Contains(dry.stdout, "no delete for mapping sets") {
		t.Errorf("dry run output on stdout:\n%s", dry.stdout)
	}
	if n := w.taggedCount(t); n != before {
		t.Fatalf("--dry-run deleted something: %d tagged left of %d", n, before)
	}
	if r := w.mustRun(t, ExitMissing, "teardown"); !strings.Contains(r.stderr, "--yes") {
		t.Errorf("teardown without a terminal or --yes: %s", r.stderr)
	}

	r := w.mustRun(t, ExitOK, "teardown", "--yes", "--json", "--include-dataset")
	var lines []teardownLine
	if err := json.Unmarshal([]byte(r.stdout), &lines); err != nil {
		t.Fatalf("teardown --json: %v: %s", err, r.stdout)
	}
	deleted := 0
	for _, l := range lines {
		if l.Done {
			deleted++
		}
		if l.ID == pre.Dataset && (l.Action != "keep" || l.Done) {
			t.Errorf("the pre-existing dataset: %+v", l)
		}
	}
	if deleted != 3 {
		t.Errorf("teardown reported %d deleted, want 3: %s", deleted, r.stdout)
	}
	if n := w.taggedCount(t); n != 0 {
		t.Errorf("%d cioaep resources left after teardown", n)
	}
	if ds, err := w.client().Dataset(context.Background(), pre.Dataset); err != nil || ds.Name != "Customer.io events" {
		t.Errorf("the pre-existing dataset after teardown: %+v %v", ds, err)
	}
	if code, body := pre.Send(t, opsEvent); code != 200 {
		t.Errorf("the dataflow cioaep did not create stopped ingesting: %d %s", code, body)
	}
	if r := w.mustRun(t, ExitFailed, "status"); !strings.Contains(r.stdout, "cioaep reconfigure to adopt") {
		t.Errorf("status after teardown (the hand-built dataflow remains):\n%s", r.stdout)
	}
	if again := w.mustRun(t, ExitOK, "teardown", "--yes", "--json"); strings.TrimSpace(again.stdout) != "[]" {
		t.Errorf("a second teardown = %s, want nothing to do", again.stdout)
	}
}

// Issue 6 through the command: after a Customer.io schema setup, teardown --yes --include-dataset
// deletes the dataflow and the dataset, schema and field group setup created; only the mapping set
// stays (Data Prep has no delete) and says why.
func TestTeardownIncludeDatasetCommand(t *testing.T) {
	w := newOpsWorld(t)
	w.setUp(t)
	r := w.mustRun(t, ExitOK, "teardown", "--yes", "--json", "--include-dataset")
	var lines []teardownLine
	if err := json.Unmarshal([]byte(r.stdout), &lines); err != nil {
		t.Fatalf("teardown --json: %v: %s", err, r.stdout)
	}
	done := map[string]bool{}
	for _, l := range lines {
		done[l.Kind] = l.Done
		if l.Kind == "mappingSet" && (l.Action != "keep" || !strings.Contains(l.Reason, "no delete")) {
			t.Errorf("mapping set: %+v", l)
		}
	}
	for _, kind := range []string{"flow", "targetConnection", "sourceConnection", "dataset", "schema", "fieldGroup"} {
		if !done[kind] {
			t.Errorf("%s not deleted: %s", kind, r.stdout)
		}
	}
	if n := w.taggedCount(t); n != 0 {
		t.Errorf("%d cioaep resources left after teardown --include-dataset", n)
	}
	c := w.client()
	ctx := context.Background()
	found := 0
	if err := c.Schemas(ctx, func(refs []aep.SchemaRef) error {
		for _, ref := range refs {
			if strings.Contains(ref.Title, "(cioaep ") {
				found++
			}
		}
		return nil
	}); err != nil || found != 0 {
		t.Errorf("%d cioaep schemas left (%v)", found, err)
	}
	if again := w.mustRun(t, ExitOK, "teardown", "--yes", "--json", "--include-dataset"); strings.TrimSpace(again.stdout) != "[]" {
		t.Errorf("a second teardown = %s, want nothing to do", again.stdout)
	}
}
