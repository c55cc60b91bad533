package local

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Catalog (/data/foundation/catalog): datasets. Its quirks are kept on purpose because clients must
// cope with them: lists are a JSON object keyed by dataset id, paging is a zero-based offset, and a
// create answers 201 with an array of "@/dataSets/<id>" references instead of the dataset.

const catalogMaxLimit = 100

// handleDatasetList answers GET /dataSets?properties=&limit=&start=&property=&name=.
func (p *Platform) handleDatasetList(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	limit, start := 50, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > catalogMaxLimit {
			problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "limit must be between 1 and %d, got %q", catalogMaxLimit, v)
			return
		}
		limit = n
	}
	if v := q.Get("start"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "start is a zero-based offset, got %q", v)
			return
		}
		start = n
	}
	conds, err := parseConditions(q["property"])
	if err != nil {
		problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "%v", err)
		return
	}
	var props []string
	if v := q.Get("properties"); v != "" {
		props = strings.Split(v, ",")
	}
	out := map[string]any{}
	if len(conds) == 0 {
		// The common listing (all datasets, or by name) pages in SQL and decodes only its page.
		var name *string
		if q.Has("name") {
			v := q.Get("name")
			name = &v
		}
		raws, err := p.st.page(r.Context(), kindDataset, c.Sandbox.Name, name, start, limit)
		if err != nil {
			problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "read datasets: %v", err)
			return
		}
		for _, raw := range raws {
			var d map[string]any
			if err := json.Unmarshal(raw, &d); err != nil {
				problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "read datasets: %v", err)
				return
			}
			out[d["id"].(string)] = project(d, props)
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	docs, err := p.docs(r, kindDataset, c.Sandbox.Name)
	if err != nil {
		problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "read datasets: %v", err)
		return
	}
	n := 0
	for _, d := range docs {
		if !matchAll(d, conds) || (q.Has("name") && d["name"] != q.Get("name")) {
			continue
		}
		if n >= start && n < start+limit {
			out[d["id"].(string)] = project(d, props)
		}
		n++
	}
	writeJSON(w, http.StatusOK, out)
}

// project keeps only the listed top-level properties; no list keeps everything but the internal id,
// which Catalog carries as the object's key instead.
func project(d map[string]any, props []string) map[string]any {
	completeDataset(d)
	out := map[string]any{}
	if len(props) == 0 {
		for k, v := range d {
			if k != "id" {
				out[k] = v
			}
		}
		return out
	}
	for _, k := range props {
		if v, ok := d[strings.TrimSpace(k)]; ok && k != "id" {
			out[k] = v
		}
	}
	return out
}

// datasetRequest is the part of a create body the local platform checks.
type datasetRequest struct {
	Name      string     `json:"name"`
	SchemaRef *schemaRef `json:"schemaRef"`
}

type schemaRef struct {
	ID          string `json:"id"`
	ContentType string `json:"contentType"`
}

// handleDatasetCreate answers POST /dataSets.
func (p *Platform) handleDatasetCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var req datasetRequest
	raw, ok := decodeBody(w, r, &req, func(status int, msg string) {
		problem(w, status, "CAT", "1400-400", "Bad Request", "%s", msg)
	})
	if !ok {
		return
	}
	switch {
	case strings.TrimSpace(req.Name) == "":
		problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "name is required")
		return
	case req.SchemaRef == nil || req.SchemaRef.ID == "":
		problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "schemaRef.id is required: a dataset needs an XDM schema")
		return
	case !strings.HasPrefix(req.SchemaRef.ContentType, "application/vnd.adobe.xed"):
		problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "schemaRef.contentType must be an XDM media type such as application/vnd.adobe.xed+json;version=1, got %q", req.SchemaRef.ContentType)
		return
	}
	sch, err := p.findSchema(r.Context(), c.Sandbox.Name, req.SchemaRef.ID)
	if errors.Is(err, errNotFound) {
		problem(w, http.StatusBadRequest, "CAT", "1401-400", "Bad Request", "schema %s does not exist in sandbox %s", req.SchemaRef.ID, c.Sandbox.Name)
		return
	}
	if err != nil {
		problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "read schema: %v", err)
		return
	}
	doc := map[string]any{}
	_ = json.Unmarshal(raw, &doc)
	id, err := p.createDataset(r.Context(), c, doc, sch.id(), req.SchemaRef.ContentType)
	if err != nil {
		problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "store dataset: %v", err)
		return
	}
	w.Header().Set("Location", "/data/foundation/catalog/dataSets/"+id)
	writeJSON(w, http.StatusCreated, []string{"@/dataSets/" + id})
}

// handleDataset answers GET and DELETE /dataSets/{id}; GET is an object keyed by the id, like the list.
func (p *Platform) handleDataset(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	doc, ok := p.loadDatasetOr404(w, r, c, id)
	if !ok {
		return
	}
	if r.Method == http.MethodDelete {
		if err := p.st.del(r.Context(), kindDataset, c.Sandbox.Name, id); err != nil {
			problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "delete dataset: %v", err)
			return
		}
		p.inlets.invalidate()
		writeJSON(w, http.StatusOK, []string{"@/dataSets/" + id})
		return
	}
	var props []string
	if v := r.URL.Query().Get("properties"); v != "" {
		props = strings.Split(v, ",")
	}
	writeJSON(w, http.StatusOK, map[string]any{id: project(doc, props)})
}

