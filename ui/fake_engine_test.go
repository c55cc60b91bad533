package ui

// This file holds a fake Engine for view-level tests: it answers like flow.Session would, with canned
// data and injectable failures, so every screen and error state can be drawn deterministically. The
// end-to-end behaviour against the real engine and local platform is covered by the tmux test.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
)

type fakeEngine struct {
	mu            sync.Mutex
	verifyErr     error
	sandboxes     []flow.Sandbox
	sandboxFails  int // the first n calls fail
	sandboxCalls  int
	datasets      []flow.Dataset
	schemas       []flow.Schema
	pageSize      int
	fields        []flow.TargetField
	rules         []dataprep.Rule
	applyFailures int // the first n applies fail at the Dataflow step
	applies       int
	applied       flow.Plan     // the plan of the last Apply
	block         chan struct{} // non-nil: Apply waits on it (or cancellation) after its first running step
	pageGate      chan struct{} // non-nil: Datasets waits on it after the first page
}

var errUnavailable = errors.New("the Platform answered 503 Service Unavailable; try again in a moment")

func newFakeEngine() *fakeEngine {
	return &fakeEngine{
		sandboxes: []flow.Sandbox{
			{Name: "prod", Title: "Production", Type: "production", Default: true},
			{Name: "dev", Title: "Development", Type: "development"},
		},
		datasets: []flow.Dataset{
			{ID: "ds1", Name: "Web events", SchemaID: "https://ns.adobe.com/acme/schemas/s1"},
			{ID: "ds2", Name: "Customer.io events (old)", SchemaID: "https://ns.adobe.com/acme/schemas/s2"},
		},
		schemas: []flow.Schema{
			{ID: "https://ns.adobe.com/acme/schemas/s1", Title: "Web schema"},
			{ID: "https://ns.adobe.com/acme/schemas/s2", Title: "Customer.io schema"},
		},
		pageSize: 100,
		fields: []flow.TargetField{
			{Path: "_id", Type: "string", Title: "Identifier", Required: true},
			{Path: "timestamp", Type: "date-time", Title: "Timestamp", Required: true},
			{Path: "eventType", Type: "string", Title: "Event type"},
			{Path: "_acme.customerio.email", Type: "string", Title: "Email", Mandatory: true},
			{Path: "_acme.customerio.metric", Type: "string", Title: "Metric", Mandatory: true},
			{Path: "_acme.customerio.object_type", Type: "string", Title: "Object type", Mandatory: true},
			{Path: "_acme.customerio.campaign_id", Type: "integer", Title: "Campaign"},
		},
		rules: []dataprep.Rule{
			{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"},
			{SourceType: dataprep.Expression, Source: `dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, Destination: "timestamp"},
			{SourceType: dataprep.Expression, Source: `concat("customerio.", object_type, ".", metric)`, Destination: "eventType"},
			{SourceType: dataprep.Attribute, Source: "data.identifiers.email", Destination: "_acme.customerio.email"},
			{SourceType: dataprep.Attribute, Source: "metric", Destination: "_acme.customerio.metric"},
			{SourceType: dataprep.Attribute, Source: "object_type", Destination: "_acme.customerio.object_type"},
		},
	}
}

func (f *fakeEngine) Verify(context.Context) error { return f.verifyErr }

func (f *fakeEngine) Sandboxes(context.Context) ([]flow.Sandbox, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sandboxCalls++
	if f.sandboxCalls <= f.sandboxFails {
		return nil, errUnavailable
	}
	return f.sandboxes, nil
}

func (f *fakeEngine) Datasets(ctx context.Context, _ string, page func([]flow.Dataset)) error {
	if f.pageGate != nil && len(f.datasets) > f.pageSize {
		page(f.datasets[:f.pageSize])
		select {
		case <-f.pageGate:
		case <-ctx.Done():
			return ctx.Err()
		}
		return pages(ctx, f.datasets[f.pageSize:], f.pageSize, page)
	}
	return pages(ctx, f.datasets, f.pageSize, page)
}

func (f *fakeEngine) Schemas(ctx context.Context, _ string, page func([]flow.Schema)) error {
	return pages(ctx, f.schemas, f.pageSize, page)
}

func pages[T any](ctx context.Context, all []T, n int, page func([]T)) error {
	for i := 0; i < len(all); i += n {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		page(all[i:min(i+n, len(all))])
	}
	return nil
}

func (f *fakeEngine) TargetFields(context.Context, flow.Plan) ([]flow.TargetField, error) {
	return f.fields, nil
}

func (f *fakeEngine) SuggestMapping(context.Context, flow.Plan, []map[string]any) ([]dataprep.Rule, error) {
	return f.rules, nil
}

// ValidateMapping fails rules whose source calls an unknown function, as /mappingSets/validate does.
func (f *fakeEngine) ValidateMapping(_ context.Context, plan flow.Plan) ([]flow.RuleCheck, error) {
	var out []flow.RuleCheck
	for _, r := range plan.Mapping {
		c := flow.RuleCheck{Rule: r, OK: true}
		if r.SourceType == dataprep.Expression && strings.HasPrefix(r.Source, "nosuch(") {
			c.OK, c.Errors = false, []string{"unknown function nosuch"}
		}
		out = append(out, c)
	}
	return out, nil
}

// Preview copies attribute sources, enough for the pane to show something real.
func (f *fakeEngine) Preview(_ context.Context, plan flow.Plan, sample map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, r := range plan.Mapping {
		switch r.SourceType {
		case dataprep.Attribute:
			out[r.Destination] = lookup(sample, r.Source)
		case dataprep.Static:
			out[r.Destination] = r.Source
		}
	}
	return out, nil
}

func lookup(m map[string]any, path string) any {
	var v any = m
	for _, p := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func (f *fakeEngine) Review(_ context.Context, plan flow.Plan) ([]flow.PlannedStep, error) {
	var out []flow.PlannedStep
	for _, n := range applySteps(plan) {
		action, detail := "create", n+" (cioaep "+plan.ID+")"
		if n == flow.StepTenant {
			action, detail = "reuse", "_acme"
		}
		out = append(out, flow.PlannedStep{Name: n, Action: action, Detail: detail})
	}
	return out, nil
}

func applySteps(plan flow.Plan) []string {
	s := []string{flow.StepTenant}
	if plan.Destination.Kind == flow.NewSchema {
		s = append(s, flow.StepFieldGroup, flow.StepSchema, flow.StepDescriptor)
	}
	if plan.Destination.Kind != flow.ExistingDataset {
		s = append(s, flow.StepDataset)
	}
	return append(s, flow.StepSource, flow.StepTarget, flow.StepMapping, flow.StepFlow, flow.StepEndpoint)
}

// Apply reports each step as waiting, running, then done, with fixed times so views are stable.
func (f *fakeEngine) Apply(ctx context.Context, plan flow.Plan, progress func(flow.Step)) (flow.Result, error) {
	f.mu.Lock()
	f.applies++
	f.applied = plan
	fail := f.applies <= f.applyFailures
	f.mu.Unlock()
	names := applySteps(plan)
	for _, n := range names {
		progress(flow.Step{Name: n, State: flow.StepWaiting})
	}
	for i, n := range names {
		if ctx.Err() != nil {
			return flow.Result{}, ctx.Err()
		}
		progress(flow.Step{Name: n, State: flow.StepRunning})
		if f.block != nil && i == 0 {
			select {
			case <-f.block:
			case <-ctx.Done():
				return flow.Result{}, ctx.Err()
			}
		}
		if fail && n == flow.StepFlow {
			err := &flow.StepError{Step: n, Op: "create the dataflow", Err: errUnavailable}
			progress(flow.Step{Name: n, State: flow.StepFailed, Elapsed: 120 * time.Millisecond, Err: err})
			return flow.Result{}, err
		}
		progress(flow.Step{Name: n, State: flow.StepDone, ResourceID: fmt.Sprintf("id-%d", i), Elapsed: time.Duration(i+1) * 110 * time.Millisecond})
	}
	return flow.Result{
		WebhookURL: "https://dcs.adobedc.net/collection/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef?x-adobe-flow-id=5f6e7d8c-0000-4a1b-9c2d-3e4f5a6b7c8d",
		FlowID:     "5f6e7d8c-0000-4a1b-9c2d-3e4f5a6b7c8d",
	}, nil
}

// fakeWorld wires a fake engine the way cmd/wizard.go wires the real one.
type fakeWorld struct {
	engine *fakeEngine
	reject string // a client secret Verify refuses
	saved  []string
	copied []string
	mu     sync.Mutex
}

func (w *fakeWorld) deps(local bool) Deps {
	return Deps{
		Profile: "default",
		Local:   local,
		Prefill: func(_ context.Context, p Platform) (Credentials, error) {
			if p == Local {
				return Credentials{OrgID: "LOCAL@AdobeOrg", ClientID: "cioaep-local", ClientSecret: "local", Scopes: aep.DefaultScopes}, nil
			}
			return Credentials{OrgID: "0123456789ABCDEF01234567@AdobeOrg", ClientID: "c0ffee", ClientSecret: "s3cret", Scopes: aep.DefaultScopes}, nil
		},
		Connect: func(_ context.Context, _ Platform, c Credentials) (Engine, error) {
			if c.ClientSecret == w.reject {
				return &fakeEngine{verifyErr: errors.New("Adobe rejected this client id and secret (invalid_client)\nCheck them on the credential page in Developer Console.")}, nil
			}
			return w.engine, nil
		},
		Save: func(_ context.Context, _ Platform, c Credentials, sandbox string) (string, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.saved = append(w.saved, c.ClientID+"/"+sandbox)
			return "The client secret is in the keychain.", nil
		},
		Samples: testSamples,
		LoadEvent: func(path string) (map[string]any, error) {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("cannot read %s: the file does not exist", path)
			}
			return nil, fmt.Errorf("%s: not a Customer.io event: missing event_id", path)
		},
		Copy: func(text string) CopyResult {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.copied = append(w.copied, text)
			return CopyResult{OK: true, Message: "Copied through your terminal (OSC 52)."}
		},
	}
}

var testSamples = []Sample{
	{ObjectType: "email", Metric: "sent", Body: []byte(`{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQJ","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"id":"42","email":"ada@example.com","cio_id":"d9c106000001"},"recipient":"ada@example.com","subject":"Welcome"}}`)},
	{ObjectType: "sms", Metric: "delivered", Body: []byte(`{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQK","object_type":"sms","metric":"delivered","timestamp":1613063090,"data":{"identifiers":{"id":"42"},"recipient":"+15555550100"}}`)},
	{ObjectType: "customer", Metric: "subscribed", Body: []byte(`{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQL","object_type":"customer","metric":"subscribed","timestamp":1613063091,"data":{"identifiers":{"id":"42"},"email_address":"ada@example.com"}}`)},
}

// CheckSamples maps every sample with the real Data Prep implementation and, standing in for XDM
// validation, rejects a timestamp that is not an RFC 3339 date-time.
func (f *fakeEngine) CheckSamples(_ context.Context, plan flow.Plan, samples []map[string]any) (flow.SampleVerdicts, error) {
	var out flow.SampleVerdicts
	m, compileErr := dataprep.Compile(plan.Mapping)
	for _, ev := range samples {
		v := flow.SampleVerdict{Event: fmt.Sprintf("%v.%v", ev["object_type"], ev["metric"])}
		var err error
		if compileErr != nil {
			v.Problems = []flow.FieldProblem{{Message: compileErr.Error()}}
		} else if v.Record, err = m.Apply(ev); err != nil {
			v.Problems = []flow.FieldProblem{{Message: err.Error()}}
		} else if ts, _ := v.Record["timestamp"].(string); ts != "" {
			if _, perr := time.Parse(time.RFC3339Nano, ts); perr != nil {
				v.Problems = []flow.FieldProblem{{Field: "timestamp", Message: fmt.Sprintf("want a date-time in RFC 3339 form, got %q", ts)}}
			}
		}
		out.Samples = append(out.Samples, v)
	}
	return out, nil
}
