package openapitest

import (
	"strings"
	"testing"
)

const (
	schemaID  = "https://ns.adobe.com/acme/schemas/0123456789abcdef"
	flowID    = "d8a68c4c-8c0a-4b9e-a68c-4c8c0a9b9e11"
	xedFull   = "application/vnd.adobe.xed-full+json; version=1"
	cioSpecID = "96479064-7b8a-4d69-b9ed-21c5683837ea"
)

// platformExchanges are the calls cioaep makes, with Adobe's answers as platform.md records them. They
// pass against the files (after the documented allowances), which is what lets the local platform and
// the aep client be checked against the files at all.
var platformExchanges = []canned{
	{name: "sandboxes", method: "GET", url: "/data/foundation/sandbox-management/?limit=50&offset=0",
		header: map[string]string{"x-sandbox-name": "", "Accept": "application/json"}, status: 200, respType: "application/json",
		respBody: `{"sandboxes":[{"name":"prod","title":"Production","state":"active","type":"production","region":"VA7","isDefault":true,"eTag":1,"createdDate":"2020-01-01T00:00:00Z","lastModifiedDate":"2020-01-01T00:00:00Z","createdBy":"x","lastModifiedBy":"x"}],"_page":{"limit":50,"count":1},"_links":{"page":{"href":"x","templated":true}}}`},
	{name: "stats", method: "GET", url: "/data/foundation/schemaregistry/stats", status: 200, respType: "application/json",
		respBody: `{"imsOrg":"0123456789ABCDEF01234567@AdobeOrg","tenantId":"acme","counts":{"schemas":1,"mixins":1,"datatypes":0,"classes":0,"unions":0},"recentlyCreatedResources":[],"recentlyUpdatedResources":[],"classUsage":[]}`},
	{name: "list schemas", method: "GET", url: "/data/foundation/schemaregistry/tenant/schemas?orderby=title&limit=300",
		header: map[string]string{"Accept": "application/vnd.adobe.xed-id+json"}, status: 200, respType: "application/vnd.adobe.xed-id+json",
		respBody: `{"results":[{"$id":"` + schemaID + `","meta:altId":"_acme.schemas.0123456789abcdef","version":"1.0","title":"Customer.io events"}],"_page":{"orderby":"title","next":null,"count":1},"_links":{}}`},
	{name: "schema full", method: "GET", url: "/data/foundation/schemaregistry/tenant/schemas/https%3A%2F%2Fns.adobe.com%2Facme%2Fschemas%2F0123456789abcdef",
		header: map[string]string{"Accept": xedFull}, status: 200, respType: xedFull,
		respBody: `{"$id":"` + schemaID + `","meta:altId":"_acme.schemas.0123456789abcdef","meta:resourceType":"schemas","version":"1.0","title":"Customer.io events","type":"object","description":"","properties":{"_id":{"type":"string"}},"meta:class":"https://ns.adobe.com/xdm/context/experienceevent"}`},
	{name: "create field group", method: "POST", url: "/data/foundation/schemaregistry/tenant/fieldgroups",
		body:   `{"type":"object","title":"Customer.io","description":"d","meta:intendedToExtend":["https://ns.adobe.com/xdm/context/experienceevent"],"definitions":{"customerio":{"properties":{"_acme":{"type":"object","properties":{"customerio":{"type":"object","properties":{"email":{"type":"string"}}}}}}}},"allOf":[{"$ref":"#/definitions/customerio"}]}`,
		status: 201, respType: "application/json",
		respBody: `{"$id":"https://ns.adobe.com/acme/mixins/abc","meta:altId":"_acme.mixins.abc","meta:resourceType":"mixins","version":"1.0","title":"Customer.io","type":"object"}`},
	{name: "create schema", method: "POST", url: "/data/foundation/schemaregistry/tenant/schemas",
		body:   `{"type":"object","title":"Customer.io events","description":"d","allOf":[{"$ref":"https://ns.adobe.com/xdm/context/experienceevent"},{"$ref":"https://ns.adobe.com/acme/mixins/abc"}]}`,
		status: 201, respType: "application/json",
		respBody: `{"$id":"` + schemaID + `","meta:altId":"_acme.schemas.0123456789abcdef","meta:resourceType":"schemas","version":"1.0","title":"Customer.io events","type":"object"}`},
	{name: "create descriptor", method: "POST", url: "/data/foundation/schemaregistry/tenant/descriptors",
		body:   `{"@type":"xdm:descriptorIdentity","xdm:sourceSchema":"` + schemaID + `","xdm:sourceVersion":1,"xdm:sourceProperty":"/_acme/customerio/email","xdm:namespace":"Email","xdm:property":"xdm:code","xdm:isPrimary":true}`,
		status: 201, respType: "application/json",
		respBody: `{"@id":"d1","@type":"xdm:descriptorIdentity","xdm:sourceSchema":"` + schemaID + `","xdm:sourceVersion":1,"xdm:sourceProperty":"/_acme/customerio/email","xdm:namespace":"Email","xdm:property":"xdm:code","xdm:isPrimary":true}`},
	{name: "enable profile", method: "PATCH", url: "/data/foundation/schemaregistry/tenant/schemas/_acme.schemas.0123456789abcdef",
		header: map[string]string{"Content-Type": "application/json"},
		body:   `[{"op":"add","path":"/meta:immutableTags","value":["union"]}]`, status: 200, respType: "application/json",
		respBody: `{"$id":"` + schemaID + `","meta:altId":"_acme.schemas.0123456789abcdef","title":"Customer.io events","type":"object","meta:immutableTags":["union"]}`},
	{name: "list datasets", method: "GET", url: "/data/foundation/catalog/dataSets?properties=name,schemaRef&limit=100&start=0",
		status: 200, respType: "application/json",
		respBody: `{"5c8c3c555033b814b69f947f":{"name":"Customer.io events","schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed+json;version=1"}}}`},
	createDataset,
	{name: "get dataset", method: "GET", url: "/data/foundation/catalog/dataSets/5c8c3c555033b814b69f947f",
		status: 200, respType: "application/json",
		respBody: `{"5c8c3c555033b814b69f947f":{"name":"Customer.io events","schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed+json;version=1"}}}`},
	{name: "connection spec", method: "GET", url: "/data/foundation/flowservice/connectionSpecs/" + cioSpecID,
		status: 200, respType: "application/json",
		respBody: `{"items":[{"id":"` + cioSpecID + `","name":"Customer.io","providerId":"521eee4d-8cbe-4906-bb48-fb6bd4450033","version":"1.0"}]}`},
	{name: "create source connection", method: "POST", url: "/data/foundation/flowservice/sourceConnections",
		body:   `{"name":"cio","description":"d","providerId":"521eee4d-8cbe-4906-bb48-fb6bd4450033","connectionSpec":{"id":"` + cioSpecID + `","version":"1.0"},"data":{"format":"json"}}`,
		status: 201, respType: "application/json", respBody: `{"id":"sc1","etag":"\"0a00\""}`},
	{name: "list source connections", method: "GET", url: "/data/foundation/flowservice/sourceConnections?property=connectionSpec.id%3D%3D" + cioSpecID,
		status: 200, respType: "application/json", respBody: `{"items":[{"id":"sc1","name":"cio","connectionSpec":{"id":"` + cioSpecID + `","version":"1.0"},"etag":"\"0a00\""}]}`},
	{name: "create target connection", method: "POST", url: "/data/foundation/flowservice/targetConnections",
		body:   `{"name":"cio target","description":"d","connectionSpec":{"id":"c604ff05-7f1a-43c0-8e18-33bf874cb11c","version":"1.0"},"data":{"format":"json","schema":{"id":"` + schemaID + `","version":"application/vnd.adobe.xed-full+json;version=1"}},"params":{"dataSetId":"5c8c3c555033b814b69f947f"}}`,
		status: 201, respType: "application/json", respBody: `{"id":"tc1","etag":"\"0b00\""}`},
	{name: "create flow", method: "POST", url: "/data/foundation/flowservice/flows",
		body:   `{"name":"cio flow","description":"d","flowSpec":{"id":"e77fde5a-22a8-11ed-861d-0242ac120002","version":"1.0"},"sourceConnectionIds":["sc1"],"targetConnectionIds":["tc1"],"transformations":[{"name":"Mapping","params":{"mappingId":"m1","mappingVersion":0}}]}`,
		status: 201, respType: "application/json", respBody: `{"id":"` + flowID + `","etag":"\"0c00\""}`},
	{name: "get flow", method: "GET", url: "/data/foundation/flowservice/flows/" + flowID,
		status: 200, respType: "application/json",
		respBody: `{"items":[{"id":"` + flowID + `","name":"cio flow","flowSpec":{"id":"e77fde5a-22a8-11ed-861d-0242ac120002","version":"1.0"},"sourceConnectionIds":["sc1"],"targetConnectionIds":["tc1"],"transformations":[{"name":"Mapping","params":{"mappingId":"m1","mappingVersion":0}}],"options":{"inletUrl":"https://dcs.adobedc.net/collection/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},"etag":"\"0c00\"","state":"enabled","inheritedAttributes":{}}]}`},
	{name: "list flows", method: "GET", url: "/data/foundation/flowservice/flows?property=sourceConnectionIds%5B%5D%3D%3Dsc1&limit=10",
		status: 200, respType: "application/json", respBody: `{"items":[{"id":"` + flowID + `","name":"cio flow","etag":"\"0c00\""}],"_links":{}}`},
	{name: "patch flow", method: "PATCH", url: "/data/foundation/flowservice/flows/" + flowID,
		header: map[string]string{"If-Match": `"0c00"`, "Content-Type": "application/json"},
		body:   `[{"op":"replace","path":"/transformations/0","value":{"name":"Mapping","params":{"mappingId":"m1","mappingVersion":1}}}]`,
		status: 200, respType: "application/json", respBody: `{"id":"` + flowID + `","etag":"\"0d00\""}`},
	{name: "enable flow", method: "POST", url: "/data/foundation/flowservice/flows/" + flowID + "/action?op=ENABLE",
		status: 200, respType: "application/json", respBody: `{"id":"` + flowID + `","etag":"\"0e00\""}`},
	{name: "delete flow", method: "DELETE", url: "/data/foundation/flowservice/flows/" + flowID, status: 204},
	{name: "runs", method: "GET", url: "/data/foundation/flowservice/runs?property=flowId%3D%3D" + flowID,
		status: 200, respType: "application/json",
		respBody: `{"items":[{"id":"r1","flowId":"` + flowID + `","metrics":{"recordSummary":{"inputRecordCount":2,"outputRecordCount":1,"failedRecordCount":1},"statusSummary":{"status":"success","errors":[]}}}]}`},
	{name: "create mapping set", method: "POST", url: "/data/foundation/conversion/mappingSets",
		body:   `{"outputSchema":{"schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed-full+json;version=1"}},"mappings":[{"sourceType":"ATTRIBUTE","source":"data.identifiers.email","destination":"_acme.customerio.email"}]}`,
		status: 200, respType: "application/json", respBody: `{"id":"e7c80e4c0d8f4a98a7d400b4e178b635","version":0,"createdDate":1614901254724,"modifiedDate":1614901254724,"createdBy":"x","modifiedBy":"x"}`},
	{name: "validate mapping set", method: "POST", url: "/data/foundation/conversion/mappingSets/validate",
		body:   `{"outputSchema":{"schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed-full+json;version=1"}},"mappings":[{"sourceType":"EXPRESSION","source":"bogus(1)","destination":"_acme.customerio.email"}]}`,
		status: 200, respType: "application/json", respBody: `{"validationResponse":[{"status":"FAILED","errors":[{"source":"bogus(1)","destination":"_acme.customerio.email","sourceType":"EXPRESSION","exception":"unsupported function bogus"}]}]}`},
	{name: "preview mapping set", method: "POST", url: "/data/foundation/conversion/mappingSets/preview",
		body:   `{"data":[{"metric":"sent"}],"mappingSet":{"outputSchema":{"schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed-full+json;version=1"}},"mappings":[{"sourceType":"ATTRIBUTE","source":"metric","destination":"_acme.customerio.metric"}]}}`,
		status: 200, respType: "application/json", respBody: `[{"data":{"_acme":{"customerio":{"metric":"sent"}}},"errors":null}]`},
	{name: "put mapping set", method: "PUT", url: "/data/foundation/conversion/mappingSets/e7c80e4c0d8f4a98a7d400b4e178b635",
		body:   `{"outputSchema":{"schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed-full+json;version=1"}},"mappings":[{"sourceType":"STATIC","source":"x","destination":"_acme.customerio.metric"}]}`,
		status: 200, respType: "application/json", respBody: `{"id":"e7c80e4c0d8f4a98a7d400b4e178b635","version":1,"createdDate":1614901254724,"modifiedDate":1614901254725}`},
	{name: "inlet", method: "POST", url: "/collection/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef?x-adobe-flow-id=" + flowID,
		header: map[string]string{"Authorization": "", "x-api-key": "", "x-gw-ims-org-id": "", "x-sandbox-name": ""},
		body:   `{"event_id":"e1","metric":"sent","timestamp":1613063089}`,
		status: 200, respType: "application/json", respBody: `{"inletId":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","xactionId":"1584479347507:2153:240","receivedTimeMs":1584479347507,"syncValidation":{"skipped":true}}`},
}

