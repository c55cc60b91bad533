package aep_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/local"
)

// TestAgainstLocalPlatform drives every client call the product makes, in the engine's order, against
// the local platform: the same contract spoken by an independent implementation. The OpenAPI check is
// left to the other tests (same requests) and to flow/local's own suite (its answers).
func TestAgainstLocalPlatform(t *testing.T) {
	t.Parallel()
	lp, err := local.Open(local.Config{DataDir: t.TempDir(), ClientID: clientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(lp)
	t.Cleanup(func() { srv.Close(); lp.Close() })
	lp.SetBaseURL(srv.URL)
	cfg := aep.Config{PlatformURL: srv.URL, IMSURL: srv.URL, OrgID: local.OrgID, ClientID: clientID, ClientSecret: secret,
		Sandbox: "Prod", HTTP: &http.Client{},
		Retry: aep.Retry{Base: time.Millisecond, Max: 10 * time.Millisecond}}
	c := aep.New(cfg)
	ctx := ctx(t)
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	sbs, err := c.Sandboxes(ctx)
	must(err, "sandboxes")
	if len(sbs) == 0 || sbs[0].Name != "prod" || !sbs[0].Active() {
		t.Fatalf("sandboxes %+v", sbs)
	}
	tenant, err := c.TenantID(ctx)
	must(err, "tenant")
	if tenant != lp.TenantID() {
		t.Fatalf("tenant %q, want %q", tenant, lp.TenantID())
	}
	var schemas []aep.SchemaRef
	must(c.Schemas(ctx, func(p []aep.SchemaRef) error { schemas = append(schemas, p...); return nil }), "schemas")
	var datasets []aep.Dataset
	must(c.Datasets(ctx, func(p []aep.Dataset) error { datasets = append(datasets, p...); return nil }), "datasets")
	if len(schemas) == 0 || len(datasets) == 0 {
		t.Fatalf("seeded organisation shows %d schemas and %d datasets", len(schemas), len(datasets))
	}

	// the new-schema path
	tw := "_" + tenant
	fgTitle := "Customer.io fields (t3st)"
	fg, err := c.CreateFieldGroup(ctx, map[string]any{"type": "object", "title": fgTitle, "description": "Customer.io reporting webhook fields",
		"meta:intendedToExtend": []string{aep.ExperienceEventClass},
		"definitions": map[string]any{"customerio": map[string]any{"properties": map[string]any{tw: map[string]any{
			"type": "object", "properties": map[string]any{"customerio": map[string]any{"type": "object", "properties": map[string]any{
				"email":  map[string]any{"type": "string", "title": "Email"},
				"metric": map[string]any{"type": "string", "title": "Metric"},
			}}}}}}},
		"allOf": []any{map[string]string{"$ref": "#/definitions/customerio"}}})
	must(err, "create field group")
	if found, ok, err := c.FindFieldGroup(ctx, fgTitle); err != nil || !ok || found.ID != fg.ID {
		t.Fatalf("FindFieldGroup = %+v %v %v, want %s", found, ok, err, fg.ID)
	}
	schemaTitle := "Customer.io events (t3st)"
	sc, err := c.CreateSchema(ctx, map[string]any{"type": "object", "title": schemaTitle, "description": "Customer.io reporting webhooks",
		"allOf": []any{map[string]string{"$ref": aep.ExperienceEventClass}, map[string]string{"$ref": fg.ID}}})
	must(err, "create schema")
	if found, ok, err := c.FindSchema(ctx, schemaTitle); err != nil || !ok || found.ID != sc.ID {
		t.Fatalf("FindSchema = %+v %v %v, want %s", found, ok, err, sc.ID)
	}
	full, err := c.Schema(ctx, sc.ID)
	must(err, "schema lookup")
	if props, _ := full["properties"].(map[string]any); props == nil || props[tw] == nil || props["timestamp"] == nil {
		t.Fatalf("resolved schema lacks %s or timestamp: %v", tw, full["properties"])
	}
	d, err := c.CreateDescriptor(ctx, aep.Descriptor{Type: aep.IdentityDescriptor, SourceSchema: sc.ID, SourceVersion: 1,
		SourceProperty: "/" + tw + "/customerio/email", Namespace: "Email", Property: "xdm:code", IsPrimary: true})
	must(err, "create descriptor")
	ds, err := c.Descriptors(ctx, sc.ID)
	must(err, "descriptors")
	if len(ds) != 1 || ds[0].ID != d.ID || ds[0].Namespace != "Email" {
		t.Fatalf("descriptors %+v, want the one created (%s)", ds, d.ID)
	}
	must(c.EnableProfile(ctx, sc.ID), "enable profile")
	dsName := "Customer.io events (t3st)"
	datasetID, err := c.CreateDataset(ctx, aep.NewDataset{Name: dsName, Description: "d", SchemaID: sc.ID, Profile: true})
	must(err, "create dataset")
	got, err := c.Dataset(ctx, datasetID)
	must(err, "dataset")
	if got.SchemaID != sc.ID || got.Name != dsName {
		t.Fatalf("dataset %+v", got)
	}
	if found, err := c.FindDatasets(ctx, dsName); err != nil || len(found) != 1 || found[0].ID != datasetID {
		t.Fatalf("FindDatasets = %+v, %v", found, err)
	}

	// the dataflow
	spec, err := c.ConnectionSpec(ctx, aep.CustomerIOConnectionSpecID)
	must(err, "connection spec")
	if spec.ID != aep.CustomerIOConnectionSpecID {
		t.Fatalf("connection spec %+v", spec)
	}
	src, err := c.CreateSourceConnection(ctx, aep.SourceConnection{Name: "Customer.io source (t3st)", ProviderID: aep.CustomerIOProviderID,
		ConnectionSpec: aep.SpecRef{ID: aep.CustomerIOConnectionSpecID, Version: aep.SpecVersion}, Data: aep.ConnectionData{Format: "json"}})
	must(err, "create source connection")
	srcs, err := c.SourceConnections(ctx, "connectionSpec.id=="+aep.CustomerIOConnectionSpecID)
	must(err, "list source connections")
	if len(srcs) != 1 || srcs[0].ID != src.ID {
		t.Fatalf("source connections %+v", srcs)
	}
	tgt, err := c.CreateTargetConnection(ctx, aep.TargetConnection{Name: "Customer.io target (t3st)",
		ConnectionSpec: aep.SpecRef{ID: aep.DataLakeConnectionSpecID, Version: aep.SpecVersion},
		Data:           aep.ConnectionData{Format: "json", Schema: &aep.SchemaVersion{ID: sc.ID, Version: aep.XEDFullContentType}},
		Params:         aep.TargetParams{DataSetID: datasetID}})
	must(err, "create target connection")
	if tc, err := c.TargetConnection(ctx, tgt.ID); err != nil || tc.Params.DataSetID != datasetID {
		t.Fatalf("target connection %+v %v", tc, err)
	}
	rules := []dataprep.Rule{
		{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"},
		{SourceType: dataprep.Expression, Source: `dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, Destination: "timestamp"},
		{SourceType: dataprep.Attribute, Source: "data.identifiers.email", Destination: tw + ".customerio.email"},
		{SourceType: dataprep.Attribute, Source: "metric", Destination: tw + ".customerio.metric"},
	}
	in := aep.MappingInput{SchemaID: sc.ID, Mappings: rules}
	checks, err := c.ValidateMappings(ctx, in)
	must(err, "validate mappings")
	if len(checks) != len(rules) {
		t.Fatalf("%d validation results for %d rules", len(checks), len(rules))
	}
	for i, r := range checks {
		if !r.OK() {
			t.Errorf("rule %d failed validation: %v", i, r.Errors)
		}
	}
	sample := map[string]any{"event_id": "01HQZ5Y6N0TEST", "object_type": "email", "metric": "sent", "timestamp": 1700000000,
		"data": map[string]any{"identifiers": map[string]any{"email": "ada@example.com"}}}
	previews, err := c.PreviewMapping(ctx, in, []map[string]any{sample})
	must(err, "preview")
	if len(previews) != 1 || previews[0].Data["_id"] != "01HQZ5Y6N0TEST" {
		t.Fatalf("preview %+v", previews)
	}
	ms, err := c.CreateMappingSet(ctx, in)
	must(err, "create mapping set")
	flowName := "Customer.io dataflow (t3st)"
	created, err := c.CreateFlow(ctx, aep.Flow{Name: flowName, FlowSpec: aep.SpecRef{ID: aep.StreamingFlowSpecID, Version: aep.SpecVersion},
		SourceConnectionIDs: []string{src.ID}, TargetConnectionIDs: []string{tgt.ID},
		Transformations: []aep.Transformation{{Name: aep.MappingTransformation, Params: aep.TransformationParams{MappingID: ms.ID, MappingVersion: ms.Version}}},
		Options:         &aep.FlowOptions{ErrorDiagnosticsEnabled: true}})
	must(err, "create flow")
	flows, err := c.Flows(ctx, "sourceConnectionIds[]=="+src.ID)
	must(err, "list flows")
	if len(flows) != 1 || flows[0].ID != created.ID {
		t.Fatalf("flows %+v", flows)
	}
	var flow aep.Flow
	for range 50 { // the inlet URL may lag the flow's creation
		flow, err = c.Flow(ctx, created.ID)
		must(err, "flow")
		if flow.InletURL() != "" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasPrefix(flow.InletURL(), srv.URL+"/collection/") {
		t.Fatalf("inlet URL %q", flow.InletURL())
	}
	reply, err := c.Send(ctx, flow.InletURL(), flow.ID, []byte(`{"event_id":"01HQZ5Y6N0TEST","object_type":"email","metric":"sent","timestamp":1700000000,"data":{"identifiers":{"email":"ada@example.com"}}}`),
		aep.SendOptions{SyncValidation: true})
	must(err, "send")
	if reply.SyncValidation.Status != "pass" || reply.XactionID == "" {
		t.Fatalf("inlet reply %+v", reply)
	}
	_, err = c.Send(ctx, flow.InletURL(), flow.ID, []byte(`{"metric":"sent"}`), aep.SendOptions{SyncValidation: true})
	var ae *aep.Error
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Detail == "" {
		t.Fatalf("an invalid record: %v", err)
	}
	_, err = c.Runs(ctx, flow.ID)
	must(err, "runs")

	// reconfigure: a new mapping version, swapped in with the flow's etag
	ms2, err := c.UpdateMappingSet(ctx, ms.ID, in)
	must(err, "update mapping set")
	if ms2.Version <= ms.Version {
		t.Fatalf("mapping version %d after %d", ms2.Version, ms.Version)
	}
	swap := []aep.PatchOp{{Op: "replace", Path: "/transformations/0", Value: aep.Transformation{Name: aep.MappingTransformation,
		Params: aep.TransformationParams{MappingID: ms.ID, MappingVersion: ms2.Version}}}}
	patched, err := c.PatchFlow(ctx, flow.ID, flow.ETag, swap)
	must(err, "patch flow")
	_, err = c.PatchFlow(ctx, flow.ID, flow.ETag, swap) // the etag is stale now
	if !errors.As(err, &ae) || !ae.HasCode("1404-412") || !strings.Contains(aep.Hint(err), "read it again") {
		t.Fatalf("stale etag: %v (hint %q)", err, aep.Hint(err))
	}
	if patched.ETag == flow.ETag {
		t.Error("the etag did not change")
	}
	_, err = c.FlowAction(ctx, flow.ID, aep.Disable)
	must(err, "disable")
	if f, err := c.Flow(ctx, flow.ID); err != nil || f.State != "disabled" {
		t.Fatalf("after DISABLE: %q %v", f.State, err)
	}
	_, err = c.FlowAction(ctx, flow.ID, aep.Enable)
	must(err, "enable")

	// teardown
	must(c.DeleteFlow(ctx, flow.ID), "delete flow")
	must(c.DeleteSourceConnection(ctx, src.ID), "delete source connection")
	must(c.DeleteTargetConnection(ctx, tgt.ID), "delete target connection")
	if _, err := c.Flow(ctx, flow.ID); !errors.Is(err, aep.ErrNotFound) {
		t.Fatalf("deleted flow: %v", err)
	}

	// credentials and sandboxes the platform refuses
	bad := cfg
	bad.ClientSecret = "not-the-secret"
	_, err = aep.New(bad).Sandboxes(ctx)
	if !errors.As(err, &ae) || ae.Code != "invalid_client" || strings.Contains(err.Error(), "not-the-secret") {
		t.Fatalf("wrong secret: %v", err)
	}
	err = c.WithSandbox("no-such-sandbox").Datasets(ctx, func([]aep.Dataset) error { return nil })
	if !strings.Contains(aep.Hint(err), "sandbox list") {
		t.Fatalf("unknown sandbox: %v (hint %q)", err, aep.Hint(err))
	}
}
