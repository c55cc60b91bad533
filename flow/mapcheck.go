package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/xdm"
)

// A rule can pass Data Prep's validator and still make records that streaming ingestion rejects: a
// concat() into a URI field, a constant "not-a-date" into a date-time. So the mapping is also checked the
// way ingestion checks it: every sample event goes through the same Data Prep mapping and XDM validation
// the streaming inlet runs (flow/local's inlet uses the very same two functions), and a sample that would
// be rejected names the field, what the schema expects and what the mapping made.

// SampleVerdicts is the outcome of running sample events through a mapping.
type SampleVerdicts struct {
	Samples []SampleVerdict
}

// Accepted counts the samples ingestion would accept.
func (v SampleVerdicts) Accepted() int {
	n := 0
	for _, s := range v.Samples {
		if s.OK() {
			n++
		}
	}
	return n
}

// Err is nil when every sample would be accepted, else an error naming the first problems.
func (v SampleVerdicts) Err() error {
	var msgs []string
	for _, s := range v.Samples {
		for _, p := range s.Problems {
			msgs = append(msgs, s.Event+": "+p.String())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	const shown = 3
	more := ""
	if len(msgs) > shown {
		more = fmt.Sprintf(" (and %d more)", len(msgs)-shown)
		msgs = msgs[:shown]
	}
	return &SampleRejectedError{Rejected: len(v.Samples) - v.Accepted(), Of: len(v.Samples), Detail: strings.Join(msgs, "; ") + more}
}

// SampleRejectedError says that ingestion would reject sample events under the mapping.
type SampleRejectedError struct {
	Rejected, Of int
	Detail       string
}

func (e *SampleRejectedError) Error() string {
	return fmt.Sprintf("%d of %d sample events would be rejected at ingestion: %s", e.Rejected, e.Of, e.Detail)
}

// SampleVerdict is what ingestion would make of one sample event.
type SampleVerdict struct {
	// Event names the sample: "email.sent" (object type and metric).
	Event string
	// Record is the mapped record (nil when the mapping itself failed).
	Record   map[string]any
	Problems []FieldProblem
}

// OK reports whether ingestion would accept the sample.
func (s SampleVerdict) OK() bool { return len(s.Problems) == 0 }

// FieldProblem is one reason a mapped record would be rejected: the field, the rule that fills it (if
// one does) and what the schema expects against what the mapping made.
type FieldProblem struct {
	Field   string
	Rule    *dataprep.Rule
	Message string
}

func (p FieldProblem) String() string {
	s := p.Message
	if p.Field != "" {
		s = p.Field + ": " + s
	}
	if p.Rule != nil {
		s += " (mapped from " + p.Rule.Source + ")"
	}
	return s
}

// SampleEvents are the embedded Customer.io sample events of the given object types, every type when
// none are given.
func SampleEvents(objectTypes []string) []map[string]any {
	var out []map[string]any
	for _, s := range assets.Samples() {
		var ev map[string]any
		if (len(objectTypes) == 0 || slices.Contains(objectTypes, s.ObjectType)) && json.Unmarshal(s.Body, &ev) == nil {
			out = append(out, ev)
		}
	}
	return out
}

// CheckSamples runs every sample through the plan's mapping and validates each record against the
// destination schema, as the streaming inlet does. With no samples it uses the embedded ones of the
// plan's event types.
func (s *Session) CheckSamples(ctx context.Context, plan Plan, samples []map[string]any) (SampleVerdicts, error) {
	d, err := s.destination(ctx, plan)
	if err != nil {
		return SampleVerdicts{}, err
	}
	if len(samples) == 0 {
		samples = SampleEvents(plan.Events)
	}
	return checkSamples(rulesFor(plan, d.tenant), d.full, samples), nil
}

// checkSamples is CheckSamples once the rules and the composed schema are known.
func checkSamples(rules []dataprep.Rule, full map[string]any, samples []map[string]any) SampleVerdicts {
	var out SampleVerdicts
	m, compileErr := dataprep.Compile(rules)
	for _, ev := range samples {
		v := SampleVerdict{Event: EventName(ev)}
		switch rec, err := applyMapping(m, compileErr, ev); {
		case err != nil:
			v.Problems = []FieldProblem{{Message: "the mapping failed: " + err.Error()}}
		default:
			v.Record = rec
			for _, viol := range xdm.Validate(full, rec) {
				v.Problems = append(v.Problems, FieldProblem{Field: viol.Path, Rule: ruleFor(rules, viol.Path), Message: viol.Message})
			}
		}
		out.Samples = append(out.Samples, v)
	}
	return out
}

func applyMapping(m *dataprep.Mapping, compileErr error, ev map[string]any) (map[string]any, error) {
	if compileErr != nil {
		return nil, compileErr
	}
	return m.Apply(ev)
}

// ruleFor finds the rule that writes path or the object or list element that holds it.
func ruleFor(rules []dataprep.Rule, path string) *dataprep.Rule {
	path = normalizeIndex(path)
	var best *dataprep.Rule
	for i := range rules {
		d := normalizeIndex(rules[i].Destination)
		if d == path || within(path, d) {
			if best == nil || len(d) > len(normalizeIndex(best.Destination)) {
				best = &rules[i]
			}
		}
	}
	return best
}

// EventName is "object_type.metric" of a Customer.io event, or "event" when it has neither: how the
// sample checks and the mapping step name a sample.
func EventName(ev map[string]any) string {
	o, _ := ev["object_type"].(string)
	m, _ := ev["metric"].(string)
	switch {
	case o != "" && m != "":
		return o + "." + m
	case o != "":
		return o
	}
	return "event"
}

// recordedEvents are the object types the profile's webhook sends, nil (every type) when none were
// recorded or they cannot be read.
func (s *Session) recordedEvents() []string {
	events, _, _ := LoadEvents(s.StateDir())
	return events
}
