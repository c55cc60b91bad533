package aep_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// TestEveryCallSendsAdobesHeaders checks each call's method, path, query and the exact headers
// platform.md requires: Bearer token, x-api-key, x-gw-ims-org-id, a lower-case x-sandbox-name (not on
// the sandbox list), Content-Type only with a body, the Schema Registry's Accept values, never
// x-sandbox-id.
func TestEveryCallSendsAdobesHeaders(t *testing.T) {
	t.Parallel()
	const schemaID = "https://ns.adobe.com/acme/schemas/abc"
	rules := []dataprep.Rule{{SourceType: dataprep.Attribute, Source: "metric", Destination: "_acme.customerio.metric"}}
	cases := []struct {
		name     string
		route    string // pattern answered
		answer   string
		status   int
		call     func(context.Context, *aep.Client) error
		path     string // escaped path expected
		query    string // expected query, encoded ("" = none)
		accept   string
		body     bool
		sandbox  bool
		ifMatch  string
		bodyWant string // substring the body must contain
	}{
		{name: "sandboxes", route: "GET /data/foundation/sandbox-management/", answer: `{"sandboxes":[]}`,
			call: func(ctx context.Context, c *aep.Client) error { _, err := c.Sandboxes(ctx); return err },
			path: "/data/foundation/sandbox-management/", accept: "application/json"},
		{name: "stats", route: "GET /data/foundation/schemaregistry/stats", answer: `{"tenantId":"acme"}`,
			call: func(ctx context.Context, c *aep.Client) error { _, err := c.TenantID(ctx); return err },
			path: "/data/foundation/schemaregistry/stats", accept: "application/json", sandbox: true},
		{name: "schema list", route: "GET /data/foundation/schemaregistry/tenant/schemas", answer: `{"results":[],"_page":{"next":null}}`,
			call: func(ctx context.Context, c *aep.Client) error {
				return c.Schemas(ctx, func([]aep.SchemaRef) error { return nil })
			},
			path: "/data/foundation/schemaregistry/tenant/schemas", query: "limit=300&orderby=title",
			accept: "application/vnd.adobe.xed-id+json", sandbox: true},
		{name: "schema lookup", route: "GET /data/foundation/schemaregistry/tenant/schemas/{id}", answer: `{"$id":"x"}`,
			call:   func(ctx context.Context, c *aep.Client) error { _, err := c.Schema(ctx, schemaID); return err },
			path:   "/data/foundation/schemaregistry/tenant/schemas/" + url.QueryEscape(schemaID),
			accept: "application/vnd.adobe.xed-full+json; version=1", sandbox: true},
		{name: "find field group", route: "GET /data/foundation/schemaregistry/tenant/fieldgroups", answer: `{"results":[{"$id":"fg","title":"CIO fields (ab12)"}],"_page":{"count":1}}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, ok, err := c.FindFieldGroup(ctx, "CIO fields (ab12)")
				if err == nil && !ok {
					t.Error("field group not found")
				}
				return err
			},
			path: "/data/foundation/schemaregistry/tenant/fieldgroups", query: "limit=300&orderby=title&property=title%3D%3DCIO+fields+%28ab12%29",
			accept: "application/vnd.adobe.xed-id+json", sandbox: true},
		{name: "create field group", route: "POST /data/foundation/schemaregistry/tenant/fieldgroups", status: 201, answer: `{"$id":"https://ns.adobe.com/acme/mixins/1","meta:altId":"_acme.mixins.1","version":"1.0","title":"t"}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateFieldGroup(ctx, map[string]any{"type": "object", "title": "t", "description": "d",
					"meta:intendedToExtend": []string{aep.ExperienceEventClass},
					"definitions": map[string]any{"customerio": map[string]any{"properties": map[string]any{"_acme": map[string]any{
						"type": "object", "properties": map[string]any{"email": map[string]string{"type": "string"}}}}}},
					"allOf": []any{map[string]string{"$ref": "#/definitions/customerio"}}})
				return err
			},
			path: "/data/foundation/schemaregistry/tenant/fieldgroups", accept: "application/json", body: true, sandbox: true, bodyWant: `"title":"t"`},
		{name: "create schema", route: "POST /data/foundation/schemaregistry/tenant/schemas", status: 201, answer: `{"$id":"x","meta:altId":"y","version":"1.0"}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateSchema(ctx, map[string]any{"type": "object", "title": "Customer.io (ab12)", "description": "d",
					"allOf": []any{map[string]string{"$ref": aep.ExperienceEventClass}, map[string]string{"$ref": "https://ns.adobe.com/acme/mixins/1"}}})
				return err
			},
			path: "/data/foundation/schemaregistry/tenant/schemas", accept: "application/json", body: true, sandbox: true, bodyWant: aep.ExperienceEventClass},
		{name: "find schema", route: "GET /data/foundation/schemaregistry/tenant/schemas", answer: `{"results":[],"_page":{"next":null}}`,
			call: func(ctx context.Context, c *aep.Client) error { _, _, err := c.FindSchema(ctx, "S"); return err },
			path: "/data/foundation/schemaregistry/tenant/schemas", query: "limit=300&orderby=title&property=title%3D%3DS",
			accept: "application/vnd.adobe.xed-id+json", sandbox: true},
		{name: "create descriptor", route: "POST /data/foundation/schemaregistry/tenant/descriptors", status: 201, answer: `{"@id":"d-1","@type":"xdm:descriptorIdentity"}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateDescriptor(ctx, aep.Descriptor{Type: aep.IdentityDescriptor, SourceSchema: schemaID, SourceVersion: 1,
					SourceProperty: "/_acme/customerio/email", Namespace: "Email", Property: "xdm:code", IsPrimary: true})
				return err
			},
			path: "/data/foundation/schemaregistry/tenant/descriptors", accept: "application/json", body: true, sandbox: true,
			bodyWant: `"xdm:sourceProperty":"/_acme/customerio/email"`},
		{name: "descriptors", route: "GET /data/foundation/schemaregistry/tenant/descriptors",
			answer: `{"xdm:descriptorIdentity":[{"@id":"d-1","@type":"xdm:descriptorIdentity","xdm:sourceSchema":"` + schemaID + `","xdm:sourceVersion":"1","xdm:sourceProperty":"/_acme/customerio/email","xdm:namespace":"Email","xdm:property":"xdm:code","xdm:isPrimary":true},{"@id":"d-2","@type":"xdm:descriptorIdentity","xdm:sourceSchema":"https://ns.adobe.com/acme/schemas/other","xdm:sourceVersion":"1","xdm:sourceProperty":"/x","xdm:namespace":"ECID","xdm:property":"xdm:code","xdm:isPrimary":true}]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				ds, err := c.Descriptors(ctx, schemaID)
				if err == nil && (len(ds) != 1 || ds[0].ID != "d-1" || ds[0].SourceVersion != 1) {
					t.Errorf("descriptors %+v, want only d-1 at version 1", ds)
				}
				return err
			},
			path: "/data/foundation/schemaregistry/tenant/descriptors", query: "property=" + url.QueryEscape("xdm:sourceSchema=="+schemaID),
			accept: "application/vnd.adobe.xdm+json", sandbox: true},
		{name: "enable profile", route: "PATCH /data/foundation/schemaregistry/tenant/schemas/{id}", answer: `{"$id":"x"}`,
			call:   func(ctx context.Context, c *aep.Client) error { return c.EnableProfile(ctx, schemaID) },
			path:   "/data/foundation/schemaregistry/tenant/schemas/" + url.QueryEscape(schemaID),
			accept: "application/json", body: true, sandbox: true, bodyWant: `[{"op":"add","path":"/meta:immutableTags","value":["union"]}]`},
		{name: "dataset", route: "GET /data/foundation/catalog/dataSets/{id}", answer: `{"ds1":{"name":"n"}}`,
			call: func(ctx context.Context, c *aep.Client) error { _, err := c.Dataset(ctx, "ds1"); return err },
			path: "/data/foundation/catalog/dataSets/ds1", accept: "application/json", sandbox: true},
		{name: "find datasets", route: "GET /data/foundation/catalog/dataSets", answer: `{}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.FindDatasets(ctx, "Customer.io (ab12)")
				return err
			},
			path: "/data/foundation/catalog/dataSets", query: "limit=100&name=Customer.io+%28ab12%29&orderBy=asc%3Acreated&properties=name%2Cdescription%2CschemaRef%2Ctags&start=0",
			accept: "application/json", sandbox: true},
		{name: "create dataset", route: "POST /data/foundation/catalog/dataSets", status: 201, answer: `["@/dataSets/ds1"]`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateDataset(ctx, aep.NewDataset{Name: "n", SchemaID: schemaID, Profile: true})
				return err
			},
			path: "/data/foundation/catalog/dataSets", query: "requestDataSource=true", accept: "application/json", body: true, sandbox: true,
			bodyWant: `"unifiedProfile":["enabled:true"]`},
		{name: "connection spec", route: "GET /data/foundation/flowservice/connectionSpecs/{id}", answer: `{"items":[{"id":"96479064-7b8a-4d69-b9ed-21c5683837ea","name":"customerio"}]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.ConnectionSpec(ctx, aep.CustomerIOConnectionSpecID)
				return err
			},
			path: "/data/foundation/flowservice/connectionSpecs/" + aep.CustomerIOConnectionSpecID, accept: "application/json", sandbox: true},
		{name: "create source connection", route: "POST /data/foundation/flowservice/sourceConnections", status: 201, answer: `{"id":"s-1","etag":"\"1\""}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateSourceConnection(ctx, aep.SourceConnection{Name: "n", ProviderID: aep.CustomerIOProviderID,
					ConnectionSpec: aep.SpecRef{ID: aep.CustomerIOConnectionSpecID, Version: aep.SpecVersion}, Data: aep.ConnectionData{Format: "json"}})
				return err
			},
			path: "/data/foundation/flowservice/sourceConnections", accept: "application/json", body: true, sandbox: true,
			bodyWant: `"providerId":"521eee4d-8cbe-4906-bb48-fb6bd4450033","connectionSpec":{"id":"96479064-7b8a-4d69-b9ed-21c5683837ea","version":"1.0"},"data":{"format":"json"}`},
		{name: "source connections by spec", route: "GET /data/foundation/flowservice/sourceConnections", answer: `{"items":[]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.SourceConnections(ctx, "connectionSpec.id=="+aep.CustomerIOConnectionSpecID)
				return err
			},
			path: "/data/foundation/flowservice/sourceConnections", query: "limit=100&property=connectionSpec.id%3D%3D" + aep.CustomerIOConnectionSpecID,
			accept: "application/json", sandbox: true},
		{name: "create target connection", route: "POST /data/foundation/flowservice/targetConnections", status: 201, answer: `{"id":"t-1","etag":"\"1\""}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateTargetConnection(ctx, aep.TargetConnection{Name: "n",
					ConnectionSpec: aep.SpecRef{ID: aep.DataLakeConnectionSpecID, Version: aep.SpecVersion},
					Data:           aep.ConnectionData{Format: "json", Schema: &aep.SchemaVersion{ID: schemaID, Version: aep.XEDFullContentType}},
					Params:         aep.TargetParams{DataSetID: "ds1"}})
				return err
			},
			path: "/data/foundation/flowservice/targetConnections", accept: "application/json", body: true, sandbox: true,
			bodyWant: `"params":{"dataSetId":"ds1"}`},
		{name: "create flow", route: "POST /data/foundation/flowservice/flows", status: 201, answer: `{"id":"f-1","etag":"\"1\""}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateFlow(ctx, aep.Flow{Name: "n", State: "enabled", FlowSpec: aep.SpecRef{ID: aep.StreamingFlowSpecID, Version: aep.SpecVersion},
					SourceConnectionIDs: []string{"s-1"}, TargetConnectionIDs: []string{"t-1"},
					Transformations: []aep.Transformation{{Name: aep.MappingTransformation, Params: aep.TransformationParams{MappingID: "m-1"}}},
					Options:         &aep.FlowOptions{ErrorDiagnosticsEnabled: true, PartialIngestionPercent: 5, InletURL: "https://leak"}})
				return err
			},
			path: "/data/foundation/flowservice/flows", accept: "application/json", body: true, sandbox: true,
			bodyWant: `"transformations":[{"name":"Mapping","params":{"mappingId":"m-1","mappingVersion":0}}],"options":{"errorDiagnosticsEnabled":true,"partialIngestionPercent":5}}`},
		{name: "flows by source", route: "GET /data/foundation/flowservice/flows", answer: `{"items":[]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.Flows(ctx, "sourceConnectionIds[]==s-1,s-2")
				return err
			},
			path: "/data/foundation/flowservice/flows", query: "limit=100&property=sourceConnectionIds%5B%5D%3D%3Ds-1%2Cs-2",
			accept: "application/json", sandbox: true},
		{name: "patch flow", route: "PATCH /data/foundation/flowservice/flows/{id}", answer: `{"id":"f-1","etag":"\"2\""}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.PatchFlow(ctx, "f-1", `"1"`, []aep.PatchOp{{Op: "replace", Path: "/transformations/0",
					Value: aep.Transformation{Name: aep.MappingTransformation, Params: aep.TransformationParams{MappingID: "m-2", MappingVersion: 1}}}})
				return err
			},
			path: "/data/foundation/flowservice/flows/f-1", accept: "application/json", body: true, sandbox: true, ifMatch: `"1"`,
			bodyWant: `[{"op":"replace","path":"/transformations/0","value":{"name":"Mapping","params":{"mappingId":"m-2","mappingVersion":1}}}]`},
		{name: "flow action", route: "POST /data/foundation/flowservice/flows/{id}/action", answer: `{"id":"f-1","etag":"\"3\""}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.FlowAction(ctx, "f-1", aep.Disable)
				return err
			},
			path: "/data/foundation/flowservice/flows/f-1/action", query: "op=DISABLE", accept: "application/json", sandbox: true},
		{name: "delete flow", route: "DELETE /data/foundation/flowservice/flows/{id}", status: 204,
			call: func(ctx context.Context, c *aep.Client) error { return c.DeleteFlow(ctx, "f-1") },
			path: "/data/foundation/flowservice/flows/f-1", accept: "application/json", sandbox: true},
		{name: "delete source connection", route: "DELETE /data/foundation/flowservice/sourceConnections/{id}", status: 204,
			call: func(ctx context.Context, c *aep.Client) error { return c.DeleteSourceConnection(ctx, "s-1") },
			path: "/data/foundation/flowservice/sourceConnections/s-1", accept: "application/json", sandbox: true},
		{name: "delete target connection", route: "DELETE /data/foundation/flowservice/targetConnections/{id}", status: 204,
			call: func(ctx context.Context, c *aep.Client) error { return c.DeleteTargetConnection(ctx, "t-1") },
			path: "/data/foundation/flowservice/targetConnections/t-1", accept: "application/json", sandbox: true},
		{name: "target connection", route: "GET /data/foundation/flowservice/targetConnections/{id}", answer: `{"items":[{"id":"t-1","params":{"dataSetId":"ds1"}}]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				tc, err := c.TargetConnection(ctx, "t-1")
				if err == nil && tc.Params.DataSetID != "ds1" {
					t.Errorf("dataSetId = %q", tc.Params.DataSetID)
				}
				return err
			},
			path: "/data/foundation/flowservice/targetConnections/t-1", accept: "application/json", sandbox: true},
		{name: "source connection", route: "GET /data/foundation/flowservice/sourceConnections/{id}", answer: `{"items":[{"id":"s-1","name":"n","connectionSpec":{"id":"96479064-7b8a-4d69-b9ed-21c5683837ea","version":"1.0"},"etag":"\"1\""}]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				sc, err := c.SourceConnection(ctx, "s-1")
				if err == nil && sc.ConnectionSpec.ID != aep.CustomerIOConnectionSpecID {
					t.Errorf("connection spec %q", sc.ConnectionSpec.ID)
				}
				return err
			},
			path: "/data/foundation/flowservice/sourceConnections/s-1", accept: "application/json", sandbox: true},
		{name: "target connections by dataset", route: "GET /data/foundation/flowservice/targetConnections", answer: `{"items":[]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.TargetConnections(ctx, "params.dataSetId==ds1")
				return err
			},
			path: "/data/foundation/flowservice/targetConnections", query: "limit=100&property=params.dataSetId%3D%3Dds1",
			accept: "application/json", sandbox: true},
		{name: "mapping set", route: "GET /data/foundation/conversion/mappingSets/{id}", answer: `{"id":"m-1","version":1,"outputSchema":{"schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed-full+json;version=1"}},"mappings":[{"sourceType":"ATTRIBUTE","source":"metric","destination":"_acme.customerio.metric"}]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				ms, err := c.MappingSet(ctx, "m-1")
				if err == nil && (len(ms.Mappings) != 1 || ms.Mappings[0] != rules[0] || ms.SchemaID != schemaID) {
					t.Errorf("mapping set %+v", ms)
				}
				return err
			},
			path: "/data/foundation/conversion/mappingSets/m-1", accept: "application/json", sandbox: true},
		{name: "validate", route: "POST /data/foundation/conversion/mappingSets/validate", answer: `{"validationResponse":[{"status":"SUCCESS","errors":[]}]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.ValidateMappings(ctx, aep.MappingInput{SchemaID: schemaID, Mappings: rules})
				return err
			},
			path: "/data/foundation/conversion/mappingSets/validate", accept: "application/json", body: true, sandbox: true, bodyWant: `"source":"metric"`},
		{name: "runs", route: "GET /data/foundation/flowservice/runs", answer: `{"items":[]}`,
			call: func(ctx context.Context, c *aep.Client) error { _, err := c.Runs(ctx, "f-1"); return err },
			path: "/data/foundation/flowservice/runs", query: "limit=100&property=flowId%3D%3Df-1", accept: "application/json", sandbox: true},
		{name: "create mapping set", route: "POST /data/foundation/conversion/mappingSets", answer: `{"id":"m-1","version":0}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.CreateMappingSet(ctx, aep.MappingInput{SchemaID: schemaID, Mappings: rules})
				return err
			},
			path: "/data/foundation/conversion/mappingSets", accept: "application/json", body: true, sandbox: true,
			bodyWant: `"mappings":[{"sourceType":"ATTRIBUTE","source":"metric","destination":"_acme.customerio.metric"}],"outputSchema":{"schemaRef":{"contentType":"application/vnd.adobe.xed-full+json;version=1","id":"` + schemaID + `"}}`},
		{name: "put mapping set", route: "PUT /data/foundation/conversion/mappingSets/{id}", answer: `{"id":"m-1","version":1}`,
			call: func(ctx context.Context, c *aep.Client) error {
				ms, err := c.UpdateMappingSet(ctx, "m-1", aep.MappingInput{SchemaID: schemaID, Mappings: rules})
				if err == nil && ms.Version != 1 {
					t.Errorf("version = %d", ms.Version)
				}
				return err
			},
			path: "/data/foundation/conversion/mappingSets/m-1", accept: "application/json", body: true, sandbox: true, bodyWant: `"source":"metric"`},
		{name: "preview", route: "POST /data/foundation/conversion/mappingSets/preview", answer: `{"data":{},"errors":[]}`,
			call: func(ctx context.Context, c *aep.Client) error {
				_, err := c.PreviewMapping(ctx, aep.MappingInput{SchemaID: schemaID, Mappings: rules}, []map[string]any{{"metric": "sent"}})
				return err
			},
			path: "/data/foundation/conversion/mappingSets/preview", accept: "application/json", body: true, sandbox: true,
			bodyWant: `{"data":[{"metric":"sent"}],"mappingSet":{`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlatform(t)
			status := tc.status
			if status == 0 {
				status = 200
			}
			p.reply(tc.route, status, tc.answer)
			c, _ := p.client()
			if err := tc.call(ctx(t), c); err != nil {
				t.Fatalf("call: %v", err)
			}
			got := p.calls("/data/")
			if len(got) != 1 {
				t.Fatalf("%d platform requests, want 1", len(got))
			}
			r := got[0]
			if method := strings.Fields(tc.route)[0]; r.Method != method {
				t.Errorf("method %s, want %s", r.Method, method)
			}
			if r.RawPath != tc.path { // escaped: a schema $id must travel as one encoded segment
				t.Errorf("path %s, want %s", r.RawPath, tc.path)
			}
			if q := r.Query.Encode(); q != tc.query {
				t.Errorf("query %s, want %s", q, tc.query)
			}
			h := r.Header
			want := map[string]string{"Authorization": "Bearer eyJ-access-token-1-xyz", "X-Api-Key": clientID,
				"X-Gw-Ims-Org-Id": orgID, "Accept": tc.accept}
			if tc.sandbox {
				want["X-Sandbox-Name"] = "dev-1"
			}
			if tc.body {
				want["Content-Type"] = "application/json"
			}
			if tc.ifMatch != "" {
				want["If-Match"] = tc.ifMatch
			}
			for k, v := range want {
				if h.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
				}
			}
			if !tc.sandbox && h.Get("X-Sandbox-Name") != "" {
				t.Errorf("x-sandbox-name sent on a call that takes none: %q", h.Get("X-Sandbox-Name"))
			}
			if !tc.body && (h.Get("Content-Type") != "" || len(r.Body) != 0) {
				t.Errorf("a bodiless call sent Content-Type %q and %d bytes", h.Get("Content-Type"), len(r.Body))
			}
			if h.Get("X-Sandbox-Id") != "" {
				t.Error("x-sandbox-id sent; Flow Service rejects it")
			}
			if tc.ifMatch == "" && h.Get("If-Match") != "" {
				t.Errorf("unexpected If-Match %q", h.Get("If-Match"))
			}
			if !strings.Contains(string(r.Body), tc.bodyWant) {
				t.Errorf("body %s\ndoes not contain %s", r.Body, tc.bodyWant)
			}
			if strings.Contains(string(r.Body), `"state"`) || strings.Contains(string(r.Body), "leak") {
				t.Errorf("read-only fields sent on create: %s", r.Body)
			}
		})
	}
}

