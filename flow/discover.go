package flow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
	"golang.org/x/sync/errgroup"
)

// Dataflow is a Customer.io dataflow as reconfiguration, status and teardown see it: the flow and what it
// connects, read from the platform. It never comes from the journal alone, because the journal may be
// missing (another machine) or stale (someone changed the flow in Adobe's UI).
type Dataflow struct {
	ID, Name, State, ETag string // State is "enabled" or "disabled"
	Sandbox               string
	SourceConnectionID    string
	SourceName            string
	TargetConnectionID    string
	TargetName            string
	DatasetID             string
	DatasetName           string // "" when the dataset no longer exists
	SchemaID              string
	MappingSetID          string
	MappingVersion        int
	InletURL              string // "" until Flow Service has provisioned the endpoint
	Options               aep.FlowOptions
	// PlanID is the plan id in the "(cioaep <id>)" tag of the flow's or the source connection's name; ""
	// when cioaep did not make this dataflow (it was built in Adobe's UI, say).
	PlanID string
	// Runs are the most recent runs, newest first (at most RecentRuns).
	Runs []Run
}

// Run is one flow run's record counts: Flow Service's activity report for a streaming flow.
type Run struct {
	ID                    string
	Started               time.Time // zero when the platform did not say
	Status                string    // "success" | "partialSuccess" | "failed" | …
	Input, Output, Failed int64
	Errors                []string
}

// RecentRuns bounds how many runs status and discovery keep per dataflow: enough for a small chart.
const RecentRuns = 8

// WebhookURL is the address Customer.io posts to, or "" while the endpoint is not provisioned.
func (d Dataflow) WebhookURL() string {
	if d.InletURL == "" {
		return ""
	}
	return webhookURL(d.InletURL, d.ID)
}

// Result is the dataflow as a setup's result, the form status, endpoint and send-test read: the one
// conversion from a Dataflow to a Result.
func (d Dataflow) Result() Result {
	return Result{WebhookURL: d.WebhookURL(), FlowID: d.ID, InletURL: d.InletURL, DatasetID: d.DatasetID,
		SchemaID: d.SchemaID, SourceConnectionID: d.SourceConnectionID, TargetConnectionID: d.TargetConnectionID,
		MappingSetID: d.MappingSetID, Created: []string{}, Reused: []string{}}
}

// Enabled reports whether the flow ingests; a disabled flow's inlet refuses events.
func (d Dataflow) Enabled() bool { return strings.EqualFold(d.State, "enabled") }

// LastActivity is when the newest run started; zero when the flow has no runs yet.
func (d Dataflow) LastActivity() time.Time {
	if len(d.Runs) == 0 {
		return time.Time{}
	}
	return d.Runs[0].Started
}

// flowFilterChunk keeps each `sourceConnectionIds[]==a,b,…` filter well under URL length limits while a
// sandbox with many Customer.io sources still needs only a few requests.
const flowFilterChunk = 40

