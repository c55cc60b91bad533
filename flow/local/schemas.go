package local

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cioaep/cioaep/flow/xdm"
)

// Schema Registry (/data/foundation/schemaregistry): tenant field groups, schemas and descriptors.

const registryURL = "https://platform.adobe.io" + schemaBase

// handleStats answers GET /stats: the tenant id and resource counts.
func (p *Platform) handleStats(w http.ResponseWriter, r *http.Request, c *call) {
	counts := map[string]int{}
	for kind, key := range map[string]string{kindSchema: "schemas", kindFieldGroup: "mixins"} {
		docs, err := p.st.list(r.Context(), kind, c.Sandbox.Name)
		if err != nil {
			xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "count %s: %v", key, err)
			return
		}
		counts[key] = len(docs)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"imsOrg":   c.OrgID,
		"tenantId": p.tenant,
		"counts": map[string]any{
			"schemas": counts["schemas"], "mixins": counts["mixins"], "datatypes": 0, "classes": 0, "unions": 0,
		},
		"recentlyCreatedResources": []any{},
		"recentlyUpdatedResources": []any{},
		"classUsage":               []any{},
	})
}

// registryMaxPage is the most results one list page holds.
const registryMaxPage = 300

// handleXDMList answers GET /tenant/schemas and /tenant/fieldgroups. Paging is by cursor: results are
// sorted by orderby, and start is the primary sort value to continue after (strictly greater, or
// strictly less when descending). A page is extended past limit while the sort value repeats, so no
// resource is skipped between pages; this is why Adobe calls limit a hint.
func (p *Platform) handleXDMList(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		full, ok := listAccept(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		orderby := q.Get("orderby")
		if orderby == "" && (q.Has("start") || q.Has("limit")) {
			xdmError(w, http.StatusBadRequest, "1000-400", "Bad Request", "start and limit can only be used together with orderby")
			return
		}
		limit := registryMaxPage
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				xdmError(w, http.StatusBadRequest, "1000-400", "Bad Request", "limit must be a number between 0 and 500, got %q", v)
				return
			}
			limit = min(max(n, 1), registryMaxPage)
		}
		conds, err := parseConditions(q["property"])
		if err != nil {
			xdmError(w, http.StatusBadRequest, "1000-400", "Bad Request", "%v", err)
			return
		}
		docs, err := p.docs(r, kind, c.Sandbox.Name)
		if err != nil {
			xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "list: %v", err)
			return
		}
		field := strings.Split(orderby, ",")[0]
		desc := strings.HasPrefix(field, "-")
		field = strings.TrimLeft(field, "-+")
		sortDocs(docs, orderby)
		var kept []map[string]any
		for _, d := range docs {
			if !matchAll(d, conds) {
				continue
			}
			if q.Has("start") && orderby != "" {
				cmp := compareValues(scalarString(d[field]), q.Get("start"))
				if (!desc && cmp <= 0) || (desc && cmp >= 0) {
					continue
				}
			}
			kept = append(kept, d)
		}
		n := len(kept)
		if orderby != "" && n > limit {
			n = limit
			for n < len(kept) && scalarString(kept[n][field]) == scalarString(kept[n-1][field]) {
				n++
			}
		}
		results := make([]any, 0, n)
		for _, d := range kept[:n] {
			if full {
				results = append(results, d)
			} else {
				results = append(results, map[string]any{"$id": d["$id"], "meta:altId": d["meta:altId"], "version": d["version"], "title": d["title"]})
			}
		}
		// _page.next is null on the last page (clients stop on it); _links.next is a URI only when
		// there is a next page.
		var next any
		links := map[string]any{"global_schemas": map[string]any{"href": registryURL + "/global/schemas"}}
		if n < len(kept) {
			start := scalarString(kept[n-1][field])
			next = start
			links["next"] = registryURL + r.URL.Path[len(schemaBase):] + "?" + url.Values{"orderby": {orderby}, "start": {start}, "limit": {strconv.Itoa(limit)}}.Encode()
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"results": results,
			"_page":   map[string]any{"orderby": orderby, "next": next, "count": len(results)},
			"_links":  links,
		})
	}
}

