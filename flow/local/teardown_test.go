package local

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// GET /mappingSets: limit is required (start defaults to the first page), name keeps exact matches, the most recently updated
// come first unless orderBy says otherwise, pages are offsets in MapperSetPage's shape with a next link
// while more remain, and a set created without a name (the UI, older clients) lists without one.
func TestMappingSetList(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	body := func(name string) map[string]any {
		b := localtest.MappingBody(d.Schema, localtest.Mapping(d.Tenant))
		if name != "" {
			b["name"] = name
		}
		return b
	}
	var ids []string
	for _, name := range []string{"alpha (cioaep x1)", "beta", "alpha (cioaep x1)", "alpha"} {
		ids = append(ids, str(e.must(http.StatusOK, req{method: "POST", path: prepBase + "/mappingSets", body: body(name)}).obj, "id"))
	}
	list := func(q string) resp {
		return e.must(http.StatusOK, req{method: "GET", path: prepBase + "/mappingSets?" + q})
	}
	idsOf := func(r resp) []string {
		var out []string
		for _, m := range r.obj["data"].([]any) {
			out = append(out, str(m, "id"))
		}
		return out
	}

	alpha := list("limit=10&start=0&name=" + url.QueryEscape("alpha (cioaep x1)"))
	if got := idsOf(alpha); strings.Join(got, ",") != ids[2]+","+ids[0] {
		t.Errorf("name filter: %v, want %v (exact match only, newest first)", got, []string{ids[2], ids[0]})
	}
	if pg, _ := alpha.obj["_page"].(map[string]any); pg["count"] != float64(2) || pg["limit"] != float64(10) || str(alpha.obj, "_links", "next", "href") != "" {
		t.Errorf("page info: %s", alpha.raw)
	}

	oldest := append([]string{d.Mapping}, ids...)
	all := list("limit=10&start=0&orderBy=" + url.QueryEscape("+createdDate"))
	if got := idsOf(all); strings.Join(got, ",") != strings.Join(oldest, ",") {
		t.Errorf("every set, oldest first: %v, want %v", got, oldest)
	}
	if m := all.obj["data"].([]any)[0].(map[string]any); m["name"] != nil || m["mappings"] == nil || str(m, "outputSchema", "schemaRef", "id") != d.Schema {
		t.Errorf("an unnamed set lists as %v", m)
	}
	newest := slices.Clone(oldest)
	slices.Reverse(newest)
	if got := idsOf(list("limit=10&start=0")); strings.Join(got, ",") != strings.Join(newest, ",") {
		t.Errorf("every set by default: %v, want the most recently updated first %v", got, newest)
	}

	first := list("limit=2&start=0")
	next := str(first.obj, "_links", "next", "href")
	if got := idsOf(first); len(got) != 2 || !strings.Contains(next, "start=2") || !strings.Contains(next, "limit=2") {
		t.Errorf("first page %v, next %q", got, next)
	}
	last := list("limit=2&start=4")
	if got := idsOf(last); len(got) != 1 || got[0] != d.Mapping || str(last.obj, "_links", "next", "href") != "" {
		t.Errorf("last page: %s", last.raw)
	}
	if got := idsOf(list("limit=2&start=9")); len(got) != 0 {
		t.Errorf("past the end: %v", got)
	}

	// A PUT keeps the name; the list shows the latest version.
	put := e.must(http.StatusOK, req{method: "PUT", path: prepBase + "/mappingSets/" + ids[1], body: body("")})
	if put.obj["name"] != "beta" || put.obj["version"] != float64(1) {
		t.Errorf("PUT without a name: %s", put.raw)
	}
	if beta := list("limit=5&start=0&name=beta"); beta.obj["data"].([]any)[0].(map[string]any)["version"] != float64(1) {
		t.Errorf("after a PUT: %s", beta.raw)
	}
	if got := idsOf(list("limit=1&start=0&orderBy=-updatedDate")); len(got) != 1 || got[0] != ids[1] {
		t.Errorf("most recently updated: %v, want the set just PUT (%s)", got, ids[1])
	}
	if got := idsOf(list("limit=1&start=0&orderBy=-createdDate")); len(got) != 1 || got[0] != ids[3] {
		t.Errorf("most recently created: %v, want %s", got, ids[3])
	}

	// Without start, the first page: what Adobe's Python client asks for.
	if got, first := idsOf(list("limit=2")), idsOf(list("limit=2&start=0")); len(got) != 2 || got[0] != first[0] || got[1] != first[1] {
		t.Errorf("limit without start: %v, want the first page %v", got, first)
	}
	for q, says := range map[string]string{"start=0": "required", "limit=0&start=0": "required",
		"limit=10&start=-1": "zero-based", "limit=10&start=x": "zero-based", "limit=x&start=0": "required", "limit=10&start=0&orderBy=name": "not supported"} {
		bad := e.must(http.StatusBadRequest, req{method: "GET", path: prepBase + "/mappingSets?" + q})
		if !strings.Contains(str(bad.obj, "detail"), says) || !strings.Contains(str(bad.obj, "type"), "DP-400") {
			t.Errorf("%s: %s", q, bad.raw)
		}
	}
	other := e.must(http.StatusOK, req{method: "GET", path: prepBase + "/mappingSets?limit=10&start=0", sandbox: "dev"})
	if n := len(other.obj["data"].([]any)); n != 0 {
		t.Errorf("sandbox dev lists %d of prod's mapping sets", n)
	}
}