// TestTokenRequest checks the IMS call: form-encoded client credentials and scopes, no Adobe headers.
func TestTokenRequest(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	c, _ := p.client()
	if _, err := c.Token(ctx(t)); err != nil {
		t.Fatal(err)
	}
	r := p.calls("/ims/")[0]
	if r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	form, _ := url.ParseQuery(string(r.Body))
	if form.Get("scope") != aep.DefaultScopes || form.Get("grant_type") != "client_credentials" {
		t.Errorf("form %v", form)
	}
	for _, h := range []string{"Authorization", "X-Api-Key", "X-Sandbox-Name", "X-Gw-Ims-Org-Id"} {
		if r.Header.Get(h) != "" {
			t.Errorf("IMS call carries %s", h)
		}
	}
}

// TestInletRequest checks the inlet post: the raw event, the flow id and syncValidation as query
// parameters, and no Adobe credentials (the Customer.io source has none).
func TestInletRequest(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.reply("POST /collection/{id}", 200, `{"inletId":"i","xactionId":"x","receivedTimeMs":1}`)
	c, _ := p.client()
	event := []byte(`{"metric":"sent","data":{"identifiers":{"email":"a@b.c"}}}`)
	if _, err := c.Send(ctx(t), p.srv.URL+"/collection/"+hex64, "f-1", event, aep.SendOptions{SyncValidation: true}); err != nil {
		t.Fatal(err)
	}
	r := p.calls("/collection/")[0]
	if string(r.Body) != string(event) || r.Query.Get("x-adobe-flow-id") != "f-1" || r.Query.Get("syncValidation") != "true" {
		t.Errorf("body %s query %v", r.Body, r.Query)
	}
	for _, h := range []string{"Authorization", "X-Api-Key", "X-Sandbox-Name", "X-Gw-Ims-Org-Id"} {
		if r.Header.Get(h) != "" {
			t.Errorf("inlet call carries %s", h)
		}
	}
	if len(p.calls("/ims/")) != 0 {
		t.Error("sending to the inlet fetched a token")
	}
}
