package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cioaep/cioaep/flow/xdm"
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
		writeXDMProblem(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

// writeXDMProblem answers a refused create or update in the registry's error shape: the code and title
// of the first broken rule, and every broken rule in the detail.
func writeXDMProblem(w http.ResponseWriter, err error) {
	var ps problems
	if !errors.As(err, &ps) {
		xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "%v", err)
		return
	}
	msgs := make([]string, len(ps))
	for i, pr := range ps {
		msgs[i] = pr.Error()
	}
	xdmError(w, http.StatusBadRequest, strings.TrimPrefix(ps[0].Code, "XDM-"), ps[0].Title, "%s", strings.Join(msgs, "; "))
}

// problems is the error for a resource that breaks one or more documented rules.
type problems []xdm.Problem

func (ps problems) Error() string { return ps[0].Error() }

// refuse is a problems error for one rule, with the registry's generic code unless code is given.
func refuse(code, doc, format string, a ...any) error {
	if code == "" {
		code = xdm.CodeInvalid
	}
	title := "Bad Request"
	if code == xdm.CodeTitle {
		title = "Title not unique"
	}
	return problems{{Code: code, Title: title, Message: fmt.Sprintf(format, a...), Doc: doc}}
}

// createFieldGroup checks and stores a field group: the documented XDM rules (xdm.CheckFieldGroup, each
// rule citing its page), a title no other resource has, and a class this platform offers.
func (p *Platform) createFieldGroup(ctx context.Context, c *call, body map[string]any) (xdmDoc, error) {
	if ps := xdm.CheckFieldGroup(body, p.tenant); len(ps) > 0 {
		return nil, problems(ps)
	}
	for _, e := range body["meta:intendedToExtend"].([]any) {
		if e != experienceEventClass {
			// Knowingly narrower than Adobe: the local platform offers only the ExperienceEvent class.
			return nil, refuse("", "help/xdm/api/field-groups.md", "class %v is not available on the local platform; use %s", e, experienceEventClass)
		}
	}
	if err := p.checkTitleUnique(ctx, c, body["title"].(string), ""); err != nil {
		return nil, err
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

// checkTitleUnique refuses a title another schema or field group of the sandbox already has: "Titles
// must be unique across all resource types" (help/xdm/troubleshooting-guide.md, "Title not unique",
// XDM-1521-400). self is the resource being updated, which may keep its own title.
func (p *Platform) checkTitleUnique(ctx context.Context, c *call, title, self string) error {
	for _, kind := range []string{kindSchema, kindFieldGroup} {
		raws, err := p.st.list(ctx, kind, c.Sandbox.Name)
		if err != nil {
			return err
		}
		for _, raw := range raws {
			var d xdmDoc
			if json.Unmarshal(raw, &d) != nil || d.id() == self {
				continue
			}
			if strings.EqualFold(strings.TrimSpace(d.title()), strings.TrimSpace(title)) {
				return refuse(xdm.CodeTitle, "help/xdm/troubleshooting-guide.md",
					"Object titles must be unique. An object %s already exists with the same title", d.id())
			}
		}
	}
	return nil
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
		writeXDMProblem(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

// createSchema checks and stores a schema: one class (ExperienceEvent) plus field groups that exist in
// the sandbox and extend that class, under a title no other resource has.
func (p *Platform) createSchema(ctx context.Context, c *call, body map[string]any) (xdmDoc, error) {
	// help/xdm/api/schemas.md, "Create a schema": type object, a title, and allOf.
	if body["type"] != "object" {
		return nil, refuse("", docSchemas, `a schema's type must be "object"`)
	}
	title, _ := body["title"].(string)
	if strings.TrimSpace(title) == "" {
		return nil, refuse("", docSchemas, "a schema needs a title")
	}
	extends, err := p.checkSchemaRefs(ctx, c, body)
	if err != nil {
		return nil, err
	}
	if err := p.checkTitleUnique(ctx, c, title, ""); err != nil {
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

const docSchemas = "help/xdm/api/schemas.md"

// isClassRef tells a class reference from a field group reference in a schema's allOf: Adobe's standard
// classes (XDM ExperienceEvent, XDM Individual Profile) and any resource under /classes/.
func isClassRef(ref string) bool {
	return ref == experienceEventClass || ref == "https://ns.adobe.com/xdm/context/profile" ||
		strings.Contains(ref, "/classes/") || strings.HasPrefix(ref, "_xdm.context.") && !strings.Contains(ref, "-")
}

// checkSchemaRefs validates a schema's allOf and returns its meta:extends: exactly one class, and field
// groups whose meta:intendedToExtend names that class (help/xdm/api/schemas.md, "Create a schema": "the
// allOf attribute … references the class the schema implements" and field groups "compatible with"
// it).
func (p *Platform) checkSchemaRefs(ctx context.Context, c *call, body map[string]any) ([]any, error) {
	refs := xdm.AllOfRefs(body)
	var classes, groups []string
	for _, ref := range refs {
		if isClassRef(ref) {
			classes = append(classes, ref)
		} else {
			groups = append(groups, ref)
		}
	}
	if len(classes) != 1 {
		return nil, refuse("", docSchemas, `allOf must reference exactly one class, e.g. {"$ref":"%s"}, plus any field groups; it references %d`, experienceEventClass, len(classes))
	}
	if classes[0] != experienceEventClass {
		// Knowingly narrower than Adobe: the local platform offers only the ExperienceEvent class.
		return nil, refuse("", docSchemas, "class %s is not available on the local platform; use %s", classes[0], experienceEventClass)
	}
	extends := []any{experienceEventClass, "https://ns.adobe.com/xdm/data/time-series"}
	for _, ref := range groups {
		fg, err := p.findXDM(ctx, kindFieldGroup, c.Sandbox.Name, ref)
		if err != nil {
			return nil, refuse("", docSchemas, "field group %s does not exist in sandbox %s", ref, c.Sandbox.Name)
		}
		ok := false
		for _, e := range resolve(map[string]any(fg), []string{"meta:intendedToExtend"}) {
			ok = ok || e == experienceEventClass
		}
		if !ok {
			return nil, refuse("", docSchemas, "field group %s is not compatible with class %s: its meta:intendedToExtend does not list it", ref, experienceEventClass)
		}
		extends = append(extends, fg.id())
	}
	return extends, nil
}

// patchableSchemaFields are the members a schema PATCH may change. meta:extends is among them because
// help/xdm/api/schemas.md ("Update a portion of a schema") adds a field group to meta:extends and allOf
// together; the registry then derives meta:extends from allOf again.
var patchableSchemaFields = map[string]bool{"title": true, "description": true, "allOf": true, "meta:extends": true, "meta:immutableTags": true}

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
	if err == nil {
		err = p.checkTitleUnique(r.Context(), c, xdmDoc(copyDoc).title(), d.id())
	}
	if err != nil {
		writeXDMProblem(w, err)
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
