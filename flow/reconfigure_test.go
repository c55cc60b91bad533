package flow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// withEventType returns rules with the eventType rule's source replaced.
func withEventType(rules []dataprep.Rule, expr string) []dataprep.Rule {
	out := slices.Clone(rules)
	for i, r := range out {
		if r.Destination == "eventType" {
			out[i] = dataprep.Rule{SourceType: dataprep.Expression, Source: expr, Destination: "eventType"}
		}
	}
	return out
}

// eventType is the eventType of a mapped record.
func eventType(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var rec map[string]any
	noErr(t, json.Unmarshal(raw, &rec))
	s, _ := rec["eventType"].(string)
	return s
}

// currentFlow reads the session's dataflow and fails the test when there is none.
func currentFlow(t *testing.T, s *flow.Session) flow.Dataflow {
	t.Helper()
	df, found, gone, err := s.Current(context.Background())
	if err != nil || !found {
		t.Fatalf("Current: found=%v gone=%q err=%v", found, gone, err)
	}
	return df
}

// Must-show 1: after a mapping change the flow points at a higher mappingVersion, and events sent
// afterwards are mapped with the new rules.
func TestChangeMappingMapsLaterEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	postEvent(t, res.WebhookURL, cioEvent)
	if got := eventType(t, op.lastRecord(t, res.DatasetID).Record); got != "customerio.email.sent" {
		t.Fatalf("before the change eventType = %q", got)
	}
	df := currentFlow(t, s)
	old, err := s.Rules(ctx, df)
	noErr(t, err)

	// The PUT carries the whole mapping set, its tagged name included, so FindMappingSets still finds it.
	var putName atomic.Value
	hook := func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/mappingSets/") {
			raw, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(raw))
			var body struct{ Name string }
			_ = json.Unmarshal(raw, &body)
			putName.Store(body.Name)
		}
		return false
	}
	op.hook.Store(&hook)
	change, err := s.ChangeMapping(ctx, df, withEventType(old, `upper(metric)`))
	op.hook.Store(nil)
	noErr(t, err)
	if change.NewVersion <= change.OldVersion || len(change.Diff) != 1 || change.Diff[0].Change != flow.RuleChanged {
		t.Fatalf("change = %+v, want one changed rule and a higher version", change)
	}
	if name, _ := putName.Load().(string); !strings.HasPrefix(name, "Customer.io mapping (cioaep ") {
		t.Errorf("the mapping set's PUT sent name %q, want its tagged name", name)
	}
	if !strings.Contains(change.Diff[0].String(), "upper(metric)") {
		t.Errorf("diff line %q does not show the new source", change.Diff[0])
	}
	f, err := op.client().Flow(ctx, df.ID)
	noErr(t, err)
	if _, v, _ := f.MappingID(); v != change.NewVersion || v <= df.MappingVersion {
		t.Fatalf("flow mappingVersion = %d, want %d (was %d)", v, change.NewVersion, df.MappingVersion)
	}
	postEvent(t, res.WebhookURL, cioEvent)
	if got := eventType(t, op.lastRecord(t, res.DatasetID).Record); got != "SENT" {
		t.Fatalf("after the change eventType = %q, want the new rule's SENT", got)
	}

	again, err := s.ChangeMapping(ctx, currentFlow(t, s), withEventType(old, `upper(metric)`))
	noErr(t, err)
	if len(again.Diff) != 0 || again.NewVersion != change.NewVersion {
		t.Errorf("re-applying the same rules = %+v, want no change", again)
	}
}

// A rule that does not fit the schema is refused before any version is written.
func TestChangeMappingRefusesInvalidRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, _ := op.setUp(t)
	df := currentFlow(t, s)
	old, err := s.Rules(ctx, df)
	noErr(t, err)
	bad := append(slices.Clone(old), dataprep.Rule{SourceType: dataprep.Attribute, Source: "metric", Destination: "_nobody.nowhere"})
	if _, err := s.ChangeMapping(ctx, df, bad); err == nil || !strings.Contains(err.Error(), "_nobody.nowhere") {
		t.Fatalf("ChangeMapping with a rule outside the schema: err = %v", err)
	}
	if after := currentFlow(t, s); after.MappingVersion != df.MappingVersion {
		t.Errorf("mapping version moved to %d after a refused change", after.MappingVersion)
	}
}

