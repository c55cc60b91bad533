package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// forgetJournal removes the profile's journal and result, as on a machine that never ran setup.
func forgetJournal(t *testing.T) {
	t.Helper()
	dir := creds.DefaultPaths().StateDir("default")
	for _, f := range []string{flow.JournalFile, flow.ResultFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
}

// upperMetricMapping writes the default Customer.io mapping with eventType set to upper(metric).
func upperMetricMapping(t *testing.T, tenant string) string {
	t.Helper()
	rules, err := dataprep.ParseRules(assets.CustomerIOMapping(tenant))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rules {
		if r.Destination == "eventType" {
			rules[i] = dataprep.Rule{SourceType: dataprep.Expression, Source: "upper(metric)", Destination: "eventType"}
		}
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mapping.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Must-show 3 through the command: with the journal deleted, reconfigure finds the dataflow in the
// sandbox, adopts it, and applies the mapping change; events sent afterwards use the new rules.
func TestReconfigureAdoptsAndChangesMapping(t *testing.T) {
	w := newOpsWorld(t)
	w.setUp(t)
	res, err := lastSetup(creds.DefaultPaths(), "default")
	if err != nil {
		t.Fatal(err)
	}
	forgetJournal(t)

	r := w.mustRun(t, ExitOK, "reconfigure", "--non-interactive", "--json", "--mapping", upperMetricMapping(t, w.platform.TenantID()))
	var out reconfigureJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("reconfigure --json: %v: %s", err, r.stdout)
	}
	if !out.Adopted || out.FlowID != res.FlowID || out.WebhookURL != res.WebhookURL || out.Mapping == nil ||
		out.Mapping.NewVersion != out.Mapping.OldVersion+1 || len(out.Mapping.Diff) != 1 {
		t.Fatalf("reconfigure result = %s", r.stdout)
	}
	if got := w.mustRun(t, ExitOK, "endpoint"); strings.TrimSpace(got.stdout) != res.WebhookURL {
		t.Errorf("endpoint after adoption = %q, want %q", got.stdout, res.WebhookURL)
	}
	postOpsEvent(t, res.WebhookURL, opsEvent)
	evs, err := w.platform.Events(context.Background(), local.EventFilter{DatasetID: res.DatasetID})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events: %v %v", evs, err)
	}
	if !strings.Contains(string(evs[0].Record), `"eventType":"SENT"`) {
		t.Errorf("record after the change: %s", evs[0].Record)
	}
}

func TestReconfigureUsage(t *testing.T) {
	w := newOpsWorld(t)
	for _, tc := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"reconfigure"}, ExitUsage, "--non-interactive"},
		{[]string{"reconfigure", "--non-interactive", "--enable", "--disable"}, ExitUsage, "exclude"},
		{[]string{"reconfigure", "--non-interactive", "--dataset", "x", "--new-dataset", "y"}, ExitUsage, "exclude"},
		{[]string{"reconfigure", "--non-interactive", "--events", "telegram"}, ExitUsage, "--events"},
		{[]string{"reconfigure", "--non-interactive", "--retire", "abc"}, ExitMissing, "--yes"},
		{[]string{"reconfigure", "--non-interactive", "--retire", "abc", "--yes", "--disable"}, ExitUsage, "alone"},
		{[]string{"reconfigure", "--non-interactive", "--mapping", "/nonexistent.json"}, ExitUsage, "--mapping"},
	} {
		r := w.run(tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.say) {
			t.Errorf("cioaep %s: exit %d %q, want exit %d mentioning %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.say)
		}
	}
}

// With several Customer.io dataflows and no journal, non-interactive reconfigure must be told which one.
func TestReconfigureSeveralDataflowsNeedFlow(t *testing.T) {
	w := newOpsWorld(t)
	w.setUp(t)
	res, err := lastSetup(creds.DefaultPaths(), "default")
	if err != nil {
		t.Fatal(err)
	}
	localtest.NewDataflow(t, w.url, "prod")
	forgetJournal(t)
	if r := w.mustRun(t, ExitMissing, "reconfigure", "--non-interactive", "--disable"); !strings.Contains(r.stderr, res.FlowID) {
		t.Errorf("the refusal should list the dataflows: %s", r.stderr)
	}
	w.mustRun(t, ExitOK, "reconfigure", "--non-interactive", "--disable", "--flow", res.FlowID)
	f, err := w.client().Flow(context.Background(), res.FlowID)
	if err != nil || f.State != "disabled" {
		t.Errorf("flow after --disable: %q %v", f.State, err)
	}
}

// Moving to a new dataset gives a new endpoint; the old dataflow runs until --retire, or is deleted at
// once with --yes.
func TestReconfigureMoveAndRetire(t *testing.T) {
	w := newOpsWorld(t)
	w.setUp(t)
	first, err := lastSetup(creds.DefaultPaths(), "default")
	if err != nil {
		t.Fatal(err)
	}
	r := w.mustRun(t, ExitOK, "reconfigure", "--non-interactive", "--new-dataset", "Second")
	second := strings.TrimSpace(r.stdout)
	if second == first.WebhookURL || !strings.Contains(r.stderr, "--retire "+first.FlowID+" --yes") {
		t.Fatalf("move: stdout %q\nstderr %s", r.stdout, r.stderr)
	}
	c := w.client()
	ctx := context.Background()
	if _, err := c.Flow(ctx, first.FlowID); err != nil {
		t.Fatalf("the old dataflow must keep running until retired: %v", err)
	}
	postOpsEvent(t, second, opsEvent)
	w.mustRun(t, ExitOK, "reconfigure", "--non-interactive", "--retire", first.FlowID, "--yes")
	if _, err := c.Flow(ctx, first.FlowID); !errors.Is(err, aep.ErrNotFound) {
		t.Errorf("the retired dataflow: %v", err)
	}
	w.mustRun(t, ExitOK, "status")

	secondRes, err := lastSetup(creds.DefaultPaths(), "default")
	if err != nil {
		t.Fatal(err)
	}
	w.mustRun(t, ExitOK, "reconfigure", "--non-interactive", "--new-dataset", "Third", "--yes")
	if _, err := c.Flow(ctx, secondRes.FlowID); !errors.Is(err, aep.ErrNotFound) {
		t.Errorf("with --yes the replaced dataflow should be gone: %v", err)
	}
}
