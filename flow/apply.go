package flow

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/xdm"
)

// PlannedStep is one line of Review: what Apply would do with one resource.
type PlannedStep struct {
	Name   string // Step* name
	Action string // "create" | "reuse"
	Detail string // the name it would get, or the id it would keep
}

// Apply makes the plan real: it runs the dependency graph (see tasks), journals every id the moment the
// platform returns it, and reports progress. Re-running the same plan (Plan.ID empty continues the
// profile's journal) verifies, adopts or creates each resource, so it never duplicates one. On success
// the result is saved in the state directory (LoadResult reads it back).
func (s *Session) Apply(ctx context.Context, plan Plan, progress func(Step)) (Result, error) {
	return s.apply(ctx, plan, JournalFile, progress)
}

// apply runs plan recording in the journal file (a name in the state directory). A journal other than
// the profile's (a dataset move's) becomes the profile's only once the run has finished, so a run that
// stops part-way leaves the profile as it was: its dataflow and journal untouched, nothing that looks
// like an unfinished setup.
func (s *Session) apply(ctx context.Context, plan Plan, journal string, progress func(Step)) (Result, error) {
	if err := precheck(plan); err != nil {
		return Result{}, err
	}
	r, err := s.newRun(plan, journal, false)
	if err != nil {
		return Result{}, err
	}
	err = runGraph(ctx, r.tasks(), progress)
	if werr := r.flush(); err == nil {
		err = werr
	}
	if err != nil {
		return Result{}, err
	}
	res := r.result()
	if journal != JournalFile {
		if err := promoteJournal(s.stateDir, journal); err != nil {
			return res, err
		}
	}
	if err := saveResult(s.stateDir, res); err != nil {
		return res, err
	}
	if len(plan.Events) > 0 {
		// status, send-test and reconfigure read the chosen event types back from here.
		if err := saveEvents(s.stateDir, plan.Events); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Review says what Apply would create and what it would reuse, making only read calls (and Data Prep's
// validation). It is --dry-run and the wizard's review page.
func (s *Session) Review(ctx context.Context, plan Plan) ([]PlannedStep, error) {
	return s.review(ctx, plan, JournalFile)
}

// review is Review against the journal in file, which a retried run would continue.
func (s *Session) review(ctx context.Context, plan Plan, journal string) ([]PlannedStep, error) {
	if err := precheck(plan); err != nil {
		return nil, err
	}
	r, err := s.newRun(plan, journal, true)
	if err != nil {
		return nil, err
	}
	if err := runGraph(ctx, r.tasks(), nil); err != nil {
		return nil, err
	}
	order := []string{StepTenant, StepFieldGroup, StepSchema, StepDescriptor, StepProfile, StepDataset, StepValidate, StepSource, StepTarget, StepMapping, StepFlow, StepEndpoint}
	slices.SortStableFunc(r.plan, func(a, b PlannedStep) int { return slices.Index(order, a.Name) - slices.Index(order, b.Name) })
	return r.plan, nil
}

// run is one Apply (or Review) of a plan. Each id field is written by exactly one task and read only by
// tasks that depend on it, after it finished: runGraph's channels order those accesses.
type run struct {
	s     *Session
	c     *aep.Client
	j     *Journal
	prior map[string]Entry // the journal as this run found it: what earlier runs did
	p     Plan
	names planNames
	dry   bool

	tenant, fieldGroupID, schemaID, datasetID string
	sourceID, targetID, flowID, inletURL      string
	mapping                                   aep.MappingSet
	rules                                     []dataprep.Rule

	mu              sync.Mutex
	created, reused []string
	plan            []PlannedStep

	writes   sync.WaitGroup // journal writes in flight
	writeErr error          // the first journal write that failed
}

// record writes to the journal without holding up the tasks that wait for this one. That is safe
// because newRun marked every resource pending before the first create: until its id is on disk a
// re-run looks a resource up by name, so a crash before the write costs a lookup, never a duplicate.
// Apply waits for every write before it reports success.
func (r *run) record(write func() error) {
	r.writes.Add(1)
	go func() {
		defer r.writes.Done()
		if err := write(); err != nil {
			r.mu.Lock()
			if r.writeErr == nil {
				r.writeErr = err
			}
			r.mu.Unlock()
		}
	}()
}

// flush waits for the journal writes and returns the first failure.
func (r *run) flush() error {
	r.writes.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writeErr
}

func (s *Session) newRun(plan Plan, journal string, dry bool) (*run, error) {
	j, err := openJournalFile(filepath.Join(s.stateDir, journal))
	if err != nil {
		return nil, err
	}
	c := s.Client(plan.Sandbox)
	plan.Sandbox = c.Sandbox()
	if plan.ID == "" {
		plan.ID = j.PlanID
		if plan.ID == "" || j.Sandbox != plan.Sandbox {
			plan.ID = s.freshPlanID()
		}
	}
	if j.PlanID != plan.ID || j.Sandbox != plan.Sandbox {
		if dry {
			j = &Journal{Resources: map[string]*Entry{}} // a dry run of a new plan finds nothing journaled
		} else if err := j.start(plan.ID, plan.Sandbox); err != nil {
			return nil, err
		}
	}
	prior := j.snapshot()
	if err := sameDestination(plan, prior); err != nil {
		return nil, err
	}
	r := &run{s: s, c: c, j: j, prior: prior, p: plan, names: namesFor(plan), dry: dry, tenant: j.Tenant}
	r.schemaID = plan.Destination.SchemaID
	if d := plan.Destination; r.schemaID == "" && d.Kind == ExistingDataset {
		// Suggesting and checking the mapping read the dataset: its schema lets validation start at once.
		if ds, ok := s.reads.cachedDataset(c.Sandbox(), d.DatasetID); ok {
			r.schemaID = ds.SchemaID
		}
	}
	if !dry {
		if err := j.begin(r.creates()); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// precheck refuses, before any call, what cannot work: a destination without its ids, and rules that
// do not parse.
func precheck(p Plan) error {
	d := p.Destination
	switch d.Kind {
	case ExistingDataset:
		if d.DatasetID == "" {
			return errors.New("choose the dataset the dataflow writes to")
		}
	case NewDataset:
		if d.SchemaID == "" {
			return errors.New("choose the schema of the new dataset")
		}
	case NewSchema:
	default:
		return fmt.Errorf("unknown destination kind %d", d.Kind)
	}
	if len(p.Mapping) == 0 {
		if d.Kind != NewSchema {
			return errors.New("a dataflow into an existing schema needs a mapping: suggest one, or pass --mapping FILE")
		}
		return nil
	}
	var bad []RuleCheck
	for i, res := range dataprep.Validate(p.Mapping) {
		if res.Status != dataprep.Success {
			bad = append(bad, RuleCheck{Rule: p.Mapping[i], Errors: res.Errors})
		}
	}
	return failedChecks(bad)
}

// creates names every resource this plan may create, by kind, for the journal's pending marks.
func (r *run) creates() map[string]string {
	m := map[string]string{KindSource: r.names.Source, KindTarget: r.names.Target, KindMapping: r.names.Mapping, KindFlow: r.names.Flow}
	switch r.p.Destination.Kind {
	case NewSchema:
		m[KindFieldGroup], m[KindSchema], m[KindDescriptor] = r.names.FieldGroup, r.names.Schema, descriptorName
		m[KindDataset] = r.names.Dataset
	case NewDataset:
		m[KindDataset] = r.names.Dataset
	}
	return m
}

// sameDestination refuses to point a journaled dataflow at another dataset: that is a move, which needs
// new connections and a new flow and retiring the old ones, not a re-run of setup.
func sameDestination(p Plan, prior map[string]Entry) error {
	was, ok := prior[KindDataset]
	if !ok || was.ID == "" {
		return nil
	}
	d := p.Destination
	if (d.Kind == ExistingDataset && d.DatasetID != was.ID) || (d.Kind != ExistingDataset && !was.Created) {
		return fmt.Errorf("this profile's dataflow already writes to dataset %s: move it with cioaep reconfigure, or set up a second dataflow under another --profile", was.ID)
	}
	return nil
}

func (r *run) outcome(kind string, reused bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if reused {
		r.reused = append(r.reused, kind)
	} else {
		r.created = append(r.created, kind)
	}
}

func (r *run) planned(step, action, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plan = append(r.plan, PlannedStep{Name: step, Action: action, Detail: detail})
}

func (r *run) result() Result {
	return Result{
		WebhookURL: webhookURL(r.inletURL, r.flowID), FlowID: r.flowID, InletURL: r.inletURL,
		DatasetID: r.datasetID, SchemaID: r.schemaID, SourceConnectionID: r.sourceID,
		TargetConnectionID: r.targetID, MappingSetID: r.mapping.ID,
		Created: nonNil(r.created), Reused: nonNil(r.reused),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tasks is the plan's dependency graph:
//
//	tenant → field group → schema → descriptor (→ profile tag) ‖ dataset ‖ mapping check
//	source connection ‖ target connection(dataset) ‖ mapping set(schema, check) → flow → endpoint
//
// For an existing dataset the graph starts at the dataset and the mapping check, which run together
// when the plan already knows the schema (the wizard fills it in), so after the token the critical path
// is check → connections and mapping set → flow → endpoint: four round trips. The Customer.io schema
// path is tenant → field group → schema → dataset → target → flow → endpoint: seven, with the mapping
// check beside the dataset. Profile adds identity descriptor → union tag before the dataset, because
// Platform enables a schema for Profile only once it has a primary identity.
func (r *run) tasks() []task {
	var ts []task
	add := func(name string, deps []string, fn func(context.Context) (string, bool, error)) {
		ts = append(ts, task{name: name, deps: deps, run: fn})
	}
	d := r.p.Destination
	var schemaDeps []string // what must finish before the schema id is known
	var datasetDeps []string
	switch d.Kind {
	case NewSchema:
		add(StepTenant, nil, r.ensureTenant)
		add(StepFieldGroup, []string{StepTenant}, r.ensureFieldGroup)
		add(StepSchema, []string{StepFieldGroup}, r.ensureSchema)
		add(StepDescriptor, []string{StepSchema}, r.ensureDescriptor)
		schemaDeps = []string{StepSchema}
		datasetDeps = []string{StepSchema}
		if r.p.Options.ProfileEnabled {
			add(StepProfile, []string{StepDescriptor}, r.ensureProfile)
			datasetDeps = []string{StepProfile}
		}
	case ExistingDataset:
		if r.schemaID == "" {
			schemaDeps = []string{StepDataset} // the dataset names the schema
		}
	}
	add(StepValidate, schemaDeps, r.validate)
	switch d.Kind {
	case ExistingDataset:
		add(StepDataset, nil, r.useDataset)
	case NewDataset:
		if r.p.Options.ProfileEnabled { // the user's schema must carry the union tag before a Profile dataset
			add(StepProfile, []string{StepValidate}, r.ensureProfile)
			datasetDeps = []string{StepProfile}
		}
		add(StepDataset, append(datasetDeps, StepValidate), r.ensureDataset)
	case NewSchema:
		// The field group and schema exist before the mapping can be validated against them; the dataset
		// need not wait for that check, only the mapping set and the connections do.
		add(StepDataset, datasetDeps, r.ensureDataset)
	}
	add(StepSource, []string{StepValidate}, r.ensureSource)
	add(StepTarget, []string{StepDataset, StepValidate}, r.ensureTarget)
	add(StepMapping, []string{StepValidate}, r.ensureMapping)
	add(StepFlow, []string{StepSource, StepTarget, StepMapping}, r.ensureFlow)
	add(StepEndpoint, []string{StepFlow}, r.endpoint)
	return ts
}

// ensureTenant reads the tenant id, once per journal: it never changes for an organisation.
func (r *run) ensureTenant(ctx context.Context) (string, bool, error) {
	if r.tenant != "" {
		return r.tenant, true, nil
	}
	t, err := r.c.TenantID(ctx)
	if err != nil {
		return "", false, &StepError{Step: StepTenant, Op: "read the organisation's tenant id", Err: err}
	}
	r.tenant = t
	if !r.dry {
		r.record(func() error { return r.j.setTenant(t) })
	}
	return t, false, nil
}

func (r *run) ensureFieldGroup(ctx context.Context) (string, bool, error) {
	find := func(ctx context.Context) (string, bool, error) {
		ref, ok, err := r.c.FindFieldGroup(ctx, r.names.FieldGroup)
		return ref.ID, ok, err
	}
	id, reused, err := r.ensure(ctx, resource{
		kind: KindFieldGroup, step: StepFieldGroup, what: "the Customer.io field group", name: r.names.FieldGroup,
		verify: func(ctx context.Context, id string) (bool, error) {
			got, ok, err := find(ctx)
			return ok && got == id, err
		},
		find: find,
		create: func(ctx context.Context) (string, error) {
			ref, err := r.c.CreateFieldGroup(ctx, customerIOFieldGroup(r.tenant, r.names.FieldGroup))
			return ref.ID, err
		},
	})
	r.fieldGroupID = id
	return id, reused, err
}

func (r *run) ensureSchema(ctx context.Context) (string, bool, error) {
	id, reused, err := r.ensure(ctx, resource{
		kind: KindSchema, step: StepSchema, what: "the Customer.io schema", name: r.names.Schema,
		verify: func(ctx context.Context, id string) (bool, error) {
			_, err := r.c.Schema(ctx, id)
			return exists(err)
		},
		find: func(ctx context.Context) (string, bool, error) {
			ref, ok, err := r.c.FindSchema(ctx, r.names.Schema)
			return ref.ID, ok, err
		},
		create: func(ctx context.Context) (string, error) {
			ref, err := r.c.CreateSchema(ctx, map[string]any{
				"type":        "object",
				"title":       r.names.Schema,
				"description": "Customer.io reporting webhook events, streamed by cioaep.",
				"allOf":       []any{map[string]string{"$ref": aep.ExperienceEventClass}, map[string]string{"$ref": r.fieldGroupID}},
			})
			return ref.ID, err
		},
	})
	r.schemaID = id
	return id, reused, err
}

// descriptorName stands for the identity descriptor in the journal; descriptors have no name of their own.
const descriptorName = "primary identity: email"

// ensureDescriptor makes the email the schema's primary identity. Descriptors have no name; the
// schema's own descriptor list is the lookup, and it only needs the schema, so it is always consulted
// on re-runs.
func (r *run) ensureDescriptor(ctx context.Context) (string, bool, error) {
	want := aep.Descriptor{Type: aep.IdentityDescriptor, SourceSchema: r.schemaID, SourceVersion: 1,
		SourceProperty: identityPath(r.tenant), Namespace: "Email", Property: "xdm:code", IsPrimary: true}
	find := func(ctx context.Context) (string, bool, error) {
		if r.schemaID == "" {
			return "", false, nil
		}
		ds, err := r.c.Descriptors(ctx, r.schemaID)
		for _, d := range ds {
			if d.Type == aep.IdentityDescriptor && d.SourceProperty == want.SourceProperty {
				return d.ID, true, nil
			}
		}
		return "", false, err
	}
	return r.ensure(ctx, resource{
		kind: KindDescriptor, step: StepDescriptor, what: "the email identity descriptor", name: descriptorName,
		verify: func(ctx context.Context, id string) (bool, error) {
			got, ok, err := find(ctx)
			return ok && got == id, err
		},
		find: find,
		create: func(ctx context.Context) (string, error) {
			d, err := r.c.CreateDescriptor(ctx, want)
			return d.ID, err
		},
	})
}

// ensureProfile tags the schema for Profile. Platform cannot undo it and repeating it changes nothing,
// so it is simply sent (again) unless the journal shows it done for this schema.
func (r *run) ensureProfile(ctx context.Context) (string, bool, error) {
	if e, ok := r.prior[KindProfile]; ok && e.ID == r.schemaID && r.schemaID != "" {
		return e.ID, true, nil
	}
	if r.dry {
		r.planned(StepProfile, "create", "enable the schema for Profile")
		return "", false, nil
	}
	if err := r.c.EnableProfile(ctx, r.schemaID); err != nil {
		return "", false, &StepError{Step: StepProfile, Op: "enable the schema for Profile", Err: err}
	}
	r.record(func() error { return r.j.done(KindProfile, r.schemaID, "union", true) })
	return r.schemaID, false, nil
}

// useDataset checks the user's dataset exists and learns its schema. It is journaled as not created,
// so teardown leaves it alone.
func (r *run) useDataset(ctx context.Context) (string, bool, error) {
	id := r.p.Destination.DatasetID
	ds, err := r.s.dataset(ctx, r.c, id)
	if err != nil {
		return "", false, &StepError{Step: StepDataset, Op: "read dataset " + id, Err: err}
	}
	if r.schemaID != "" && ds.SchemaID != r.schemaID {
		return "", false, &StepError{Step: StepDataset, Op: "check dataset " + id,
			Err: fmt.Errorf("it uses schema %s, not %s", ds.SchemaID, r.schemaID)}
	}
	r.datasetID = id
	if r.schemaID == "" {
		r.schemaID = ds.SchemaID
	}
	if r.dry {
		r.planned(StepDataset, "reuse", id)
		return id, true, nil
	}
	r.record(func() error { return r.j.done(KindDataset, id, ds.Name, false) })
	r.outcome(KindDataset, true)
	return id, true, nil
}

func (r *run) ensureDataset(ctx context.Context) (string, bool, error) {
	fits := func(d aep.Dataset) bool { return d.SchemaID == r.schemaID }
	id, reused, err := r.ensure(ctx, resource{
		kind: KindDataset, step: StepDataset, what: "the dataset", name: r.names.Dataset,
		verify: func(ctx context.Context, id string) (bool, error) {
			d, err := r.c.Dataset(ctx, id)
			ok, err := exists(err)
			return ok && fits(d), err
		},
		find: func(ctx context.Context) (string, bool, error) {
			ds, err := r.c.FindDatasets(ctx, r.names.Dataset)
			for _, d := range ds {
				if fits(d) {
					return d.ID, true, nil
				}
			}
			return "", false, err
		},
		create: func(ctx context.Context) (string, error) {
			return r.c.CreateDataset(ctx, aep.NewDataset{Name: r.names.Dataset, Description: r.p.Destination.DatasetDescription,
				SchemaID: r.schemaID, Profile: r.p.Options.ProfileEnabled})
		},
	})
	r.datasetID = id
	return id, reused, err
}

// validate runs Data Prep's validation, and the mandatory-target check, before anything is created.
func (r *run) validate(ctx context.Context) (string, bool, error) {
	fail := func(err error) (string, bool, error) {
		return "", false, &StepError{Step: StepValidate, Op: "check the mapping", Err: err}
	}
	// The tenant is known on the Customer.io schema path (its own task); an existing-schema plan carries
	// its rules and needs the tenant only to find the mandatory targets, so it is read alongside.
	r.rules = rulesFor(r.p, r.tenant)
	if r.schemaID == "" { // a dry run of a schema not yet created: local checks only
		if err := failedChecks(checkRules(r.rules, customerIOFields(r.tenant), nil)); err != nil {
			return fail(err)
		}
		if err := checkSamples(r.rules, customerIOSchema(r.tenant), SampleEvents(r.p.Events)).Err(); err != nil {
			return fail(err)
		}
		return "", false, nil
	}
	var (
		full   map[string]any
		remote []aep.RuleResult
	)
	g, gctx := errgroup.WithContext(ctx)
	if r.tenant == "" {
		g.Go(func() (err error) {
			r.tenant, err = r.c.TenantID(gctx)
			return err
		})
	}
	if r.p.Destination.Kind != NewSchema {
		g.Go(func() (err error) {
			if full, err = r.s.schema(gctx, r.c, r.schemaID); err != nil {
				return fmt.Errorf("read schema %s: %w", r.schemaID, err)
			}
			return nil
		})
	}
	g.Go(func() (err error) {
		remote, err = r.s.validateRules(gctx, r.c, r.schemaID, r.rules)
		return err
	})
	if err := g.Wait(); err != nil {
		return fail(err)
	}
	if full == nil {
		full = customerIOSchema(r.tenant)
	}
	fields := xdm.Flatten(full)
	var bad []RuleCheck
	for i, res := range remote {
		if !res.OK() && i < len(r.rules) {
			c := RuleCheck{Rule: r.rules[i]}
			for _, e := range res.Errors {
				c.Errors = append(c.Errors, e.String())
			}
			bad = append(bad, c)
		}
	}
	if err := failedChecks(bad); err != nil {
		return fail(err)
	}
	if err := missingMandatory(targetFields(fields, r.tenant), r.rules); err != nil {
		return fail(err)
	}
	// What ingestion will check: the embedded samples of the chosen event types, mapped and validated.
	if err := checkSamples(r.rules, full, SampleEvents(r.p.Events)).Err(); err != nil {
		return fail(err)
	}
	return "", false, nil
}

func (r *run) ensureSource(ctx context.Context) (string, bool, error) {
	id, reused, err := r.ensure(ctx, resource{
		kind: KindSource, step: StepSource, what: "the source connection", name: r.names.Source,
		verify: func(ctx context.Context, id string) (bool, error) {
			_, err := r.c.SourceConnection(ctx, id)
			return exists(err)
		},
		find: func(ctx context.Context) (string, bool, error) {
			scs, err := r.c.SourceConnections(ctx, "connectionSpec.id=="+aep.CustomerIOConnectionSpecID)
			for _, sc := range scs {
				if sc.Name == r.names.Source {
					return sc.ID, true, nil
				}
			}
			return "", false, err
		},
		create: func(ctx context.Context) (string, error) {
			c, err := r.c.CreateSourceConnection(ctx, aep.SourceConnection{
				Name: r.names.Source, Description: "Customer.io reporting webhooks, set up by cioaep.",
				ProviderID:     aep.CustomerIOProviderID,
				ConnectionSpec: aep.SpecRef{ID: aep.CustomerIOConnectionSpecID, Version: aep.SpecVersion},
				Data:           aep.ConnectionData{Format: "json"},
			})
			return c.ID, err
		},
	})
	r.sourceID = id
	return id, reused, err
}

func (r *run) ensureTarget(ctx context.Context) (string, bool, error) {
	fits := func(tc aep.TargetConnection) bool {
		return tc.Params.DataSetID == r.datasetID && (tc.Data.Schema == nil || tc.Data.Schema.ID == r.schemaID)
	}
	id, reused, err := r.ensure(ctx, resource{
		kind: KindTarget, step: StepTarget, what: "the target connection", name: r.names.Target,
		verify: func(ctx context.Context, id string) (bool, error) {
			tc, err := r.c.TargetConnection(ctx, id)
			ok, err := exists(err)
			return ok && fits(tc), err
		},
		find: func(ctx context.Context) (string, bool, error) {
			tcs, err := r.c.TargetConnections(ctx, "params.dataSetId=="+r.datasetID)
			for _, tc := range tcs {
				if tc.Name == r.names.Target && fits(tc) {
					return tc.ID, true, nil
				}
			}
			return "", false, err
		},
		create: func(ctx context.Context) (string, error) {
			c, err := r.c.CreateTargetConnection(ctx, aep.TargetConnection{
				Name: r.names.Target, Description: "The dataset Customer.io events land in, set up by cioaep.",
				ConnectionSpec: aep.SpecRef{ID: aep.DataLakeConnectionSpecID, Version: aep.SpecVersion},
				Data:           aep.ConnectionData{Format: "json", Schema: &aep.SchemaVersion{ID: r.schemaID, Version: aep.XEDFullContentType}},
				Params:         aep.TargetParams{DataSetID: r.datasetID},
			})
			return c.ID, err
		},
	})
	r.targetID = id
	return id, reused, err
}

// ensureMapping creates the mapping set, named with the plan's tag like every other resource, so that
// after an unknown outcome (a dropped connection on the create, or a run killed before the journal got
// the id) the set is found by name instead of made twice.
func (r *run) ensureMapping(ctx context.Context) (string, bool, error) {
	var changed error
	id, reused, err := r.ensure(ctx, resource{
		kind: KindMapping, step: StepMapping, what: "the mapping set", name: r.names.Mapping,
		verify: func(ctx context.Context, id string) (bool, error) {
			ms, err := r.c.MappingSet(ctx, id)
			ok, err := exists(err)
			if !ok || ms.SchemaID != r.schemaID {
				return false, err
			}
			if !sameRules(ms.Mappings, r.rules) {
				changed = fmt.Errorf("mapping set %s has other rules than this setup asks for: change a dataflow's mapping with cioaep reconfigure", id)
			}
			r.mapping = ms
			return true, nil
		},
		find: func(ctx context.Context) (string, bool, error) {
			sets, err := r.c.FindMappingSets(ctx, r.names.Mapping)
			if err != nil {
				return "", false, err
			}
			// The plan's name is unique to it; of sets with this name, only one on this schema and with
			// these rules is the one an earlier attempt made (anything else is left for the verify's
			// complaint or for reconfigure).
			for _, ms := range sets {
				if len(ms.Mappings) == 0 { // a list that leaves the rules out: read the set itself
					if ms, err = r.c.MappingSet(ctx, ms.ID); err != nil {
						return "", false, err
					}
				}
				if ms.SchemaID == r.schemaID && sameRules(ms.Mappings, r.rules) {
					r.mapping = ms
					return ms.ID, true, nil
				}
			}
			return "", false, nil
		},
		create: func(ctx context.Context) (string, error) {
			ms, err := r.c.CreateMappingSet(ctx, aep.MappingInput{Name: r.names.Mapping, SchemaID: r.schemaID, Mappings: r.rules})
			r.mapping = ms
			return ms.ID, err
		},
	})
	if err == nil && changed != nil {
		err = &StepError{Step: StepMapping, Op: "check the mapping set", Err: changed}
	}
	return id, reused, err
}

// sameRules compares rule sets regardless of order and of the case of sourceType.
func sameRules(a, b []dataprep.Rule) bool {
	key := func(rs []dataprep.Rule) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = strings.ToUpper(r.SourceType) + "\x00" + r.Source + "\x00" + r.Destination
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

func (r *run) ensureFlow(ctx context.Context) (string, bool, error) {
	fits := func(f aep.Flow) bool {
		mid, _, _ := f.MappingID()
		return slices.Contains(f.SourceConnectionIDs, r.sourceID) && slices.Contains(f.TargetConnectionIDs, r.targetID) && mid == r.mapping.ID
	}
	var opts *aep.FlowOptions
	if o := r.p.Options; o.ErrorDiagnostics || o.PartialIngestionPercent > 0 {
		opts = &aep.FlowOptions{ErrorDiagnosticsEnabled: o.ErrorDiagnostics, PartialIngestionPercent: o.PartialIngestionPercent}
	}
	id, reused, err := r.ensure(ctx, resource{
		kind: KindFlow, step: StepFlow, what: "the dataflow", name: r.names.Flow,
		verify: func(ctx context.Context, id string) (bool, error) {
			f, err := r.c.Flow(ctx, id)
			ok, err := exists(err)
			return ok && fits(f), err
		},
		find: func(ctx context.Context) (string, bool, error) {
			if r.sourceID == "" {
				return "", false, nil
			}
			fs, err := r.c.Flows(ctx, "sourceConnectionIds[]=="+r.sourceID)
			for _, f := range fs {
				if f.Name == r.names.Flow && fits(f) {
					return f.ID, true, nil
				}
			}
			return "", false, err
		},
		create: func(ctx context.Context) (string, error) {
			c, err := r.c.CreateFlow(ctx, aep.Flow{
				Name: r.names.Flow, Description: r.p.Description,
				FlowSpec:            aep.SpecRef{ID: aep.StreamingFlowSpecID, Version: aep.SpecVersion},
				SourceConnectionIDs: []string{r.sourceID}, TargetConnectionIDs: []string{r.targetID},
				Transformations: []aep.Transformation{{Name: aep.MappingTransformation,
					Params: aep.TransformationParams{MappingID: r.mapping.ID, MappingVersion: r.mapping.Version}}},
				Options: opts,
			})
			return c.ID, err
		},
	})
	r.flowID = id
	return id, reused, err
}

// endpoint polls the flow until Flow Service has provisioned its inlet URL.
func (r *run) endpoint(ctx context.Context) (string, bool, error) {
	if r.dry {
		return "", false, nil
	}
	fail := func(err error) (string, bool, error) {
		return "", false, &StepError{Step: StepEndpoint, Op: "read the dataflow's streaming endpoint", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, r.s.poll.timeout)
	defer cancel()
	wait := r.s.poll.first
	for {
		f, err := r.c.Flow(ctx, r.flowID)
		if err != nil {
			return fail(err)
		}
		u, err := f.Inlet()
		if err != nil {
			return fail(err)
		}
		if u != "" {
			r.inletURL = u
			return webhookURL(u, r.flowID), false, nil
		}
		select {
		case <-ctx.Done():
			//lint:ignore ST1005 the sentence starts with a product name
			return fail(fmt.Errorf("Flow Service has not provisioned the endpoint after %s; run the same command again later", r.s.poll.timeout))
		case <-time.After(wait):
		}
		wait = min(2*wait, r.s.poll.max)
	}
}

// exists turns a lookup's error into "gone" (404) or a real failure.
func exists(err error) (bool, error) {
	if errors.Is(err, aep.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