// interceptFirstPatch runs meanwhile, as another client, just before the first PATCH of the flow
// reaches the platform; that PATCH then carries a stale etag.
func interceptFirstPatch(t *testing.T, op *opsPlatform, flowID string, meanwhile func()) {
	var armed atomic.Bool
	armed.Store(true)
	hook := func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/flows/"+flowID) && armed.CompareAndSwap(true, false) {
			meanwhile()
		}
		return false
	}
	op.hook.Store(&hook)
	t.Cleanup(func() { op.hook.Store(nil) })
}

// Must-show 2: another client renames the flow between this change's read and its PATCH. The stale etag
// is detected (412), the rename is reported and kept, and the mapping change still lands.
func TestChangeMappingKeepsConcurrentRename(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, _ := op.setUp(t)
	df := currentFlow(t, s)
	old, err := s.Rules(ctx, df)
	noErr(t, err)
	other := op.otherClient()
	interceptFirstPatch(t, op, df.ID, func() {
		f, err := other.Flow(ctx, df.ID)
		if err == nil {
			_, err = other.PatchFlow(ctx, df.ID, f.ETag, []aep.PatchOp{{Op: "replace", Path: "/name", Value: "Renamed elsewhere"}})
		}
		if err != nil {
			t.Errorf("the other client's rename: %v", err)
		}
	})

	change, err := s.ChangeMapping(ctx, df, withEventType(old, `lower(metric)`))
	noErr(t, err)
	if !slices.ContainsFunc(change.Concurrent, func(c flow.FieldChange) bool {
		return c.Field == "name" && c.After == "Renamed elsewhere"
	}) {
		t.Errorf("Concurrent = %v, want the rename reported", change.Concurrent)
	}
	after := currentFlow(t, s)
	if after.Name != "Renamed elsewhere" {
		t.Errorf("flow name = %q: the concurrent rename was clobbered", after.Name)
	}
	if after.MappingVersion != change.NewVersion || change.NewVersion <= df.MappingVersion {
		t.Errorf("flow mappingVersion = %d, want the new %d", after.MappingVersion, change.NewVersion)
	}
}

// When the other client changed the mapping itself, its change is not overwritten: a *ConflictError.
func TestChangeMappingConflictOnConcurrentMappingChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, _ := op.setUp(t)
	df := currentFlow(t, s)
	old, err := s.Rules(ctx, df)
	noErr(t, err)
	other := op.otherClient()
	interceptFirstPatch(t, op, df.ID, func() {
		ms, err := other.UpdateMappingSet(ctx, df.MappingSetID, aep.MappingInput{SchemaID: df.SchemaID, Mappings: withEventType(old, `concat("x.", metric)`)})
		if err != nil {
			t.Errorf("the other client's mapping change: %v", err)
			return
		}
		f, err := other.Flow(ctx, df.ID)
		if err == nil {
			_, err = other.PatchFlow(ctx, df.ID, f.ETag, []aep.PatchOp{{Op: "replace", Path: "/transformations/0",
				Value: aep.Transformation{Name: aep.MappingTransformation, Params: aep.TransformationParams{MappingID: ms.ID, MappingVersion: ms.Version}}}})
		}
		if err != nil {
			t.Errorf("the other client's flow change: %v", err)
		}
	})

	_, err = s.ChangeMapping(ctx, df, withEventType(old, `lower(metric)`))
	var conflict *flow.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("err = %v, want a *flow.ConflictError", err)
	}
	after := currentFlow(t, s)
	rules, err := s.Rules(ctx, after)
	noErr(t, err)
	if after.MappingVersion != conflict.Version+1 {
		t.Errorf("flow uses version %d, want the other client's %d", after.MappingVersion, conflict.Version+1)
	}
	if !slices.ContainsFunc(rules, func(r dataprep.Rule) bool { return strings.Contains(r.Source, `"x."`) }) {
		t.Errorf("the other client's rules were overwritten: %v", rules)
	}
}

