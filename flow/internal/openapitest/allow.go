package openapitest

import "strings"

// allowance excuses one known mistake in Adobe's files: for one operation, one part of the exchange
// (request, response or status) and one specific complaint. Anything else about that exchange is
// still checked. Every entry says why it is right to excuse it.
type allowance struct {
	op       string // "METHOD /path/template", as Covered reports it
	status   int    // 0: any status
	part     string // "request", "response" or "status"
	contains string // a substring of the complaint
	reason   string
}

// Operation keys used more than once below.
const (
	opCreateFlow   = "POST /data/foundation/flowservice/flows"
	opGetFlow      = "GET /data/foundation/flowservice/flows/{FLOW_ID}"
	opListFlows    = "GET /data/foundation/flowservice/flows"
	opPatchFlow    = "PATCH /data/foundation/flowservice/flows/{FLOW_ID}"
	opDescriptors  = "POST /data/foundation/schemaregistry/tenant/descriptors"
	opMappingSet   = "POST /data/foundation/conversion/mappingSets"
	opMappingGet   = "GET /data/foundation/conversion/mappingSets/{MAPPING_SET_ID}"
	opMappingPut   = "PUT /data/foundation/conversion/mappingSets/{MAPPING_SET_ID}"
	opValidate     = "POST /data/foundation/conversion/mappingSets/validate"
	opPreview      = "POST /data/foundation/conversion/mappingSets/preview"
	opInlet        = "POST /collection/{CONNECTION_ID}"
	whyMapVersion  = "flow-service.yaml types mappingVersion as a string; platform.md and Adobe's flow examples send the number 0"
	whyEpochMillis = "data-prep.yaml types createdDate/modifiedDate as strings, but its own example (and Adobe) use epoch milliseconds"
	whyNullErrors  = "data-prep.yaml's own validate example answers \"errors\": null, which its schema does not mark nullable"
)

