package flow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/creds/atomicfile"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// MappingPlan is a plan for df's current destination carrying rules, so that the mapping step setup uses
// (TargetFields, SuggestMapping, ValidateMapping, Preview) can edit an existing dataflow's mapping too.
func (d Dataflow) MappingPlan(rules []dataprep.Rule) Plan {
	return Plan{ID: d.PlanID, Sandbox: d.Sandbox, Mapping: rules,
		Destination: Destination{Kind: ExistingDataset, DatasetID: d.DatasetID, SchemaID: d.SchemaID}}
}

// Rules reads the rules of the mapping set version df's flow uses now.
func (s *Session) Rules(ctx context.Context, df Dataflow) ([]dataprep.Rule, error) {
	if df.MappingSetID == "" {
		return nil, fmt.Errorf("dataflow %s has no Mapping transformation", df.ID)
	}
	ms, err := s.Client(df.Sandbox).MappingSet(ctx, df.MappingSetID)
	if err != nil {
		return nil, fmt.Errorf("read mapping set %s: %w", df.MappingSetID, err)
	}
	return ms.Mappings, nil
}

// Rule change kinds.
const (
	RuleAdded   = "added"
	RuleRemoved = "removed"
	RuleChanged = "changed"
)

// RuleChange is one line of a mapping diff. Rules are matched by destination, because Data Prep lets each
// target field be written by one rule only.
type RuleChange struct {
	Change string        `json:"change"` // RuleAdded, RuleRemoved or RuleChanged
	Old    dataprep.Rule `json:"old"`
	New    dataprep.Rule `json:"new"`
}

func (c RuleChange) String() string {
	show := func(r dataprep.Rule) string { return r.Destination + " ← " + r.SourceType + " " + r.Source }
	switch c.Change {
	case RuleAdded:
		return "+ " + show(c.New)
	case RuleRemoved:
		return "- " + show(c.Old)
	}
	return "~ " + c.New.Destination + ": " + c.Old.SourceType + " " + c.Old.Source + " → " + c.New.SourceType + " " + c.New.Source
}

// DiffRules lists what turns old into new: changed and added rules in new's order, then removed ones in
// old's order. An empty diff means the mapping would not change.
func DiffRules(old, new []dataprep.Rule) []RuleChange {
	same := func(a, b dataprep.Rule) bool {
		return strings.EqualFold(a.SourceType, b.SourceType) && a.Source == b.Source
	}
	byDest := func(rs []dataprep.Rule, dest string) (dataprep.Rule, bool) {
		i := slices.IndexFunc(rs, func(r dataprep.Rule) bool { return r.Destination == dest })
		if i < 0 {
			return dataprep.Rule{}, false
		}
		return rs[i], true
	}
	var out []RuleChange
	for _, n := range new {
		o, ok := byDest(old, n.Destination)
		switch {
		case !ok:
			out = append(out, RuleChange{Change: RuleAdded, New: n})
		case !same(o, n):
			out = append(out, RuleChange{Change: RuleChanged, Old: o, New: n})
		}
	}
	for _, o := range old {
		if _, ok := byDest(new, o.Destination); !ok {
			out = append(out, RuleChange{Change: RuleRemoved, Old: o})
		}
	}
	return out
}

// MappingChange is what ChangeMapping did.
type MappingChange struct {
	Diff         []RuleChange `json:"diff"`
	MappingSetID string       `json:"mappingSetId"`
	OldVersion   int          `json:"oldVersion"` // the version the flow used before
	NewVersion   int          `json:"newVersion"` // the version it uses now; OldVersion when the rules were already in place
	// Concurrent is what another client changed on the dataflow between this change's read and its PATCH.
	// Those changes were kept: only the mapping reference was replaced.
	Concurrent []FieldChange `json:"concurrent"`
}

// FieldChange is one difference between two reads of a dataflow.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func (c FieldChange) String() string { return fmt.Sprintf("%s: %q → %q", c.Field, c.Before, c.After) }