// loadDatasetOr404 reads one dataset or answers 404 in Catalog's shape.
func (p *Platform) loadDatasetOr404(w http.ResponseWriter, r *http.Request, c *call, id string) (map[string]any, bool) {
	var doc map[string]any
	err := p.st.get(r.Context(), kindDataset, c.Sandbox.Name, id, &doc)
	if errors.Is(err, errNotFound) {
		problem(w, http.StatusNotFound, "CAT", "1404-404", "Not Found", "dataset %s was not found in sandbox %s", id, c.Sandbox.Name)
		return nil, false
	}
	if err != nil {
		problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "read dataset: %v", err)
		return nil, false
	}
	return doc, true
}

// createDataset completes a dataset document with Catalog's bookkeeping and stores it.
func (p *Platform) createDataset(ctx context.Context, c *call, doc map[string]any, schemaID, contentType string) (string, error) {
	id := newDatasetID()
	now := nowMs()
	viewID := newDatasetID()
	for k, v := range map[string]any{
		"id": id, "version": "1.0.0", "imsOrg": c.OrgID, "sandboxId": c.Sandbox.ID, "created": now, "updated": now,
		"createdClient": c.ClientID, "createdUser": c.ClientID + "@AdobeID", "updatedUser": c.ClientID + "@AdobeID",
		"viewId": viewID, "files": "@/dataSets/" + id + "/views/" + viewID + "/files",
		"schemaRef": map[string]any{"id": schemaID, "contentType": contentType},
	} {
		doc[k] = v
	}
	completeDataset(doc)
	return id, p.st.put(ctx, kindDataset, c.Sandbox.Name, id, doc)
}

// completeDataset adds the attributes Catalog gives every dataset and a create body does not carry, so
// clients that read them find them (help/catalog/api/look-up-object.md shows state, tags and files; a
// dataset on an ExperienceEvent schema is classified as time-series). Datasets stored before these
// attributes existed get them when read.
func completeDataset(d map[string]any) {
	name, _ := d["name"].(string)
	tags, _ := d["tags"].(map[string]any)
	if tags == nil {
		tags = map[string]any{}
	}
	if _, ok := tags["adobe/pqs/table"]; !ok {
		tags["adobe/pqs/table"] = []any{queryTableName(name)}
	}
	d["tags"] = tags
	for k, v := range map[string]any{
		"description":    "",
		"state":          "DRAFT",
		"classification": map[string]any{"dataBehavior": "time-series", "managedBy": "CUSTOMER"},
		"fileDescription": map[string]any{
			"persisted": true, "containerFormat": "parquet", "format": "parquet",
		},
		"aspect": "production",
	} {
		if _, ok := d[k]; !ok {
			d[k] = v
		}
	}
}

// queryTableName is the Query Service table name Catalog derives from a dataset name: lower case, with
// every run of other characters an underscore.
func queryTableName(name string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// readOnlyDatasetFields are what a dataset PATCH cannot change: Catalog's own bookkeeping, the schema
// the dataset was made on, and its expandable fields ("PATCH operations on an object cannot modify its
// expandable fields", help/catalog/api/update-object.md).
var readOnlyDatasetFields = map[string]bool{
	"id": true, "imsOrg": true, "sandboxId": true, "version": true, "created": true, "updated": true, "createdClient": true,
	"createdUser": true, "updatedUser": true, "viewId": true, "files": true, "schemaRef": true,
}

// handleDatasetPatch answers PATCH /dataSets/{id} in either form help/catalog/api/update-object.md
// shows: an object of fields to set, or RFC 6902 operations sent as application/json-patch+json. Both
// answer 200 with ["@/dataSets/<id>"]. adobe/aepp enables a dataset for Profile this way.
func (p *Platform) handleDatasetPatch(w http.ResponseWriter, r *http.Request, c *call) {
	var body any
	if _, ok := decodeBody(w, r, &body, func(status int, msg string) {
		problem(w, status, "CAT", "1400-400", "Bad Request", "%s", msg)
	}); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	id := r.PathValue("id")
	doc, ok := p.loadDatasetOr404(w, r, c, id)
	if !ok {
		return
	}
	writable := func(top string) bool { return !readOnlyDatasetFields[top] }
	switch b := body.(type) {
	case map[string]any:
		for k, v := range b {
			if !writable(k) {
				problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "%s cannot be changed with PATCH", k)
				return
			}
			doc[k] = v
		}
	case []any:
		var ops []patchOp
		raw, _ := json.Marshal(b)
		err := json.Unmarshal(raw, &ops)
		if err == nil {
			err = applyPatch(doc, ops, writable)
		}
		if err != nil {
			problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "%v", err)
			return
		}
	default:
		problem(w, http.StatusBadRequest, "CAT", "1400-400", "Bad Request", "send an object of fields to change or a JSON Patch array")
		return
	}
	doc["updated"], doc["updatedUser"] = nowMs(), c.ClientID+"@AdobeID"
	if err := p.st.put(r.Context(), kindDataset, c.Sandbox.Name, id, doc); err != nil {
		problem(w, http.StatusInternalServerError, "CAT", "1500-500", "Internal Error", "store dataset: %v", err)
		return
	}
	p.inlets.invalidate()
	writeJSON(w, http.StatusOK, []string{"@/dataSets/" + id})
}
