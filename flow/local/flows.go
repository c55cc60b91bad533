package local

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// inletLag is how long a new flow's inlet takes to appear. Adobe's inletUrl may lag creation, so clients
// must poll; a short, fixed lag keeps that path exercised without slowing anyone down.
const inletLag = 50 * time.Millisecond

// flowRec is a stored flow: the document GET returns, the inlet it owns, and when the inlet is ready.
type flowRec struct {
	Doc        map[string]any `json:"doc"`
	InletID    string         `json:"inletId"`
	InletReady int64          `json:"inletReady"` // Unix ms; before it, reads lack options.inletUrl
}

// flowRequest is a flow create body.
type flowRequest struct {
	Name                string           `json:"name"`
	Description         string           `json:"description"`
	FlowSpec            *specRef         `json:"flowSpec"`
	SourceConnectionIDs []string         `json:"sourceConnectionIds"`
	TargetConnectionIDs []string         `json:"targetConnectionIds"`
	Transformations     []map[string]any `json:"transformations"`
	Options             map[string]any   `json:"options"`
	ScheduleParams      map[string]any   `json:"scheduleParams"`
	State               any              `json:"state"`
}

// handleFlowCreate answers POST /flows.
func (p *Platform) handleFlowCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var req flowRequest
	if _, ok := decodeBody(w, r, &req, flowBodyError(w)); !ok {
		return
	}
	if req.State != nil {
		flowError(w, http.StatusBadRequest, "1410-400", "Invalid request", "The state of a flow cannot be set on create. Create the flow, then use POST /flows/{id}/action?op=ENABLE|DISABLE.")
		return
	}
	switch {
	case strings.TrimSpace(req.Name) == "":
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "name is required")
		return
	case req.FlowSpec == nil || req.FlowSpec.ID == "":
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "flowSpec.id is required")
		return
	case req.FlowSpec.ID != streamingFlowID:
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "Flow spec '%s' does not exist.", req.FlowSpec.ID)
		return
	case req.FlowSpec.Version != specVersion:
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "flowSpec.version must be %s", specVersion)
		return
	case len(req.SourceConnectionIDs) == 0 || len(req.TargetConnectionIDs) == 0:
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "sourceConnectionIds and targetConnectionIds each need at least one id")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx := r.Context()
	var srcs, tgts []any
	for _, id := range req.SourceConnectionIDs {
		var d map[string]any
		if err := p.st.get(ctx, kindSourceConn, c.Sandbox.Name, id, &d); err != nil {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "Source connection '%s' does not exist in sandbox %s.", id, c.Sandbox.Name)
			return
		}
		srcs = append(srcs, map[string]any{"id": id, "connectionSpec": d["connectionSpec"]})
	}
	var targetSchema string
	for _, id := range req.TargetConnectionIDs {
		var d map[string]any
		if err := p.st.get(ctx, kindTargetConn, c.Sandbox.Name, id, &d); err != nil {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "Target connection '%s' does not exist in sandbox %s.", id, c.Sandbox.Name)
			return
		}
		targetSchema, _ = resolveString(d, "data", "schema", "id")
		tgts = append(tgts, map[string]any{"id": id, "connectionSpec": d["connectionSpec"]})
	}
	if status, code, msg := p.checkTransformations(r, c, req.Transformations, targetSchema); msg != "" {
		flowError(w, status, code, "Invalid request", "%s", msg)
		return
	}
	id, etag, now := newUUID(), newETag(), nowMs()
	inlet := randomHex(32)
	doc := flowMeta(c, id, etag, now)
	doc["name"] = req.Name
	doc["description"] = req.Description
	doc["flowSpec"] = map[string]any{"id": req.FlowSpec.ID, "version": req.FlowSpec.Version}
	doc["state"] = "enabled"
	doc["sourceConnectionIds"] = req.SourceConnectionIDs
	doc["targetConnectionIds"] = req.TargetConnectionIDs
	doc["inheritedAttributes"] = map[string]any{"sourceConnections": srcs, "targetConnections": tgts}
	doc["transformations"] = req.Transformations
	doc["options"] = orEmpty(req.Options)
	doc["runs"] = "/runs?property=flowId==" + id
	doc["lastOperation"] = map[string]any{"started": now, "updated": 0, "operation": "create"}
	if req.ScheduleParams != nil {
		doc["scheduleParams"] = req.ScheduleParams
	}
	rec := flowRec{Doc: doc, InletID: inlet, InletReady: time.Now().Add(inletLag).UnixMilli()}
	if err := p.st.put(ctx, kindFlow, c.Sandbox.Name, id, rec); err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "store flow: %v", err)
		return
	}
	if err := p.st.put(ctx, kindInlet, "", inlet, inletRec{Sandbox: c.Sandbox.Name, FlowID: id}); err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "store inlet: %v", err)
		return
	}
	w.Header().Set("Location", "/data/foundation/flowservice/flows/"+id)
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "etag": etag})
}

