package xdm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// fieldGroup is a Customer.io field group in the create-request form cioaep sends (fields under
// definitions), with a few constraints to exercise the validator.
const fieldGroup = `{
  "$id": "https://ns.adobe.com/acme/mixins/cio",
  "type": "object",
  "title": "Customer.io",
  "meta:intendedToExtend": ["https://ns.adobe.com/xdm/context/experienceevent"],
  "definitions": {
    "customerio": {
      "properties": {
        "_acme": {
          "type": "object",
          "properties": {
            "customerio": {
              "type": "object",
              "title": "Customer.io",
              "required": ["metric"],
              "properties": {
                "event_id": {"type": "string", "title": "Event ID", "maxLength": 40},
                "metric": {"type": "string", "title": "Metric", "enum": ["sent", "delivered", "opened"]},
                "object_type": {"type": "string", "pattern": "^[a-z_]+$"},
                "timestamp": {"type": "integer", "title": "Timestamp", "minimum": 0},
                "email": {"type": "string", "format": "email", "title": "Email"},
                "link": {"type": "string", "format": "uri"},
                "day": {"type": "string", "format": "date"},
                "score": {"type": "number", "maximum": 1},
                "test": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "recipients": {"type": "array", "items": {"type": "object", "properties": {"device_id": {"type": "string", "title": "Device"}}}}
              }
            }
          }
        }
      }
    }
  },
  "allOf": [{"$ref": "#/definitions/customerio"}]
}`

// second adds a field to the same tenant object, as a second field group would.
const second = `{"$id":"https://ns.adobe.com/acme/mixins/extra","properties":{"_acme":{"type":"object","properties":{
  "extra":{"type":"string","title":"Extra"},
  "customerio":{"type":"object","properties":{"campaign_id":{"type":"integer"},"metric":{"type":"integer"}}}}}}}`

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return m
}

func schema(t testing.TB) map[string]any {
	return Compose("https://ns.adobe.com/acme/schemas/0f3c", "Customer.io events", ExperienceEventClass(),
		decode(t, fieldGroup), decode(t, second))
}

func TestComposeXedFull(t *testing.T) {
	t.Parallel()
	fg := decode(t, fieldGroup)
	before, _ := json.Marshal(fg)
	full := Compose("https://ns.adobe.com/acme/schemas/0f3c", "Customer.io events", ExperienceEventClass(), fg, decode(t, second))
	for key, want := range map[string]any{
		"$id": "https://ns.adobe.com/acme/schemas/0f3c", "meta:altId": "_acme.schemas.0f3c", "title": "Customer.io events",
		"type": "object", "meta:class": ExperienceEventID, "meta:resourceType": "schemas", "version": "1.0",
	} {
		if full[key] != want {
			t.Errorf("%s = %v, want %v", key, full[key], want)
		}
	}
	if got := full["required"]; !reflect.DeepEqual(got, []any{"_id", "timestamp"}) {
		t.Errorf("required = %v", got)
	}
	ext := stringList(full["meta:extends"])
	if ext[0] != ExperienceEventID || !contains(ext, "https://ns.adobe.com/acme/mixins/cio") || !contains(ext, "https://ns.adobe.com/acme/mixins/extra") {
		t.Errorf("meta:extends = %v", ext)
	}
	cio := full["properties"].(map[string]any)["_acme"].(map[string]any)["properties"].(map[string]any)["customerio"].(map[string]any)
	props := cio["properties"].(map[string]any)
	if _, ok := props["campaign_id"]; !ok {
		t.Error("fields of the second group were not merged into the shared object")
	}
	if props["metric"].(map[string]any)["type"] != "string" {
		t.Error("a later field group overrode an earlier field's type")
	}
	// The composed schema must survive a JSON round trip: the local platform stores it as JSON.
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(decode(t, string(b)), decode(t, mustJSON(t, full))) {
		t.Error("round trip changed the schema")
	}
	after, _ := json.Marshal(fg)
	if string(before) != string(after) {
		t.Error("Compose modified its input")
	}
	props["event_id"].(map[string]any)["title"] = "changed"
	if strings.Contains(mustJSON(t, fg), "changed") {
		t.Error("the composed schema shares maps with its input")
	}
}

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func TestAltID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"https://ns.adobe.com/acme/schemas/0f3c":           "_acme.schemas.0f3c",
		"https://ns.adobe.com/xdm/context/experienceevent": "_xdm.context.experienceevent",
		"urn:other": "urn:other",
	} {
		if got := AltID(id); got != want {
			t.Errorf("AltID(%s) = %s", id, got)
		}
	}
}

