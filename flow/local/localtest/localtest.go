// Package localtest builds a complete Customer.io dataflow on a running local platform over plain HTTP,
// the way the wizard would, so tests of any package can get a webhook URL that really ingests in one
// call. It speaks only HTTP and does not import the platform, so the platform's own tests use it too.
package localtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Fixed ids from platform.md.
const (
	customerIOSpec  = "96479064-7b8a-4d69-b9ed-21c5683837ea"
	customerIOProv  = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
	dataLakeSpec    = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
	streamingFlow   = "e77fde5a-22a8-11ed-861d-0242ac120002"
	eventClass      = "https://ns.adobe.com/xdm/context/experienceevent"
	xedFull         = "application/vnd.adobe.xed-full+json;version=1"
	OrgID           = "0123456789ABCDEF01234567@AdobeOrg" // a well-formed organization id
	ClientID        = "localtest"
	clientSecret    = "localtest-secret"
	customerIONames = "event_id object_type metric email id cio_id delivery_id recipient"
)

// Dataflow is what NewDataflow created.
type Dataflow struct {
	Base, Sandbox, Token, Tenant                                            string
	FieldGroup, Schema, Dataset, Source, Target, Mapping, Flow, ETag, Inlet string // Inlet is the flow's inletUrl
}

// WebhookURL is the URL Customer.io is given: the inlet URL with the flow id.
func (d Dataflow) WebhookURL() string { return d.Inlet + "?x-adobe-flow-id=" + url.QueryEscape(d.Flow) }

