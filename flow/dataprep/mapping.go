package dataprep

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Mapping is a compiled set of rules. Compile once, then Apply to every event: paths and expressions
// are parsed only once, and a Mapping is safe for concurrent use.
type Mapping struct {
	rules []compiled
}

type compiled struct {
	index  int
	rule   Rule
	dest   path
	source path        // ATTRIBUTE
	expr   *expression // EXPRESSION
}

// RuleResult is Data Prep's per-mapping validation answer (`/mappingSets/validate`).
type RuleResult struct {
	Status string   `json:"status"` // "SUCCESS" or "FAILED"
	Errors []string `json:"errors"`
}

// Validation statuses, as Data Prep spells them.
const (
	Success = "SUCCESS"
	Failed  = "FAILED"
)

// ParseRules reads a JSON array of mappings in Data Prep's form ({sourceType, source, destination}) or
// the older {sourceAttribute, destinationXdmPath} form from Adobe's Customer.io tutorial, where a missing
// sourceType means ATTRIBUTE. It checks shape only; Validate checks meaning.
func ParseRules(data []byte) ([]Rule, error) {
	var raw []struct {
		SourceType         string `json:"sourceType"`
		Source             string `json:"source"`
		Destination        string `json:"destination"`
		SourceAttribute    string `json:"sourceAttribute"`
		DestinationXdmPath string `json:"destinationXdmPath"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("the mapping is not a JSON array of rules like "+
			`[{"sourceType":"ATTRIBUTE","source":"metric","destination":"_tenant.customerio.metric"}]: %w`, err)
	}
	rules := make([]Rule, len(raw))
	for i, r := range raw {
		rule := Rule{SourceType: strings.ToUpper(r.SourceType), Source: r.Source, Destination: r.Destination}
		if rule.Source == "" {
			rule.Source = r.SourceAttribute
		}
		if rule.Destination == "" {
			rule.Destination = r.DestinationXdmPath
		}
		if rule.SourceType == "" {
			rule.SourceType = Attribute
		}
		if rule.Destination == "" {
			return nil, fmt.Errorf("rule %d has no destination (or destinationXdmPath)", i+1)
		}
		rules[i] = rule
	}
	return rules, nil
}

// Validate checks each rule the way `/mappingSets/validate` does and answers one result per rule, so a
// picker can mark the exact row that is wrong.
func Validate(rules []Rule) []RuleResult {
	results := make([]RuleResult, len(rules))
	dests := newDestinations()
	for i, r := range rules {
		c, err := compileRule(i, r)
		if err == nil {
			err = dests.overlap(c.dest, rules)
		}
		if err != nil {
			results[i] = RuleResult{Status: Failed, Errors: []string{err.Error()}}
		} else {
			results[i] = RuleResult{Status: Success, Errors: []string{}}
		}
		dests.add(i, c.dest)
	}
	return results
}

// Compile prepares rules for Apply. The error names the first bad rule by number and content.
func Compile(rules []Rule) (*Mapping, error) {
	m := &Mapping{rules: make([]compiled, 0, len(rules))}
	dests := newDestinations()
	for i, r := range rules {
		c, err := compileRule(i, r)
		if err == nil {
			err = dests.overlap(c.dest, rules)
		}
		if err != nil {
			return nil, fmt.Errorf("rule %d (%s → %s): %w", i+1, r.Source, r.Destination, err)
		}
		dests.add(i, c.dest)
		m.rules = append(m.rules, c)
	}
	return m, nil
}

func compileRule(i int, r Rule) (compiled, error) {
	c := compiled{index: i, rule: r}
	dest, err := parsePath(r.Destination)
	if err != nil {
		return c, fmt.Errorf("destination: %w", err)
	}
	c.dest = dest
	switch r.SourceType {
	case Attribute:
		if c.source, err = parsePath(r.Source); err != nil {
			return c, fmt.Errorf("source: %w", err)
		}
	case Static:
	case Expression:
		if c.expr, err = compileExpression(r.Source); err != nil {
			return c, fmt.Errorf("expression: %w", err)
		}
	default:
		return c, fmt.Errorf("sourceType %q is not one of ATTRIBUTE, STATIC, EXPRESSION", r.SourceType)
	}
	return c, nil
}

// destinations remembers the rules' destinations so that a new one can be checked against all earlier
// ones in time proportional to its depth, not to the number of rules (80,000 rules took minutes when
// each was compared with every other).
type destinations struct {
	exact map[string]int // a destination → the first rule writing it
	under map[string]int // every proper prefix of a destination → the first rule writing below it
}

func newDestinations() *destinations {
	return &destinations{exact: map[string]int{}, under: map[string]int{}}
}

// overlap rejects a destination that an earlier rule already writes, or that contains or sits inside
// one: either would silently overwrite the other's value. It names the earliest such rule.
func (d *destinations) overlap(dest path, rules []Rule) error {
	j, found := d.under[dest.String()]
	for k := 1; k <= len(dest); k++ {
		if i, ok := d.exact[dest[:k].String()]; ok && (!found || i < j) {
			j, found = i, true
		}
	}
	if found {
		return fmt.Errorf("destination %s overlaps rule %d's %s", dest, j+1, rules[j].Destination)
	}
	return nil
}

// add records rule i's destination; nil (a destination that did not parse) is skipped.
func (d *destinations) add(i int, dest path) {
	if dest == nil {
		return
	}
	if _, ok := d.exact[dest.String()]; !ok {
		d.exact[dest.String()] = i
	}
	for k := 1; k < len(dest); k++ {
		if _, ok := d.under[dest[:k].String()]; !ok {
			d.under[dest[:k].String()] = i
		}
	}
}

// Apply maps one event into a new nested record. A source that is absent or null leaves its destination
// unset, never null, because XDM validation treats an explicit null as a wrong type. The event is not
// modified and the record shares no maps or lists with it.
func (m *Mapping) Apply(event map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m.rules))
	for i := range m.rules {
		c := &m.rules[i]
		v, ok, err := c.value(event)
		if err != nil {
			return nil, fmt.Errorf("rule %d (%s → %s): %w", c.index+1, c.rule.Source, c.rule.Destination, err)
		}
		if !ok {
			continue
		}
		if err := c.dest.set(out, v); err != nil {
			return nil, fmt.Errorf("rule %d (%s → %s): %w", c.index+1, c.rule.Source, c.rule.Destination, err)
		}
	}
	return out, nil
}

// value is what the rule writes for event; ok is false when it writes nothing.
func (c *compiled) value(event map[string]any) (v any, ok bool, err error) {
	switch c.rule.SourceType {
	case Attribute:
		if v, ok = c.source.get(event); ok {
			v = clone(v)
		}
	case Static:
		v, ok = c.rule.Source, true
	case Expression:
		if v, ok, err = c.expr.eval(event); err != nil {
			return nil, false, err
		}
	}
	if list, isList := v.([]any); isList && !c.dest.hasEach() && c.source.hasEach() {
		v = compact(list)
	}
	return v, ok, nil
}

// Rules returns the rules the mapping was compiled from.
func (m *Mapping) Rules() []Rule {
	rules := make([]Rule, len(m.rules))
	for i, c := range m.rules {
		rules[i] = c.rule
	}
	return rules
}

func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = clone(e)
		}
		return l
	default:
		return v
	}
}
