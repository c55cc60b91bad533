package local

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Fixed Flow Service ids (platform.md): the Customer.io source, the data lake target and the flow spec
// all Streaming SDK sources share.
const (
	customerIOSpecID = "96479064-7b8a-4d69-b9ed-21c5683837ea"
	customerIOProvID = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
	dataLakeSpecID   = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
	streamingFlowID  = "e77fde5a-22a8-11ed-861d-0242ac120002"
	specVersion      = "1.0"
)

// connectionSpecs are the specs the local platform knows. Asking for any other id is a 404, as it would
// be for a source Adobe does not offer.
var connectionSpecs = map[string]map[string]any{
	customerIOSpecID: {
		"id": customerIOSpecID, "name": "customerio", "providerId": customerIOProvID, "version": specVersion,
		"authSpec": []any{},
		"sourceSpec": map[string]any{
			"name": "customerio", "type": "Streaming",
			"attributes": map[string]any{"uiAttributes": map[string]any{
				"isSource": true, "category": "marketingAutomation", "icon": "customerio", "label": "Customer.io",
				"documentationLink": "https://experienceleague.adobe.com/en/docs/experience-platform/sources/connectors/marketing-automation/customerio",
			}},
			"spec": map[string]any{"type": "object"},
		},
		"attributes": map[string]any{"category": "Marketing Automation", "connectorName": "Customer.io", "isSource": true},
	},
	dataLakeSpecID: {
		"id": dataLakeSpecID, "name": "Data Lake", "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a", "version": specVersion,
		"authSpec":   []any{},
		"attributes": map[string]any{"category": "Data Lake", "connectorName": "Data Lake", "isSource": false},
	},
}

// handleConnectionSpec answers GET /connectionSpecs/{id} with Flow Service's {"items":[spec]}.
func (p *Platform) handleConnectionSpec(w http.ResponseWriter, r *http.Request, _ *call) {
	spec, ok := connectionSpecs[r.PathValue("id")]
	if !ok {
		flowError(w, http.StatusNotFound, "1439-404", "Resource not found", "Connection spec with id '%s' was not found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": []any{spec}})
}

// handleConnectionSpecs answers GET /connectionSpecs with property filters and paging.
func (p *Platform) handleConnectionSpecs(w http.ResponseWriter, r *http.Request, _ *call) {
	flowList(w, r, []map[string]any{connectionSpecs[customerIOSpecID], connectionSpecs[dataLakeSpecID]})
}

// connectionRequest is a source or target connection create body.
type connectionRequest struct {
	Name             string         `json:"name"`
	Description      string         `json:"description"`
	BaseConnectionID string         `json:"baseConnectionId"`
	ProviderID       string         `json:"providerId"`
	ConnectionSpec   *specRef       `json:"connectionSpec"`
	Data             map[string]any `json:"data"`
	Params           map[string]any `json:"params"`
	State            any            `json:"state"`
}

type specRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// handleConnectionCreate answers POST /sourceConnections and /targetConnections.
func (p *Platform) handleConnectionCreate(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		var req connectionRequest
		if _, ok := decodeBody(w, r, &req, flowBodyError(w)); !ok {
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if msg := p.checkConnection(r, c, kind, &req); msg != "" {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "%s", msg)
			return
		}
		id, etag, now := newUUID(), newETag(), nowMs()
		doc := flowMeta(c, id, etag, now)
		doc["name"] = req.Name
		doc["description"] = req.Description
		doc["state"] = "enabled"
		doc["connectionSpec"] = map[string]any{"id": req.ConnectionSpec.ID, "version": req.ConnectionSpec.Version}
		doc["data"] = req.Data
		doc["params"] = orEmpty(req.Params)
		doc["inheritedAttributes"] = map[string]any{}
		if kind == kindSourceConn {
			doc["providerRefId"] = customerIOProvID
		}
		if err := p.st.put(r.Context(), kind, c.Sandbox.Name, id, doc); err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "store connection: %v", err)
			return
		}
		w.Header().Set("Location", "/data/foundation/flowservice/"+kind+"s/"+id)
		writeJSON(w, http.StatusCreated, map[string]any{"id": id, "etag": etag})
	}
}

