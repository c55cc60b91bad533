package local

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/cioaep/cioaep/flow/xdm"
)

// descriptorTypes are the @type values the registry knows.
var descriptorTypes = map[string]bool{
	"xdm:alternateDisplayInfo": true, "xdm:descriptorIdentity": true, "xdm:descriptorReferenceIdentity": true,
	"xdm:descriptorOneToOne": true, "xdm:descriptorRelationship": true,
}

// handleDescriptorCreate answers POST /tenant/descriptors. The source property must be a field of the
// source schema, and a schema has at most one primary identity.
func (p *Platform) handleDescriptorCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var body map[string]any
	if _, ok := decodeBody(w, r, &body, xdmBodyError(w)); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if msg := p.checkDescriptor(r, c, body); msg != "" {
		xdmError(w, http.StatusBadRequest, "1000-400", "Invalid descriptor", "%s", msg)
		return
	}
	id := randomHex(20)
	body["@id"] = id
	body["imsOrg"] = c.OrgID
	body["version"] = "1"
	body["meta:containerId"] = "tenant"
	body["meta:sandboxId"] = c.Sandbox.ID
	body["meta:sandboxType"] = c.Sandbox.Type
	if err := p.st.put(r.Context(), kindDescriptor, c.Sandbox.Name, id, body); err != nil {
		xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "store descriptor: %v", err)
		return
	}
	writeJSON(w, http.StatusCreated, body)
}

// checkDescriptor returns a message for people, or "" when the descriptor is acceptable.
func (p *Platform) checkDescriptor(r *http.Request, c *call, body map[string]any) string {
	typ, _ := body["@type"].(string)
	if !descriptorTypes[typ] {
		return fmt.Sprintf("@type %q is not a descriptor type; use xdm:descriptorIdentity for an identity", typ)
	}
	schemaID, _ := body["xdm:sourceSchema"].(string)
	sch, err := p.findSchema(r.Context(), c.Sandbox.Name, schemaID)
	if err != nil {
		return fmt.Sprintf("xdm:sourceSchema %q does not exist in sandbox %s", schemaID, c.Sandbox.Name)
	}
	if v := scalarString(body["xdm:sourceVersion"]); v != "1" {
		return fmt.Sprintf("xdm:sourceVersion must be 1, got %s", v)
	}
	prop, _ := body["xdm:sourceProperty"].(string)
	if !strings.HasPrefix(prop, "/") {
		return fmt.Sprintf("xdm:sourceProperty must be a slash path such as /_%s/customerio/email, got %q", p.tenant, prop)
	}
	full, err := p.composeSchema(r.Context(), c.Sandbox.Name, sch)
	if err != nil {
		return "compose the source schema: " + err.Error()
	}
	dotted := strings.ReplaceAll(strings.TrimPrefix(prop, "/"), "/", ".")
	found := false
	for _, f := range xdm.Flatten(full) {
		found = found || f.Path == dotted
	}
	if !found {
		return fmt.Sprintf("xdm:sourceProperty %s is not a field of schema %s", prop, schemaID)
	}
	if typ != "xdm:descriptorIdentity" {
		return ""
	}
	if ns, _ := body["xdm:namespace"].(string); ns == "" {
		return "xdm:namespace is required: an identity namespace code such as Email"
	}
	if pr := body["xdm:property"]; pr != "xdm:code" && pr != "xdm:id" {
		return fmt.Sprintf(`xdm:property must be "xdm:code" or "xdm:id", got %v`, pr)
	}
	if body["xdm:isPrimary"] != true {
		return ""
	}
	docs, err := p.docs(r, kindDescriptor, c.Sandbox.Name)
	if err != nil {
		return "read descriptors: " + err.Error()
	}
	for _, d := range docs {
		if d["@type"] == typ && d["xdm:isPrimary"] == true && resourceID(scalarString(d["xdm:sourceSchema"])) == sch.id() {
			return fmt.Sprintf("schema %s already has a primary identity (%v)", schemaID, d["xdm:sourceProperty"])
		}
	}
	return ""
}

// handleDescriptorList answers GET /tenant/descriptors, grouped by @type as the Accept header asks:
// xdm-id+json (ids), xdm-link+json (paths) or xdm+json (whole descriptors).
func (p *Platform) handleDescriptorList(w http.ResponseWriter, r *http.Request, c *call) {
	accept := r.Header.Get("Accept")
	mt, _, _ := mime.ParseMediaType(accept)
	form := map[string]string{
		"application/vnd.adobe.xdm-id+json": "id", "application/vnd.adobe.xdm-link+json": "link", "application/vnd.adobe.xdm+json": "full",
	}[mt]
	if form == "" {
		xdmError(w, http.StatusBadRequest, "1008-400", "Accept header invalid",
			"The supplied Accept header is not valid: %s - A valid Accept value should look like application/vnd.adobe.xdm-id+json", accept)
		return
	}
	conds, err := parseConditions(r.URL.Query()["property"])
	if err != nil {
		xdmError(w, http.StatusBadRequest, "1000-400", "Bad Request", "%v", err)
		return
	}
	docs, err := p.docs(r, kindDescriptor, c.Sandbox.Name)
	if err != nil {
		xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "read descriptors: %v", err)
		return
	}
	out := map[string][]any{}
	for _, d := range docs {
		if !matchAll(d, conds) {
			continue
		}
		typ, id := scalarString(d["@type"]), scalarString(d["@id"])
		switch form {
		case "id":
			out[typ] = append(out[typ], id)
		case "link":
			out[typ] = append(out[typ], "/tenant/descriptors/"+id)
		default:
			out[typ] = append(out[typ], d)
		}
	}
	writeJSON(w, http.StatusOK, out)
}
