package local

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// xdmBodyError reports unreadable bodies in the registry's shape.
func xdmBodyError(w http.ResponseWriter) func(int, string) {
	return func(status int, msg string) {
		xdmError(w, status, fmt.Sprintf("1000-%d", status), "Bad Request", "%s", msg)
	}
}

// handleFieldGroupCreate answers POST /tenant/fieldgroups.
func (p *Platform) handleFieldGroupCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var body map[string]any
	if _, ok := decodeBody(w, r, &body, xdmBodyError(w)); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.createFieldGroup(r.Context(), c, body)
	if err != nil {
		xdmError(w, http.StatusBadRequest, "1521-400", "Invalid field group", "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

// createFieldGroup checks and stores a field group. Custom fields must sit under the tenant object
// (_<tenantId>) and no field inside it may start with an underscore, as Adobe requires.
func (p *Platform) createFieldGroup(ctx context.Context, c *call, body map[string]any) (xdmDoc, error) {
	if body["type"] != "object" {
		return nil, fmt.Errorf(`type must be "object"`)
	}
	if t, _ := body["title"].(string); strings.TrimSpace(t) == "" {
		return nil, fmt.Errorf("title is required")
	}
	extends, _ := body["meta:intendedToExtend"].([]any)
	if len(extends) == 0 {
		return nil, fmt.Errorf("meta:intendedToExtend must list the class the field group extends, e.g. %s", experienceEventClass)
	}
	for _, e := range extends {
		if e != experienceEventClass {
			return nil, fmt.Errorf("class %v is not available on the local platform; use %s", e, experienceEventClass)
		}
	}
	defs, _ := body["definitions"].(map[string]any)
	if len(defs) == 0 {
		return nil, fmt.Errorf("definitions must hold at least one definition with the custom fields")
	}
	tenantKey := "_" + p.tenant
	for name, def := range defs {
		dm, _ := def.(map[string]any)
		props, _ := dm["properties"].(map[string]any)
		if len(props) == 0 {
			return nil, fmt.Errorf("definition %q has no properties", name)
		}
		for key, v := range props {
			if key != tenantKey {
				return nil, fmt.Errorf("field %q in definition %q must sit under the tenant object %s", key, name, tenantKey)
			}
			if err := checkFields(v, tenantKey); err != nil {
				return nil, err
			}
		}
	}
	refs := allOfRefs(body)
	if len(refs) == 0 {
		return nil, fmt.Errorf(`allOf must reference the definitions, e.g. [{"$ref":"#/definitions/%s"}]`, firstKey(defs))
	}
	for _, ref := range refs {
		name, local := strings.CutPrefix(ref, "#/definitions/")
		if local && defs[name] == nil {
			return nil, fmt.Errorf("allOf references %s, which is not in definitions", ref)
		}
	}
	d := xdmDoc(body)
	for k, v := range p.registryMeta(c, "mixins", randomHex(24)) {
		d[k] = v
	}
	d["meta:extensible"], d["meta:abstract"] = true, true
	if err := p.st.put(ctx, kindFieldGroup, c.Sandbox.Name, d.id(), d); err != nil {
		return nil, err
	}
	return d, nil
}

// xdmTypes are the JSON Schema types a field may have.
var xdmTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "object": true, "array": true}

// checkFields walks a field tree: every field needs a known type, and names may not start with "_".
func checkFields(v any, path string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("field %s must be a JSON Schema object", path)
	}
	if _, isRef := m["$ref"]; isRef {
		return nil
	}
	t, _ := m["type"].(string)
	if !xdmTypes[t] {
		return fmt.Errorf("field %s has type %q; use one of string, number, integer, boolean, object, array", path, m["type"])
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for name, child := range props {
			if strings.HasPrefix(name, "_") {
				return fmt.Errorf("field %s.%s: field names may not start with an underscore", path, name)
			}
			if err := checkFields(child, path+"."+name); err != nil {
				return err
			}
		}
	}
	if items, ok := m["items"]; ok {
		return checkFields(items, path+"[]")
	}
	return nil
}

func firstKey(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "customFields"
	}
	return keys[0]
}