// Mapping returns Data Prep rules like platform.md's: _id from event_id, an RFC 3339 timestamp from
// Customer.io's epoch seconds, and the event's fields under _<tenant>.customerio.
func Mapping(tenant string) []map[string]string {
	ns := "_" + tenant + ".customerio."
	src := map[string]string{"event_id": "event_id", "object_type": "object_type", "metric": "metric",
		"email": "data.identifiers.email", "id": "data.identifiers.id", "cio_id": "data.identifiers.cio_id",
		"delivery_id": "data.delivery_id", "recipient": "data.recipient"}
	rules := []map[string]string{
		{"sourceType": "ATTRIBUTE", "source": "event_id", "destination": "_id"},
		{"sourceType": "EXPRESSION", "source": `dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, "destination": "timestamp"},
	}
	for _, f := range strings.Fields(customerIONames) {
		rules = append(rules, map[string]string{"sourceType": "ATTRIBUTE", "source": src[f], "destination": ns + f})
	}
	return rules
}

// MappingBody is a mapping set body for schemaID.
func MappingBody(schemaID string, rules any) map[string]any {
	return map[string]any{
		"outputSchema": map[string]any{"schemaRef": map[string]any{"id": schemaID, "contentType": xedFull}},
		"mappings":     rules,
	}
}

// TargetBody is a data lake target connection body.
func TargetBody(schemaID, datasetID string) map[string]any {
	return map[string]any{
		"name": "Customer.io target", "description": "",
		"connectionSpec": map[string]any{"id": dataLakeSpec, "version": "1.0"},
		"data":           map[string]any{"format": "json", "schema": map[string]any{"id": schemaID, "version": xedFull}},
		"params":         map[string]any{"dataSetId": datasetID},
	}
}

// FlowBody is a Customer.io flow body.
func FlowBody(source, target, mapping string, version int) map[string]any {
	return map[string]any{
		"name": "Customer.io dataflow", "description": "",
		"flowSpec":            map[string]any{"id": streamingFlow, "version": "1.0"},
		"sourceConnectionIds": []string{source}, "targetConnectionIds": []string{target},
		"transformations": []any{map[string]any{"name": "Mapping", "params": map[string]any{"mappingId": mapping, "mappingVersion": version}}},
	}
}

// NewDataflow builds field group → schema → dataset → source and target connections → mapping set →
// flow in sandbox, polls the flow until it shows its inletUrl, and fails t on any error.
func NewDataflow(t testing.TB, base, sandbox string) Dataflow {
	t.Helper()
	d := Dataflow{Base: strings.TrimRight(base, "/"), Sandbox: sandbox}
	d.Token = Token(t, d.Base)
	var stats map[string]any
	d.call(t, "GET", "/data/foundation/schemaregistry/stats", nil, 200, &stats)
	d.Tenant, _ = stats["tenantId"].(string)
	props := map[string]any{}
	for _, f := range strings.Fields(customerIONames) {
		props[f] = map[string]any{"type": "string", "title": f}
	}
	var fg, sch map[string]any
	d.call(t, "POST", "/data/foundation/schemaregistry/tenant/fieldgroups", map[string]any{
		"type": "object", "title": "Customer.io fields", "description": "Customer.io reporting webhook fields",
		"meta:intendedToExtend": []string{eventClass},
		"definitions": map[string]any{"customerio": map[string]any{"properties": map[string]any{
			"_" + d.Tenant: map[string]any{"type": "object", "properties": map[string]any{
				"customerio": map[string]any{"type": "object", "properties": props},
			}},
		}}},
		"allOf": []any{map[string]any{"$ref": "#/definitions/customerio"}},
	}, 201, &fg)
	d.FieldGroup, _ = fg["$id"].(string)
	d.call(t, "POST", "/data/foundation/schemaregistry/tenant/schemas", map[string]any{
		"type": "object", "title": "Customer.io events", "description": "Customer.io reporting webhooks",
		"allOf": []any{map[string]any{"$ref": eventClass}, map[string]any{"$ref": d.FieldGroup}},
	}, 201, &sch)
	d.Schema, _ = sch["$id"].(string)
	var ds []string
	d.call(t, "POST", "/data/foundation/catalog/dataSets?requestDataSource=true", map[string]any{
		"name": "Customer.io events", "description": "events",
		"schemaRef": map[string]any{"id": d.Schema, "contentType": "application/vnd.adobe.xed+json;version=1"},
	}, 201, &ds)
	if len(ds) == 1 {
		d.Dataset = strings.TrimPrefix(ds[0], "@/dataSets/")
	}
	var src, tgt, ms, fl map[string]any
	d.call(t, "POST", "/data/foundation/flowservice/sourceConnections", map[string]any{
		"name": "Customer.io source", "description": "", "providerId": customerIOProv,
		"connectionSpec": map[string]any{"id": customerIOSpec, "version": "1.0"}, "data": map[string]any{"format": "json"},
	}, 201, &src)
	d.Source, _ = src["id"].(string)
	d.call(t, "POST", "/data/foundation/flowservice/targetConnections", TargetBody(d.Schema, d.Dataset), 201, &tgt)
	d.Target, _ = tgt["id"].(string)
	d.call(t, "POST", "/data/foundation/conversion/mappingSets", MappingBody(d.Schema, Mapping(d.Tenant)), 200, &ms)
	d.Mapping, _ = ms["id"].(string)
	d.call(t, "POST", "/data/foundation/flowservice/flows", FlowBody(d.Source, d.Target, d.Mapping, 0), 201, &fl)
	d.Flow, _ = fl["id"].(string)
	d.ETag, _ = fl["etag"].(string)
	for i := 0; i < 50 && d.Inlet == ""; i++ { // inletUrl may lag creation: poll, as clients must
		if i > 0 {
			time.Sleep(10 * time.Millisecond)
		}
		var got struct {
			Items []struct {
				Options struct {
					InletURL string `json:"inletUrl"`
				} `json:"options"`
			} `json:"items"`
		}
		d.call(t, "GET", "/data/foundation/flowservice/flows/"+d.Flow, nil, 200, &got)
		if len(got.Items) == 1 {
			d.Inlet = got.Items[0].Options.InletURL
		}
	}
	if d.Inlet == "" {
		t.Fatalf("flow %s never showed options.inletUrl", d.Flow)
	}
	return d
}

// Token gets an access token from the platform's IMS.
func Token(t testing.TB, base string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {ClientID}, "client_secret": {clientSecret}, "scope": {"openid,AdobeID"}}
	res, err := http.Post(base+"/ims/token/v3", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: status %d, %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

// call makes one Platform call with valid headers and decodes the answer into out.
func (d Dataflow) call(t testing.TB, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	r, err := http.NewRequest(method, d.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+d.Token)
	r.Header.Set("x-api-key", ClientID)
	r.Header.Set("x-gw-ims-org-id", OrgID)
	r.Header.Set("x-sandbox-name", d.Sandbox)
	r.Header.Set("Accept", "application/json")
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
}

// Send posts one raw event to the dataflow's webhook URL, as Customer.io does, and returns the status
// and body.
func (d Dataflow) Send(t testing.TB, event string) (int, string) {
	t.Helper()
	res, err := http.Post(d.WebhookURL(), "application/json", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}
