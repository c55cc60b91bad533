package local

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// TestDataflowEndToEnd walks the wizard's whole path over HTTP and checks the answers Adobe's quirks
// make clients depend on.
func TestDataflowEndToEnd(t *testing.T) {
	e := newEnv(t, Config{})

	sbs := e.must(http.StatusOK, req{method: "GET", path: sandboxBase + "/", headers: map[string]string{"x-sandbox-name": "-"}})
	if got := len(sbs.obj["sandboxes"].([]any)); got != 2 || str(sbs.obj, "sandboxes", 0, "name") != "prod" || sbs.obj["sandboxes"].([]any)[0].(map[string]any)["isDefault"] != true {
		t.Fatalf("sandboxes: %s", sbs.raw)
	}
	page := e.must(http.StatusOK, req{method: "GET", path: sandboxBase + "/?limit=1", headers: map[string]string{"x-sandbox-name": "-"}})
	if next := str(page.obj, "_links", "next", "href"); !strings.Contains(next, "offset=1") {
		t.Errorf("sandbox paging: next %q", next)
	}

	d := localtest.NewDataflow(t, e.base, "prod")
	if d.Tenant != e.p.TenantID() || !strings.HasPrefix(d.Schema, "https://ns.adobe.com/"+d.Tenant+"/schemas/") {
		t.Fatalf("tenant %q schema %q", d.Tenant, d.Schema)
	}

	t.Run("schema registry", func(t *testing.T) {
		e := e.with(t)
		list := e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/schemas?orderby=title", headers: map[string]string{"Accept": "application/vnd.adobe.xed-id+json"}})
		titles := []string{}
		for _, r := range list.obj["results"].([]any) {
			titles = append(titles, str(r, "title"))
		}
		if len(titles) != 4 || titles[0] != "Customer.io events" || list.obj["_page"].(map[string]any)["next"] != nil {
			t.Errorf("schemas: %v, page %v", titles, list.obj["_page"])
		}
		// Cursor paging: start is the last title of the previous page.
		var seen []string
		start := ""
		for i := 0; i < 10; i++ {
			path := schemaBase + "/tenant/schemas?orderby=title&limit=1"
			if start != "" {
				path += "&start=" + url.QueryEscape(start)
			}
			pg := e.must(http.StatusOK, req{method: "GET", path: path, headers: map[string]string{"Accept": "application/vnd.adobe.xed-id+json"}})
			for _, r := range pg.obj["results"].([]any) {
				seen = append(seen, str(r, "title"))
			}
			next, _ := pg.obj["_page"].(map[string]any)["next"].(string)
			if next == "" {
				break
			}
			start = next
		}
		if strings.Join(seen, "|") != strings.Join(titles, "|") {
			t.Errorf("paged titles %v, want %v", seen, titles)
		}
		full := e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/schemas/" + pathEscape(d.Schema), headers: map[string]string{"Accept": "application/vnd.adobe.xed-full+json; version=1"}})
		cio := full.obj["properties"].(map[string]any)["_"+d.Tenant].(map[string]any)["properties"].(map[string]any)["customerio"]
		if cio == nil || str(full.obj, "meta:altId") != "_"+d.Tenant+".schemas."+d.Schema[strings.LastIndex(d.Schema, "/")+1:] {
			t.Errorf("xed-full lookup lacks the tenant fields or altId: %s", full.raw)
		}
		byAlt := e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/schemas/" + str(full.obj, "meta:altId"), headers: map[string]string{"Accept": "application/vnd.adobe.xed+json; version=1"}})
		if str(byAlt.obj, "$id") != d.Schema || byAlt.obj["allOf"] == nil {
			t.Errorf("xed lookup by altId: %s", byAlt.raw)
		}
		e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/fieldgroups/" + pathEscape(d.FieldGroup), headers: map[string]string{"Accept": "application/vnd.adobe.xed+json; version=1"}})
		e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/fieldgroups?orderby=title", headers: map[string]string{"Accept": "application/vnd.adobe.xed-id+json"}})

		desc := e.must(http.StatusCreated, req{method: "POST", path: schemaBase + "/tenant/descriptors", body: map[string]any{
			"@type": "xdm:descriptorIdentity", "xdm:sourceSchema": d.Schema, "xdm:sourceVersion": 1,
			"xdm:sourceProperty": "/_" + d.Tenant + "/customerio/email", "xdm:namespace": "Email", "xdm:property": "xdm:code", "xdm:isPrimary": true,
		}})
		if str(desc.obj, "@id") == "" {
			t.Errorf("descriptor: %s", desc.raw)
		}
		ids := e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/descriptors?property=xdm:sourceSchema==" + d.Schema, headers: map[string]string{"Accept": "application/vnd.adobe.xdm+json"}})
		if str(ids.obj, "xdm:descriptorIdentity", 0, "@id") != str(desc.obj, "@id") {
			t.Errorf("descriptor list: %s", ids.raw)
		}
		patched := e.must(http.StatusOK, req{method: "PATCH", path: schemaBase + "/tenant/schemas/" + pathEscape(d.Schema),
			body: []map[string]any{{"op": "add", "path": "/meta:immutableTags", "value": []string{"union"}}}})
		if str(patched.obj, "meta:immutableTags", 0) != "union" || str(patched.obj, "version") != "1.1" {
			t.Errorf("profile patch: %s", patched.raw)
		}
		// A resource in use cannot be deleted; an unused one can.
		e.must(http.StatusBadRequest, req{method: "DELETE", path: schemaBase + "/tenant/schemas/" + pathEscape(d.Schema)})
		e.must(http.StatusBadRequest, req{method: "DELETE", path: schemaBase + "/tenant/fieldgroups/" + pathEscape(d.FieldGroup)})
		spare := e.must(http.StatusCreated, req{method: "POST", path: schemaBase + "/tenant/schemas", body: map[string]any{
			"type": "object", "title": "Spare", "description": "", "allOf": []any{map[string]any{"$ref": experienceEventClass}}}})
		e.must(http.StatusNoContent, req{method: "DELETE", path: schemaBase + "/tenant/schemas/" + pathEscape(str(spare.obj, "$id"))})
		stats := e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/stats"})
		if n := stats.obj["counts"].(map[string]any)["schemas"]; n != float64(4) {
			t.Errorf("stats counts schemas = %v", n)
		}
	})

	t.Run("catalog", func(t *testing.T) {
		e := e.with(t)
		list := e.must(http.StatusOK, req{method: "GET", path: catalogBase + "/dataSets?properties=name,schemaRef&limit=100&start=0"})
		ds, ok := list.obj[d.Dataset].(map[string]any)
		if !ok || len(list.obj) != 4 || ds["name"] != "Customer.io events" || str(ds, "schemaRef", "id") != d.Schema || ds["created"] != nil {
			t.Errorf("dataset list keyed by id with only the asked properties: %s", list.raw)
		}
		p2 := e.must(http.StatusOK, req{method: "GET", path: catalogBase + "/dataSets?limit=3&start=3"})
		if len(p2.obj) != 1 {
			t.Errorf("offset page: %d entries", len(p2.obj))
		}
		spare := e.must(http.StatusCreated, req{method: "POST", path: catalogBase + "/dataSets", body: map[string]any{
			"name": "spare", "schemaRef": map[string]any{"id": d.Schema, "contentType": "application/vnd.adobe.xed+json;version=1"}}})
		spareID := strings.TrimPrefix(str(spare.arr, 0), "@/dataSets/")
		e.must(http.StatusOK, req{method: "DELETE", path: catalogBase + "/dataSets/" + spareID})
		e.must(http.StatusNotFound, req{method: "GET", path: catalogBase + "/dataSets/" + spareID})
		one := e.must(http.StatusOK, req{method: "GET", path: catalogBase + "/dataSets/" + d.Dataset})
		if one.obj[d.Dataset] == nil {
			t.Errorf("dataset lookup: %s", one.raw)
		}
	})

	t.Run("flow service", func(t *testing.T) {
		e := e.with(t)
		spec := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/connectionSpecs/" + customerIOSpecID})
		if str(spec.obj, "items", 0, "id") != customerIOSpecID {
			t.Errorf("connection spec: %s", spec.raw)
		}
		e.must(http.StatusOK, req{method: "GET", path: flowBase + "/connectionSpecs/" + dataLakeSpecID})
		srcs := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/sourceConnections?property=connectionSpec.id==" + customerIOSpecID})
		if str(srcs.obj, "items", 0, "id") != d.Source {
			t.Errorf("source filter: %s", srcs.raw)
		}
		e.must(http.StatusOK, req{method: "GET", path: flowBase + "/sourceConnections/" + d.Source})
		e.must(http.StatusOK, req{method: "GET", path: flowBase + "/targetConnections/" + d.Target})
		e.must(http.StatusOK, req{method: "GET", path: flowBase + "/targetConnections?property=params.dataSetId==" + d.Dataset})

		// A second flow, then the comma-OR filter and continuationToken paging over both.
		src2 := e.must(http.StatusCreated, req{method: "POST", path: flowBase + "/sourceConnections", body: map[string]any{
			"name": "second", "connectionSpec": map[string]any{"id": customerIOSpecID, "version": "1.0"}, "data": map[string]any{"format": "json"}}})
		tgt2 := e.must(http.StatusCreated, req{method: "POST", path: flowBase + "/targetConnections", body: localtest.TargetBody(d.Schema, d.Dataset)})
		f2 := e.must(http.StatusCreated, req{method: "POST", path: flowBase + "/flows", body: localtest.FlowBody(str(src2.obj, "id"), str(tgt2.obj, "id"), d.Mapping, 0)})
		if !strings.HasPrefix(str(f2.obj, "etag"), `"`) || f2.header.Get("Location") == "" {
			t.Errorf("flow create: etag with quotes and a Location: %s %v", f2.raw, f2.header)
		}
		both := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/flows?property=sourceConnectionIds[]==" + d.Source + "," + str(src2.obj, "id")})
		if n := len(both.obj["items"].([]any)); n != 2 {
			t.Errorf("comma OR filter matched %d flows", n)
		}
		first := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/flows?limit=1&orderby=createdAt"})
		next := str(first.obj, "_links", "next", "href")
		if str(first.obj, "items", 0, "id") != d.Flow || !strings.Contains(next, "continuationToken=") {
			t.Fatalf("first page: %s", first.raw)
		}
		second := e.must(http.StatusOK, req{method: "GET", path: next})
		if str(second.obj, "items", 0, "id") != str(f2.obj, "id") || str(second.obj, "_links", "next", "href") != "" {
			t.Errorf("second page: %s", second.raw)
		}
		count := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/flows?count=true"})
		if count.obj["count"] != float64(2) {
			t.Errorf("count: %s", count.raw)
		}

		// PATCH with the etag (quotes included), then a stale etag is 412.
		ms2 := e.must(http.StatusOK, req{method: "PUT", path: prepBase + "/mappingSets/" + d.Mapping, body: localtest.MappingBody(d.Schema, localtest.Mapping(d.Tenant))})
		if ms2.obj["version"] != float64(1) {
			t.Fatalf("PUT mapping set: %s", ms2.raw)
		}
		patch := []map[string]any{{"op": "replace", "path": "/transformations/0", "value": map[string]any{"name": "Mapping", "params": map[string]any{"mappingId": d.Mapping, "mappingVersion": 1}}},
			{"op": "replace", "path": "/name", "value": "renamed"}}
		pr := e.must(http.StatusOK, req{method: "PATCH", path: flowBase + "/flows/" + d.Flow, body: patch, headers: map[string]string{"If-Match": d.ETag}})
		if str(pr.obj, "etag") == d.ETag {
			t.Error("PATCH kept the etag")
		}
		stale := e.must(http.StatusPreconditionFailed, req{method: "PATCH", path: flowBase + "/flows/" + d.Flow, body: patch, headers: map[string]string{"If-Match": d.ETag}})
		if !strings.HasSuffix(str(stale.obj, "type"), "FLOW-1404-412") {
			t.Errorf("stale etag: %s", stale.raw)
		}
		got := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/flows/" + d.Flow})
		if str(got.obj, "items", 0, "name") != "renamed" || got.obj["items"].([]any)[0].(map[string]any)["transformations"].([]any)[0].(map[string]any)["params"].(map[string]any)["mappingVersion"] != float64(1) {
			t.Errorf("patched flow: %s", got.raw)
		}
		act := e.must(http.StatusOK, req{method: "POST", path: flowBase + "/flows/" + d.Flow + "/action?op=DISABLE"})
		got = e.must(http.StatusOK, req{method: "GET", path: flowBase + "/flows/" + d.Flow})
		if str(got.obj, "items", 0, "state") != "disabled" || str(got.obj, "items", 0, "etag") != str(act.obj, "etag") {
			t.Errorf("disable: %s", got.raw)
		}
		e.must(http.StatusOK, req{method: "POST", path: flowBase + "/flows/" + d.Flow + "/action?op=ENABLE"})

		// Deleting: the connection is in use until its flow is gone.
		e.must(http.StatusBadRequest, req{method: "DELETE", path: flowBase + "/sourceConnections/" + str(src2.obj, "id")})
		e.must(http.StatusNoContent, req{method: "DELETE", path: flowBase + "/flows/" + str(f2.obj, "id")})
		e.must(http.StatusNotFound, req{method: "GET", path: flowBase + "/flows/" + str(f2.obj, "id")})
		e.must(http.StatusNoContent, req{method: "DELETE", path: flowBase + "/sourceConnections/" + str(src2.obj, "id")})
		e.must(http.StatusNoContent, req{method: "DELETE", path: flowBase + "/targetConnections/" + str(tgt2.obj, "id")})
	})

	t.Run("data prep", func(t *testing.T) {
		e := e.with(t)
		ms := e.must(http.StatusOK, req{method: "GET", path: prepBase + "/mappingSets/" + d.Mapping + "?version=0"})
		if ms.obj["version"] != float64(0) || len(ms.obj["mappings"].([]any)) != len(localtest.Mapping(d.Tenant)) {
			t.Errorf("mapping set v0: %s", ms.raw)
		}
		val := e.must(http.StatusOK, req{method: "POST", path: prepBase + "/mappingSets/validate", body: localtest.MappingBody(d.Schema, localtest.Mapping(d.Tenant))})
		for _, r := range val.obj["validationResponse"].([]any) {
			if str(r, "status") != "SUCCESS" {
				t.Errorf("validate: %s", val.raw)
			}
		}
		sample := map[string]any{"event_id": "01E4C4CT6YDC7Y5M7FE1GWWPQJ", "object_type": "email", "metric": "sent", "timestamp": 1613063089,
			"data": map[string]any{"identifiers": map[string]any{"email": "a@example.com"}}}
		pv := e.must(http.StatusOK, req{method: "POST", path: prepBase + "/mappingSets/preview", body: map[string]any{"data": []any{sample}, "mappingSet": localtest.MappingBody(d.Schema, localtest.Mapping(d.Tenant))}})
		if str(pv.arr, 0, "data", "_id") != "01E4C4CT6YDC7Y5M7FE1GWWPQJ" || str(pv.arr, 0, "data", "timestamp") != "2021-02-11T17:04:49.000Z" {
			t.Errorf("preview: %s", pv.raw)
		}
		named := localtest.MappingBody(d.Schema, localtest.Mapping(d.Tenant))
		named["name"] = "Customer.io mapping (cioaep e2e)"
		created := e.must(http.StatusOK, req{method: "POST", path: prepBase + "/mappingSets", body: named})
		list := e.must(http.StatusOK, req{method: "GET", path: prepBase + "/mappingSets?limit=10&start=0&name=" + url.QueryEscape("Customer.io mapping (cioaep e2e)")})
		if data, _ := list.obj["data"].([]any); len(data) != 1 || str(data, 0, "id") != str(created.obj, "id") || str(data, 0, "name") != "Customer.io mapping (cioaep e2e)" {
			t.Errorf("mapping sets by name: %s", list.raw)
		}
	})

	t.Run("inlet and runs", func(t *testing.T) {
		e := e.with(t)
		ev := `{"event_id":"01HXYZ","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"a@example.com","id":"42"}}}`
		ok := postInlet(t, d.WebhookURL(), ev, nil)
		if ok.status != http.StatusOK || str(ok.obj, "xactionId") == "" || ok.obj["syncValidation"].(map[string]any)["skipped"] != true {
			t.Fatalf("inlet async: %d %s", ok.status, ok.raw)
		}
		sync := postInlet(t, d.WebhookURL()+"&syncValidation=true", ev, nil)
		if sync.status != http.StatusOK || str(sync.obj, "syncValidation", "status") != "pass" {
			t.Errorf("inlet sync: %d %s", sync.status, sync.raw)
		}
		bad := postInlet(t, d.WebhookURL()+"&syncValidation=true", `{"event_id":"x","object_type":"email","metric":"sent"}`, nil)
		if bad.status != http.StatusBadRequest || str(bad.obj, "title") != "Invalid XDM Message Format" || bad.obj["report"].(map[string]any)["cause"].(map[string]any)["_streamingValidation"] == nil {
			t.Errorf("inlet sync failure: %d %s", bad.status, bad.raw)
		}
		byHeader := postInlet(t, d.Inlet, ev, map[string]string{"x-adobe-flow-id": d.Flow})
		if byHeader.status != http.StatusOK {
			t.Errorf("flow id as header: %d %s", byHeader.status, byHeader.raw)
		}
		evs, err := e.p.Events(t.Context(), EventFilter{DatasetID: d.Dataset})
		if err != nil || len(evs) != 3 {
			t.Fatalf("events: %v %d", err, len(evs))
		}
		var rec map[string]any
		_ = json.Unmarshal(evs[0].Record, &rec)
		if rec["_id"] != "01HXYZ" || str(rec, "_"+d.Tenant, "customerio", "email") != "a@example.com" {
			t.Errorf("stored record: %s", evs[0].Record)
		}
		runs := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/runs?property=flowId==" + d.Flow})
		rs := runs.obj["items"].([]any)[0].(map[string]any)["metrics"].(map[string]any)["recordSummary"].(map[string]any)
		if rs["inputRecordCount"] != float64(3) || rs["outputRecordCount"] != float64(3) || rs["failedRecordCount"] != float64(0) {
			t.Errorf("runs: %s", runs.raw)
		}
	})

	t.Run("sandboxes are isolated", func(t *testing.T) {
		e := e.with(t)
		e.must(http.StatusNotFound, req{method: "GET", path: flowBase + "/flows/" + d.Flow, sandbox: "dev"})
		e.must(http.StatusNotFound, req{method: "GET", path: catalogBase + "/dataSets/" + d.Dataset, sandbox: "dev"})
		e.must(http.StatusNotFound, req{method: "GET", path: schemaBase + "/tenant/schemas/" + pathEscape(d.Schema), sandbox: "dev", headers: map[string]string{"Accept": "application/vnd.adobe.xed+json; version=1"}})
		list := e.must(http.StatusOK, req{method: "GET", path: flowBase + "/flows", sandbox: "dev"})
		if len(list.obj["items"].([]any)) != 0 {
			t.Errorf("dev sees prod flows: %s", list.raw)
		}
		// A source connection from prod cannot be used in dev.
		e.must(http.StatusBadRequest, req{method: "POST", path: flowBase + "/flows", sandbox: "dev", body: localtest.FlowBody(d.Source, d.Target, d.Mapping, 0)})
	})

	covered := map[string]bool{}
	for _, op := range e.specs.Covered() {
		covered[op] = true
	}
	for _, op := range specOperations {
		if !covered[op] {
			t.Errorf("no exchange checked against Adobe's spec for %s", op)
		}
	}
}

