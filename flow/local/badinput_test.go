package local

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// TestBadInput sends what clients get wrong and checks the status and the service-shaped body each one
// gets: field is a path into the body ("error_code", "type", "report.message"), want a substring of it.
func TestBadInput(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	seeded := seededSchema(t, e, "Website Events")
	otherMapping := str(e.must(http.StatusOK, req{method: "POST", path: prepBase + "/mappingSets", body: localtest.MappingBody(seeded, []map[string]string{
		{"sourceType": "ATTRIBUTE", "source": "event_id", "destination": "_id"},
	})}).obj, "id")
	flowPath := flowBase + "/flows/" + d.Flow
	lookup := schemaBase + "/tenant/schemas/" + pathEscape(d.Schema)
	goodMapping := localtest.Mapping(d.Tenant)

	cases := []struct {
		name   string
		r      req
		status int
		field  string
		want   string
	}{
		{"no token", req{method: "GET", path: flowPath, headers: map[string]string{"Authorization": "-"}}, 403, "error_code", "403010"},
		{"forged token", req{method: "GET", path: flowPath, headers: map[string]string{"Authorization": "Bearer abc.def.ghi"}}, 401, "error_code", "401013"},
		{"no API key", req{method: "GET", path: flowPath, headers: map[string]string{"x-api-key": "-"}}, 403, "error_code", "403000"},
		{"wrong API key", req{method: "GET", path: flowPath, headers: map[string]string{"x-api-key": "someone-else"}}, 403, "error_code", "403003"},
		{"no org", req{method: "GET", path: flowPath, headers: map[string]string{"x-gw-ims-org-id": "-"}}, 400, "error_code", "400003"},
		{"malformed org", req{method: "GET", path: flowPath, headers: map[string]string{"x-gw-ims-org-id": "acme"}}, 403, "error_code", "403027"},
		{"unknown sandbox", req{method: "GET", path: flowPath, sandbox: "staging"}, 403, "error_code", "403025"},
		{"upper-case sandbox", req{method: "GET", path: flowPath, sandbox: "Prod"}, 403, "error_code", "403025"},
		{"x-sandbox-id on Flow Service", req{method: "GET", path: flowPath, headers: map[string]string{"x-sandbox-id": "abc"}}, 400, "errorMessage", "x-sandbox-id"},
		{"body without JSON content type", req{method: "POST", path: flowBase + "/flows", body: "{}", headers: map[string]string{"Content-Type": "text/plain"}}, 400, "detail", "content-type"},

		{"unknown flow", req{method: "GET", path: flowBase + "/flows/nope"}, 404, "type", "FLOW-1439-404"},
		{"unknown source connection", req{method: "GET", path: flowBase + "/sourceConnections/nope"}, 404, "type", "FLOW-1439-404"},
		{"unknown connection spec", req{method: "GET", path: flowBase + "/connectionSpecs/nope"}, 404, "report.detailed-message", "nope"},
		{"unknown dataset", req{method: "GET", path: catalogBase + "/dataSets/nope"}, 404, "detail", "nope"},
		{"unknown schema", req{method: "GET", path: schemaBase + "/tenant/schemas/nope", headers: map[string]string{"Accept": "application/vnd.adobe.xed+json; version=1"}}, 404, "type", "XDM-1012-404"},
		{"unknown mapping set", req{method: "GET", path: prepBase + "/mappingSets/nope"}, 404, "detail", "nope"},
		{"dataset on unknown schema", req{method: "POST", path: catalogBase + "/dataSets", body: map[string]any{"name": "x", "schemaRef": map[string]any{"id": "https://ns.adobe.com/x/schemas/y", "contentType": "application/vnd.adobe.xed+json;version=1"}}}, 400, "detail", "does not exist"},

		{"PATCH without If-Match", req{method: "PATCH", path: flowPath, body: []map[string]any{{"op": "replace", "path": "/name", "value": "x"}}}, 400, "type", "FLOW-1403-400"},
		{"PATCH with stale etag", req{method: "PATCH", path: flowPath, body: []map[string]any{{"op": "replace", "path": "/name", "value": "x"}}, headers: map[string]string{"If-Match": `"stale"`}}, 412, "type", "FLOW-1404-412"},
		{"PATCH the state", req{method: "PATCH", path: flowPath, body: []map[string]any{{"op": "replace", "path": "/state", "value": "disabled"}}, headers: map[string]string{"If-Match": d.ETag}}, 400, "errorMessage", "/state"},
		{"state on create", req{method: "POST", path: flowBase + "/flows", body: withField(localtest.FlowBody(d.Source, d.Target, d.Mapping, 0), "state", "enabled")}, 400, "type", "FLOW-1410-400"},
		{"transformation not named Mapping", req{method: "POST", path: flowBase + "/flows", body: withField(localtest.FlowBody(d.Source, d.Target, d.Mapping, 0), "transformations", []any{map[string]any{"name": "mapping", "params": map[string]any{"mappingId": d.Mapping, "mappingVersion": 0}}})}, 400, "errorMessage", "'Mapping'"},
		{"mapping for another schema", req{method: "POST", path: flowBase + "/flows", body: localtest.FlowBody(d.Source, d.Target, otherMapping, 0)}, 400, "type", "FLOW-1425-400"},
		{"unknown mapping version", req{method: "POST", path: flowBase + "/flows", body: localtest.FlowBody(d.Source, d.Target, d.Mapping, 7)}, 400, "errorMessage", "no version 7"},
		{"unknown flow spec", req{method: "POST", path: flowBase + "/flows", body: withField(localtest.FlowBody(d.Source, d.Target, d.Mapping, 0), "flowSpec", map[string]any{"id": "nope", "version": "1.0"})}, 400, "errorMessage", "nope"},
		{"source connection with wrong spec", req{method: "POST", path: flowBase + "/sourceConnections", body: map[string]any{"name": "x", "connectionSpec": map[string]any{"id": dataLakeSpecID, "version": "1.0"}, "data": map[string]any{"format": "json"}}}, 400, "errorMessage", "cannot be used"},
		{"target on another schema", req{method: "POST", path: flowBase + "/targetConnections", body: localtest.TargetBody(seeded, d.Dataset)}, 400, "errorMessage", "uses schema"},
		{"limit with count", req{method: "GET", path: flowBase + "/flows?limit=1&count=true"}, 400, "type", "FLOW-1401-400"},
		{"bad continuationToken", req{method: "GET", path: flowBase + "/flows?continuationToken=bm9wZQ"}, 400, "type", "FLOW-1100-400"},

		{"flow body not JSON", req{method: "POST", path: flowBase + "/flows", body: "{"}, 400, "errorMessage", "not valid JSON"},
		{"field group body not JSON", req{method: "POST", path: schemaBase + "/tenant/fieldgroups", body: "nope"}, 400, "detail", "not valid JSON"},
		{"field outside the tenant object", req{method: "POST", path: schemaBase + "/tenant/fieldgroups", body: map[string]any{"type": "object", "title": "x", "meta:intendedToExtend": []string{experienceEventClass},
			"definitions": map[string]any{"d": map[string]any{"properties": map[string]any{"email": map[string]any{"type": "string"}}}}, "allOf": []any{map[string]any{"$ref": "#/definitions/d"}}}}, 400, "type", "XDM-1021-400"},
		{"API body over the limit", req{method: "POST", path: flowBase + "/flows", body: `{"name":"` + strings.Repeat("x", maxAPIBody) + `"}`}, 413, "status", "413"},

		{"lookup Accept without version", req{method: "GET", path: lookup, headers: map[string]string{"Accept": "application/vnd.adobe.xed-full+json"}}, 400, "type", "XDM-1007-400"},
		{"lookup Accept not XDM", req{method: "GET", path: lookup, headers: map[string]string{"Accept": "application/json"}}, 406, "status", "406"},
		{"lookup version 2", req{method: "GET", path: lookup, headers: map[string]string{"Accept": "application/vnd.adobe.xed-full+json; version=2"}}, 406, "status", "406"},
		{"list Accept with version", req{method: "GET", path: schemaBase + "/tenant/schemas", headers: map[string]string{"Accept": "application/vnd.adobe.xed-id+json; version=1"}}, 400, "type", "XDM-1006-400"},
		{"descriptor on a missing field", req{method: "POST", path: schemaBase + "/tenant/descriptors", body: map[string]any{"@type": "xdm:descriptorIdentity", "xdm:sourceSchema": d.Schema, "xdm:sourceVersion": 1,
			"xdm:sourceProperty": "/_" + d.Tenant + "/customerio/nope", "xdm:namespace": "Email", "xdm:property": "xdm:code", "xdm:isPrimary": true}}, 400, "detail", "not a field"},

		{"mapping with unknown function", req{method: "POST", path: prepBase + "/mappingSets", body: localtest.MappingBody(d.Schema, append(goodMapping[:1:1], map[string]string{"sourceType": "EXPRESSION", "source": "frobnicate(metric)", "destination": "timestamp"}))}, 400, "detail", "frobnicate"},
		{"mapping to a missing field", req{method: "POST", path: prepBase + "/mappingSets", body: localtest.MappingBody(d.Schema, []map[string]string{{"sourceType": "ATTRIBUTE", "source": "metric", "destination": "_" + d.Tenant + ".customerio.nope"}})}, 400, "detail", "not a field"},
		{"mapping on unknown schema", req{method: "POST", path: prepBase + "/mappingSets", body: localtest.MappingBody("https://ns.adobe.com/x/schemas/y", goodMapping)}, 400, "detail", "does not exist"},
		{"PUT unknown mapping set", req{method: "PUT", path: prepBase + "/mappingSets/nope", body: localtest.MappingBody(d.Schema, goodMapping)}, 404, "detail", "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := e.with(t).do(tc.r)
			if got.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", got.status, tc.status, got.raw)
			}
			if v := field(got.obj, tc.field); !strings.Contains(strings.ToLower(v), strings.ToLower(tc.want)) {
				t.Errorf("%s = %q, want it to contain %q; body %s", tc.field, v, tc.want, got.raw)
			}
		})
	}

	t.Run("validate reports a bad rule without failing the call", func(t *testing.T) {
		bad := append(goodMapping[:1:1], map[string]string{"sourceType": "EXPRESSION", "source": "frobnicate(metric)", "destination": "timestamp"})
		got := e.with(t).must(http.StatusOK, req{method: "POST", path: prepBase + "/mappingSets/validate", body: localtest.MappingBody(d.Schema, bad)})
		res := got.obj["validationResponse"].([]any)
		if str(res, 0, "status") != "SUCCESS" || str(res, 1, "status") != "FAILED" || !strings.Contains(str(res, 1, "errors", 0, "exception"), "frobnicate") {
			t.Errorf("validate: %s", got.raw)
		}
	})
}