// ConflictError says someone else changed the dataflow's mapping while this change was being made. The
// mapping set holds the new rules as Version, but the flow was left as the other client set it.
type ConflictError struct {
	FlowID       string
	Changes      []FieldChange
	MappingSetID string
	Version      int
}

func (e *ConflictError) Error() string {
	lines := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		lines[i] = c.String()
	}
	return fmt.Sprintf("another client changed the mapping of dataflow %s meanwhile (%s); your rules are saved as version %d of mapping set %s but the dataflow was left as they set it: run reconfigure again to review both",
		e.FlowID, strings.Join(lines, "; "), e.Version, e.MappingSetID)
}

// patchAttempts bounds the read-compare-PATCH loop when other clients keep changing the flow.
const patchAttempts = 4

// ChangeMapping replaces df's mapping with rules: it checks them against the dataset's schema, PUTs them
// as a new version of the flow's mapping set, then PATCHes the flow (If-Match its etag) to use that
// version. When the flow changed after it was read (412 FLOW-1404-412) it reads the flow again, records
// what the other client changed in Concurrent, and re-sends only the mapping replacement, so a concurrent
// rename or option change survives. A concurrent change of the mapping itself is a *ConflictError.
func (s *Session) ChangeMapping(ctx context.Context, df Dataflow, rules []dataprep.Rule) (MappingChange, error) {
	c := s.Client(df.Sandbox)
	f, err := c.Flow(ctx, df.ID)
	if err != nil {
		return MappingChange{}, fmt.Errorf("read dataflow %s: %w", df.ID, err)
	}
	mid, ver, ok := f.MappingID()
	if !ok {
		return MappingChange{}, fmt.Errorf("dataflow %s has no Mapping transformation to change", df.ID)
	}
	cur, err := c.MappingSet(ctx, mid)
	if err != nil {
		return MappingChange{}, fmt.Errorf("read mapping set %s: %w", mid, err)
	}
	change := MappingChange{MappingSetID: mid, OldVersion: ver, NewVersion: ver, Diff: DiffRules(cur.Mappings, rules)}
	updated := cur // with no rule changed, the latest version holds the rules: the flow only has to point at it
	if len(change.Diff) == 0 && cur.Version == ver {
		return change, nil
	}
	if len(change.Diff) > 0 {
		plan := df.MappingPlan(rules)
		checks, err := s.ValidateMapping(ctx, plan)
		if err == nil {
			err = failedChecks(checks)
		}
		if err == nil { // what ingestion will check, on the samples of the events the webhook sends
			var v SampleVerdicts
			if v, err = s.CheckSamples(ctx, plan, SampleEvents(s.recordedEvents())); err == nil {
				err = v.Err()
			}
		}
		if err != nil {
			return change, err
		}
		if updated, err = c.UpdateMappingSet(ctx, mid, aep.MappingInput{Name: cur.Name, SchemaID: cur.SchemaID, Mappings: rules}); err != nil {
			return change, fmt.Errorf("save the new rules in mapping set %s: %w", mid, err)
		}
	}
	for attempt := 1; ; attempt++ {
		_, err := c.PatchFlow(ctx, f.ID, f.ETag, mappingOps(f, mid, updated.Version))
		if err == nil {
			change.NewVersion = updated.Version
			return change, nil
		}
		stale := hasCode(err, "1404-412")
		if (!stale && !errors.Is(err, aep.ErrAmbiguous)) || attempt == patchAttempts {
			return change, fmt.Errorf("point dataflow %s at mapping version %d: %w", f.ID, updated.Version, err)
		}
		fresh, ferr := c.Flow(ctx, f.ID)
		if ferr != nil {
			return change, fmt.Errorf("read dataflow %s again after %v: %w", f.ID, err, ferr)
		}
		if fid, fver, _ := fresh.MappingID(); fid == mid && fver == updated.Version {
			change.NewVersion = updated.Version // the unanswered PATCH did land
			change.Concurrent = append(change.Concurrent, diffFlows(f, fresh, true)...)
			return change, nil
		}
		others := diffFlows(f, fresh, false)
		if slices.ContainsFunc(others, func(fc FieldChange) bool { return fc.Field == "mapping" }) {
			return change, &ConflictError{FlowID: f.ID, Changes: others, MappingSetID: mid, Version: updated.Version}
		}
		change.Concurrent = append(change.Concurrent, others...)
		f = fresh
	}
}