// allowances: keep this list short, specific and explained.
var allowances = []allowance{
	{opCreateFlow, 0, "request", "params/mappingVersion: value must be a string", whyMapVersion},
	{opGetFlow, 0, "response", "params/mappingVersion: value must be a string", whyMapVersion},
	{opListFlows, 0, "response", "params/mappingVersion: value must be a string", whyMapVersion},
	{"GET /data/foundation/conversion/mappingSets", 0, "request", `query parameter "start": value is required but missing`,
		"data-prep.yaml marks start required, but Adobe's Python client (aepp, getMappingSets) sends limit alone " +
			"every day and reads the first page"},
	{opPatchFlow, 0, "request", "/op: value is not one of the allowed values", "flow-service.yaml enumerates ADD/REPLACE/REMOVE; " +
		"RFC 6902 and platform.md use lower case (add/replace/remove), which Flow Service accepts"},
	{"POST /data/foundation/flowservice/flows/{FLOW_ID}/action", 0, "request", `query parameter "subOp": value is required`,
		"flow-service.yaml marks subOp (APPLY/ROLLBACK, for update workflows) required; platform.md enables and disables with op alone"},
	{opDescriptors, 0, "request", "/xdm:sourceVersion: value must be a string", "schema-registry.yaml types xdm:sourceVersion as a string; " +
		"platform.md and Adobe's descriptor examples send the number 1"},
	{opDescriptors, 0, "response", "/xdm:sourceVersion: value must be a string", "as for the request: the registry echoes the number"},
	{"PATCH /data/foundation/schemaregistry/tenant/schemas/{SCHEMA_ID}", 0, "request", "/value: value must be a string",
		"schema-registry.yaml types a patch value as a string; enabling Profile adds the array [\"union\"] (platform.md)"},
	{"GET /data/foundation/schemaregistry/{CONTAINER_ID}/schemas", 0, "response", "/_page/next: Value is not nullable",
		"the last page carries \"next\": null (platform.md: stop when _page.next is null); the file does not mark it nullable"},
	{"GET /data/foundation/schemaregistry/{CONTAINER_ID}/fieldgroups", 0, "response", "/_page/next: Value is not nullable",
		"as for schemas: the last page of field groups carries \"next\": null"},
	{"GET /data/foundation/schemaregistry/{CONTAINER_ID}/descriptors", 0, "response", "/xdm:sourceVersion: value must be a string",
		"as for descriptor create: the registry lists xdm:sourceVersion as the number it was given"},
	{"GET /data/foundation/schemaregistry/{CONTAINER_ID}/descriptors/{DESCRIPTOR_ID}", 0, "response", "/xdm:sourceVersion: value must be a string",
		"as for descriptor create: help/xdm/api/descriptors.md's lookup example answers the number 1"},
	{"GET /data/foundation/schemaregistry/{CONTAINER_ID}/descriptors", 0, "response", "/0: value must be an object",
		"schema-registry.yaml types every listed descriptor as an object; help/xdm/api/descriptors.md shows the xdm-link+json and xdm-id+json forms answering paths and ids as strings"},
	{"PATCH /data/foundation/catalog/dataSets/{DATASET_ID}", 0, "request", `content-type": at /: value is not one of the allowed values`,
		"catalog.yaml allows only application/json; help/catalog/api/update-object.md sends JSON Patch as application/json-patch+json"},
	{"PATCH /data/foundation/catalog/dataSets/{DATASET_ID}", 0, "request", "body: at /: value must be an object",
		"as above: update-object.md's JSON Patch form is an array of operations"},
	{"GET /data/foundation/sandbox-management/sandboxTypes", 0, "response", "value must be an object",
		"sandbox.yaml types each sandbox type as an object; help/sandboxes/api/sandbox-types.md answers the names as strings"},
	{"GET /data/foundation/flowservice/flowSpecs", 0, "response", "/transformationSpecs: value must be an object",
		"flow-service.yaml types transformationSpecs as one object; Flow Service answers a list of them, one per transformation"},
	{"GET /data/foundation/flowservice/flowSpecs/{FLOW_SPEC_ID}", 0, "response", "/transformationSpecs: value must be an object",
		"as for the flow spec list"},
	{opPatchFlow, 0, "request", "/value: value must be an object",
		"flow-service.yaml types a patch value as an object; platform.md renames a flow with a string value (/name)"},
	{opMappingSet, 0, "response", "Date: value must be a string", whyEpochMillis},
	{opMappingGet, 0, "response", "Date: value must be a string", whyEpochMillis},
	{opMappingPut, 0, "response", "Date: value must be a string", whyEpochMillis},
	{"GET /data/foundation/conversion/mappingSets", 0, "response", "Date: value must be a string", whyEpochMillis},
	{opValidate, 0, "response", "/errors: Value is not nullable", whyNullErrors},
	{opPreview, 0, "response", "/errors: Value is not nullable", whyNullErrors},
	{opInlet, 0, "request", `header parameter "x-sandbox-name": value is required`,
		"the Customer.io source's inlet takes no auth or sandbox header (platform.md: no auth for this source)"},
	{opInlet, 0, "request", `property "header" is missing`,
		"streaming-ingestion.yaml describes the XDM envelope; Streaming SDK sources such as Customer.io post their raw JSON (platform.md)"},
	{opInlet, 0, "request", `property "body" is missing`, "as above: raw source JSON has no body envelope"},
	{opInlet, 0, "response", `/receivedTimeMs: integer doesn't match the format "int32"`,
		"an epoch-millisecond time cannot fit int32; the file's own example (1584479347507) breaks it"},
}

// jsonAliases: response media types the files do not list but Adobe answers with, validated as
// application/json. schema-registry.yaml (Swagger 2.0) only declares `produces: application/json`, while
// the registry answers in the Accept form asked for (platform.md: xed-id for lists, xed-full for lookups).
var jsonAliases = map[string]string{
	"application/vnd.adobe.xed-id+json":   "/data/foundation/schemaregistry/",
	"application/vnd.adobe.xed-full+json": "/data/foundation/schemaregistry/",
	"application/vnd.adobe.xed+json":      "/data/foundation/schemaregistry/",
}

// arrayResponses: operations whose files describe one object but Adobe answers a list of them;
// each element is validated against the described object. Data Prep's preview answers one result per
// sample record, `[{"data":{…},"errors":null}]` (platform.md).
var arrayResponses = map[string]string{
	opPreview: "platform.md: preview answers a list, one entry per sample in the request's data array",
}

// allowed drops the problems an allowance excuses.
func allowed(op string, status int, part string, problems []string) []string {
	out := problems[:0]
next:
	for _, p := range problems {
		for _, a := range allowances {
			if a.op == op && a.part == part && (a.status == 0 || a.status == status) && strings.Contains(p, a.contains) {
				continue next
			}
		}
		out = append(out, p)
	}
	return out
}