func TestDiffRules(t *testing.T) {
	t.Parallel()
	a := dataprep.Rule{SourceType: dataprep.Attribute, Source: "metric", Destination: "_t.metric"}
	b := dataprep.Rule{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"}
	b2 := dataprep.Rule{SourceType: dataprep.Expression, Source: "uuid()", Destination: "_id"}
	c := dataprep.Rule{SourceType: dataprep.Static, Source: "cio", Destination: "_t.source"}
	got := flow.DiffRules([]dataprep.Rule{a, b}, []dataprep.Rule{b2, c})
	want := []string{"~ _id: ATTRIBUTE event_id → EXPRESSION uuid()", "+ _t.source ← STATIC cio", "- _t.metric ← ATTRIBUTE metric"}
	if len(got) != len(want) {
		t.Fatalf("diff = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("line %d = %q, want %q", i, got[i], want[i])
		}
	}
	lower := b
	lower.SourceType = "attribute"
	if d := flow.DiffRules([]dataprep.Rule{a, b}, []dataprep.Rule{lower, a}); len(d) != 0 {
		t.Errorf("reordered rules with a lower-case source type differ: %v", d)
	}
}

// Disabling stops ingestion (the event is recorded as failed) and status says so; enabling restores it.
func TestSetEnabled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	df, err := s.SetEnabled(ctx, currentFlow(t, s), false)
	noErr(t, err)
	if df.Enabled() || df.State != "disabled" {
		t.Fatalf("state after disable = %q", df.State)
	}
	postEvent(t, res.WebhookURL, cioEvent)
	if ev := op.lastRecord(t, res.DatasetID); !ev.Failed || !strings.Contains(ev.Reason, "disabled") {
		t.Errorf("event into a disabled flow = %+v, want failed because disabled", ev)
	}
	df, err = s.SetEnabled(ctx, df, true)
	noErr(t, err)
	if !df.Enabled() {
		t.Fatalf("state after enable = %q", df.State)
	}
	postEvent(t, res.WebhookURL, cioEvent)
	if ev := op.lastRecord(t, res.DatasetID); ev.Failed {
		t.Errorf("event after enabling failed: %s", ev.Reason)
	}
}

// Changing event types records them, lists the Customer.io subscriptions, and warns about rules that
// read a field none of the chosen events carry.
func TestChangeEventsRecordsSubscriptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, _ := op.setUp(t)
	// Setup records the event types its plan named.
	if got, ok, err := flow.LoadEvents(s.StateDir()); !ok || err != nil || !slices.Equal(got, []string{"email"}) {
		t.Fatalf("LoadEvents after setup = %v ok=%v err=%v, want [email]", got, ok, err)
	}
	df := currentFlow(t, s)
	rules, err := s.Rules(ctx, df)
	noErr(t, err)
	orphan := dataprep.Rule{SourceType: dataprep.Attribute, Source: "data.no_such_field", Destination: "_" + op.p.TenantID() + ".customerio.recipient"}
	for i, r := range rules {
		if r.Destination == orphan.Destination {
			rules[i] = orphan
		}
	}
	_, err = s.ChangeMapping(ctx, df, rules)
	noErr(t, err)

	_, err = s.ChangeEvents(ctx, df, []string{"email", "sms"})
	noErr(t, err)
	ch, err := s.ChangeEvents(ctx, df, []string{"email", "push"})
	noErr(t, err)
	if !slices.Equal(ch.Added, []string{"push"}) || !slices.Equal(ch.Removed, []string{"sms"}) {
		t.Errorf("change = %+v, want push added and sms removed", ch)
	}
	if !slices.Equal(ch.Subscriptions, flow.Subscriptions([]string{"email", "push"})) {
		t.Errorf("subscriptions = %v", ch.Subscriptions)
	}
	if !slices.Contains(ch.Idle, orphan) {
		t.Errorf("idle rules = %v, want the one reading a field no event has", ch.Idle)
	}
	got, ok, err := flow.LoadEvents(s.StateDir())
	if err != nil || !ok || !slices.Equal(got, []string{"email", "push"}) {
		t.Errorf("LoadEvents = %v ok=%v err=%v", got, ok, err)
	}
	all, err := flow.ParseEvents("all")
	noErr(t, err)
	ch, err = s.ChangeEvents(ctx, df, all)
	noErr(t, err)
	if !slices.Contains(ch.Idle, orphan) || slices.ContainsFunc(ch.Idle, func(r dataprep.Rule) bool {
		return r.Source == "event_id" || r.Source == "data.identifiers.email"
	}) {
		t.Errorf("idle rules with every object type = %v, want the orphan and none every event carries", ch.Idle)
	}
}