// mappingOps replaces the flow's Mapping transformation, wherever it sits in the list, and nothing else.
func mappingOps(f aep.Flow, mappingID string, version int) []aep.PatchOp {
	i := slices.IndexFunc(f.Transformations, func(t aep.Transformation) bool { return t.Name == aep.MappingTransformation })
	return []aep.PatchOp{{Op: "replace", Path: "/transformations/" + strconv.Itoa(max(i, 0)),
		Value: aep.Transformation{Name: aep.MappingTransformation,
			Params: aep.TransformationParams{MappingID: mappingID, MappingVersion: version}}}}
}

// diffFlows lists what differs between two reads of a flow, for people. skipMapping leaves out the
// mapping reference (when the difference is this process's own change).
func diffFlows(a, b aep.Flow, skipMapping bool) []FieldChange {
	opts := func(f aep.Flow) aep.FlowOptions {
		if f.Options == nil {
			return aep.FlowOptions{}
		}
		return *f.Options
	}
	mapping := func(f aep.Flow) string {
		id, v, _ := f.MappingID()
		return id + " v" + strconv.Itoa(v)
	}
	oa, ob := opts(a), opts(b)
	fields := []FieldChange{
		{"name", a.Name, b.Name},
		{"description", a.Description, b.Description},
		{"state", a.State, b.State},
		{"errorDiagnosticsEnabled", strconv.FormatBool(oa.ErrorDiagnosticsEnabled), strconv.FormatBool(ob.ErrorDiagnosticsEnabled)},
		{"partialIngestionPercent", strconv.Itoa(oa.PartialIngestionPercent), strconv.Itoa(ob.PartialIngestionPercent)},
		{"sourceConnectionIds", strings.Join(a.SourceConnectionIDs, ","), strings.Join(b.SourceConnectionIDs, ",")},
		{"targetConnectionIds", strings.Join(a.TargetConnectionIDs, ","), strings.Join(b.TargetConnectionIDs, ",")},
	}
	if !skipMapping {
		fields = append(fields, FieldChange{"mapping", mapping(a), mapping(b)})
	}
	var out []FieldChange
	for _, fc := range fields {
		if fc.Before != fc.After {
			out = append(out, fc)
		}
	}
	return out
}

// hasCode reports whether err is a platform error with code.
func hasCode(err error, code string) bool {
	var ae *aep.Error
	return errors.As(err, &ae) && ae.HasCode(code)
}

// SetEnabled enables or disables df (POST /flows/<id>/action) and returns it as the platform now has it.
// A disabled flow's inlet refuses events, so pausing is how a user stops the stream without losing setup.
func (s *Session) SetEnabled(ctx context.Context, df Dataflow, enabled bool) (Dataflow, error) {
	op, verb := aep.Disable, "disable"
	if enabled {
		op, verb = aep.Enable, "enable"
	}
	if _, err := s.Client(df.Sandbox).FlowAction(ctx, df.ID, op); err != nil {
		return df, fmt.Errorf("%s dataflow %s: %w", verb, df.ID, err)
	}
	return s.Refresh(ctx, df)
}

// EventsFile records, in a profile's state directory, the Customer.io object types its webhook sends.
const EventsFile = "events.json"