// TestBadInletInput covers the inlet's refusals, which come in the inlet's own shape.
func TestBadInletInput(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	ev := `{"event_id":"01A","object_type":"email","metric":"sent","timestamp":1613063089,"data":{}}`
	cases := []struct {
		name    string
		url     string
		body    string
		headers map[string]string
		status  int
		field   string
		want    string
	}{
		{"unknown inlet", strings.Replace(d.WebhookURL(), "/collection/", "/collection/0", 1), ev, nil, 404, "report.message", "no streaming inlet"},
		{"no flow id", d.Inlet, ev, nil, 400, "report.message", "x-adobe-flow-id"},
		{"flow id of another flow", d.Inlet + "?x-adobe-flow-id=nope", ev, nil, 400, "report.message", "nope"},
		{"not JSON", d.WebhookURL(), "{", nil, 400, "title", "Invalid JSON"},
		{"JSON but not an object", d.WebhookURL(), "[1]", nil, 400, "title", "Invalid JSON"},
		{"wrong content type", d.WebhookURL(), ev, map[string]string{"Content-Type": "text/plain"}, 400, "report.message", "application/json"},
		{"over 1 MB", d.WebhookURL(), `{"pad":"` + strings.Repeat("x", maxInletBody) + `"}`, nil, 413, "status", "413"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := postInlet(t, tc.url, tc.body, tc.headers)
			if got.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", got.status, tc.status, got.raw)
			}
			if v := field(got.obj, tc.field); !strings.Contains(v, tc.want) {
				t.Errorf("%s = %q, want %q; body %s", tc.field, v, tc.want, got.raw)
			}
		})
	}
	t.Run("rate limit", func(t *testing.T) {
		e := newEnv(t, Config{InletRate: 2})
		d := localtest.NewDataflow(t, e.base, "prod")
		var last resp
		for i := 0; i < 5; i++ {
			last = postInlet(t, d.WebhookURL(), ev, nil)
		}
		if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
			t.Errorf("after a burst: %d %v %s", last.status, last.header, last.raw)
		}
	})
}

