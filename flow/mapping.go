package flow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/xdm"
	"golang.org/x/sync/errgroup"
)

// TargetField is one field of the destination schema, for the mapping step's picker.
type TargetField struct {
	Path, Type, Title string
	Required          bool // the schema requires it
	Mandatory         bool // Adobe's Customer.io tutorial requires it mapped
}

// RuleCheck is the verdict on one mapping rule.
type RuleCheck struct {
	Rule   dataprep.Rule
	OK     bool
	Errors []string
}

// destSchema is the schema a plan writes to: its id (empty until a NewSchema plan is applied) and its
// fields, flattened.
type destSchema struct {
	id     string
	tenant string
	fields []xdm.Field
	full   map[string]any // the composed schema, for validating mapped records
}

// destination resolves the plan's schema and flattens it. For NewSchema it composes the Customer.io
// field group locally, so the mapping step works before anything exists on the platform. The tenant is
// read beside the dataset and its schema, and all three are remembered for the rest of the session.
func (s *Session) destination(ctx context.Context, plan Plan) (destSchema, error) {
	c := s.Client(plan.Sandbox)
	d := plan.Destination
	if d.Kind == NewSchema {
		tenant, err := c.TenantID(ctx)
		if err != nil {
			return destSchema{}, err
		}
		full := customerIOSchema(tenant)
		return destSchema{tenant: tenant, fields: xdm.Flatten(full), full: full}, nil
	}
	var (
		out  destSchema
		full map[string]any
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		out.tenant, err = c.TenantID(gctx)
		return err
	})
	g.Go(func() error {
		out.id = d.SchemaID
		switch {
		case out.id != "":
		case d.Kind == ExistingDataset && d.DatasetID != "":
			ds, err := s.dataset(gctx, c, d.DatasetID)
			if err != nil {
				return fmt.Errorf("read dataset %s: %w", d.DatasetID, err)
			}
			out.id = ds.SchemaID
		default:
			return fmt.Errorf("the plan names no dataset or schema to write to")
		}
		var err error
		if full, err = s.schema(gctx, c, out.id); err != nil {
			return fmt.Errorf("read schema %s: %w", out.id, err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return destSchema{}, err
	}
	out.fields, out.full = xdm.Flatten(full), full
	return out, nil
}

// customerIOFields are the fields of a schema made of ExperienceEvent and the Customer.io field group.
func customerIOFields(tenant string) []xdm.Field {
	return xdm.Flatten(customerIOSchema(tenant))
}

// customerIOSchema is the composed schema setup creates: ExperienceEvent and the Customer.io field group.
func customerIOSchema(tenant string) map[string]any {
	return xdm.Compose("", defaultSchemaName, xdm.ExperienceEventClass(), customerIOFieldGroup(tenant, defaultFieldGroupName))
}

// TargetFields lists the destination schema's fields, the tutorial's mandatory ones marked.
func (s *Session) TargetFields(ctx context.Context, plan Plan) ([]TargetField, error) {
	d, err := s.destination(ctx, plan)
	if err != nil {
		return nil, err
	}
	return targetFields(d.fields, d.tenant), nil
}

// SuggestMapping proposes rules for the plan's destination: the default Customer.io mapping for a new
// schema, otherwise a match by field names between the samples' source paths and the schema's fields.
func (s *Session) SuggestMapping(ctx context.Context, plan Plan, samples []map[string]any) ([]dataprep.Rule, error) {
	d, err := s.destination(ctx, plan)
	if err != nil {
		return nil, err
	}
	if plan.Destination.Kind == NewSchema {
		return customerIOMapping(d.tenant), nil
	}
	var sources []string
	for _, sample := range samples {
		for _, p := range dataprep.SourcePaths(sample) {
			if !slices.Contains(sources, p) {
				sources = append(sources, p)
			}
		}
	}
	return suggestRules(d.fields, sources, d.tenant), nil
}

// rules are the plan's mapping, or the default one when the plan has none.
func rulesFor(plan Plan, tenant string) []dataprep.Rule {
	if len(plan.Mapping) > 0 {
		return plan.Mapping
	}
	return customerIOMapping(tenant)
}

// ValidateMapping checks every rule: locally (syntax, functions), that its destination exists in the
// schema, and, when the schema exists on the platform, with Data Prep's own validator. A
// *MissingMandatoryError comes back with the checks when a mandatory target is left unmapped.
func (s *Session) ValidateMapping(ctx context.Context, plan Plan) ([]RuleCheck, error) {
	d, err := s.destination(ctx, plan)
	if err != nil {
		return nil, err
	}
	rules := rulesFor(plan, d.tenant)
	var remote []aep.RuleResult
	if d.id != "" {
		remote, err = s.validateRules(ctx, s.Client(plan.Sandbox), d.id, rules)
		if err != nil {
			return nil, fmt.Errorf("validate the mapping: %w", err)
		}
	}
	checks := checkRules(rules, d.fields, remote)
	return checks, missingMandatory(targetFields(d.fields, d.tenant), rules)
}

// checkRules merges the local verdicts and Data Prep's (remote may be nil) into one check per rule.
func checkRules(rules []dataprep.Rule, fields []xdm.Field, remote []aep.RuleResult) []RuleCheck {
	local := dataprep.Validate(rules)
	checks := make([]RuleCheck, len(rules))
	for i, r := range rules {
		c := RuleCheck{Rule: r, OK: true}
		if i < len(local) && local[i].Status != dataprep.Success {
			c.OK = false
			c.Errors = append(c.Errors, local[i].Errors...)
		}
		if !hasField(fields, r.Destination) {
			c.OK = false
			c.Errors = append(c.Errors, fmt.Sprintf("the schema has no field %s", r.Destination))
		}
		if i < len(remote) && !remote[i].OK() {
			c.OK = false
			for _, e := range remote[i].Errors {
				c.Errors = append(c.Errors, e.String())
			}
		}
		checks[i] = c
	}
	return checks
}

// hasField accepts a destination that is a field or lies inside one (an array element, a map entry).
func hasField(fields []xdm.Field, dest string) bool {
	dest = normalizeIndex(dest)
	return slices.ContainsFunc(fields, func(f xdm.Field) bool {
		p := normalizeIndex(f.Path)
		return p == dest || within(dest, p) || strings.TrimSuffix(p, "[*]") == dest
	})
}

// missingMandatory returns a *MissingMandatoryError naming mandatory targets no rule writes, or nil.
func missingMandatory(fields []TargetField, rules []dataprep.Rule) error {
	var missing []string
	for _, f := range fields {
		if f.Mandatory && !slices.ContainsFunc(rules, func(r dataprep.Rule) bool { return r.Destination == f.Path }) {
			missing = append(missing, f.Path)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &MissingMandatoryError{Paths: missing}
}

// failedChecks summarises failing rules for an error message.
func failedChecks(checks []RuleCheck) error {
	var msgs []string
	for _, c := range checks {
		if !c.OK {
			msgs = append(msgs, fmt.Sprintf("%s ← %s: %s", c.Rule.Destination, c.Rule.Source, strings.Join(c.Errors, "; ")))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("the mapping has %d invalid rule(s): %s", len(msgs), strings.Join(msgs, " | "))
}

// Preview shows what sample becomes under the plan's mapping: Data Prep's own preview when the schema
// exists on the platform, the local implementation of the same language for a schema not yet created.
func (s *Session) Preview(ctx context.Context, plan Plan, sample map[string]any) (map[string]any, error) {
	d, err := s.destination(ctx, plan)
	if err != nil {
		return nil, err
	}
	rules := rulesFor(plan, d.tenant)
	if d.id == "" {
		m, err := dataprep.Compile(rules)
		if err != nil {
			return nil, err
		}
		return m.Apply(sample)
	}
	out, err := s.Client(plan.Sandbox).PreviewMapping(ctx, aep.MappingInput{SchemaID: d.id, Mappings: rules}, []map[string]any{sample})
	if err != nil {
		return nil, fmt.Errorf("preview the mapping: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("preview the mapping: Data Prep returned no record")
	}
	if len(out[0].Errors) > 0 {
		msgs := make([]string, len(out[0].Errors))
		for i, e := range out[0].Errors {
			msgs[i] = e.String()
		}
		return out[0].Data, fmt.Errorf("preview the mapping: %s", strings.Join(msgs, "; "))
	}
	return out[0].Data, nil
}