// handleSchemaCreate answers POST /tenant/schemas.
func (p *Platform) handleSchemaCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var body map[string]any
	if _, ok := decodeBody(w, r, &body, xdmBodyError(w)); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.createSchema(r.Context(), c, body)
	if err != nil {
		xdmError(w, http.StatusBadRequest, "1000-400", "Invalid schema", "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

// createSchema checks and stores a schema: one class (ExperienceEvent) plus field groups that exist in
// the sandbox and extend that class.
func (p *Platform) createSchema(ctx context.Context, c *call, body map[string]any) (xdmDoc, error) {
	if body["type"] != "object" {
		return nil, fmt.Errorf(`type must be "object"`)
	}
	if t, _ := body["title"].(string); strings.TrimSpace(t) == "" {
		return nil, fmt.Errorf("title is required")
	}
	extends, err := p.checkSchemaRefs(ctx, c, body)
	if err != nil {
		return nil, err
	}
	d := xdmDoc(body)
	for k, v := range p.registryMeta(c, "schemas", randomHex(24)) {
		d[k] = v
	}
	d["meta:class"] = experienceEventClass
	d["meta:extends"] = extends
	d["meta:extensible"], d["meta:abstract"] = false, false
	if err := p.st.put(ctx, kindSchema, c.Sandbox.Name, d.id(), d); err != nil {
		return nil, err
	}
	p.inlets.invalidate()
	return d, nil
}

// checkSchemaRefs validates a schema's allOf and returns its meta:extends.
func (p *Platform) checkSchemaRefs(ctx context.Context, c *call, body map[string]any) ([]any, error) {
	refs := allOfRefs(body)
	classes := 0
	extends := []any{experienceEventClass, "https://ns.adobe.com/xdm/data/time-series"}
	for _, ref := range refs {
		if ref == experienceEventClass {
			classes++
			continue
		}
		if strings.Contains(ref, "/classes/") || strings.HasPrefix(ref, "https://ns.adobe.com/xdm/context/") {
			return nil, fmt.Errorf("class %s is not available on the local platform; use %s", ref, experienceEventClass)
		}
		fg, err := p.findXDM(ctx, kindFieldGroup, c.Sandbox.Name, ref)
		if err != nil {
			return nil, fmt.Errorf("field group %s does not exist in sandbox %s", ref, c.Sandbox.Name)
		}
		ok := false
		for _, e := range resolve(map[string]any(fg), []string{"meta:intendedToExtend"}) {
			ok = ok || e == experienceEventClass
		}
		if !ok {
			return nil, fmt.Errorf("field group %s does not extend %s", ref, experienceEventClass)
		}
		extends = append(extends, fg.id())
	}
	if classes != 1 {
		return nil, fmt.Errorf(`allOf must reference exactly one class, {"$ref":"%s"}, plus any field groups`, experienceEventClass)
	}
	return extends, nil
}

// patchableSchemaFields are the members a schema PATCH may change.
var patchableSchemaFields = map[string]bool{"title": true, "description": true, "allOf": true, "meta:immutableTags": true}

// handleSchemaPatch answers PATCH /tenant/schemas/{id}, e.g. enabling Profile with
// [{"op":"add","path":"/meta:immutableTags","value":["union"]}], which cannot be undone.
func (p *Platform) handleSchemaPatch(w http.ResponseWriter, r *http.Request, c *call) {
	var ops []patchOp
	if _, ok := decodeBody(w, r, &ops, xdmBodyError(w)); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.loadXDMOr404(w, r, c, kindSchema)
	if !ok {
		return
	}
	wasUnion := hasUnionTag(d)
	var copyDoc map[string]any
	raw, _ := json.Marshal(d)
	_ = json.Unmarshal(raw, &copyDoc)
	if err := applyPatch(copyDoc, ops, func(top string) bool { return patchableSchemaFields[top] }); err != nil {
		xdmError(w, http.StatusBadRequest, "1000-400", "Invalid patch", "%v", err)
		return
	}
	if tags, present := copyDoc["meta:immutableTags"]; present {
		list, _ := tags.([]any)
		for _, t := range list {
			if t != "union" {
				xdmError(w, http.StatusBadRequest, "1000-400", "Invalid patch", `meta:immutableTags may only hold "union", got %v`, t)
				return
			}
		}
	}
	if wasUnion && !hasUnionTag(copyDoc) {
		xdmError(w, http.StatusBadRequest, "1000-400", "Invalid patch", "a schema enabled for Profile cannot be disabled")
		return
	}
	extends, err := p.checkSchemaRefs(r.Context(), c, copyDoc)
	if err != nil {
		xdmError(w, http.StatusBadRequest, "1000-400", "Invalid patch", "%v", err)
		return
	}
	nd := xdmDoc(copyDoc)
	nd["meta:extends"] = extends
	bumpVersion(nd)
	if err := p.st.put(r.Context(), kindSchema, c.Sandbox.Name, nd.id(), nd); err != nil {
		xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "store schema: %v", err)
		return
	}
	p.inlets.invalidate()
	writeJSON(w, http.StatusOK, nd)
}

func hasUnionTag(d map[string]any) bool {
	for _, t := range resolve(d, []string{"meta:immutableTags"}) {
		if t == "union" {
			return true
		}
	}
	return false
}
