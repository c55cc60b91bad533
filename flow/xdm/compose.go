package xdm

import (
	"sort"
	"strings"
)

// Compose builds a schema the way the Schema Registry answers a lookup with
// `Accept: application/vnd.adobe.xed-full+json; version=1`: the class's and every field group's fields
// merged under one "properties", plus the meta: keys clients read (meta:altId, meta:class,
// meta:extends…). The local platform stores what this returns, so its lookups look like Adobe's.
//
// A field group may come in its create-request form (fields under "definitions", as cioaep sends it)
// or already resolved (fields under "properties"). Where two sources define the same object their
// fields are merged; where they disagree on a leaf, the first one wins, because the Registry refuses
// such a conflict at creation and the class must not be overridden. Inputs are not modified.
func Compose(id, title string, class map[string]any, fieldGroups ...map[string]any) map[string]any {
	props := map[string]any{}
	required := map[string]bool{}
	extends := []any{}
	add := func(src map[string]any) {
		if p, ok := src["properties"].(map[string]any); ok {
			mergeProperties(props, p)
		}
		if defs, ok := src["definitions"].(map[string]any); ok {
			for _, name := range sortedKeys(defs) {
				if d, ok := defs[name].(map[string]any); ok {
					if p, ok := d["properties"].(map[string]any); ok {
						mergeProperties(props, p)
					}
				}
			}
		}
		for _, r := range stringList(src["required"]) {
			required[r] = true
		}
	}

	classID, _ := class["$id"].(string)
	add(class)
	if classID != "" {
		extends = append(extends, classID)
	}
	for _, e := range stringList(class["meta:extends"]) {
		extends = append(extends, e)
	}
	for _, fg := range fieldGroups {
		add(fg)
		if fgID, ok := fg["$id"].(string); ok && fgID != "" {
			extends = append(extends, fgID)
		}
	}
	req := make([]any, 0, len(required))
	for _, r := range sortedKeys(required) {
		req = append(req, r)
	}
	return map[string]any{
		"$id":               id,
		"$schema":           "http://json-schema.org/draft-06/schema#",
		"meta:altId":        AltID(id),
		"meta:resourceType": "schemas",
		"version":           "1.0",
		"title":             title,
		"type":              "object",
		"description":       "",
		"meta:class":        classID,
		"meta:abstract":     false,
		"meta:extensible":   false,
		"meta:extends":      extends,
		"meta:containerId":  "tenant",
		"meta:xdmType":      "object",
		"properties":        props,
		"required":          req,
	}
}

// AltID derives the registry's dotted alternative id from a schema $id:
// https://ns.adobe.com/acme/schemas/0f3c → _acme.schemas.0f3c.
func AltID(id string) string {
	rest, ok := strings.CutPrefix(id, "https://ns.adobe.com/")
	if !ok {
		return id
	}
	return "_" + strings.ReplaceAll(strings.Trim(rest, "/"), "/", ".")
}

// mergeProperties copies src's fields into dst, merging objects both define.
func mergeProperties(dst, src map[string]any) {
	for _, name := range sortedKeys(src) {
		s, ok := src[name].(map[string]any)
		if !ok {
			continue
		}
		d, exists := dst[name].(map[string]any)
		if !exists {
			dst[name] = deepCopy(s)
			continue
		}
		sp, sHas := s["properties"].(map[string]any)
		dp, dHas := d["properties"].(map[string]any)
		if !sHas || !dHas {
			continue // a leaf defined twice: keep the first
		}
		mergeProperties(dp, sp)
		if r := stringList(s["required"]); len(r) > 0 {
			seen := map[string]bool{}
			var all []any
			for _, x := range append(stringList(d["required"]), r...) {
				if !seen[x] {
					seen[x] = true
					all = append(all, x)
				}
			}
			d["required"] = all
		}
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	case []string:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l
	default:
		return v
	}
}

// stringList reads a JSON string list that may have been built in Go ([]string) or decoded ([]any).
func stringList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