func TestPlatformExchangesMatchSpecs(t *testing.T) {
	t.Parallel()
	s := Load(t)
	for _, c := range platformExchanges {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			if got := viaTransport(t, s, c); got != "" {
				t.Errorf("client side:\n%s", got)
			}
			if got := viaHandler(t, s, c); got != "" {
				t.Errorf("server side:\n%s", got)
			}
		})
	}
	if got, want := len(s.Covered()), len(platformExchanges); got != want {
		t.Errorf("covered %d operations, want %d: %q", got, want, s.Covered())
	}
}

// Every allowance names an operation the files describe and says why; a typo would silently excuse nothing.
func TestAllowancesAreReal(t *testing.T) {
	t.Parallel()
	s := Load(t)
	ops := map[string]bool{}
	for _, sp := range s.specs.specs {
		for p, item := range sp.doc.Paths.Map() {
			for m := range item.Operations() {
				ops[m+" "+p] = true
			}
		}
	}
	for _, a := range allowances {
		if !ops[a.op] {
			t.Errorf("allowance for unknown operation %q", a.op)
		}
		if a.reason == "" || a.contains == "" || (a.part != "request" && a.part != "response" && a.part != "status") {
			t.Errorf("incomplete allowance %+v", a)
		}
	}
	for op, why := range arrayResponses {
		if !ops[op] || why == "" {
			t.Errorf("array response entry %q", op)
		}
	}
}

// An allowance excuses one complaint, not the operation: other mistakes in the same exchange still fail.
func TestAllowanceIsNarrow(t *testing.T) {
	t.Parallel()
	s := Load(t)
	var flow canned
	for _, c := range platformExchanges {
		if c.name == "create flow" {
			flow = c
		}
	}
	flow.body = strings.Replace(flow.body, `"sourceConnectionIds":["sc1"]`, `"sourceConnectionIds":"sc1"`, 1)
	got := viaTransport(t, s, flow)
	if !strings.Contains(got, "/sourceConnectionIds") || strings.Contains(got, "mappingVersion") {
		t.Errorf("report: %q", got)
	}
}

func TestListResponseElementsAreChecked(t *testing.T) {
	t.Parallel()
	s := Load(t)
	var preview canned
	for _, c := range platformExchanges {
		if c.name == "preview mapping set" {
			preview = c
		}
	}
	preview.respBody = `[{"data":{"a":1},"errors":null},{"data":"not an object","errors":null}]`
	got := viaTransport(t, s, preview)
	if !strings.Contains(got, "list element 1: at /data: value must be an object") || strings.Contains(got, "list element 0") {
		t.Errorf("report: %q", got)
	}
}