// TestInletSignature checks --require-signature: unsigned or mis-signed events are 401 (with Adobe's
// string status), correctly signed ones are ingested.
func TestInletSignature(t *testing.T) {
	e := newEnv(t, Config{SigningKey: "whsec"})
	d := localtest.NewDataflow(t, e.base, "prod")
	ev := `{"event_id":"01A","object_type":"email","metric":"sent","timestamp":1613063089,"data":{}}`
	unsigned := postInlet(t, d.WebhookURL(), ev, nil)
	if unsigned.status != 401 || unsigned.obj["status"] != "401" || !strings.Contains(field(unsigned.obj, "report.message"), "signature") {
		t.Errorf("unsigned: %d %s", unsigned.status, unsigned.raw)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	wrong := postInlet(t, d.WebhookURL(), ev, map[string]string{cio.HeaderTimestamp: ts, cio.HeaderSignature: cio.Sign([]byte("other"), ts, []byte(ev))})
	if wrong.status != 401 {
		t.Errorf("wrong key: %d %s", wrong.status, wrong.raw)
	}
	good := postInlet(t, d.WebhookURL(), ev, map[string]string{cio.HeaderTimestamp: ts, cio.HeaderSignature: cio.Sign([]byte("whsec"), ts, []byte(ev))})
	if good.status != 200 {
		t.Errorf("signed: %d %s", good.status, good.raw)
	}
	// The same signed request again, within the five-minute window, is a replay.
	again := postInlet(t, d.WebhookURL(), ev, map[string]string{cio.HeaderTimestamp: ts, cio.HeaderSignature: strings.ToUpper(cio.Sign([]byte("whsec"), ts, []byte(ev)))})
	if again.status != 401 || !strings.Contains(field(again.obj, "report.message"), "replay") {
		t.Errorf("replayed: %d %s", again.status, again.raw)
	}

	// A signed request that was not answered 200 is not "received": Customer.io retries it as it was.
	bad := `{"object_type":"sms","metric":"sent","timestamp":1613063089}` // no event_id: XDM refuses the record
	badHeaders := map[string]string{cio.HeaderTimestamp: ts, cio.HeaderSignature: cio.Sign([]byte("whsec"), ts, []byte(bad))}
	if refused := postInlet(t, d.WebhookURL()+"&syncValidation=true", bad, badHeaders); refused.status != http.StatusBadRequest {
		t.Fatalf("an invalid event with syncValidation: %d %s, want 400", refused.status, refused.raw)
	}
	if retry := postInlet(t, d.WebhookURL(), bad, badHeaders); retry.status != 200 {
		t.Errorf("the retry of a signed request refused with 400 was taken for a replay: %d %s", retry.status, retry.raw)
	}
}

// TestIMS checks the token endpoint against a required client pair.
func TestIMS(t *testing.T) {
	e := newEnv(t, Config{ClientID: "cid", ClientSecret: "right"})
	cases := []struct {
		name   string
		form   url.Values
		status int
		err    string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"wrong"}, "scope": {"openid"}}, 401, "invalid_client"},
		{"wrong client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"other"}, "client_secret": {"right"}, "scope": {"openid"}}, 400, "invalid_client"},
		{"wrong grant", url.Values{"grant_type": {"password"}, "client_id": {"cid"}, "client_secret": {"right"}, "scope": {"openid"}}, 400, "unsupported_grant_type"},
		{"no secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "scope": {"openid"}}, 400, "invalid_request"},
		{"no scope", url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"right"}}, 400, "invalid_scope"},
	}
	for _, tc := range cases {
		st, body := e.form("/ims/token/v3", tc.form)
		if st != tc.status || body["error"] != tc.err || body["error_description"] == "" {
			t.Errorf("%s: %d %v", tc.name, st, body)
		}
	}
	st, body := e.form("/ims/token/v3", url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"right"}, "scope": {"openid"}})
	if st != 200 || body["token_type"] != "bearer" || body["expires_in"] != float64(86399) {
		t.Errorf("token: %d %v", st, body)
	}
	// A token from another platform (another signing key) is not valid here.
	other := newEnv(t, Config{})
	e.token = other.token
	e.id = other.id
	if got := e.do(req{method: "GET", path: sandboxBase + "/"}); got.status != 401 {
		t.Errorf("foreign token: %d %s", got.status, got.raw)
	}
	if _, ok := e.p.verifyToken(e.p.issueToken("cid", time.Now().Add(-25*time.Hour)), time.Now()); ok {
		t.Error("an expired token verified")
	}
}

// withField returns a copy of m with key set.
func withField(m map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	out[key] = v
	return out
}

// field reads a dotted path from a decoded body as a string; numbers are formatted.
func field(m map[string]any, path string) string {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, _ := v.(map[string]any)
		v = mm[k]
	}
	return scalarString(v)
}

// seededSchema finds a seeded schema by title.
func seededSchema(t *testing.T, e *env, title string) string {
	t.Helper()
	list := e.must(http.StatusOK, req{method: "GET", path: schemaBase + "/tenant/schemas?property=title==" + url.QueryEscape(title), headers: map[string]string{"Accept": "application/vnd.adobe.xed-id+json"}})
	id := str(list.obj, "results", 0, "$id")
	if id == "" {
		t.Fatalf("no seeded schema %q: %s", title, list.raw)
	}
	return id
}
