package assets_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cioaep/cioaep/assets"
)

// specURL names Customer.io's reporting-webhooks OpenAPI file (a copy in testdata/) inside the compiler.
const specURL = "https://customer.io/reporting-webhooks-openapi.json"

// loadSpec returns the Customer.io OpenAPI document with its known mistakes corrected in memory. Each
// correction makes the schema match what Customer.io actually sends (customerio.md, "Spec quirks"):
//
//   - push_drafted declares metric enum ["attempted"] (copied from push_attempted); real events say
//     "drafted", so the enum becomes ["drafted"]. Without this no push drafted event could be valid.
//   - person_cio_subscription_preferences_changed spells the key "object_type_type"; real payloads carry
//     "object_type" (with the same enum of channels), so the property is renamed and made required, as it
//     is in every other event schema. Left alone, the schema would accept any object_type at all.
//
// Other quirks need no change but explain what the samples look like:
//
//   - The spec's own request-body examples do not validate: email_sent lacks the subject its schema
//     requires, and the email_sent and sms_sent examples carry broadcast_id without the trigger_id that
//     the "API triggered broadcast" branch requires (so no branch of event_common_data's oneOf matches).
//     The samples derived from them add both.
//   - event_common_data's example shows journey_id as a number; the journey_id schema says string, which
//     is what the samples use.
//   - OpenAPI-only keywords (discriminator, example, readOnly, x-scalar-ignore) are annotations for
//     JSON Schema and are ignored; "format": "unix timestamp" is unknown and not asserted (format is
//     an annotation by default in draft 2020-12, OpenAPI 3.1's dialect).
//   - No schema forbids additional properties, so a misspelt key would pass; checkKeys covers that.
func loadSpec(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "reporting-webhooks-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	spec := doc.(map[string]any)
	schemas := dig(t, spec, "components", "schemas")

	metric := dig(t, schemas, "push_drafted", "allOf").([]any)[1].(map[string]any)["properties"].(map[string]any)["metric"].(map[string]any)
	if enum := metric["enum"].([]any); len(enum) != 1 || enum[0] != "attempted" {
		t.Fatalf("push_drafted's metric enum is now %v: the spec was fixed, drop this correction", enum)
	}
	metric["enum"] = []any{"drafted"}

	prefs := dig(t, schemas, "person_cio_subscription_preferences_changed").(map[string]any)
	props := prefs["properties"].(map[string]any)
	if props["object_type_type"] == nil || props["object_type"] != nil {
		t.Fatal("person_cio_subscription_preferences_changed no longer says object_type_type: the spec was fixed, drop this correction")
	}
	props["object_type"] = props["object_type_type"]
	delete(props, "object_type_type")
	prefs["required"] = append(prefs["required"].([]any), "object_type")
	return spec
}

func dig(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			t.Fatalf("the Customer.io spec has no %s", strings.Join(keys, "/"))
		}
		v = m[k]
	}
	return v
}

// schemaName picks the component schema for an event: <object_type>_<metric>, except that customer events
// are named person_<metric> in the spec.
func schemaName(objectType, metric string) string {
	if objectType == "customer" {
		return "person_" + metric
	}
	return objectType + "_" + metric
}

func TestSamplesValidateAgainstCustomerIOSpec(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(specURL, spec); err != nil {
		t.Fatal(err)
	}
	// The request body's schema is a oneOf over all object types: passing it as well shows each sample
	// matches exactly one event schema, not several.
	anyEvent, err := c.Compile(specURL + "#/webhooks/reportingWebhook/post/requestBody/content/application~1json/schema")
	if err != nil {
		t.Fatal(err)
	}
	declared := declaredProperties(spec)

	samples := assets.Samples()
	if len(samples) == 0 {
		t.Fatal("no samples embedded")
	}
	for _, s := range samples {
		t.Run(s.ObjectType+"/"+s.Metric, func(t *testing.T) {
			name := schemaName(s.ObjectType, s.Metric)
			if _, ok := spec["components"].(map[string]any)["schemas"].(map[string]any)[name]; !ok {
				t.Fatalf("the spec has no schema %s for this sample", name)
			}
			sch, err := c.Compile(specURL + "#/components/schemas/" + name)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(s.Body))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("invalid against %s: %v", name, err)
			}
			if err := anyEvent.Validate(inst); err != nil {
				t.Fatalf("invalid against the request body's oneOf: %v", err)
			}
			checkKeys(t, s, declared)
		})
	}
}

