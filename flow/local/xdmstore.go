package local

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/cioaep/cioaep/flow/xdm"
)

// xdmDoc is a stored Schema Registry resource (schema or field group) in its xed form, with references
// left as $ref; the xed-full form is composed from it on demand.
type xdmDoc map[string]any

func (d xdmDoc) id() string    { s, _ := d["$id"].(string); return s }
func (d xdmDoc) title() string { s, _ := d["title"].(string); return s }

// experienceEventClass is the only class the local platform offers, the one Customer.io events use.
const experienceEventClass = "https://ns.adobe.com/xdm/context/experienceevent"

// resourceID turns a meta:altId ("_tenant.schemas.hash") into the $id it abbreviates; an $id is
// returned unchanged. Lookups accept either, as Adobe's do.
func resourceID(idOrAlt string) string {
	if !strings.HasPrefix(idOrAlt, "_") {
		return idOrAlt
	}
	parts := strings.SplitN(idOrAlt[1:], ".", 3)
	if len(parts) != 3 {
		return idOrAlt
	}
	return "https://ns.adobe.com/" + parts[0] + "/" + parts[1] + "/" + parts[2]
}

// findXDM loads a schema or field group by $id or meta:altId.
func (p *Platform) findXDM(ctx context.Context, kind, sandbox, idOrAlt string) (xdmDoc, error) {
	var d xdmDoc
	if err := p.st.get(ctx, kind, sandbox, resourceID(idOrAlt), &d); err != nil {
		return nil, err
	}
	return d, nil
}

// findSchema loads a schema by $id or meta:altId.
func (p *Platform) findSchema(ctx context.Context, sandbox, idOrAlt string) (xdmDoc, error) {
	return p.findXDM(ctx, kindSchema, sandbox, idOrAlt)
}

// metaKeys are the registry's own members, copied onto the composed form.
var metaKeys = []string{
	"$id", "meta:altId", "meta:resourceType", "version", "title", "description", "imsOrg",
	"meta:class", "meta:extends", "meta:intendedToExtend", "meta:immutableTags", "meta:containerId",
	"meta:sandboxId", "meta:sandboxType", "meta:tenantNamespace", "meta:registryMetadata",
	"meta:extensible", "meta:abstract", "meta:xdmType",
}

// composeSchema resolves a schema's class and field groups into the xed-full form.
func (p *Platform) composeSchema(ctx context.Context, sandbox string, d xdmDoc) (map[string]any, error) {
	var groups []map[string]any
	for _, ref := range xdm.AllOfRefs(d) {
		if ref == experienceEventClass {
			continue
		}
		fg, err := p.findXDM(ctx, kindFieldGroup, sandbox, ref)
		if err != nil {
			return nil, err
		}
		groups = append(groups, fg)
	}
	full := xdm.Compose(d.id(), d.title(), xdm.ExperienceEventClass(), groups...)
	for _, k := range metaKeys {
		if v, ok := d[k]; ok {
			full[k] = v
		}
	}
	return full, nil
}

// loadXDMOr404 loads the resource named in the path or answers 404 in the registry's shape.
func (p *Platform) loadXDMOr404(w http.ResponseWriter, r *http.Request, c *call, kind string) (xdmDoc, bool) {
	id := r.PathValue("id")
	d, err := p.findXDM(r.Context(), kind, c.Sandbox.Name, id)
	if errors.Is(err, errNotFound) {
		xdmError(w, http.StatusNotFound, "1012-404", "Resource Not Found", "Requested resource %s with version 1 is not found", id)
		return nil, false
	}
	if err != nil {
		xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "read %s: %v", kind, err)
		return nil, false
	}
	return d, true
}
