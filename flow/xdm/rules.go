package xdm

import (
	"fmt"
	"regexp"
	"strings"
)

// The Schema Registry refuses resources that break XDM's documented field rules. CheckFieldGroup applies
// those rules without a registry, so the local platform refuses what Adobe refuses and the project's own
// field-group template is checked by the same code before it is ever sent.

// Problem is one documented rule a resource breaks.
type Problem struct {
	Code    string // the Schema Registry's error code, e.g. "XDM-1021-400"
	Title   string // the error's title, as the registry words it
	Path    string // where: "definitions.customerio._acme.customerio.headers"
	Message string // what is wrong and what to do, for people
	Doc     string // the Adobe page that settles the rule
}

func (p Problem) Error() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Error codes the registry documents (help/xdm/troubleshooting-guide.md, "Errors and troubleshooting").
// Rules whose refusal no Adobe page shows a code for use CodeInvalid, the registry's generic 400.
const (
	CodeNamespace = "XDM-1021-400" // "Namespace validation error": a custom field outside _{TENANT_ID}
	CodeTitle     = "XDM-1521-400" // "Title not unique"
	CodeInvalid   = "XDM-1000-400"
)

// Doc pages the rules cite.
const (
	docFieldGroups  = "help/xdm/api/field-groups.md"
	docGettingStart = "help/xdm/api/getting-started.md"
	docCustomFields = "help/xdm/tutorials/custom-fields-api.md"
	docMapUI        = "help/xdm/ui/fields/map.md"
	docTrouble      = "help/xdm/troubleshooting-guide.md"
)

// fieldTypes are the JSON Schema types a field may have (help/xdm/tutorials/custom-fields-api.md).
var fieldTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "object": true, "array": true}

// fieldName is a field name XDM accepts: letters, digits, dashes and underscores, not starting with an
// underscore (help/xdm/api/getting-started.md, "XDM field constraints and best practices"). The tenant
// object _{TENANT_ID} is the one exception, checked where it may appear.
var fieldName = regexp.MustCompile(`^[A-Za-z0-9-][A-Za-z0-9_-]*$`)

// CheckFieldGroup returns every documented rule a field-group create body breaks; none means the
// registry accepts its shape. tenant is the organization's tenant id (GET /stats), without "_".
// Whether the classes in meta:intendedToExtend exist is the registry's business, not checked here.
func CheckFieldGroup(body map[string]any, tenant string) []Problem {
	var out []Problem
	add := func(code, path, doc, format string, a ...any) {
		out = append(out, Problem{Code: code, Title: titleFor(code), Path: path, Message: fmt.Sprintf(format, a...), Doc: doc})
	}
	// help/xdm/api/field-groups.md, "Create a field group": type object, a title, the classes it extends.
	if body["type"] != "object" {
		add(CodeInvalid, "type", docFieldGroups, `a field group's type must be "object", got %v`, describe(body["type"]))
	}
	if t, _ := body["title"].(string); strings.TrimSpace(t) == "" {
		add(CodeInvalid, "title", docFieldGroups, "a field group needs a title")
	}
	extends, _ := body["meta:intendedToExtend"].([]any)
	if len(extends) == 0 {
		add(CodeInvalid, "meta:intendedToExtend", docFieldGroups,
			"meta:intendedToExtend must list the $id of each class the field group is compatible with, e.g. %s", ExperienceEventID)
	}
	for i, e := range extends {
		if s, _ := e.(string); s == "" {
			add(CodeInvalid, fmt.Sprintf("meta:intendedToExtend[%d]", i), docFieldGroups, "each entry must be a class $id, got %v", describe(e))
		}
	}
	defs, _ := body["definitions"].(map[string]any)
	if len(defs) == 0 {
		add(CodeInvalid, "definitions", docFieldGroups, "definitions must hold the custom fields, under _%s", tenant)
	}
	tenantKey := "_" + tenant
	for _, name := range sortedKeys(defs) {
		def, _ := defs[name].(map[string]any)
		path := "definitions." + name
		props, _ := def["properties"].(map[string]any)
		if len(props) == 0 {
			add(CodeInvalid, path, docFieldGroups, "the definition has no properties")
		}
		for _, key := range sortedKeys(props) {
			if key != tenantKey {
				// help/xdm/troubleshooting-guide.md, "Namespace validation error".
				add(CodeNamespace, path+"."+key, docTrouble,
					"a custom field is defined under an invalid namespace: all custom fields must be defined under a top-level field named %s", tenantKey)
				continue
			}
			tp, _ := props[key].(map[string]any)
			if tp == nil || tp["type"] != "object" {
				add(CodeInvalid, path+"."+key, docFieldGroups, "the tenant field %s must be an object holding the custom fields", tenantKey)
				continue
			}
			checkChildren(tp, path+"."+key, &out)
		}
	}
	refs := AllOfRefs(body)
	if len(refs) == 0 {
		add(CodeInvalid, "allOf", docFieldGroups, `allOf must reference the definitions, e.g. [{"$ref":"#/definitions/%s"}]`, firstOr(sortedKeys(defs), "customFields"))
	}
	for _, ref := range refs {
		if name, local := strings.CutPrefix(ref, "#/definitions/"); local && defs[name] == nil {
			add(CodeInvalid, "allOf", docFieldGroups, "allOf references %s, which is not in definitions", ref)
		}
	}
	return out
}