// Deleting what a Customer.io schema setup made beyond the dataflow: unknown ids are 404 in each
// service's own shape; the registry refuses a schema a dataset uses and a field group a schema uses;
// in teardown's order everything goes, and the schema's descriptors with it.
func TestDeleteDatasetSchemaFieldGroup(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	del := func(want int, path string) resp { return e.must(want, req{method: "DELETE", path: path}) }
	schemaPath := schemaBase + "/tenant/schemas/" + pathEscape(d.Schema)
	fgPath := schemaBase + "/tenant/fieldgroups/" + pathEscape(d.FieldGroup)

	for path, typ := range map[string]string{
		catalogBase + "/dataSets/5f0000000000000000000000":                                                "CAT-1404-404",
		schemaBase + "/tenant/schemas/" + pathEscape("https://ns.adobe.com/"+d.Tenant+"/schemas/nope"):    "XDM-1012-404",
		schemaBase + "/tenant/fieldgroups/" + pathEscape("https://ns.adobe.com/"+d.Tenant+"/mixins/nope"): "XDM-1012-404",
	} {
		if r := del(http.StatusNotFound, path); !strings.HasSuffix(str(r.obj, "type"), typ) || r.obj["status"] != float64(404) {
			t.Errorf("DELETE %s: %s, want a %s problem", path, r.raw, typ)
		}
	}

	e.must(http.StatusCreated, req{method: "POST", path: schemaBase + "/tenant/descriptors", body: map[string]any{
		"@type": "xdm:descriptorIdentity", "xdm:sourceSchema": d.Schema, "xdm:sourceVersion": 1,
		"xdm:sourceProperty": "/_" + d.Tenant + "/customerio/email", "xdm:namespace": "Email", "xdm:property": "xdm:code", "xdm:isPrimary": true}})
	descriptors := func() resp {
		return e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/descriptors?property=xdm:sourceSchema==" + url.QueryEscape(d.Schema),
			headers: map[string]string{"Accept": "application/vnd.adobe.xdm+json"}})
	}
	if r := descriptors(); str(r.obj, "xdm:descriptorIdentity", 0, "@id") == "" {
		t.Fatalf("descriptor not listed: %s", r.raw)
	}

	if r := del(http.StatusBadRequest, fgPath); !strings.Contains(str(r.obj, "detail"), "used by") {
		t.Errorf("field group in use: %s", r.raw)
	}
	if r := del(http.StatusBadRequest, schemaPath); !strings.Contains(str(r.obj, "detail"), "used by") {
		t.Errorf("schema in use: %s", r.raw)
	}

	// The dataflow goes first, then the dataset, schema and field group, as teardown does it.
	del(http.StatusNoContent, flowBase+"/flows/"+d.Flow)
	if r := del(http.StatusOK, catalogBase+"/dataSets/"+d.Dataset); str(r.arr, 0) != "@/dataSets/"+d.Dataset {
		t.Errorf("dataset delete answers %s, want [\"@/dataSets/<id>\"]", r.raw)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: catalogBase + "/dataSets/" + d.Dataset})
	del(http.StatusNoContent, schemaPath)
	if r := descriptors(); len(r.obj) != 0 && str(r.obj, "xdm:descriptorIdentity", 0, "@id") != "" {
		t.Errorf("the deleted schema's descriptors survive: %s", r.raw)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: schemaPath, headers: map[string]string{"Accept": "application/vnd.adobe.xed+json; version=1"}})
	del(http.StatusNoContent, fgPath)
	del(http.StatusNotFound, fgPath)
}
