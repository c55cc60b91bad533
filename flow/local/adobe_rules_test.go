package local

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// fieldGroupWith is a field-group create body whose tenant object holds fields.
func fieldGroupWith(tenant, title string, fields map[string]any) map[string]any {
	return map[string]any{
		"type": "object", "title": title, "meta:intendedToExtend": []string{experienceEventClass},
		"definitions": map[string]any{"f": map[string]any{"properties": map[string]any{
			"_" + tenant: map[string]any{"type": "object", "properties": fields},
		}}},
		"allOf": []any{map[string]any{"$ref": "#/definitions/f"}},
	}
}

// TestRegistryStrictWhereAdobeIsStrict sends resources that break Adobe's documented XDM rules and
// checks each is refused with the registry's error shape and code; the page that settles each rule is
// named in the case.
func TestRegistryStrictWhereAdobeIsStrict(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	tn := d.Tenant
	text := map[string]any{"type": "string"}
	fgPath := schemaBase + "/tenant/fieldgroups"
	cases := []struct {
		name, doc string
		body      map[string]any
		path      string
		code      string
		detail    string
	}{
		{"map of arrays", "help/xdm/tutorials/custom-fields-api.md#custom-maps", fieldGroupWith(tn, "m1", map[string]any{
			"headers": map[string]any{"type": "object", "meta:xdmType": "map", "additionalProperties": map[string]any{"type": "array", "items": text}},
		}), fgPath, "XDM-1000-400", `"string" or "integer"`},
		{"map with properties", "help/xdm/tutorials/custom-fields-api.md#custom-maps", fieldGroupWith(tn, "m2", map[string]any{
			"m": map[string]any{"type": "object", "meta:xdmType": "map", "properties": map[string]any{"a": text}, "additionalProperties": text},
		}), fgPath, "XDM-1000-400", "must not define properties"},
		{"array of maps", "help/xdm/ui/fields/map.md", fieldGroupWith(tn, "m3", map[string]any{
			"l": map[string]any{"type": "array", "items": map[string]any{"type": "object", "meta:xdmType": "map", "additionalProperties": text}},
		}), fgPath, "XDM-1000-400", "array of maps"},
		{"field without type", "help/xdm/api/getting-started.md", fieldGroupWith(tn, "m4", map[string]any{
			"x": map[string]any{"title": "X"},
		}), fgPath, "XDM-1000-400", "needs a type"},
		{"field name with underscore", "help/xdm/api/getting-started.md", fieldGroupWith(tn, "m5", map[string]any{
			"_x": text,
		}), fgPath, "XDM-1000-400", "do not start with an underscore"},
		{"field name with a space", "help/xdm/api/getting-started.md", fieldGroupWith(tn, "m6", map[string]any{
			"first name": text,
		}), fgPath, "XDM-1000-400", "is not allowed"},
		{"field outside the tenant object", "help/xdm/troubleshooting-guide.md", map[string]any{
			"type": "object", "title": "m7", "meta:intendedToExtend": []string{experienceEventClass},
			"definitions": map[string]any{"f": map[string]any{"properties": map[string]any{"email": text}}},
			"allOf":       []any{map[string]any{"$ref": "#/definitions/f"}},
		}, fgPath, "XDM-1021-400", "_" + tn},
		{"field group without type", "help/xdm/api/field-groups.md", withField(fieldGroupWith(tn, "m8", map[string]any{"a": text}), "type", nil),
			fgPath, "XDM-1000-400", `type must be "object"`},
		{"field group title taken by a schema", "help/xdm/troubleshooting-guide.md", fieldGroupWith(tn, "Customer.io events", map[string]any{"a": text}),
			fgPath, "XDM-1521-400", d.Schema},
		{"schema with two classes", "help/xdm/api/schemas.md", map[string]any{"type": "object", "title": "s1",
			"allOf": []any{map[string]any{"$ref": experienceEventClass}, map[string]any{"$ref": "https://ns.adobe.com/xdm/context/profile"}}},
			schemaBase + "/tenant/schemas", "XDM-1000-400", "exactly one class"},
		{"schema without a class", "help/xdm/api/schemas.md", map[string]any{"type": "object", "title": "s2",
			"allOf": []any{map[string]any{"$ref": d.FieldGroup}}},
			schemaBase + "/tenant/schemas", "XDM-1000-400", "exactly one class"},
		{"schema title taken by a field group", "help/xdm/troubleshooting-guide.md", map[string]any{"type": "object", "title": "Customer.io fields",
			"allOf": []any{map[string]any{"$ref": experienceEventClass}}},
			schemaBase + "/tenant/schemas", "XDM-1521-400", d.FieldGroup},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e.with(t)
			got := e.do(req{method: "POST", path: c.path, body: c.body})
			if got.status != http.StatusBadRequest {
				t.Fatalf("%s: status %d, want 400; body %s", c.doc, got.status, got.raw)
			}
			if typ := str(got.obj, "type"); !strings.HasSuffix(typ, "/"+c.code) {
				t.Errorf("%s: type %q, want the code %s", c.doc, typ, c.code)
			}
			if !strings.Contains(str(got.obj, "detail"), c.detail) {
				t.Errorf("%s: detail %q, want it to mention %q", c.doc, str(got.obj, "detail"), c.detail)
			}
			for _, k := range []string{"title", "status", "report", "detail"} {
				if _, ok := got.obj[k]; !ok {
					t.Errorf("error body lacks %q: %s", k, got.raw)
				}
			}
		})
	}
}