func TestFlatten(t *testing.T) {
	t.Parallel()
	got := Flatten(schema(t))
	byPath := map[string]Field{}
	var paths []string
	for _, f := range got {
		byPath[f.Path] = f
		paths = append(paths, f.Path)
	}
	for _, want := range []Field{
		{Path: "_id", Type: "string", Format: "uri-reference", Title: "Identifier", Required: true},
		{Path: "timestamp", Type: "string", Format: "date-time", Title: "Timestamp", Required: true},
		{Path: "eventType", Type: "string", Title: "Event Type"},
		{Path: "identityMap", Type: "object", Title: "Identity Map"},
		{Path: "_acme.customerio.email", Type: "string", Format: "email", Title: "Email"},
		{Path: "_acme.customerio.metric", Type: "string", Title: "Metric", Required: true},
		{Path: "_acme.customerio.tags", Type: "array"},
		{Path: "_acme.customerio.recipients[*].device_id", Type: "string", Title: "Device"},
		{Path: "_acme.extra", Type: "string", Title: "Extra"},
	} {
		if f, ok := byPath[want.Path]; !ok || f != want {
			t.Errorf("field %s = %+v, want %+v", want.Path, f, want)
		}
	}
	if _, ok := byPath["_acme.customerio"]; ok {
		t.Error("objects with fields should not be listed themselves")
	}
	for i := 1; i < len(paths); i++ {
		if paths[i-1] >= paths[i] {
			t.Fatalf("not sorted: %q", paths)
		}
	}
}

const goodRecord = `{
  "_id": "01E4C4CT6YDC7Y5M7FE1GWWPQJ",
  "timestamp": "2021-02-11T17:04:49.000Z",
  "eventType": "customerio.email.sent",
  "identityMap": {"Email": [{"id": "a@b.co", "primary": true, "authenticatedState": "ambiguous"}]},
  "_acme": {"extra": "x", "customerio": {"event_id": "01E4", "metric": "sent", "object_type": "email", "timestamp": 1613063089,
    "email": "test@example.com", "link": "https://example.com/a", "day": "2021-02-11", "score": 0.5, "test": false,
    "tags": ["a", "b"], "recipients": [{"device_id": "d1"}], "campaign_id": 23, "cio_id": null}}
}`

func TestValidateAcceptsGoodRecord(t *testing.T) {
	t.Parallel()
	if v := Validate(schema(t), decode(t, goodRecord)); len(v) != 0 {
		t.Fatalf("violations: %v", v)
	}
}

func TestValidateViolations(t *testing.T) {
	t.Parallel()
	full := schema(t)
	cases := []struct {
		name   string
		edit   func(r map[string]any)
		path   string
		substr string
	}{
		{"missing _id", func(r map[string]any) { delete(r, "_id") }, "_id", "is required but missing"},
		{"null timestamp", func(r map[string]any) { r["timestamp"] = nil }, "timestamp", "is required but missing"},
		{"epoch timestamp", func(r map[string]any) { r["timestamp"] = "1613063089" }, "timestamp", `RFC 3339 form such as 2024-05-01T12:00:00Z, got "1613063089"`},
		{"numeric timestamp", func(r map[string]any) { r["timestamp"] = 1613063089.0 }, "timestamp", "want a string, got the number 1613063089"},
		{"no zone", func(r map[string]any) { r["timestamp"] = "2021-02-11T17:04:49" }, "timestamp", "RFC 3339"},
		{"unknown top-level", func(r map[string]any) { r["email"] = "x" }, "email", "is not a field of this schema"},
		{"unknown nested", func(r map[string]any) { cio(r)["Metric"] = "x" }, "_acme.customerio.Metric", `did you mean "metric"?`},
		{"bad enum", func(r map[string]any) { cio(r)["metric"] = "bounced" }, "_acme.customerio.metric", `the string "bounced" is not one of: sent, delivered, opened`},
		{"nested required", func(r map[string]any) { delete(cio(r), "metric") }, "_acme.customerio.metric", "is required but missing"},
		{"fractional integer", func(r map[string]any) { cio(r)["timestamp"] = 1.5 }, "_acme.customerio.timestamp", "want an integer, got the number 1.5"},
		{"minimum", func(r map[string]any) { cio(r)["timestamp"] = -1.0 }, "_acme.customerio.timestamp", "at least 0 required"},
		{"maximum", func(r map[string]any) { cio(r)["score"] = 2.0 }, "_acme.customerio.score", "at most 1 allowed"},
		{"number as string", func(r map[string]any) { cio(r)["score"] = "0.5" }, "_acme.customerio.score", `want a number, got the string "0.5"`},
		{"boolean", func(r map[string]any) { cio(r)["test"] = "false" }, "_acme.customerio.test", "want true or false"},
		{"email", func(r map[string]any) { cio(r)["email"] = "Ann <a@b.co>" }, "_acme.customerio.email", "want an email address"},
		{"uri", func(r map[string]any) { cio(r)["link"] = "/relative" }, "_acme.customerio.link", "want an absolute URI"},
		{"date", func(r map[string]any) { cio(r)["day"] = "11/02/2021" }, "_acme.customerio.day", "want a date such as 2024-05-01"},
		{"maxLength", func(r map[string]any) { cio(r)["event_id"] = strings.Repeat("x", 41) }, "_acme.customerio.event_id", "is 41 characters long, at most 40 allowed"},
		{"pattern", func(r map[string]any) { cio(r)["object_type"] = "Email!" }, "_acme.customerio.object_type", `"Email!" does not match the pattern ^[a-z_]+$`},
		{"array type", func(r map[string]any) { cio(r)["tags"] = "a" }, "_acme.customerio.tags", "want a list"},
		{"array items", func(r map[string]any) { cio(r)["tags"] = []any{"a", 3.0} }, "_acme.customerio.tags[1]", "want a string, got the number 3"},
		{"null item", func(r map[string]any) { cio(r)["tags"] = []any{nil} }, "_acme.customerio.tags[0]", "is null"},
		{"object item field", func(r map[string]any) { cio(r)["recipients"] = []any{map[string]any{"x": 1.0}} }, "_acme.customerio.recipients[0].x", "is not a field"},
		{"object type", func(r map[string]any) { r["_acme"] = "flat" }, "_acme", "want an object, got the string \"flat\""},
		{"identity map item", func(r map[string]any) {
			r["identityMap"] = map[string]any{"Email": []any{map[string]any{"id": 5.0}}}
		}, "identityMap.Email[0].id", "want a string"},
		{"identity state", func(r map[string]any) {
			r["identityMap"] = map[string]any{"ECID": []any{map[string]any{"id": "x", "authenticatedState": "unknown"}}}
		}, "identityMap.ECID[0].authenticatedState", "is not one of: ambiguous, authenticated, loggedOut"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := decode(t, goodRecord)
			c.edit(r)
			got := Validate(full, r)
			if len(got) != 1 || got[0].Path != c.path || !strings.Contains(got[0].Message, c.substr) {
				t.Fatalf("Validate = %v\nwant one violation at %s containing %q", got, c.path, c.substr)
			}
		})
	}
}