// handleXDMLookup answers GET /tenant/schemas/{id} and /tenant/fieldgroups/{id} in the form the Accept
// header asks for.
func (p *Platform) handleXDMLookup(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		form, ok := lookupAccept(w, r)
		if !ok {
			return
		}
		d, ok := p.loadXDMOr404(w, r, c, kind)
		if !ok {
			return
		}
		var out any = map[string]any(d)
		if form.full && kind == kindSchema {
			full, err := p.composeSchema(r.Context(), c.Sandbox.Name, d)
			if err != nil {
				xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "compose %s: %v", d.id(), err)
				return
			}
			out = full
		}
		if form.noText || form.desc {
			out = stripText(out, form.desc)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// handleXDMDelete answers DELETE /tenant/schemas/{id} and /tenant/fieldgroups/{id}. A resource still in
// use (a schema by a dataset, a field group by a schema) cannot be deleted, as in Adobe.
func (p *Platform) handleXDMDelete(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		p.mu.Lock()
		defer p.mu.Unlock()
		d, ok := p.loadXDMOr404(w, r, c, kind)
		if !ok {
			return
		}
		users, usedBy := kindDataset, func(u map[string]any) bool { return datasetSchemaID(u) == d.id() }
		if kind == kindFieldGroup {
			users, usedBy = kindSchema, func(u map[string]any) bool {
				for _, ref := range xdm.AllOfRefs(u) {
					if ref == d.id() {
						return true
					}
				}
				return false
			}
		}
		docs, err := p.docs(r, users, c.Sandbox.Name)
		if err != nil {
			xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "read %s: %v", users, err)
			return
		}
		for _, u := range docs {
			if usedBy(u) {
				xdmError(w, http.StatusBadRequest, "1000-400", "Resource in use", "%s is used by %s %v; delete that first", d.id(), users, firstOf(u, "$id", "id"))
				return
			}
		}
		if kind == kindSchema {
			if err := p.deleteDescriptorsOf(r, c, d); err != nil {
				xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "delete the schema's descriptors: %v", err)
				return
			}
		}
		if err := p.st.del(r.Context(), kind, c.Sandbox.Name, d.id()); err != nil {
			xdmError(w, http.StatusInternalServerError, "1000-500", "Internal Error", "delete: %v", err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// deleteDescriptorsOf removes the descriptors whose source schema is sch: they describe fields that no
// longer exist, and a schema created again under the same title must not inherit its old identity.
func (p *Platform) deleteDescriptorsOf(r *http.Request, c *call, sch xdmDoc) error {
	docs, err := p.docs(r, kindDescriptor, c.Sandbox.Name)
	if err != nil {
		return err
	}
	for _, d := range docs {
		src, _ := d["xdm:sourceSchema"].(string)
		id, _ := d["@id"].(string)
		alt, _ := sch["meta:altId"].(string)
		if id == "" || (src != sch.id() && (alt == "" || src != alt)) {
			continue
		}
		if err := p.st.del(r.Context(), kindDescriptor, c.Sandbox.Name, id); err != nil && !errors.Is(err, errNotFound) {
			return err
		}
	}
	return nil
}

func firstOf(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

// registryMeta is the bookkeeping the registry adds to every tenant resource it creates.
func (p *Platform) registryMeta(c *call, resourceType, hash string) map[string]any {
	now := time.Now().UnixMilli()
	return map[string]any{
		"$id":                  "https://ns.adobe.com/" + p.tenant + "/" + resourceType + "/" + hash,
		"meta:altId":           "_" + p.tenant + "." + resourceType + "." + hash,
		"meta:resourceType":    resourceType,
		"version":              "1.0",
		"imsOrg":               c.OrgID,
		"meta:containerId":     "tenant",
		"meta:sandboxId":       c.Sandbox.ID,
		"meta:sandboxType":     c.Sandbox.Type,
		"meta:tenantNamespace": "_" + p.tenant,
		"meta:xdmType":         "object",
		"meta:registryMetadata": map[string]any{
			"repo:createdDate": now, "repo:lastModifiedDate": now,
			"xdm:createdClientId": c.ClientID, "xdm:lastModifiedClientId": c.ClientID,
			"eTag": randomHex(32),
		},
	}
}

// bumpVersion raises a resource's minor version, as every registry update does: "1.0" becomes "1.1".
func bumpVersion(d xdmDoc) {
	v, _ := d["version"].(string)
	major, minor, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(minor)
	if major == "" {
		major = "1"
	}
	d["version"] = major + "." + strconv.Itoa(n+1)
	if rm, ok := d["meta:registryMetadata"].(map[string]any); ok {
		rm["repo:lastModifiedDate"] = time.Now().UnixMilli()
		rm["eTag"] = randomHex(32)
	}
}