// TestPlatformLenientWhereAdobeIsLenient sends requests Adobe answers and Adobe's own clients send
// daily, which the local platform once refused.
func TestPlatformLenientWhereAdobeIsLenient(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	xedID := map[string]string{"Accept": "application/vnd.adobe.xed-id+json"}
	cases := []struct {
		name string
		r    req
		keys []string
	}{
		{"stats with a trailing slash", req{method: "GET", path: schemaBase + "/stats/"}, []string{"tenantId", "imsOrg", "counts"}},
		{"field groups with a trailing slash", req{method: "GET", path: schemaBase + "/tenant/fieldgroups/", headers: xedID}, []string{"results", "_page", "_links"}},
		{"schemas with a trailing slash", req{method: "GET", path: schemaBase + "/tenant/schemas/", headers: xedID}, []string{"results", "_page", "_links"}},
		{"the organization's sandboxes", req{method: "GET", path: sandboxBase + "/sandboxes", sandbox: "-"}, []string{"sandboxes", "_page", "_links"}},
		{"the organization's sandboxes, documented paging", req{method: "GET", path: sandboxBase + "/sandboxes?&limit=4&offset=1", sandbox: "-"}, []string{"sandboxes", "_page"}},
		{"one sandbox", req{method: "GET", path: sandboxBase + "/sandboxes/dev"}, []string{"name", "title", "state", "type", "region", "isDefault", "eTag"}},
		{"flows with limit and count=false", req{method: "GET", path: flowBase + "/flows?limit=100&count=false"}, []string{"items", "_links"}},
		{"source connections with limit and count=false", req{method: "GET", path: flowBase + "/sourceConnections?limit=100&count=false"}, []string{"items"}},
		{"lookup as xdm-full, minor version", req{method: "GET", path: schemaBase + "/tenant/schemas/" + pathEscape(d.Schema),
			headers: map[string]string{"Accept": "application/vnd.adobe.xdm-full+json; version=1.0"}}, []string{"$id", "properties", "meta:altId"}},
		{"lookup as xed-full-desc", req{method: "GET", path: schemaBase + "/tenant/schemas/" + pathEscape(d.Schema),
			headers: map[string]string{"Accept": "application/vnd.adobe.xed-full-desc+json; version=1"}}, []string{"$id", "properties"}},
		{"lookup as xed-full-notext", req{method: "GET", path: schemaBase + "/tenant/fieldgroups/" + pathEscape(d.FieldGroup),
			headers: map[string]string{"Accept": "application/vnd.adobe.xed-full-notext+json; version=1"}}, []string{"$id", "definitions"}},
		{"field groups listed as xdm-id", req{method: "GET", path: schemaBase + "/tenant/fieldgroups",
			headers: map[string]string{"Accept": "application/vnd.adobe.xdm-id+json"}}, []string{"results"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e.with(t)
			got := e.must(http.StatusOK, c.r)
			for _, k := range c.keys {
				if _, ok := got.obj[k]; !ok {
					t.Errorf("answer lacks %q: %s", k, got.raw)
				}
			}
		})
	}

	// Catalog dataset objects carry the attributes Adobe returns (help/catalog/api/look-up-object.md and
	// the dataSetResponse schema of catalog.yaml), so clients that read them find them.
	got := e.must(http.StatusOK, req{method: "GET", path: catalogBase + "/dataSets/" + d.Dataset})
	ds, _ := got.obj[d.Dataset].(map[string]any)
	for _, k := range []string{"name", "description", "imsOrg", "sandboxId", "tags", "version", "created", "updated", "createdClient",
		"createdUser", "updatedUser", "viewId", "files", "schemaRef", "state", "classification", "fileDescription"} {
		if _, ok := ds[k]; !ok {
			t.Errorf("dataset lacks %q: %s", k, got.raw)
		}
	}
	if c, _ := ds["classification"].(map[string]any); c["dataBehavior"] != "time-series" {
		t.Errorf("classification = %v, want dataBehavior time-series for an ExperienceEvent dataset", ds["classification"])
	}

	// PATCH keeps Catalog's bookkeeping read-only, in either form (help/catalog/api/update-object.md).
	for _, body := range []any{map[string]any{"schemaRef": map[string]any{"id": "x"}}, []any{map[string]any{"op": "replace", "path": "/files", "value": "x"}}} {
		if got := e.do(req{method: "PATCH", path: catalogBase + "/dataSets/" + d.Dataset, body: body,
			headers: map[string]string{"Content-Type": "application/json-patch+json"}}); got.status != 400 {
			t.Errorf("PATCH %v: status %d, want 400: %s", body, got.status, got.raw)
		}
	}

	// Still strict: a count together with a page size, and a lookup without a version.
	if got := e.do(req{method: "GET", path: flowBase + "/flows?limit=1&count=true"}); got.status != 400 {
		t.Errorf("limit with count=true: status %d, want 400", got.status)
	}
	if got := e.do(req{method: "GET", path: schemaBase + "/tenant/schemas/" + pathEscape(d.Schema),
		headers: map[string]string{"Accept": "application/vnd.adobe.xed-full+json"}}); !strings.HasSuffix(str(got.obj, "type"), "XDM-1007-400") {
		t.Errorf("lookup without version: %d %s, want XDM-1007-400", got.status, got.raw)
	}
}