// EventsChange is what ChangeEvents recorded. Adobe needs nothing for it: the Customer.io source accepts
// every object type on the same inlet. What changes is the webhook's subscription in Customer.io, listed
// in Subscriptions, and possibly which rules of the mapping still find their field, listed in Idle.
type EventsChange struct {
	Before        []string `json:"before"` // object types; nil when none were recorded
	After         []string `json:"after"`
	Added         []string `json:"added"`
	Removed       []string `json:"removed"`
	Subscriptions []string `json:"subscriptions"` // the Customer.io events to tick for After
	// Idle are ATTRIBUTE rules reading a field that no sample event of the chosen object types carries:
	// their target stays empty from now on. A warning, not an error: the events still ingest.
	Idle []dataprep.Rule `json:"idle"`
}

type eventsRecord struct {
	Events        []string `json:"events"`
	Subscriptions []string `json:"subscriptions"`
}

// LoadEvents reads the recorded object types; ok is false when none were recorded.
func LoadEvents(stateDir string) (events []string, ok bool, err error) {
	var rec eventsRecord
	ok, err = readJSON(filepath.Join(stateDir, EventsFile), &rec)
	return rec.Events, ok, err
}

// ChangeEvents records the new object types for df's profile, says what the Customer.io webhook must now
// subscribe to, and which of df's rules the chosen events leave idle.
func (s *Session) ChangeEvents(ctx context.Context, df Dataflow, events []string) (EventsChange, error) {
	before, _, err := LoadEvents(s.stateDir)
	if err != nil {
		return EventsChange{}, err
	}
	rules, err := s.Rules(ctx, df)
	if err != nil {
		return EventsChange{}, err
	}
	ch := EventsChange{Before: before, After: events, Subscriptions: Subscriptions(events), Idle: idleRules(rules, events)}
	for _, e := range events {
		if !slices.Contains(before, e) {
			ch.Added = append(ch.Added, e)
		}
	}
	for _, e := range before {
		if !slices.Contains(events, e) {
			ch.Removed = append(ch.Removed, e)
		}
	}
	return ch, saveEvents(s.stateDir, events)
}

// saveEvents records the object types the profile's webhook sends, with their App API subscription names.
func saveEvents(stateDir string, events []string) error {
	data, err := json.MarshalIndent(eventsRecord{Events: events, Subscriptions: Subscriptions(events)}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(stateDir, EventsFile), append(data, '\n'))
}

// listIndex matches a list index in an attribute path, which sample paths write as [*].
var listIndex = regexp.MustCompile(`\[\d+\]`)

// idleRules are the ATTRIBUTE rules whose source field appears in no embedded sample event of the given
// object types (a source naming an object counts when any field inside it appears).
func idleRules(rules []dataprep.Rule, objectTypes []string) []dataprep.Rule {
	var paths []string
	for _, sample := range assets.Samples() {
		var ev map[string]any
		if slices.Contains(objectTypes, sample.ObjectType) && json.Unmarshal(sample.Body, &ev) == nil {
			paths = append(paths, dataprep.SourcePaths(ev)...)
		}
	}
	var idle []dataprep.Rule
	for _, r := range rules {
		if !strings.EqualFold(r.SourceType, dataprep.Attribute) {
			continue
		}
		src := listIndex.ReplaceAllString(r.Source, "[*]")
		if !slices.ContainsFunc(paths, func(p string) bool {
			return p == src || strings.HasPrefix(p, src+".") || strings.HasPrefix(p, src+"[")
		}) {
			idle = append(idle, r)
		}
	}
	return idle
}

// readJSON decodes path into v; ok is false when the file does not exist.
func readJSON(path string, v any) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	return true, nil
}

// MoveTo is where MoveDataset sends the events: an existing dataset, or a new one on the dataflow's schema.
type MoveTo struct {
	DatasetID      string
	NewDatasetName string
	// Mapping is the rules for the destination's schema; nil keeps the current rules, which works only
	// when the destination uses the dataflow's schema.
	Mapping []dataprep.Rule
}

