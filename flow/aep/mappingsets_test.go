package aep_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/local"
)

const prepPath = "/data/foundation/conversion/mappingSets"

// mappingSetServer serves n mapping sets by offset in Data Prep's MapperSetPage shape; every seventh is
// named "wanted". honourName false ignores the name filter, as a server might: the client must still
// return only exact matches.
func mappingSetServer(t *testing.T, n int, honourName bool) (*platform, *[]string) {
	t.Helper()
	p := newPlatform(t)
	var starts []string
	p.handle("GET "+prepPath, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, err1 := strconv.Atoi(q.Get("limit"))
		start, err2 := strconv.Atoi(q.Get("start"))
		if err1 != nil || err2 != nil {
			writeJSON(w, 400, `{"type":"x","title":"limit and start are required","status":400}`)
			return
		}
		starts = append(starts, q.Get("start"))
		var all []map[string]any
		for i := range n {
			name := fmt.Sprintf("set %d", i)
			if i%7 == 0 {
				name = "wanted"
			}
			if honourName && q.Has("name") && q.Get("name") != name {
				continue
			}
			all = append(all, map[string]any{"id": fmt.Sprintf("m%03d", i), "name": name, "version": 0,
				"outputSchema": map[string]any{"schemaRef": map[string]any{"id": "https://ns.adobe.com/acme/schemas/s1", "contentType": aep.XEDFullContentType}},
				"mappings":     []any{map[string]any{"sourceType": "ATTRIBUTE", "source": "event_id", "destination": "_id"}}})
		}
		page := []map[string]any{}
		for i := start; i < len(all) && i < start+limit; i++ {
			page = append(page, all[i])
		}
		b, _ := json.Marshal(map[string]any{"data": page, "_page": map[string]any{"count": len(page), "limit": limit}, "_links": map[string]any{}})
		writeJSON(w, 200, string(b))
	})
	return p, &starts
}

// FindMappingSets sends the limit and start Data Prep requires, pages by offset until a short page, and
// keeps only the sets with exactly the name asked for, whether or not the server filtered.
func TestFindMappingSetsPagesAndMatchesExactly(t *testing.T) {
	t.Parallel()
	for _, honour := range []bool{true, false} {
		t.Run(fmt.Sprintf("server filters %v", honour), func(t *testing.T) {
			p, starts := mappingSetServer(t, 250, honour)
			c, _ := p.client()
			got, err := c.FindMappingSets(ctx(t), "wanted")
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, ms := range got {
				if ms.Name != "wanted" || ms.SchemaID != "https://ns.adobe.com/acme/schemas/s1" || len(ms.Mappings) != 1 {
					t.Errorf("set %+v", ms)
				}
				ids = append(ids, ms.ID)
			}
			if len(ids) != 36 || ids[0] != "m000" || ids[35] != "m245" {
				t.Errorf("found %d sets %v, want the 36 named wanted", len(ids), ids)
			}
			for _, call := range p.calls(prepPath) {
				if call.Query.Get("name") != "wanted" || call.Query.Get("limit") == "" {
					t.Errorf("list call %v lacks the name filter or limit", call.Query)
				}
			}
			want := []string{"0"}
			if !honour {
				want = []string{"0", "100", "200"}
			}
			if !slices.Equal(*starts, want) {
				t.Errorf("pages read at %v, want %v", *starts, want)
			}
		})
	}
	p, starts := mappingSetServer(t, 250, true)
	c, _ := p.client()
	all, err := c.FindMappingSets(ctx(t), "")
	if err != nil || len(all) != 250 {
		t.Fatalf("every set: %d, %v", len(all), err)
	}
	if calls := p.calls(prepPath); calls[0].Query.Has("name") {
		t.Errorf("an empty name was sent as a filter: %v", calls[0].Query)
	}
	if !slices.Equal(*starts, []string{"0", "100", "200"}) {
		t.Errorf("pages read at %v", *starts)
	}
}