// checkConnection applies Flow Service's rules for the two connection kinds; it returns a message for
// people, or "" when the request is acceptable.
func (p *Platform) checkConnection(r *http.Request, c *call, kind string, req *connectionRequest) string {
	wantSpec, what := customerIOSpecID, "a source connection"
	if kind == kindTargetConn {
		wantSpec, what = dataLakeSpecID, "a target connection"
	}
	switch {
	case req.State != nil:
		return "state cannot be set when creating " + what
	case strings.TrimSpace(req.Name) == "":
		return "name is required"
	case req.ConnectionSpec == nil || req.ConnectionSpec.ID == "":
		return "connectionSpec.id is required"
	case connectionSpecs[req.ConnectionSpec.ID] == nil:
		return "connection spec '" + req.ConnectionSpec.ID + "' does not exist"
	case req.ConnectionSpec.ID != wantSpec:
		return "connection spec '" + req.ConnectionSpec.ID + "' cannot be used for " + what
	case req.ConnectionSpec.Version != specVersion:
		return "connectionSpec.version must be " + specVersion
	case req.BaseConnectionID != "":
		return "base connection '" + req.BaseConnectionID + "' does not exist (Customer.io needs none: leave baseConnectionId out)"
	case req.Data == nil:
		return "data is required, e.g. {\"format\":\"json\"}"
	}
	format, _ := req.Data["format"].(string)
	if kind == kindSourceConn {
		if format != "json" {
			return "data.format must be json for the Customer.io source, got '" + format + "'"
		}
		if req.ProviderID != "" && req.ProviderID != customerIOProvID {
			return "providerId '" + req.ProviderID + "' does not match the Customer.io connection spec"
		}
		return ""
	}
	if format != "json" && format != "parquet_xdm" {
		return "data.format must be json or parquet_xdm for the data lake, got '" + format + "'"
	}
	schemaDoc, _ := req.Data["schema"].(map[string]any)
	schemaID, _ := schemaDoc["id"].(string)
	if schemaID == "" {
		return "data.schema.id is required: the XDM schema of the target dataset"
	}
	dsID, _ := req.Params["dataSetId"].(string)
	if dsID == "" {
		return "params.dataSetId is required"
	}
	sch, err := p.findSchema(r.Context(), c.Sandbox.Name, schemaID)
	if err != nil {
		return "schema '" + schemaID + "' does not exist in sandbox " + c.Sandbox.Name
	}
	var ds map[string]any
	if err := p.st.get(r.Context(), kindDataset, c.Sandbox.Name, dsID, &ds); err != nil {
		return "dataset '" + dsID + "' does not exist in sandbox " + c.Sandbox.Name
	}
	if got := datasetSchemaID(ds); got != sch.id() {
		return "dataset '" + dsID + "' uses schema " + got + ", not " + schemaID
	}
	return ""
}

// datasetSchemaID reads schemaRef.id from a stored dataset.
func datasetSchemaID(ds map[string]any) string {
	ref, _ := ds["schemaRef"].(map[string]any)
	id, _ := ref["id"].(string)
	return id
}

// handleConnectionList answers GET /sourceConnections and /targetConnections.
func (p *Platform) handleConnectionList(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		docs, err := p.docs(r, kind, c.Sandbox.Name)
		if err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read connections: %v", err)
			return
		}
		flowList(w, r, docs)
	}
}