// checkChildren checks the fields under an object field.
func checkChildren(obj map[string]any, path string, out *[]Problem) {
	props, _ := obj["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p := path + "." + name
		if !fieldName.MatchString(name) {
			*out = append(*out, Problem{Code: CodeInvalid, Title: titleFor(CodeInvalid), Path: p, Doc: docGettingStart,
				Message: fmt.Sprintf("field name %q is not allowed: use letters, digits, dashes and underscores, and do not start with an underscore", name)})
		}
		checkField(props[name], p, out)
	}
}

// checkField checks one field definition and everything under it.
func checkField(v any, path string, out *[]Problem) {
	add := func(doc, format string, a ...any) {
		*out = append(*out, Problem{Code: CodeInvalid, Title: titleFor(CodeInvalid), Path: path, Message: fmt.Sprintf(format, a...), Doc: doc})
	}
	m, ok := v.(map[string]any)
	if !ok {
		add(docCustomFields, "a field must be a JSON Schema object, got %s", describe(v))
		return
	}
	if _, isRef := m["$ref"]; isRef {
		return // a data type by reference; the registry resolves it
	}
	// help/xdm/api/getting-started.md, "XDM field constraints and best practices": "The field requires a type".
	t, _ := m["type"].(string)
	if !fieldTypes[t] {
		add(docGettingStart, "the field needs a type: one of string, number, integer, boolean, object or array (got %s)", describe(m["type"]))
		return
	}
	if IsMap(m) {
		checkMap(m, path, out)
		return
	}
	switch t {
	case "object":
		checkChildren(m, path, out)
	case "array":
		items, ok := m["items"].(map[string]any)
		if !ok {
			add(docCustomFields, "an array field must define its items, e.g. {\"type\":\"string\"}")
			return
		}
		// help/xdm/ui/fields/map.md, "Usage restrictions": XDM does not support arrays of maps.
		if IsMap(items) {
			add(docMapUI, "an array of maps is not allowed: use an array of objects with named fields instead")
			return
		}
		checkField(items, path+"[]", out)
	}
}

// checkMap applies help/xdm/tutorials/custom-fields-api.md, "Creating custom map types": a map is an
// object, defines no properties, and has additionalProperties.type "string" or "integer". (The older
// help/xdm/schema/field-constraints.md also shows maps of arrays; the tutorial, which Adobe keeps
// current and whose rules the registry enforces, says MUST, so that is the rule followed.)
func checkMap(m map[string]any, path string, out *[]Problem) {
	add := func(format string, a ...any) {
		*out = append(*out, Problem{Code: CodeInvalid, Title: titleFor(CodeInvalid), Path: path, Message: fmt.Sprintf(format, a...), Doc: docCustomFields})
	}
	if m["type"] != "object" {
		add(`a map field must have type "object"`)
	}
	if props, ok := m["properties"].(map[string]any); ok && len(props) > 0 {
		add("a map field must not define properties")
	}
	ap, _ := m["additionalProperties"].(map[string]any)
	vt, _ := ap["type"].(string)
	if vt != "string" && vt != "integer" {
		add(`a map's values must be of type "string" or "integer" (additionalProperties.type), got %s`, describe(ap["type"]))
	}
}

// IsMap reports whether a field is an XDM map: an object marked meta:xdmType "map".
func IsMap(field map[string]any) bool {
	return field["meta:xdmType"] == "map"
}

// AllOfRefs lists the $ref values of a schema's or field group's allOf.
func AllOfRefs(d map[string]any) []string {
	var out []string
	list, _ := d["allOf"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			out = append(out, ref)
		}
	}
	return out
}

// titleFor is the registry's error title for a code.
func titleFor(code string) string {
	switch code {
	case CodeNamespace:
		return "Namespace validation error"
	case CodeTitle:
		return "Title not unique"
	}
	return "Bad Request"
}

func firstOr(l []string, def string) string {
	if len(l) == 0 {
		return def
	}
	return l[0]
}
