package xdm

import (
	"strings"
	"testing"
)

// fg is a field-group body whose tenant object holds fields.
func fg(fields map[string]any) map[string]any {
	return map[string]any{
		"type": "object", "title": "t", "meta:intendedToExtend": []any{ExperienceEventID},
		"definitions": map[string]any{"d": map[string]any{"properties": map[string]any{
			"_acme": map[string]any{"type": "object", "properties": fields},
		}}},
		"allOf": []any{map[string]any{"$ref": "#/definitions/d"}},
	}
}

func TestCheckFieldGroup(t *testing.T) {
	str := map[string]any{"type": "string"}
	strMap := map[string]any{"type": "object", "meta:xdmType": "map", "additionalProperties": str}
	cases := []struct {
		name string
		body map[string]any
		want string // substring of the one problem, "" for none
		code string
	}{
		{"good fields", fg(map[string]any{"a": str, "n": map[string]any{"type": "integer"}, "m": strMap,
			"o": map[string]any{"type": "object", "properties": map[string]any{"b-c_d": str}},
			"l": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{"x": str}}},
			"r": map[string]any{"$ref": "https://ns.adobe.com/xdm/common/measure"}}), "", ""},
		{"map of integers", fg(map[string]any{"m": map[string]any{"type": "object", "meta:xdmType": "map", "additionalProperties": map[string]any{"type": "integer"}}}), "", ""},
		{"map of arrays", fg(map[string]any{"m": map[string]any{"type": "object", "meta:xdmType": "map",
			"additionalProperties": map[string]any{"type": "array", "items": str}}}), `"string" or "integer"`, CodeInvalid},
		{"map of objects", fg(map[string]any{"m": map[string]any{"type": "object", "meta:xdmType": "map",
			"additionalProperties": map[string]any{"type": "object"}}}), `"string" or "integer"`, CodeInvalid},
		{"map without value type", fg(map[string]any{"m": map[string]any{"type": "object", "meta:xdmType": "map"}}), `"string" or "integer"`, CodeInvalid},
		{"map with properties", fg(map[string]any{"m": map[string]any{"type": "object", "meta:xdmType": "map", "properties": map[string]any{"a": str},
			"additionalProperties": str}}), "must not define properties", CodeInvalid},
		{"array of maps", fg(map[string]any{"l": map[string]any{"type": "array", "items": strMap}}), "array of maps", CodeInvalid},
		{"array without items", fg(map[string]any{"l": map[string]any{"type": "array"}}), "define its items", CodeInvalid},
		{"no type", fg(map[string]any{"a": map[string]any{"title": "A"}}), "needs a type", CodeInvalid},
		{"unknown type", fg(map[string]any{"a": map[string]any{"type": "date"}}), "needs a type", CodeInvalid},
		{"leading underscore", fg(map[string]any{"_a": str}), "do not start with an underscore", CodeInvalid},
		{"dot in a name", fg(map[string]any{"a.b": str}), "is not allowed", CodeInvalid},
		{"nested bad name", fg(map[string]any{"o": map[string]any{"type": "object", "properties": map[string]any{"x y": str}}}), "o.x y", CodeInvalid},
		{"outside the tenant", map[string]any{"type": "object", "title": "t", "meta:intendedToExtend": []any{ExperienceEventID},
			"definitions": map[string]any{"d": map[string]any{"properties": map[string]any{"email": str}}},
			"allOf":       []any{map[string]any{"$ref": "#/definitions/d"}}}, "_acme", CodeNamespace},
		{"no class", func() map[string]any { b := fg(map[string]any{"a": str}); delete(b, "meta:intendedToExtend"); return b }(), "meta:intendedToExtend", CodeInvalid},
		{"no title", func() map[string]any { b := fg(map[string]any{"a": str}); b["title"] = " "; return b }(), "title", CodeInvalid},
		{"dangling allOf", func() map[string]any {
			b := fg(map[string]any{"a": str})
			b["allOf"] = []any{map[string]any{"$ref": "#/definitions/nope"}}
			return b
		}(), "not in definitions", CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := CheckFieldGroup(c.body, "acme")
			if c.want == "" {
				if len(ps) != 0 {
					t.Fatalf("refused: %v", ps)
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("%d problems %v, want one mentioning %q", len(ps), ps, c.want)
			}
			if !strings.Contains(ps[0].Error(), c.want) || ps[0].Code != c.code || ps[0].Doc == "" {
				t.Errorf("problem %+v, want %q with code %s and a doc page", ps[0], c.want, c.code)
			}
		})
	}
}
