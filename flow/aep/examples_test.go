package aep_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// TestPlatformExamplesDecode feeds the example answers quoted in platform.md through the client
// methods that read them.
func TestPlatformExamplesDecode(t *testing.T) {
	t.Parallel()
	const schemaID = "https://ns.adobe.com/acme/schemas/abc123"
	cases := []struct {
		name, route, body string
		status            int
		raw               bool // see platform.raw
		call              func(context.Context, *aep.Client) (any, error)
		want              any
	}{
		{"sandboxes", "GET /data/foundation/sandbox-management/",
			`{"sandboxes":[{"name":"prod","title":"Production","state":"active","type":"production","region":"VA7","isDefault":true}],"_page":{"count":1},"_links":{}}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) { return c.Sandboxes(ctx) },
			[]aep.Sandbox{{Name: "prod", Title: "Production", State: "active", Type: "production", Region: "VA7", IsDefault: true}}},
		{"tenant", "GET /data/foundation/schemaregistry/stats", `{"imsOrg":"x","tenantId":"acme","counts":{}}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) { return c.TenantID(ctx) }, "acme"},
		{"schema list", "GET /data/foundation/schemaregistry/tenant/schemas",
			`{"results":[{"$id":"` + schemaID + `","meta:altId":"_acme.schemas.abc123","version":"1.0","title":"Customer.io events"}],"_page":{"orderby":"title","next":null,"count":1},"_links":{}}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				var all []aep.SchemaRef
				err := c.Schemas(ctx, func(p []aep.SchemaRef) error { all = append(all, p...); return nil })
				return all, err
			},
			[]aep.SchemaRef{{ID: schemaID, AltID: "_acme.schemas.abc123", Version: "1.0", Title: "Customer.io events"}}},
		{"dataset list keyed by id", "GET /data/foundation/catalog/dataSets",
			`{"5c8c3c555033b814b69f947f":{"name":"Customer.io events","schemaRef":{"id":"` + schemaID + `","contentType":"application/vnd.adobe.xed+json;version=1"}}}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				var all []aep.Dataset
				err := c.Datasets(ctx, func(p []aep.Dataset) error { all = append(all, p...); return nil })
				return all, err
			},
			[]aep.Dataset{{ID: "5c8c3c555033b814b69f947f", Name: "Customer.io events", SchemaID: schemaID, SchemaContentType: "application/vnd.adobe.xed+json;version=1"}}},
		{"dataset create array", "POST /data/foundation/catalog/dataSets", `["@/dataSets/5c8c3c555033b814b69f947f"]`, 201, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				return c.CreateDataset(ctx, aep.NewDataset{Name: "n", SchemaID: schemaID})
			}, "5c8c3c555033b814b69f947f"},
		{"flow create", "POST /data/foundation/flowservice/flows", `{"id":"f-1","etag":"\"0a00c3b0-0000-0200-0000-5e7b4d3c0000\""}`, 201, false,
			func(ctx context.Context, c *aep.Client) (any, error) { return c.CreateFlow(ctx, aep.Flow{Name: "x"}) },
			aep.Created{ID: "f-1", ETag: `"0a00c3b0-0000-0200-0000-5e7b4d3c0000"`}},
		{"flow get list of one", "GET /data/foundation/flowservice/flows/f-1",
			`{"items":[{"id":"f-1","name":"cio","flowSpec":{"id":"e77fde5a-22a8-11ed-861d-0242ac120002","version":"1.0"},"sourceConnectionIds":["s-1"],"targetConnectionIds":["t-1"],"transformations":[{"name":"Mapping","params":{"mappingId":"m-1","mappingVersion":0}}],"options":{"inletUrl":"https://dcs.adobedc.net/collection/` + hex64 + `"},"etag":"\"e1\"","state":"enabled","inheritedAttributes":{"sourceConnections":[]}}]}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				f, err := c.Flow(ctx, "f-1")
				id, v, _ := f.MappingID()
				return []any{f.InletURL(), f.ETag, f.State, id, v, f.SourceConnectionIDs}, err
			},
			[]any{"https://dcs.adobedc.net/collection/" + hex64, `"e1"`, "enabled", "m-1", 0, []string{"s-1"}}},
		{"runs", "GET /data/foundation/flowservice/runs",
			`{"items":[{"id":"r-1","flowId":"f-1","metrics":{"recordSummary":{"inputRecordCount":10,"outputRecordCount":8,"failedRecordCount":2},"statusSummary":{"status":"partialSuccess","errors":[{"code":"CONNECTOR-2001-500","message":"bad"}]}}}]}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				rs, err := c.Runs(ctx, "f-1")
				if err != nil {
					return nil, err
				}
				m := rs[0].Metrics
				return []any{m.RecordSummary.InputRecordCount, m.RecordSummary.OutputRecordCount, m.RecordSummary.FailedRecordCount, m.StatusSummary.Status, m.StatusSummary.Errors[0].Code}, nil
			},
			[]any{int64(10), int64(8), int64(2), "partialSuccess", "CONNECTOR-2001-500"}},
		{"mapping set create is 200", "POST /data/foundation/conversion/mappingSets",
			`{"id":"m-1","version":0,"createdDate":1584479347507,"modifiedDate":1584479347507}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				ms, err := c.CreateMappingSet(ctx, aep.MappingInput{SchemaID: schemaID})
				return []any{ms.ID, ms.Version, ms.SchemaID}, err
			}, []any{"m-1", 0, schemaID}},
		// raw: Adobe's data-prep.yaml shows sourceType "text/x.schema-path" in its MappingOperation
		// example while its SourceType enum forbids it; the client must read what Adobe sends.
		{"mapping set read, older rule form", "GET /data/foundation/conversion/mappingSets/m-1",
			`{"id":"m-1","version":2,"outputSchema":{"schemaRef":{"id":"` + schemaID + `"}},"mappings":[{"sourceType":"text/x.schema-path","sourceAttribute":"data.identifiers.email","destinationXdmPath":"_acme.customerio.email"},{"sourceType":"EXPRESSION","source":"uuid()","destination":"_id"}]}`, 200, true,
			func(ctx context.Context, c *aep.Client) (any, error) { return c.MappingSet(ctx, "m-1") },
			aep.MappingSet{ID: "m-1", Version: 2, SchemaID: schemaID, Mappings: []dataprep.Rule{
				{SourceType: "ATTRIBUTE", Source: "data.identifiers.email", Destination: "_acme.customerio.email"},
				{SourceType: "EXPRESSION", Source: "uuid()", Destination: "_id"}}}},
		{"validate", "POST /data/foundation/conversion/mappingSets/validate",
			`{"validationResponse":[{"status":"SUCCESS","errors":[]},{"status":"FAILED","errors":[{"destination":"_acme.x","exception":"unknown function foo"}]}]}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				rs, err := c.ValidateMappings(ctx, aep.MappingInput{SchemaID: schemaID})
				if err != nil {
					return nil, err
				}
				return []any{rs[0].OK(), rs[1].OK(), rs[1].Errors[0].String()}, nil
			}, []any{true, false, "_acme.x: unknown function foo"}},
		{"preview list", "POST /data/foundation/conversion/mappingSets/preview",
			`[{"data":{"_acme":{"customerio":{"email":"a@b.c"}}},"errors":null}]`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				ps, err := c.PreviewMapping(ctx, aep.MappingInput{SchemaID: schemaID}, []map[string]any{{"x": 1}})
				return ps, err
			}, []aep.Preview{{Data: map[string]any{"_acme": map[string]any{"customerio": map[string]any{"email": "a@b.c"}}}}}},
		{"inlet async", "POST /collection/" + hex64,
			`{"inletId":"` + hex64 + `","xactionId":"1584479347507:2153:240","receivedTimeMs":1584479347507,"syncValidation":{"skipped":true}}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				r, err := c.Send(ctx, c.PlatformURL()+"/collection/"+hex64, "f-1", []byte(`{"metric":"sent"}`), aep.SendOptions{})
				return []any{r.InletID, r.XactionID, r.ReceivedTimeMs, r.SyncValidation.Skipped}, err
			}, []any{hex64, "1584479347507:2153:240", int64(1584479347507), true}},
		{"inlet sync pass", "POST /collection/" + hex64,
			`{"inletId":"` + hex64 + `","xactionId":"1:2:3","receivedTimeMs":1,"syncValidation":{"status":"pass"}}`, 200, false,
			func(ctx context.Context, c *aep.Client) (any, error) {
				r, err := c.Send(ctx, c.PlatformURL()+"/collection/"+hex64, "f-1", []byte(`{}`), aep.SendOptions{SyncValidation: true})
				return r.SyncValidation.Status, err
			}, "pass"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlatform(t)
			p.raw = tc.raw
			p.reply(tc.route, tc.status, tc.body)
			c, _ := p.client()
			got, err := tc.call(ctx(t), c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decoded\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

const hex64 = "9f2cbd7f1a1e4ab29b6a4bf0a6a1cb0b9f2cbd7f1a1e4ab29b6a4bf0a6a1cb0b"