// Moving builds a new flow with its own connections into the new dataset, with a new endpoint; the old
// flow keeps running until it is retired, and retiring removes only what cioaep made for it.
func TestMoveDatasetThenRetire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	old := currentFlow(t, s)

	moved, err := s.MoveDataset(ctx, old, flow.MoveTo{NewDatasetName: "Customer.io events v2"}, nil)
	noErr(t, err)
	if moved.FlowID == old.ID || moved.DatasetID == old.DatasetID || moved.WebhookURL == res.WebhookURL ||
		moved.SourceConnectionID == old.SourceConnectionID || moved.TargetConnectionID == old.TargetConnectionID {
		t.Fatalf("moved = %+v, want a new flow, dataset, endpoint and connections (old %+v)", moved, old)
	}
	if moved.SchemaID != old.SchemaID {
		t.Errorf("the new dataset uses schema %s, want the dataflow's %s", moved.SchemaID, old.SchemaID)
	}
	postEvent(t, moved.WebhookURL, cioEvent)
	if ev := op.lastRecord(t, moved.DatasetID); ev.Failed {
		t.Fatalf("event through the new endpoint failed: %s", ev.Reason)
	}
	if now := currentFlow(t, s); now.ID != moved.FlowID {
		t.Fatalf("the profile's dataflow is %s, want the new %s", now.ID, moved.FlowID)
	}
	c := op.client()
	if _, err := c.Flow(ctx, old.ID); err != nil {
		t.Fatalf("the old flow must keep running until retired: %v", err)
	}

	if err := s.Retire(ctx, moved.FlowID, nil); err == nil {
		t.Error("Retire accepted the current dataflow")
	}
	var done []string
	noErr(t, s.Retire(ctx, old.ID, func(it flow.TeardownItem, err error) {
		noErr(t, err)
		done = append(done, it.Kind)
	}))
	if want := []string{flow.KindFlow, flow.KindTarget, flow.KindSource}; !slices.Equal(done, want) {
		t.Errorf("retire did %v, want %v", done, want)
	}
	for _, gone := range []func() error{
		func() error { _, err := c.Flow(ctx, old.ID); return err },
		func() error { _, err := c.SourceConnection(ctx, old.SourceConnectionID); return err },
		func() error { _, err := c.TargetConnection(ctx, old.TargetConnectionID); return err },
	} {
		if err := gone(); !errors.Is(err, aep.ErrNotFound) {
			t.Errorf("after retire a resource of the old dataflow answers %v, want not found", err)
		}
	}
	if _, err := c.Dataset(ctx, old.DatasetID); err != nil {
		t.Errorf("retire must keep the old dataset (teardown --include-dataset removes it): %v", err)
	}
	if _, err := c.Flow(ctx, moved.FlowID); err != nil {
		t.Errorf("retire touched the new flow: %v", err)
	}
	archives, _ := filepath.Glob(filepath.Join(s.StateDir(), "journal-*.json"))
	if len(archives) != 1 {
		t.Fatalf("kept journals = %v, want the old plan's, still naming its dataset", archives)
	}
	data, err := os.ReadFile(archives[0])
	noErr(t, err)
	if strings.Contains(string(data), old.ID) || !strings.Contains(string(data), old.DatasetID) {
		t.Errorf("the old plan's journal after retire:\n%s\nwant the flow gone and the dataset kept", data)
	}
}

