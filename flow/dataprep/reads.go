package dataprep

import (
	"slices"
	"strings"
)

// Value is what rule r writes for event, as Apply would: ok is false when the source is absent or null
// (the destination stays unset), err says why a rule that does not compile or evaluate gives nothing.
func Value(r Rule, event map[string]any) (v any, ok bool, err error) {
	c, err := compileRule(0, r)
	if err != nil {
		return nil, false, err
	}
	return c.value(event)
}

// Reads lists the event fields rule r reads, in SourcePaths' syntax with every list index written
// `[*]`, so they compare with a sample's leaves. A rule that does not compile reads nothing.
func Reads(r Rule) []string {
	c, err := compileRule(0, r)
	if err != nil {
		return nil
	}
	var out []string
	switch r.SourceType {
	case Attribute:
		out = append(out, eachIndex(c.source).String())
	case Expression:
		for _, v := range c.expr.vars {
			for _, p := range v.paths {
				out = append(out, eachIndex(p).String())
			}
		}
	}
	return out
}

// eachIndex writes every fixed index as `[*]`: reading `items[0].id` uses the field `items[*].id`.
func eachIndex(p path) path {
	out := make(path, len(p))
	for i, s := range p {
		if s.kind == segIndex {
			s = segment{kind: segEach}
		}
		out[i] = s
	}
	return out
}

// Unread lists the leaf fields of the events (SourcePaths' syntax, sorted, each once) that no rule
// reads: what a dataflow with these rules would drop. A rule reading an object reads every field under
// it, and a rule reading below a leaf (an element of a list of values) reads that leaf.
func Unread(events []map[string]any, rules []Rule) []string {
	var reads []string
	for _, r := range rules {
		reads = append(reads, Reads(r)...)
	}
	seen := map[string]bool{}
	var out []string
	for _, ev := range events {
		for _, leaf := range SourcePaths(ev) {
			if seen[leaf] {
				continue
			}
			seen[leaf] = true
			if !readByAny(leaf, reads) {
				out = append(out, leaf)
			}
		}
	}
	slices.Sort(out)
	return out
}

func readByAny(leaf string, reads []string) bool {
	for _, r := range reads {
		if r == leaf || within(leaf, r) || within(r, leaf) {
			return true
		}
	}
	return false
}

// within says whether path a lies under path b: b followed by a field or an index step.
func within(a, b string) bool {
	rest, ok := strings.CutPrefix(a, b)
	return ok && b != "" && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "["))
}
