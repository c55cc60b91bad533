package dataprep

import (
	"sort"
)

// SourcePaths lists the leaf paths of a sample event in attribute syntax, sorted, for mapping pickers.
// Lists of objects appear once as `list[*].field` (the union of their elements' fields); lists of plain
// values and empty objects are leaves themselves. Keys containing dots or brackets come out escaped, so
// every path can be pasted back as an ATTRIBUTE source.
func SourcePaths(event map[string]any) []string {
	seen := map[string]bool{}
	walkLeaves(event, nil, seen)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func walkLeaves(v any, prefix path, seen map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 && len(prefix) > 0 {
			seen[prefix.String()] = true
		}
		for k, e := range x {
			walkLeaves(e, append(prefix[:len(prefix):len(prefix)], segment{kind: segField, name: k}), seen)
		}
	case []any:
		objects := false
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				objects = true
				walkLeaves(e, append(prefix[:len(prefix):len(prefix)], segment{kind: segEach}), seen)
			}
		}
		if !objects {
			seen[prefix.String()] = true
		}
	default:
		seen[prefix.String()] = true
	}
}