// checkTransformations enforces the Customer.io dataflow's transformation rules: each is named exactly
// "Mapping", names a mapping set and version that exist, and maps into the target's schema (1425-400).
func (p *Platform) checkTransformations(r *http.Request, c *call, ts []map[string]any, targetSchema string) (int, string, string) {
	if len(ts) == 0 {
		return http.StatusBadRequest, "1100-400", "transformations are required: [{\"name\":\"Mapping\",\"params\":{\"mappingId\":\"…\",\"mappingVersion\":0}}]"
	}
	for i, t := range ts {
		if name, _ := t["name"].(string); name != "Mapping" {
			return http.StatusBadRequest, "1100-400", "transformation " + strconv.Itoa(i) + " is named '" + name + "'; the only transformation this flow spec accepts is 'Mapping'"
		}
		params, _ := t["params"].(map[string]any)
		mid, _ := params["mappingId"].(string)
		if mid == "" {
			return http.StatusBadRequest, "1100-400", "transformation " + strconv.Itoa(i) + " has no params.mappingId"
		}
		var ms mappingSetRec
		if err := p.st.get(r.Context(), kindMappingSet, c.Sandbox.Name, mid, &ms); err != nil {
			return http.StatusBadRequest, "1100-400", "mapping set '" + mid + "' does not exist in sandbox " + c.Sandbox.Name
		}
		v, ok := mappingVersion(params["mappingVersion"])
		if !ok || v < 0 || v >= len(ms.Versions) {
			return http.StatusBadRequest, "1100-400", "mapping set '" + mid + "' has no version " + scalarString(params["mappingVersion"])
		}
		if got := ms.Versions[v].schemaID(); got != targetSchema {
			return http.StatusBadRequest, "1425-400", "The mapping's output schema " + got + " does not match the target connection's schema " + targetSchema + ". Create the mapping set for the target dataset's schema."
		}
	}
	return 0, "", ""
}

// mappingVersion accepts the version as a JSON number or a numeric string; Adobe's examples use both.
func mappingVersion(v any) (int, bool) {
	switch t := v.(type) {
	case float64:
		return int(t), t == float64(int(t))
	case string:
		n := 0
		for _, ch := range t {
			if ch < '0' || ch > '9' {
				return 0, false
			}
			n = n*10 + int(ch-'0')
		}
		return n, t != ""
	case nil:
		return 0, true
	}
	return 0, false
}

// flows lists the stored flows of a sandbox.
func (p *Platform) flows(r *http.Request, sandbox string) ([]flowRec, error) {
	raws, err := p.st.list(r.Context(), kindFlow, sandbox)
	if err != nil {
		return nil, err
	}
	out := make([]flowRec, 0, len(raws))
	for _, raw := range raws {
		var f flowRec
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// view is the flow as clients see it: the stored document plus the inlet URL, which points at this
// platform's current address.
func (p *Platform) view(f flowRec) map[string]any {
	doc := make(map[string]any, len(f.Doc))
	for k, v := range f.Doc {
		doc[k] = v
	}
	opts := map[string]any{}
	if o, ok := f.Doc["options"].(map[string]any); ok {
		for k, v := range o {
			opts[k] = v
		}
	}
	if time.Now().UnixMilli() >= f.InletReady {
		opts["inletUrl"] = p.cfg.BaseURL + "/collection/" + f.InletID
		opts["inletId"] = f.InletID
	}
	doc["options"] = opts
	// The Customer.io tutorial's GET /flows/{id} answer carries providerRefId. What Adobe puts there is
	// unconfirmed (the example's value is no documented id), so the local platform names the provider
	// of the flow's source.
	if _, ok := doc["providerRefId"]; !ok {
		doc["providerRefId"] = customerIOProvID
	}
	return doc
}

// handleFlowList answers GET /flows with property filters, orderby and continuationToken paging.
func (p *Platform) handleFlowList(w http.ResponseWriter, r *http.Request, c *call) {
	fs, err := p.flows(r, c.Sandbox.Name)
	if err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read flows: %v", err)
		return
	}
	docs := make([]map[string]any, len(fs))
	for i, f := range fs {
		docs[i] = p.view(f)
	}
	flowList(w, r, docs)
}

// loadFlow reads one flow or answers 404 in Flow Service's shape.
func (p *Platform) loadFlow(w http.ResponseWriter, r *http.Request, c *call) (flowRec, bool) {
	id := r.PathValue("id")
	var f flowRec
	err := p.st.get(r.Context(), kindFlow, c.Sandbox.Name, id, &f)
	if errors.Is(err, errNotFound) {
		flowError(w, http.StatusNotFound, "1439-404", "Resource not found", "Flow with id '%s' was not found in sandbox '%s'.", id, c.Sandbox.Name)
		return f, false
	}
	if err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read flow: %v", err)
		return f, false
	}
	return f, true
}