var ulidLike = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// checkKeys covers what the schemas leave open: the sample is the right event, says what its file name
// says, is realistic (ULID-like id, a past timestamp in seconds, the person's three identifiers) and uses
// only keys the spec declares somewhere, since no schema forbids unknown ones.
func checkKeys(t *testing.T, s assets.SampleEvent, declared map[string]bool) {
	t.Helper()
	var ev struct {
		EventID    string         `json:"event_id"`
		ObjectType string         `json:"object_type"`
		Metric     string         `json:"metric"`
		Timestamp  int64          `json:"timestamp"`
		Data       map[string]any `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(s.Body))
	dec.DisallowUnknownFields() // exactly the five top-level keys
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	if ev.ObjectType != s.ObjectType || ev.Metric != s.Metric {
		t.Errorf("file %s/%s holds %s/%s", s.ObjectType, s.Metric, ev.ObjectType, ev.Metric)
	}
	if !ulidLike.MatchString(ev.EventID) {
		t.Errorf("event_id %q is not ULID-like", ev.EventID)
	}
	if when := time.Unix(ev.Timestamp, 0); when.Year() < 2020 || when.After(time.Now()) {
		t.Errorf("timestamp %d (%s) is not a past time in seconds", ev.Timestamp, when.UTC())
	}
	ids, _ := ev.Data["identifiers"].(map[string]any)
	for _, k := range []string{"id", "email", "cio_id"} {
		if ids[k] == nil {
			t.Errorf("data.identifiers lacks %s", k)
		}
	}
	for k, v := range ev.Data {
		if !declared[k] {
			t.Errorf("data.%s is declared nowhere in the spec", k)
		}
		if list, ok := v.([]any); ok {
			for _, item := range list {
				for k2 := range item.(map[string]any) {
					if !declared[k2] {
						t.Errorf("data.%s[].%s is declared nowhere in the spec", k, k2)
					}
				}
			}
		}
	}
}

// declaredProperties collects every property name any schema in the spec declares.
func declaredProperties(v any) map[string]bool {
	out := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for k := range props {
					out[k] = true
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

func TestSampleLookup(t *testing.T) {
	t.Parallel()
	ids := map[string]string{}
	for _, s := range assets.Samples() {
		body, ok := assets.Sample(s.ObjectType, s.Metric)
		if !ok || !bytes.Equal(body, s.Body) {
			t.Errorf("Sample(%q, %q) does not return the listed body", s.ObjectType, s.Metric)
		}
		var ev struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(s.Body, &ev); err != nil {
			t.Fatal(err)
		}
		if other, dup := ids[ev.EventID]; dup {
			t.Errorf("%s/%s reuses event_id %s of %s", s.ObjectType, s.Metric, ev.EventID, other)
		}
		ids[ev.EventID] = s.ObjectType + "/" + s.Metric
	}
	body, _ := assets.Sample("email", "sent")
	body[0] = 'X' // the caller's copy: the next caller still gets JSON
	if again, _ := assets.Sample("email", "sent"); again[0] != '{' {
		t.Fatal("Sample hands out shared memory")
	}
	for _, bad := range [][2]string{{"email", "nope"}, {"fax", "sent"}, {"email", "../push/sent"}, {"", ""}, {"..", "events"}} {
		if _, ok := assets.Sample(bad[0], bad[1]); ok {
			t.Errorf("Sample(%q, %q) found something", bad[0], bad[1])
		}
	}
}