// handleConnection answers GET and DELETE /sourceConnections/{id} and /targetConnections/{id}. A
// connection that a flow still uses cannot be deleted: delete the flow first.
func (p *Platform) handleConnection(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		id := r.PathValue("id")
		p.mu.Lock()
		defer p.mu.Unlock()
		var doc map[string]any
		err := p.st.get(r.Context(), kind, c.Sandbox.Name, id, &doc)
		if errors.Is(err, errNotFound) {
			flowError(w, http.StatusNotFound, "1439-404", "Resource not found", "The requested resource with id '%s' was not found.", id)
			return
		}
		if err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read connection: %v", err)
			return
		}
		if r.Method == http.MethodGet {
			writeJSON(w, http.StatusOK, map[string]any{"items": []any{doc}})
			return
		}
		flows, err := p.flows(r, c.Sandbox.Name)
		if err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read flows: %v", err)
			return
		}
		field := "sourceConnectionIds"
		if kind == kindTargetConn {
			field = "targetConnectionIds"
		}
		for _, f := range flows {
			for _, used := range resolve(f.Doc, []string{field, "[]"}) {
				if used == id {
					flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "Connection '%s' is used by flow '%s'. Delete the flow first.", id, f.Doc["id"])
					return
				}
			}
		}
		if err := p.st.del(r.Context(), kind, c.Sandbox.Name, id); err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "delete connection: %v", err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// flowMeta is the bookkeeping every Flow Service entity carries.
func flowMeta(c *call, id, etag string, now int64) map[string]any {
	return map[string]any{
		"id": id, "createdAt": now, "updatedAt": now,
		"createdBy": c.ClientID + "@AdobeID", "updatedBy": c.ClientID + "@AdobeID",
		"createdClient": c.ClientID, "updatedClient": c.ClientID,
		"sandboxId": c.Sandbox.ID, "sandboxName": c.Sandbox.Name, "imsOrgId": c.OrgID,
		"version": etag, "etag": etag,
	}
}

// flowBodyError reports unreadable bodies in Flow Service's shape.
func flowBodyError(w http.ResponseWriter) func(int, string) {
	return func(status int, msg string) {
		flowError(w, status, "1100-"+strconv.Itoa(status), "Invalid request", "%s", msg)
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// flowSpecs are the flow specs the local platform knows: the one all Streaming SDK sources share
// (platform.md). adobe/aepp lists them (getFlowSpecs) to find a spec by name.
var flowSpecs = map[string]map[string]any{
	streamingFlowID: {
		"id": streamingFlowID, "name": "GenericStreamingAEP", "providerId": customerIOProvID, "version": specVersion,
		"sourceConnectionSpecIds": []any{customerIOSpecID},
		"targetConnectionSpecIds": []any{dataLakeSpecID},
		"optionSpec": map[string]any{"spec": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"errorDiagnosticsEnabled": map[string]any{"title": "Error diagnostics", "type": "boolean", "default": false,
					"description": "Flag to enable detailed and sample error diagnostics summary."},
				"partialIngestionPercent": map[string]any{"title": "Partial ingestion threshold", "type": "number", "exclusiveMinimum": 0,
					"description": "Percentage which defines the threshold of errors allowed before the run is marked as failed."},
			},
		}},
		"transformationSpecs": []any{map[string]any{"name": "Mapping", "spec": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"description": "Defines various params required for different mapping from source to target",
			"properties":  map[string]any{"mappingId": map[string]any{"type": "string"}, "mappingVersion": map[string]any{"type": "string"}},
		}}},
		"attributes": map[string]any{"isSourceFlow": true, "flacValidationSupported": true},
	},
}

// handleFlowSpecs answers GET /flowSpecs with property filters and paging.
func (p *Platform) handleFlowSpecs(w http.ResponseWriter, r *http.Request, _ *call) {
	flowList(w, r, []map[string]any{flowSpecs[streamingFlowID]})
}

// handleFlowSpec answers GET /flowSpecs/{id} with Flow Service's {"items":[spec]}.
func (p *Platform) handleFlowSpec(w http.ResponseWriter, r *http.Request, _ *call) {
	spec, ok := flowSpecs[r.PathValue("id")]
	if !ok {
		flowError(w, http.StatusNotFound, "1439-404", "Resource not found", "Flow spec with id '%s' was not found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": []any{spec}})
}