// MoveDataset builds a new dataflow into another dataset, as Adobe advises (a new source and target
// connection pair and a new flow, never a patched connection): it runs Apply with a new plan, so the new
// resources are journaled and resumable like setup's, and the old journal is kept beside it for Retire.
// The old dataflow keeps running until Retire: Customer.io posts to the old URL until it is given the new.
// A move stopped part-way leaves the profile's journal and result alone (its own journal sits beside
// them, where teardown finds it), so it is never mistaken for an unfinished setup.
func (s *Session) MoveDataset(ctx context.Context, df Dataflow, to MoveTo, progress func(Step)) (Result, error) {
	plan, err := s.movePlan(ctx, df, to)
	if err != nil {
		return Result{}, err
	}
	// The move keeps its own journal until it has finished: stopped part-way, the profile still has its
	// dataflow, and the next run (the same move again) continues this journal and adopts what it made.
	return s.apply(ctx, plan, archiveName(plan.ID), progress)
}

// ReviewMove says what MoveDataset(df, to) would create and what it would reuse (a retried move adopts
// what the stopped one made), making only read calls, and returns the plan it would run: the move's
// Review step, as setup has one.
func (s *Session) ReviewMove(ctx context.Context, df Dataflow, to MoveTo) (Plan, []PlannedStep, error) {
	plan, err := s.movePlan(ctx, df, to)
	if err != nil {
		return Plan{}, nil, err
	}
	steps, err := s.review(ctx, plan, archiveName(plan.ID))
	return plan, steps, err
}

// movePlan is the plan of moving df to to: a new source and target connection, mapping set and flow into
// the destination, with df's name, options and (unless to gives its own) rules.
func (s *Session) movePlan(ctx context.Context, df Dataflow, to MoveTo) (Plan, error) {
	if (to.DatasetID == "") == (to.NewDatasetName == "") {
		return Plan{}, errors.New("name either an existing dataset or a new dataset to move to")
	}
	c := s.Client(df.Sandbox)
	dest := Destination{Kind: NewDataset, SchemaID: df.SchemaID, DatasetName: to.NewDatasetName}
	if to.DatasetID != "" {
		if to.DatasetID == df.DatasetID {
			return Plan{}, fmt.Errorf("dataflow %s already writes to dataset %s", df.ID, df.DatasetID)
		}
		ds, err := c.Dataset(ctx, to.DatasetID)
		if err != nil {
			return Plan{}, fmt.Errorf("read dataset %s: %w", to.DatasetID, err)
		}
		dest = Destination{Kind: ExistingDataset, DatasetID: ds.ID, SchemaID: ds.SchemaID}
	}
	rules := to.Mapping
	if rules == nil {
		if dest.SchemaID != df.SchemaID {
			return Plan{}, fmt.Errorf("dataset %s uses schema %s, not the dataflow's %s: give a mapping for that schema", to.DatasetID, dest.SchemaID, df.SchemaID)
		}
		var err error
		if rules, err = s.Rules(ctx, df); err != nil {
			return Plan{}, err
		}
	}
	events, _, err := LoadEvents(s.stateDir)
	if err != nil {
		return Plan{}, err
	}
	name, _, _ := strings.Cut(df.Name, " "+tagPrefix)
	return Plan{ID: movePlanID(df.ID, dest), Sandbox: df.Sandbox, Events: events, Destination: dest, Mapping: rules, Name: name,
		Options: Options{ErrorDiagnostics: df.Options.ErrorDiagnosticsEnabled, PartialIngestionPercent: df.Options.PartialIngestionPercent}}, nil
}

// movePlanID is the plan id of moving flow to dest. It is derived, not drawn, so that retrying a move that
// failed part-way continues its journal and adopts what it made, instead of starting a second new flow.
func movePlanID(flowID string, dest Destination) string {
	sum := sha256.Sum256([]byte(flowID + "\x00" + dest.DatasetID + "\x00" + dest.DatasetName))
	return hex.EncodeToString(sum[:3])
}