// The name goes with the mapping set on create and update (a PUT replaces the whole body), and not
// with validation or previews, whose bodies describe no stored set.
func TestMappingSetNameIsSent(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.reply("POST "+prepPath, 200, `{"id":"m1","version":0,"createdDate":1614901254724,"modifiedDate":1614901254724}`)
	p.reply("PUT "+prepPath+"/m1", 200, `{"id":"m1","version":1,"name":"Customer.io mapping (cioaep abc123)","outputSchema":{"schemaRef":{"id":"s"}},"mappings":[]}`)
	p.reply("POST "+prepPath+"/validate", 200, `{"validationResponse":[{"status":"SUCCESS","errors":[]}]}`)
	c, _ := p.client()
	in := aep.MappingInput{Name: "Customer.io mapping (cioaep abc123)", SchemaID: "https://ns.adobe.com/acme/schemas/s1",
		Mappings: []dataprep.Rule{{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"}}}
	ms, err := c.CreateMappingSet(ctx(t), in)
	if err != nil || ms.ID != "m1" || ms.Name != in.Name {
		t.Fatalf("create: %+v %v", ms, err)
	}
	if _, err := c.UpdateMappingSet(ctx(t), "m1", in); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ValidateMappings(ctx(t), in); err != nil {
		t.Fatal(err)
	}
	for _, call := range p.calls(prepPath) {
		body := mustJSON(t, call.Body)
		_, named := body["name"]
		if wantNamed := call.Method != "POST" || call.Path == prepPath; named != wantNamed || (named && body["name"] != in.Name) {
			t.Errorf("%s %s sent name %v (want it: %v)", call.Method, call.Path, body["name"], wantNamed)
		}
	}
}

// The three deletes teardown --include-dataset needs: the right method and path (a schema's $id
// escaped into one segment), success on 200/204, a 404 taken as already deleted, and a refusal
// (a field group still in use) passed on as an *Error.
func TestDeleteDatasetSchemaFieldGroup(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	const schemaID = "https://ns.adobe.com/acme/schemas/abc123"
	p.reply("DELETE /data/foundation/catalog/dataSets/ds1", 200, `["@/dataSets/ds1"]`)
	p.handle("DELETE /data/foundation/schemaregistry/tenant/schemas/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != schemaID {
			writeJSON(w, 404, `{"type":"http://ns.adobe.com/aep/errors/XDM-1012-404","title":"Resource Not Found","status":404,"detail":"no such schema"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	p.handle("DELETE /data/foundation/schemaregistry/tenant/fieldgroups/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"type":"http://ns.adobe.com/aep/errors/XDM-1000-400","title":"Resource in use","status":400,"detail":"used by a schema"}`)
	})
	c, _ := p.client()
	if err := c.DeleteDataset(ctx(t), "ds1"); err != nil {
		t.Errorf("delete dataset: %v", err)
	}
	if err := c.DeleteSchema(ctx(t), schemaID); err != nil {
		t.Errorf("delete schema: %v", err)
	}
	if err := c.DeleteSchema(ctx(t), "https://ns.adobe.com/acme/schemas/gone"); err != nil {
		t.Errorf("a schema already gone: %v, want nil", err)
	}
	var ae *aep.Error
	if err := c.DeleteFieldGroup(ctx(t), "https://ns.adobe.com/acme/mixins/f1"); !errors.As(err, &ae) || ae.Status != 400 || ae.Detail != "used by a schema" {
		t.Errorf("a field group in use: %v", err)
	}
	calls := p.calls("/data/foundation/")
	if len(calls) != 4 || calls[1].RawPath != "/data/foundation/schemaregistry/tenant/schemas/https%3A%2F%2Fns.adobe.com%2Facme%2Fschemas%2Fabc123" {
		t.Errorf("calls %+v", calls)
	}
	for _, call := range calls {
		if call.Method != "DELETE" || call.Header.Get("x-sandbox-name") != "dev-1" {
			t.Errorf("%s %s with sandbox %q", call.Method, call.Path, call.Header.Get("x-sandbox-name"))
		}
	}
}

// Against the local platform, through the OpenAPI check: named mapping sets are found by name, and a
// Customer.io schema setup's dataset, schema and field group are deleted in teardown's order, the
// registry refusing the wrong order.
func TestNamedMappingSetsAndDeletesAgainstLocal(t *testing.T) {
	t.Parallel()
	lp, err := local.Open(local.Config{DataDir: t.TempDir(), ClientID: clientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(lp)
	t.Cleanup(func() { srv.Close(); lp.Close() })
	lp.SetBaseURL(srv.URL)
	c := aep.New(aep.Config{PlatformURL: srv.URL, IMSURL: srv.URL, OrgID: local.OrgID, ClientID: clientID, ClientSecret: secret,
		Sandbox: "prod", HTTP: &http.Client{Transport: testTransport(t, http.DefaultTransport)},
		Retry: aep.Retry{Base: time.Millisecond, Max: 10 * time.Millisecond}})
	ctx := ctx(t)
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	tenant, err := c.TenantID(ctx)
	must(err, "tenant")
	tw := "_" + tenant
	fg, err := c.CreateFieldGroup(ctx, map[string]any{"type": "object", "title": "Customer.io fields (d3l)", "description": "d",
		"meta:intendedToExtend": []string{aep.ExperienceEventClass},
		"definitions": map[string]any{"customerio": map[string]any{"properties": map[string]any{tw: map[string]any{
			"type": "object", "properties": map[string]any{"customerio": map[string]any{"type": "object", "properties": map[string]any{
				"email": map[string]any{"type": "string", "title": "Email"}}}}}}}},
		"allOf": []any{map[string]string{"$ref": "#/definitions/customerio"}}})
	must(err, "create field group")
	sc, err := c.CreateSchema(ctx, map[string]any{"type": "object", "title": "Customer.io events (d3l)", "description": "d",
		"allOf": []any{map[string]string{"$ref": aep.ExperienceEventClass}, map[string]string{"$ref": fg.ID}}})
	must(err, "create schema")
	_, err = c.CreateDescriptor(ctx, aep.Descriptor{Type: aep.IdentityDescriptor, SourceSchema: sc.ID, SourceVersion: 1,
		SourceProperty: "/" + tw + "/customerio/email", Namespace: "Email", Property: "xdm:code", IsPrimary: true})
	must(err, "create descriptor")
	dsID, err := c.CreateDataset(ctx, aep.NewDataset{Name: "Customer.io events (d3l)", SchemaID: sc.ID})
	must(err, "create dataset")

	rules := []dataprep.Rule{{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"},
		{SourceType: dataprep.Attribute, Source: "data.identifiers.email", Destination: tw + ".customerio.email"}}
	const name = "Customer.io mapping (cioaep d3l)"
	named, err := c.CreateMappingSet(ctx, aep.MappingInput{Name: name, SchemaID: sc.ID, Mappings: rules})
	must(err, "create a named mapping set")
	_, err = c.CreateMappingSet(ctx, aep.MappingInput{SchemaID: sc.ID, Mappings: rules})
	must(err, "create an unnamed mapping set")
	found, err := c.FindMappingSets(ctx, name)
	must(err, "find mapping sets")
	if len(found) != 1 || found[0].ID != named.ID || found[0].Name != name || found[0].SchemaID != sc.ID || len(found[0].Mappings) != 2 {
		t.Fatalf("FindMappingSets(%q) = %+v, want only %s", name, found, named.ID)
	}
	up, err := c.UpdateMappingSet(ctx, named.ID, aep.MappingInput{Name: name, SchemaID: sc.ID, Mappings: rules[:1]})
	must(err, "update the named mapping set")
	if found, err := c.FindMappingSets(ctx, name); err != nil || len(found) != 1 || found[0].Version != up.Version {
		t.Fatalf("after an update: %+v %v, want version %d", found, err, up.Version)
	}
	if got, err := c.MappingSet(ctx, named.ID); err != nil || got.Name != name {
		t.Fatalf("GET the named set: %+v %v", got, err)
	}

	var ae *aep.Error
	if err := c.DeleteFieldGroup(ctx, fg.ID); !errors.As(err, &ae) || ae.Status != 400 {
		t.Fatalf("deleting a field group a schema uses: %v, want the registry's 400", err)
	}
	if err := c.DeleteSchema(ctx, sc.ID); !errors.As(err, &ae) || ae.Status != 400 {
		t.Fatalf("deleting a schema a dataset uses: %v, want the registry's 400", err)
	}
	must(c.DeleteDataset(ctx, dsID), "delete dataset")
	if _, err := c.Dataset(ctx, dsID); !errors.Is(err, aep.ErrNotFound) {
		t.Fatalf("deleted dataset: %v", err)
	}
	must(c.DeleteSchema(ctx, sc.ID), "delete schema")
	if ds, err := c.Descriptors(ctx, sc.ID); err != nil || len(ds) != 0 {
		t.Fatalf("the deleted schema's descriptors: %+v %v", ds, err)
	}
	must(c.DeleteFieldGroup(ctx, fg.ID), "delete field group")
	if _, ok, err := c.FindFieldGroup(ctx, "Customer.io fields (d3l)"); ok || err != nil {
		t.Fatalf("deleted field group still found (%v)", err)
	}
	for what, err := range map[string]error{"dataset": c.DeleteDataset(ctx, dsID), "schema": c.DeleteSchema(ctx, sc.ID),
		"field group": c.DeleteFieldGroup(ctx, fg.ID)} {
		if err != nil {
			t.Errorf("deleting the %s again: %v, want nil (already gone)", what, err)
		}
	}
}
