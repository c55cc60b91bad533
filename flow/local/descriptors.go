package local

import (
	"errors"
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
	now := nowMs()
	body["@id"] = id
	body["imsOrg"] = c.OrgID
	// help/xdm/api/descriptors.md, "Look up a descriptor", shows this bookkeeping on every descriptor.
	body["createdUser"], body["updatedUser"] = c.ClientID+"@AdobeID", c.ClientID+"@AdobeID"
	body["createdClient"], body["created"], body["updated"] = c.ClientID, now, now
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
	// help/xdm/api/descriptors.md, "Defining descriptors": the tenant namespace object itself cannot be
	// described, only the fields under it.
	if prop == "/_"+p.tenant {
		return fmt.Sprintf("xdm:sourceProperty %s is the tenant namespace object; describe a field under it instead", prop)
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

// descriptorForms are the list forms help/xdm/api/descriptors.md documents ("Retrieve a list of
// descriptors"): ids, API paths or whole descriptors grouped by @type, and the paged v2 forms, which
// adobe/aepp asks for, answering {"results":[…],"_page":{…}}.
var descriptorForms = map[string]struct {
	item  string // "id", "link" or "full"
	paged bool
}{
	"application/vnd.adobe.xdm-id+json": {"id", false}, "application/vnd.adobe.xdm-link+json": {"link", false},
	"application/vnd.adobe.xdm+json": {"full", false}, "application/vnd.adobe.xdm-v2+json": {"full", true},
	"application/vnd.adobe.xdm-v2-id+json": {"id", true}, "application/vnd.adobe.xdm-v2-link+json": {"link", true},
}

// handleDescriptorList answers GET /tenant/descriptors in the form the Accept header asks for.
func (p *Platform) handleDescriptorList(w http.ResponseWriter, r *http.Request, c *call) {
	accept := r.Header.Get("Accept")
	mt, _, _ := mime.ParseMediaType(accept)
	form, ok := descriptorForms[mt]
	if !ok {
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
	grouped := map[string][]any{}
	results := []any{}
	for _, d := range docs {
		if !matchAll(d, conds) {
			continue
		}
		typ, id := scalarString(d["@type"]), scalarString(d["@id"])
		var item any = d
		switch form.item {
		case "id":
			item = id
		case "link":
			item = "/tenant/descriptors/" + id
		}
		grouped[typ] = append(grouped[typ], item)
		results = append(results, item)
	}
	if form.paged {
		writeJSON(w, http.StatusOK, map[string]any{
			"results": results,
			"_page":   map[string]any{"orderby": "", "next": nil, "count": len(results)},
			"_links":  map[string]any{},
		})
		return
	}
	writeJSON(w, http.StatusOK, grouped)
}

// handleDescriptor answers GET and DELETE /tenant/descriptors/{id} (help/xdm/api/descriptors.md, "Look
// up a descriptor", which needs no Accept header because descriptors are not versioned, and "Delete a
// descriptor", 204).
func (p *Platform) handleDescriptor(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	var d map[string]any
	if err := p.st.get(r.Context(), kindDescriptor, c.Sandbox.Name, id, &d); err != nil {
		if errors.Is(err, errNotFound) {
			xdmError(w, http.StatusNotFound, "1015-404", "Resource not found", "The requested descriptor resource %s is not found.", id)
			return
		}
		xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "read descriptor: %v", err)
		return
	}
	if r.Method == http.MethodDelete {
		p.mu.Lock()
		defer p.mu.Unlock()
		if err := p.st.del(r.Context(), kindDescriptor, c.Sandbox.Name, id); err != nil {
			xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "delete descriptor: %v", err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
