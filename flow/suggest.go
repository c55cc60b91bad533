package flow

import (
	"slices"
	"sort"
	"strings"

	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/xdm"
)

// mandatoryNames are the targets Adobe's Customer.io tutorial marks as required in its mapping step. A
// schema need not have them (it may be any ExperienceEvent schema), but where it does they must be mapped.
var mandatoryNames = []string{"object_type", "id", "email", "event_id", "cio_id", "metric", "timestamp"}

// Core ExperienceEvent fields the default rules fill from every Customer.io event.
const (
	timestampExpr = `dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`
	eventTypeExpr = `concat("customerio.", object_type, ".", metric)`
)

// sourceAliases fix the source of the identifier targets whatever the samples hold: Customer.io's "Send
// Test" payloads lack cio_id, yet the tutorial requires it mapped, and "id" would otherwise match any
// leaf called id.
var sourceAliases = map[string]string{
	"id":     "data.identifiers.id",
	"email":  "data.identifiers.email",
	"cio_id": "data.identifiers.cio_id",
}

// targetFields turns a flattened schema into the wizard's picker entries, marking the mandatory targets:
// for each mandatory name, the shortest tenant field path ending in it.
func targetFields(fields []xdm.Field, tenant string) []TargetField {
	out := make([]TargetField, len(fields))
	best := map[string]int{}
	for i, f := range fields {
		out[i] = TargetField{Path: f.Path, Type: f.Type, Title: f.Title, Required: f.Required}
		if !underTenant(f.Path, tenant) {
			continue
		}
		name := leafName(f.Path)
		if !slices.Contains(mandatoryNames, name) {
			continue
		}
		if j, ok := best[name]; !ok || len(f.Path) < len(fields[j].Path) {
			best[name] = i
		}
	}
	for _, i := range best {
		out[i].Mandatory = true
	}
	return out
}

// suggestRules proposes a mapping from Customer.io sources to a schema's fields: the ExperienceEvent core
// (_id, timestamp, eventType) from fixed rules, and every tenant field whose name matches a source leaf
// (or an alias above). Required fields of the class other than those are left to the user. sources are
// the leaf paths of sample events; an empty list falls back to the full Customer.io vocabulary.
func suggestRules(fields []xdm.Field, sources []string, tenant string) []dataprep.Rule {
	has := func(p string) bool { return slices.ContainsFunc(fields, func(f xdm.Field) bool { return f.Path == p }) }
	var rules []dataprep.Rule
	if has("_id") {
		rules = append(rules, dataprep.Rule{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"})
	}
	if has("timestamp") {
		rules = append(rules, dataprep.Rule{SourceType: dataprep.Expression, Source: timestampExpr, Destination: "timestamp"})
	}
	if has("eventType") {
		rules = append(rules, dataprep.Rule{SourceType: dataprep.Expression, Source: eventTypeExpr, Destination: "eventType"})
	}
	leaves, containers := sourcesByName(sources)
	var covered []string // array and map targets mapped whole: their children need no rule of their own
	for _, f := range fields {
		if !underTenant(f.Path, tenant) || slices.ContainsFunc(covered, func(c string) bool { return within(f.Path, c) }) {
			continue
		}
		name := leafName(f.Path)
		cands := leaves[name]
		if isContainer(f.Type) {
			cands = append(slices.Clone(containers[name]), cands...)
			covered = append(covered, f.Path)
		}
		src, ok := sourceAliases[name]
		if !ok {
			if len(cands) == 0 {
				continue
			}
			src = cands[0]
		}
		rule := dataprep.Rule{SourceType: dataprep.Attribute, Source: src, Destination: f.Path}
		if name == "timestamp" && f.Format == "date-time" {
			rule = dataprep.Rule{SourceType: dataprep.Expression, Source: timestampExpr, Destination: f.Path}
		}
		rules = append(rules, rule)
	}
	return rules
}

// sourcesByName indexes source leaf paths, and separately the arrays and objects above them, by their
// last name. Candidates are ordered by preference: fewer array steps first, then shorter paths, so
// "data.failure_message" wins over "data.recipients[*].failure_message". Without samples the Customer.io
// vocabulary of the default mapping stands in.
func sourcesByName(sources []string) (leaves, containers map[string][]string) {
	if len(sources) == 0 {
		sources = knownSources()
	}
	leaves, containers = map[string][]string{}, map[string][]string{}
	seen := map[string]bool{}
	add := func(idx map[string][]string, p string) {
		if !seen[p] {
			seen[p] = true
			idx[leafName(p)] = append(idx[leafName(p)], p)
		}
	}
	for _, s := range sources {
		s = normalizeIndex(s)
		add(leaves, s)
		for i := range len(s) {
			if s[i] == '.' || s[i] == '[' {
				add(containers, strings.TrimSuffix(s[:i], "[*]"))
			}
		}
	}
	for _, idx := range []map[string][]string{leaves, containers} {
		for _, c := range idx {
			sort.SliceStable(c, func(i, j int) bool {
				ai, aj := strings.Count(c[i], "["), strings.Count(c[j], "[")
				if ai != aj {
					return ai < aj
				}
				return len(c[i]) < len(c[j])
			})
		}
	}
	return leaves, containers
}

// knownSources lists the source side of the default mapping: every field a Customer.io event can carry.
func knownSources() []string {
	var out []string
	for _, r := range customerIOMapping("") {
		if r.SourceType == dataprep.Attribute {
			out = append(out, r.Source)
		}
	}
	return out
}

// normalizeIndex writes every array index as [*]: a sample shows one element, the rule is for all.
func normalizeIndex(p string) string {
	var b strings.Builder
	for {
		i := strings.Index(p, "[")
		j := strings.Index(p, "]")
		if i < 0 || j < i {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		b.WriteString("[*]")
		p = p[j+1:]
	}
}

func underTenant(path, tenant string) bool { return strings.HasPrefix(path, "_"+tenant+".") }

// within reports whether path is inside container (an object, array or map path).
func within(path, container string) bool {
	return strings.HasPrefix(path, container+".") || strings.HasPrefix(path, container+"[")
}

// isContainer says a target is mapped whole: arrays and maps have no fixed leaves to map one by one.
// xdm.Flatten descends into objects with fields, so an "object" it lists is a map.
func isContainer(typ string) bool { return typ == "array" || typ == "object" }

// leafName is the last field name of a dot path, array steps dropped.
func leafName(p string) string {
	p = strings.TrimSuffix(p, "[*]")
	if i := strings.LastIndexAny(p, ".]"); i >= 0 {
		p = p[i+1:]
	}
	return strings.TrimPrefix(p, ".")
}