// Retiring a dataflow cioaep did not create (adopted from Adobe's UI, then moved) only disables it: it
// stops ingesting but stays the user's to delete, with its connections.
func TestRetireDisablesWhatItDidNotCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	ui := localtest.NewDataflow(t, op.url, "prod")
	s := op.session(t.TempDir())
	dfs, err := s.Discover(ctx, "")
	noErr(t, err)
	if len(dfs) != 1 {
		t.Fatalf("found %d dataflows", len(dfs))
	}
	_, err = s.Adopt(ctx, dfs[0])
	noErr(t, err)
	moved, err := s.MoveDataset(ctx, dfs[0], flow.MoveTo{NewDatasetName: "Moved"}, nil)
	noErr(t, err)
	noErr(t, s.Retire(ctx, ui.Flow, nil))
	c := op.client()
	f, err := c.Flow(ctx, ui.Flow)
	if err != nil || f.State != "disabled" {
		t.Fatalf("the hand-built flow after retire: state %q, %v; want it kept and disabled", f.State, err)
	}
	if _, err := c.SourceConnection(ctx, ui.Source); err != nil {
		t.Errorf("retire deleted a connection cioaep did not create: %v", err)
	}
	if now := currentFlow(t, s); now.ID != moved.FlowID || !now.Enabled() {
		t.Errorf("the profile's dataflow after retire = %s (%s), want the new enabled %s", now.ID, now.State, moved.FlowID)
	}
	if archives, _ := filepath.Glob(filepath.Join(s.StateDir(), "journal-*.json")); len(archives) != 0 {
		t.Errorf("journals left naming the retired dataflow: %v", archives)
	}
}

// A move that fails part-way and is retried continues its own journal: the retry adopts the connections
// and dataset the first attempt made instead of making a second set.
func TestMoveDatasetRetryMakesNoDuplicate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, _ := op.setUp(t)
	old := currentFlow(t, s)

	failFlows := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/flowservice/flows") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"type":"https://ns.adobe.com/aep/errors/FLOW-1400-400","title":"Bad Request","status":400,"report":{"detailed-message":"injected"}}`))
		return true
	}
	op.hook.Store(&failFlows)
	to := flow.MoveTo{NewDatasetName: "Customer.io events v2"}
	actions := func() map[string]string {
		t.Helper()
		plan, steps, err := s.ReviewMove(ctx, old, to)
		noErr(t, err)
		if plan.Destination.DatasetName != to.NewDatasetName || len(plan.Mapping) == 0 {
			t.Errorf("the move's plan: %+v, want the new dataset and the dataflow's rules", plan)
		}
		out := map[string]string{}
		for _, st := range steps {
			out[st.Name] = st.Action
		}
		return out
	}
	before := actions()
	if before[flow.StepDataset] != "create" || before[flow.StepSource] != "create" || before[flow.StepFlow] != "create" {
		t.Errorf("Review before the move: %v, want dataset, source connection and flow created", before)
	}
	if kept, _ := filepath.Glob(filepath.Join(s.StateDir(), "journal-*.json")); len(kept) != 0 {
		t.Errorf("Review wrote journals: %v", kept)
	}
	if _, err := s.MoveDataset(ctx, old, to, nil); err == nil {
		t.Fatal("the move succeeded although every flow create was refused")
	}
	// The stopped move is no unfinished setup: the next wizard run must not offer to resume it as one (with
	// setup's plan) but find the profile's dataflow as it was.
	if u, unfinished, err := flow.FindUnfinished(s.StateDir()); err != nil || unfinished {
		t.Fatalf("after a stopped move: unfinished setup %+v (%v), want none", u, err)
	}
	if now := currentFlow(t, s); now.ID != old.ID {
		t.Fatalf("after a stopped move the profile's dataflow is %s, want still %s", now.ID, old.ID)
	}
	// Review of the same move again shows what the stopped one made as reused.
	if again := actions(); again[flow.StepDataset] != "reuse" || again[flow.StepSource] != "reuse" || again[flow.StepFlow] != "create" {
		t.Errorf("Review after the stopped move: %v, want the dataset and source connection reused, the flow created", again)
	}
	op.hook.Store(nil)
	moved, err := s.MoveDataset(ctx, old, to, nil)
	noErr(t, err)

	c := op.client()
	sources, err := c.SourceConnections(ctx)
	noErr(t, err)
	targets, err := c.TargetConnections(ctx)
	noErr(t, err)
	if len(sources) != 2 || len(targets) != 2 {
		t.Errorf("after a failed move and its retry: %d source and %d target connections, want 2 of each (old and new)", len(sources), len(targets))
	}
	var v2 []string
	noErr(t, c.Datasets(ctx, func(ds []aep.Dataset) error {
		for _, d := range ds {
			if strings.HasPrefix(d.Name, "Customer.io events v2") {
				v2 = append(v2, d.ID)
			}
		}
		return nil
	}))
	if len(v2) != 1 || v2[0] != moved.DatasetID {
		t.Errorf("datasets made for the move: %v, want exactly the result's %s", v2, moved.DatasetID)
	}
}