// specOperations are the operations of Adobe's files the local platform serves; the end-to-end test
// must exercise every one through the validating wrapper.
var specOperations = []string{
	"GET /data/foundation/sandbox-management/",
	"GET /data/foundation/schemaregistry/stats",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/schemas",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/schemas/{SCHEMA_ID}",
	"POST /data/foundation/schemaregistry/tenant/schemas",
	"PATCH /data/foundation/schemaregistry/tenant/schemas/{SCHEMA_ID}",
	"DELETE /data/foundation/schemaregistry/tenant/schemas/{SCHEMA_ID}",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/fieldgroups",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/fieldgroups/{FIELD_GROUP_ID}",
	"POST /data/foundation/schemaregistry/tenant/fieldgroups",
	"DELETE /data/foundation/schemaregistry/tenant/fieldgroups/{FIELD_GROUP_ID}",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/descriptors",
	"POST /data/foundation/schemaregistry/tenant/descriptors",
	"GET /data/foundation/catalog/dataSets",
	"POST /data/foundation/catalog/dataSets",
	"GET /data/foundation/catalog/dataSets/{DATASET_ID}",
	"DELETE /data/foundation/catalog/dataSets/{DATASET_ID}",
	"GET /data/foundation/flowservice/connectionSpecs/{CONNECTION_SPEC_ID}",
	"GET /data/foundation/flowservice/sourceConnections",
	"POST /data/foundation/flowservice/sourceConnections",
	"GET /data/foundation/flowservice/sourceConnections/{SOURCE_CONNECTION_ID}",
	"DELETE /data/foundation/flowservice/sourceConnections/{SOURCE_CONNECTION_ID}",
	"GET /data/foundation/flowservice/targetConnections",
	"POST /data/foundation/flowservice/targetConnections",
	"GET /data/foundation/flowservice/targetConnections/{TARGET_CONNECTION_ID}",
	"DELETE /data/foundation/flowservice/targetConnections/{TARGET_CONNECTION_ID}",
	"GET /data/foundation/flowservice/flows",
	"POST /data/foundation/flowservice/flows",
	"GET /data/foundation/flowservice/flows/{FLOW_ID}",
	"PATCH /data/foundation/flowservice/flows/{FLOW_ID}",
	"DELETE /data/foundation/flowservice/flows/{FLOW_ID}",
	"POST /data/foundation/flowservice/flows/{FLOW_ID}/action",
	"GET /data/foundation/flowservice/runs",
	"GET /data/foundation/conversion/mappingSets",
	"POST /data/foundation/conversion/mappingSets",
	"GET /data/foundation/conversion/mappingSets/{MAPPING_SET_ID}",
	"PUT /data/foundation/conversion/mappingSets/{MAPPING_SET_ID}",
	"POST /data/foundation/conversion/mappingSets/validate",
	"POST /data/foundation/conversion/mappingSets/preview",
	"POST /collection/{CONNECTION_ID}",
}

// postInlet sends one raw event the way Customer.io does: no Platform headers.
func postInlet(t *testing.T, url, body string, headers map[string]string) resp {
	t.Helper()
	r, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out resp
	out.status, out.header = res.StatusCode, res.Header
	out.raw, _ = io.ReadAll(res.Body)
	_ = json.Unmarshal(out.raw, &out.obj)
	return out
}