// handleFlow answers GET and DELETE /flows/{id}. GET answers a list even for one id.
func (p *Platform) handleFlow(w http.ResponseWriter, r *http.Request, c *call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.loadFlow(w, r, c)
	if !ok {
		return
	}
	if r.Method == http.MethodDelete {
		err := p.st.del(r.Context(), kindFlow, c.Sandbox.Name, r.PathValue("id"))
		if err == nil {
			err = p.st.del(r.Context(), kindInlet, "", f.InletID)
		}
		if err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "delete flow: %v", err)
			return
		}
		p.inlets.invalidate()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": []any{p.view(f)}})
}

// checkIfMatch enforces optimistic concurrency: the client's If-Match must be the current etag, quotes
// included. required says whether a missing header is an error (PATCH) or allowed (action).
func checkIfMatch(w http.ResponseWriter, r *http.Request, doc map[string]any, required bool) bool {
	im := r.Header.Get("If-Match")
	cur, _ := doc["etag"].(string)
	if im == "" {
		if required {
			flowError(w, http.StatusBadRequest, "1403-400", "Header is missing", "The header 'If-Match' is missing in the request. Please provide the header and try again.")
		}
		return !required
	}
	if im != cur {
		flowError(w, http.StatusPreconditionFailed, "1404-412", "Version not matching",
			"The supplied version '%s' does not match the current version on entity '%s'. Please provide the latest version and try again.", im, cur)
		return false
	}
	return true
}

// patchableFlowFields are the members PATCH may change. A different source or target means a new flow
// (Adobe advises against rewiring one), and state changes go through the action endpoint.
var patchableFlowFields = map[string]bool{"name": true, "description": true, "transformations": true, "options": true}

// handleFlowPatch answers PATCH /flows/{id}: RFC 6902 operations guarded by If-Match.
func (p *Platform) handleFlowPatch(w http.ResponseWriter, r *http.Request, c *call) {
	var ops []patchOp
	if _, ok := decodeBody(w, r, &ops, flowBodyError(w)); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.loadFlow(w, r, c)
	if !ok || !checkIfMatch(w, r, f.Doc, true) {
		return
	}
	if err := applyPatch(f.Doc, ops, func(top string) bool { return patchableFlowFields[top] }); err != nil {
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "%v", err)
		return
	}
	var ts []map[string]any
	raw, _ := json.Marshal(f.Doc["transformations"])
	if err := json.Unmarshal(raw, &ts); err != nil {
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "transformations must be an array of objects")
		return
	}
	targetSchema, err := p.flowTargetSchema(r, c, f.Doc)
	if err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read target connection: %v", err)
		return
	}
	if status, code, msg := p.checkTransformations(r, c, ts, targetSchema); msg != "" {
		flowError(w, status, code, "Invalid request", "%s", msg)
		return
	}
	p.saveFlowChange(w, r, c, f, "update")
}

// flowTargetSchema is the schema id of a flow's (first) target connection.
func (p *Platform) flowTargetSchema(r *http.Request, c *call, doc map[string]any) (string, error) {
	ids := resolve(doc, []string{"targetConnectionIds", "[]"})
	if len(ids) == 0 {
		return "", errors.New("the flow has no target connection")
	}
	var t map[string]any
	if err := p.st.get(r.Context(), kindTargetConn, c.Sandbox.Name, scalarString(ids[0]), &t); err != nil {
		return "", err
	}
	s, _ := resolveString(t, "data", "schema", "id")
	return s, nil
}

// saveFlowChange gives the flow a new etag, records the operation and answers {"id","etag"}.
func (p *Platform) saveFlowChange(w http.ResponseWriter, r *http.Request, c *call, f flowRec, op string) {
	etag, now := newETag(), nowMs()
	f.Doc["etag"], f.Doc["version"] = etag, etag
	f.Doc["updatedAt"], f.Doc["updatedBy"], f.Doc["updatedClient"] = now, c.ClientID+"@AdobeID", c.ClientID
	f.Doc["lastOperation"] = map[string]any{"started": now, "updated": 0, "operation": op}
	id := r.PathValue("id")
	if err := p.st.put(r.Context(), kindFlow, c.Sandbox.Name, id, f); err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "store flow: %v", err)
		return
	}
	p.inlets.invalidate()
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "etag": etag})
}

// handleFlowAction answers POST /flows/{id}/action?op=ENABLE|DISABLE.
func (p *Platform) handleFlowAction(w http.ResponseWriter, r *http.Request, c *call) {
	op := r.URL.Query().Get("op")
	state := map[string]string{"ENABLE": "enabled", "DISABLE": "disabled"}[op]
	if state == "" {
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "op must be ENABLE or DISABLE, got '%s'", op)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.loadFlow(w, r, c)
	if !ok || !checkIfMatch(w, r, f.Doc, false) {
		return
	}
	f.Doc["state"] = state
	p.saveFlowChange(w, r, c, f, strings.ToLower(op))
}

// resolveString follows a path of object keys to a string.
func resolveString(doc map[string]any, path ...string) (string, bool) {
	var v any = doc
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		v = m[k]
	}
	s, ok := v.(string)
	return s, ok
}