func cio(r map[string]any) map[string]any {
	return r["_acme"].(map[string]any)["customerio"].(map[string]any)
}

// Every problem is reported, in path order, so a failed-record reason names them all.
func TestValidateReportsAllSorted(t *testing.T) {
	t.Parallel()
	got := Validate(schema(t), map[string]any{"zzz": 1.0, "eventType": 3.0})
	var s []string
	for _, v := range got {
		s = append(s, v.String())
	}
	want := []string{
		"_id: is required but missing",
		"eventType: want a string, got the number 3",
		"timestamp: is required but missing",
		"zzz: is not a field of this schema (XDM schemas are closed: map it to a field the schema defines)",
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %q", s)
	}
}

// Records built in Go (Data Prep output, tests) carry Go number and list types, not only JSON's.
func TestValidateGoTypes(t *testing.T) {
	t.Parallel()
	r := decode(t, goodRecord)
	cio(r)["timestamp"] = int64(1613063089)
	cio(r)["campaign_id"] = 23
	cio(r)["tags"] = []string{"a"}
	cio(r)["score"] = json.Number("0.25")
	if v := Validate(schema(t), r); len(v) != 0 {
		t.Fatalf("violations: %v", v)
	}
}

func TestValidateTruncatesLongValues(t *testing.T) {
	t.Parallel()
	r := decode(t, goodRecord)
	r["timestamp"] = strings.Repeat("9", 500)
	got := Validate(schema(t), r)
	if len(got) != 1 || len(got[0].Message) > 200 || !strings.Contains(got[0].Message, "...") {
		t.Fatalf("got %v", got)
	}
}

func TestExperienceEventClassIsFresh(t *testing.T) {
	t.Parallel()
	a := ExperienceEventClass()
	a["properties"].(map[string]any)["_id"].(map[string]any)["type"] = "integer"
	if ExperienceEventClass()["properties"].(map[string]any)["_id"].(map[string]any)["type"] != "string" {
		t.Fatal("ExperienceEventClass shares state between calls")
	}
}

func BenchmarkValidate(b *testing.B) {
	full := schema(b)
	r := decode(b, goodRecord)
	b.ReportAllocs()
	for b.Loop() {
		if v := Validate(full, r); len(v) != 0 {
			b.Fatal(v)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add([]byte(goodRecord))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"_id":null,"timestamp":"2021-02-11T17:04:49Z","identityMap":{"x":[null,{"id":[1]}]}}`))
	f.Add([]byte(`{"_acme":{"customerio":{"tags":[[["deep"]]],"recipients":[1,{"device_id":{}}],"timestamp":1e400}}}`))
	f.Add([]byte(`{"timestamp":"9999-99-99T99:99:99Z","_acme":{"customerio":{"email":"@","link":"::","day":"0000-00-00","object_type":"\u0000"}}}`))
	full := schema(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var r map[string]any
		if json.Unmarshal(data, &r) != nil {
			return
		}
		for _, v := range Validate(full, r) {
			if v.Message == "" {
				t.Fatalf("empty message at %q", v.Path)
			}
		}
	})
}
