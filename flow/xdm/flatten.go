package xdm

import "sort"

// Field is one mapping target of a schema, as the mapping step's picker shows it.
type Field struct {
	Path     string // dot form, e.g. "_acme.customerio.email"; array elements as "list[*].field"
	Type     string // JSON Schema type: string, integer, number, boolean, object, array
	Format   string // date-time, date, email, uri, … when the schema says
	Title    string
	Required bool // required by its parent object (at the top: _id and timestamp for ExperienceEvent)
}

// Flatten lists a composed schema's fields, sorted by path. Objects with fields are descended into rather
// than listed, since Data Prep maps to leaves; a map (an object with additionalProperties but no fields,
// such as identityMap) and an array are listed as one field, and an array of objects also lists its
// elements' fields under `[*]`.
func Flatten(full map[string]any) []Field {
	var out []Field
	flattenObject(full, "", &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func flattenObject(schema map[string]any, prefix string, out *[]Field) {
	props, _ := schema["properties"].(map[string]any)
	required := map[string]bool{}
	for _, r := range stringList(schema["required"]) {
		required[r] = true
	}
	for name, raw := range props {
		child, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		if _, hasProps := child["properties"].(map[string]any); hasProps {
			flattenObject(child, p, out)
			continue
		}
		f := Field{Path: p, Type: typeOf(child), Required: required[name]}
		f.Format, _ = child["format"].(string)
		f.Title, _ = child["title"].(string)
		*out = append(*out, f)
		if items, ok := child["items"].(map[string]any); ok {
			if _, hasProps := items["properties"].(map[string]any); hasProps {
				flattenObject(items, p+"[*]", out)
			}
		}
	}
}

// typeOf reads "type", which JSON Schema also allows as a list (["string","null"]): the first non-null wins.
func typeOf(schema map[string]any) string {
	switch t := schema["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s != "null" {
				return s
			}
		}
	}
	if _, ok := schema["properties"]; ok {
		return "object"
	}
	return ""
}