// Discover finds the Customer.io dataflows of a sandbox without the journal: through the Customer.io
// connection spec, never the streaming flow spec, which every Streaming SDK source shares. Each comes
// with its dataset, schema, state and recent runs, most recently active first.
func (s *Session) Discover(ctx context.Context, sandbox string) ([]Dataflow, error) {
	c := s.Client(sandbox)
	scs, err := c.SourceConnections(ctx, "connectionSpec.id=="+aep.CustomerIOConnectionSpecID)
	if err != nil {
		return nil, fmt.Errorf("list the Customer.io source connections: %w", err)
	}
	sources := make(map[string]string, len(scs))
	ids := make([]string, 0, len(scs))
	for _, sc := range scs {
		sources[sc.ID] = sc.Name
		ids = append(ids, sc.ID)
	}
	var flows []aep.Flow
	seen := map[string]bool{}
	for chunk := range slices.Chunk(ids, flowFilterChunk) {
		fs, err := c.Flows(ctx, "sourceConnectionIds[]=="+strings.Join(chunk, ","))
		if err != nil {
			return nil, fmt.Errorf("list the dataflows of the Customer.io sources: %w", err)
		}
		for _, f := range fs {
			if !seen[f.ID] {
				seen[f.ID] = true
				flows = append(flows, f)
			}
		}
	}
	out := make([]Dataflow, len(flows))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, f := range flows {
		g.Go(func() (err error) {
			out[i], err = describe(gctx, c, f, sources)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Dataflow) int {
		if d := b.LastActivity().Compare(a.LastActivity()); d != 0 {
			return d
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Current reads the profile's dataflow: the flow the journal names, as the platform has it now. found is
// false when the journal names no flow; gone is the journaled flow id when that flow no longer exists.
func (s *Session) Current(ctx context.Context) (df Dataflow, found bool, gone string, err error) {
	j, err := OpenJournal(s.stateDir)
	if err != nil {
		return Dataflow{}, false, "", err
	}
	e, ok := j.Entry(KindFlow)
	if !ok || e.ID == "" {
		return Dataflow{}, false, "", nil
	}
	c := s.Client(j.Sandbox)
	f, err := c.Flow(ctx, e.ID)
	if errors.Is(err, aep.ErrNotFound) {
		return Dataflow{}, false, e.ID, nil
	}
	if err != nil {
		return Dataflow{}, false, "", fmt.Errorf("read dataflow %s: %w", e.ID, err)
	}
	df, err = describe(ctx, c, f, nil)
	return df, err == nil, "", err
}

// Refresh reads df again, for a caller that changed it (or suspects someone else did).
func (s *Session) Refresh(ctx context.Context, df Dataflow) (Dataflow, error) {
	c := s.Client(df.Sandbox)
	f, err := c.Flow(ctx, df.ID)
	if err != nil {
		return df, fmt.Errorf("read dataflow %s: %w", df.ID, err)
	}
	return describe(ctx, c, f, nil)
}

// describe completes a flow with its connections, dataset and runs, which are independent reads.
// sources maps source connection ids to names when the caller has listed them already.
func describe(ctx context.Context, c *aep.Client, f aep.Flow, sources map[string]string) (Dataflow, error) {
	inlet, err := f.Inlet()
	if err != nil {
		return Dataflow{}, err
	}
	df := Dataflow{ID: f.ID, Name: f.Name, State: f.State, ETag: f.ETag, Sandbox: c.Sandbox(), InletURL: inlet}
	if f.Options != nil {
		df.Options = *f.Options
		df.Options.InletURL = inlet
	}
	df.MappingSetID, df.MappingVersion, _ = f.MappingID()
	if len(f.SourceConnectionIDs) > 0 {
		df.SourceConnectionID = f.SourceConnectionIDs[0]
	}
	if len(f.TargetConnectionIDs) > 0 {
		df.TargetConnectionID = f.TargetConnectionIDs[0]
	}
	g, gctx := errgroup.WithContext(ctx)
	if name, ok := sources[df.SourceConnectionID]; ok {
		df.SourceName = name
	} else if df.SourceConnectionID != "" {
		g.Go(func() error {
			sc, err := c.SourceConnection(gctx, df.SourceConnectionID)
			df.SourceName = sc.Name
			return ignoreNotFound(err)
		})
	}
	if df.TargetConnectionID != "" {
		g.Go(func() error {
			tc, err := c.TargetConnection(gctx, df.TargetConnectionID)
			if err != nil {
				return ignoreNotFound(err)
			}
			df.TargetName, df.DatasetID = tc.Name, tc.Params.DataSetID
			if tc.Data.Schema != nil {
				df.SchemaID = tc.Data.Schema.ID
			}
			if df.DatasetID == "" {
				return nil
			}
			ds, err := c.Dataset(gctx, df.DatasetID)
			df.DatasetName = ds.Name
			return ignoreNotFound(err)
		})
	}
	g.Go(func() error {
		runs, err := c.Runs(gctx, f.ID)
		df.Runs = recentRuns(runs)
		return err
	})
	if err := g.Wait(); err != nil {
		return Dataflow{}, fmt.Errorf("read what dataflow %s connects: %w", f.ID, err)
	}
	df.PlanID = cmp.Or(planIDOf(df.Name), planIDOf(df.SourceName))
	return df, nil
}

// recentRuns converts runs and keeps the newest RecentRuns, newest first.
func recentRuns(runs []aep.Run) []Run {
	out := make([]Run, 0, len(runs))
	for _, r := range runs {
		m := r.Metrics
		run := Run{ID: r.ID, Status: m.StatusSummary.Status, Input: m.RecordSummary.InputRecordCount,
			Output: m.RecordSummary.OutputRecordCount, Failed: m.RecordSummary.FailedRecordCount}
		if ms := m.DurationSummary.StartedAtUTC; ms > 0 {
			run.Started = time.UnixMilli(ms).UTC()
		}
		for _, e := range m.StatusSummary.Errors {
			run.Errors = append(run.Errors, strings.TrimSpace(e.Code+" "+e.Message))
		}
		out = append(out, run)
	}
	slices.SortStableFunc(out, func(a, b Run) int { return b.Started.Compare(a.Started) })
	return out[:min(len(out), RecentRuns)]
}

// ignoreNotFound lets a description go on when a connection or dataset was deleted behind the flow's
// back: status should say what is missing rather than fail.
func ignoreNotFound(err error) error {
	if errors.Is(err, aep.ErrNotFound) {
		return nil
	}
	return err
}

// planIDOf returns the plan id of a "(cioaep <id>)" tag in name, or "".
func planIDOf(name string) string {
	_, rest, ok := strings.Cut(name, tagPrefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, ")")
	if !ok {
		return ""
	}
	return strings.TrimSpace(id)
}

// carriesTag reports whether name was given by plan planID.
func carriesTag(name, planID string) bool {
	return planID != "" && strings.Contains(name, tagPrefix+planID+")")
}

// Adopt makes df the profile's dataflow: it writes the journal (and the result that status, endpoint and
// send-test read) from what the platform holds. Everything is journaled as not created by this profile,
// even what carries a cioaep plan tag (another profile's, or another machine's, setup made it), so that
// deleting from this profile disables the flow but never deletes what it did not create.
func (s *Session) Adopt(ctx context.Context, df Dataflow) (Result, error) {
	c := s.Client(df.Sandbox)
	planID := df.PlanID
	if planID == "" {
		planID = newPlanID() // a journal needs an id; no name carries it, so nothing counts as created
	}
	j, err := OpenJournal(s.stateDir)
	if err != nil {
		return Result{}, err
	}
	if err := j.start(planID, df.Sandbox); err != nil {
		return Result{}, err
	}
	res := df.Result()
	record := func(kind, id, name string) error {
		if id == "" {
			return nil
		}
		res.Reused = append(res.Reused, kind)
		return j.done(kind, id, name, false)
	}
	schemaTitle, _, fieldGroup, err := adoptSchema(ctx, c, df)
	if err != nil {
		return Result{}, err
	}
	for _, r := range []struct{ kind, id, name string }{
		{KindFieldGroup, fieldGroup.ID, fieldGroup.Title},
		{KindSchema, df.SchemaID, schemaTitle},
		{KindDataset, df.DatasetID, df.DatasetName},
		{KindSource, df.SourceConnectionID, df.SourceName},
		{KindTarget, df.TargetConnectionID, df.TargetName},
		// The flow names its mapping set by id, which is all the journal needs; sets made by other
		// tools often have no name, so none is recorded.
		{KindMapping, df.MappingSetID, ""},
		{KindFlow, df.ID, df.Name},
	} {
		if err := record(r.kind, r.id, r.name); err != nil {
			return Result{}, err
		}
	}
	if err := saveResult(s.stateDir, res); err != nil {
		return Result{}, err
	}
	return res, nil
}

// adoptSchema reads the dataflow's schema title and tells whether cioaep made the schema for this plan
// (the title carries the tag); if so, it finds the plan's field group by its tagged title.
func adoptSchema(ctx context.Context, c *aep.Client, df Dataflow) (title string, created bool, fieldGroup aep.SchemaRef, err error) {
	if df.SchemaID == "" {
		return "", false, aep.SchemaRef{}, nil
	}
	full, err := c.Schema(ctx, df.SchemaID)
	if errors.Is(err, aep.ErrNotFound) {
		return "", false, aep.SchemaRef{}, nil
	}
	if err != nil {
		return "", false, aep.SchemaRef{}, fmt.Errorf("read schema %s: %w", df.SchemaID, err)
	}
	title, _ = full["title"].(string)
	if !carriesTag(title, df.PlanID) {
		return title, false, aep.SchemaRef{}, nil
	}
	fg, ok, err := c.FindFieldGroup(ctx, tagName(defaultFieldGroupName, df.PlanID))
	if err != nil || !ok {
		return title, true, aep.SchemaRef{}, err
	}
	return title, true, fg, nil
}
