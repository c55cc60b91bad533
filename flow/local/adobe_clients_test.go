package local

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdobeClientRequests replays, in order, the requests Adobe's Python client (adobe/aepp: the
// sandboxes, schema, catalog, flowservice and dataprep modules) makes when it walks the Customer.io API
// tutorial, as that client writes them: its trailing slashes, its query parameters (count=False is
// Python's spelling), its Accept headers and its bodies. Each must be answered as Adobe answers it.
func TestAdobeClientRequests(t *testing.T) {
	e := newEnv(t, Config{})
	tenant := e.p.TenantID()
	xed := map[string]string{"Accept": "application/vnd.adobe.xed+json"}
	accept := func(v string) map[string]string { return map[string]string{"Accept": v} }

	// sandboxes.Sandboxes: getSandboxes, getSandbox, getSandboxTypes.
	e.must(200, req{method: "GET", path: sandboxBase + "/sandboxes"})
	e.must(200, req{method: "GET", path: sandboxBase + "/sandboxes/prod"})
	e.must(200, req{method: "GET", path: sandboxBase + "/sandboxTypes"})

	// schema.Schema: getTenantId and getStats ask /stats/ with the module's default Accept.
	if got := str(e.must(200, req{method: "GET", path: schemaBase + "/stats/", headers: xed}).obj, "tenantId"); got != tenant {
		t.Fatalf("tenantId %q, want %q", got, tenant)
	}
	e.must(200, req{method: "GET", path: schemaBase + "/tenant/fieldgroups/", headers: accept("application/vnd.adobe.xdm+json")})
	e.must(200, req{method: "GET", path: schemaBase + "/tenant/schemas/?" + url.Values{"property": {"meta:extends!=https://ns.adobe.com/xdm/data/adhoc"}}.Encode(),
		headers: accept("application/vnd.adobe.xed-id+json")})

	fields := map[string]any{}
	for _, f := range []string{"cio_id", "email", "event_id0", "metricx", "object_type1"} {
		fields[f] = map[string]any{"type": "string", "title": f}
	}
	fields["timestampx"] = map[string]any{"type": "integer", "title": "timestampx"}
	fg := str(e.must(201, req{method: "POST", path: schemaBase + "/tenant/fieldgroups/", headers: xed, body: map[string]any{
		"type": "object", "title": "Customer.io tutorial fields", "description": "tutorial fields",
		"meta:intendedToExtend": []string{experienceEventClass},
		"definitions": map[string]any{"customFields": map[string]any{"properties": map[string]any{
			"_" + tenant: map[string]any{"type": "object", "properties": fields}}}},
		"allOf": []any{map[string]any{"$ref": "#/definitions/customFields"}},
	}}).obj, "$id")
	e.must(200, req{method: "GET", path: schemaBase + "/tenant/fieldgroups/" + url.QueryEscape(fg), headers: accept("application/vnd.adobe.xed-full+json; version=1")})
	sch := str(e.must(201, req{method: "POST", path: schemaBase + "/tenant/schemas/", headers: xed, body: map[string]any{
		"type": "object", "title": "Customer.io tutorial schema", "description": "x",
		"allOf": []any{map[string]any{"$ref": experienceEventClass}, map[string]any{"$ref": fg}},
	}}).obj, "$id")
	for _, a := range []string{"application/vnd.adobe.xdm-full+json; version=1", "application/vnd.adobe.xdm+json; version=1", "application/vnd.adobe.xdm-full-desc+json; version=1"} {
		e.must(200, req{method: "GET", path: schemaBase + "/tenant/schemas/" + url.QueryEscape(sch), headers: accept(a)})
	}
	desc := e.must(201, req{method: "POST", path: schemaBase + "/tenant/descriptors", headers: xed, body: map[string]any{
		"@type": "xdm:descriptorIdentity", "xdm:sourceSchema": sch, "xdm:sourceVersion": 1, "xdm:sourceProperty": "/_" + tenant + "/email",
		"xdm:namespace": "Email", "xdm:property": "xdm:code", "xdm:isPrimary": true,
	}})
	page := e.must(200, req{method: "GET", path: schemaBase + "/tenant/descriptors/", headers: accept("application/vnd.adobe.xdm-v2+json")})
	if results, _ := page.obj["results"].([]any); len(results) != 1 || str(page.obj, "_page", "next") != "" {
		t.Errorf("descriptor page = %s, want one result and no next page", page.raw)
	}
	e.must(200, req{method: "GET", path: schemaBase + "/tenant/descriptors/" + str(desc.obj, "@id"), headers: accept("application/vnd.adobe.xdm+json")})

	// catalog.Catalog: createDataSet (requestDataSource=False, Python's spelling), getDataSets, getDataSet.
	ds := e.must(201, req{method: "POST", path: catalogBase + "/dataSets?requestDataSource=False", body: map[string]any{
		"name": "Customer.io tutorial dataset", "schemaRef": map[string]any{"id": sch, "contentType": "application/vnd.adobe.xed+json;version=1"},
		"fileDescription": map[string]any{"persisted": true, "containerFormat": "parquet", "format": "parquet"}, "tags": map[string]any{},
	}})
	dsID := strings.TrimPrefix(str(ds.arr, 0), "@/dataSets/")
	e.must(200, req{method: "GET", path: catalogBase + "/dataSets?limit=100"})
	one := e.must(200, req{method: "GET", path: catalogBase + "/dataSets/" + dsID})
	if d, _ := one.obj[dsID].(map[string]any); d["classification"] == nil || d["tags"] == nil || d["version"] == nil {
		t.Errorf("dataset lacks attributes a client reads: %s", one.raw)
	}

	// catalog.Catalog.enableDatasetProfile: a JSON Patch adding the Profile tag.
	e.must(200, req{method: "PATCH", path: catalogBase + "/dataSets/" + dsID, headers: map[string]string{"Content-Type": "application/json-patch+json"},
		body: []any{map[string]any{"op": "add", "path": "/tags/unifiedProfile", "value": []string{"enabled:true"}}}})
	tagged := e.must(200, req{method: "GET", path: catalogBase + "/dataSets/" + dsID + "?properties=tags"})
	if got := str(tagged.obj, dsID, "tags", "unifiedProfile", 0); got != "enabled:true" {
		t.Errorf("after enableDatasetProfile the dataset's tags are %s", tagged.raw)
	}

	// flowservice.FlowService and dataprep.DataPrep.
	e.must(200, req{method: "GET", path: flowBase + "/connectionSpecs/" + customerIOSpecID})
	src := str(e.must(201, req{method: "POST", path: flowBase + "/sourceConnections", body: map[string]any{
		"name": "Streaming Source Connection for Customer.io", "providerId": customerIOProvID, "description": "Streaming Source Connection for customer.io",
		"connectionSpec": map[string]any{"id": customerIOSpecID, "version": "1.0"}, "data": map[string]any{"format": "json"},
	}}).obj, "id")
	tgt := str(e.must(201, req{method: "POST", path: flowBase + "/targetConnections", body: map[string]any{
		"name": "Streaming Target Connection for Customer.io", "description": "Streaming Target Connection for Customer.io",
		"connectionSpec": map[string]any{"id": dataLakeSpecID, "version": "1.0"},
		"data":           map[string]any{"format": "json", "schema": map[string]any{"id": sch, "version": "application/vnd.adobe.xed-full+json;version=1"}},
		"params":         map[string]any{"dataSetId": dsID},
	}}).obj, "id")
	ms := str(e.must(200, req{method: "POST", path: prepBase + "/mappingSets?validate=False", body: map[string]any{
		"outputSchema": map[string]any{"schemaRef": map[string]any{"id": sch, "contentType": "application/vnd.adobe.xed-full+json;version=1"}},
		"mappings":     []any{map[string]any{"destinationXdmPath": "_" + tenant + ".email", "sourceAttribute": "data.identifiers.email", "identity": false, "version": 0}},
	}}).obj, "id")
	e.must(200, req{method: "GET", path: prepBase + "/mappingSets/" + ms})
	// dataprep.DataPrep.getMappingSets sends limit without start and reads the first page.
	if sets := e.must(200, req{method: "GET", path: prepBase + "/mappingSets?limit=50"}); str(sets.obj, "data", 0, "id") != ms {
		t.Errorf("mapping sets without start = %s, want the first page with %s", sets.raw, ms)
	}
	flow := str(e.must(201, req{method: "POST", path: flowBase + "/flows", body: map[string]any{
		"name": "Streaming Dataflow for Customer.io", "description": "x",
		"flowSpec":            map[string]any{"id": streamingFlowID, "version": "1.0"},
		"sourceConnectionIds": []string{src}, "targetConnectionIds": []string{tgt},
		"transformations": []any{map[string]any{"name": "Mapping", "params": map[string]any{"mappingId": ms, "mappingVersion": 0}}},
	}}).obj, "id")
	e.must(200, req{method: "GET", path: flowBase + "/flows/" + flow})
	list := e.must(200, req{method: "GET", path: flowBase + "/flows?limit=100&count=False"})
	if items, _ := list.obj["items"].([]any); len(items) != 1 {
		t.Errorf("flows list = %s, want the one flow", list.raw)
	}
	e.must(200, req{method: "GET", path: flowBase + "/sourceConnections"})
	e.must(200, req{method: "GET", path: flowBase + "/targetConnections"})
	e.must(200, req{method: "GET", path: flowBase + "/runs?" + url.Values{"limit": {"10"}, "count": {"False"}, "property": {"flowId==" + flow}}.Encode()})
	specs := e.must(200, req{method: "GET", path: flowBase + "/flowSpecs"})
	if str(specs.obj, "items", 0, "id") != streamingFlowID {
		t.Errorf("flowSpecs = %s, want the streaming flow spec", specs.raw)
	}
	e.must(200, req{method: "GET", path: flowBase + "/connectionSpecs"})
	e.must(200, req{method: "GET", path: flowBase + "/flowSpecs/" + streamingFlowID})
	e.must(200, req{method: "GET", path: flowBase + "/sourceConnections/" + src})
	e.must(200, req{method: "GET", path: flowBase + "/targetConnections/" + tgt})

	// Descriptors can be deleted by id, as the schema module's deleteDescriptor does.
	e.must(http.StatusNoContent, req{method: "DELETE", path: schemaBase + "/tenant/descriptors/" + str(desc.obj, "@id")})
	e.must(http.StatusNotFound, req{method: "GET", path: schemaBase + "/tenant/descriptors/" + str(desc.obj, "@id")})
}
