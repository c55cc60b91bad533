package dataprep

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// cioEvent is the shape of a Customer.io reporting webhook (email_sent).
const cioEvent = `{
  "event_id": "01E4C4CT6YDC7Y5M7FE1GWWPQJ",
  "object_type": "email",
  "metric": "sent",
  "timestamp": 1613063089,
  "data": {
    "action_id": 96,
    "campaign_id": 23,
    "customer_id": "user-123",
    "delivery_id": "RAECAAFwnUSneIa0ZXkmq8EdkAM==",
    "identifiers": {"cio_id": "a3000001", "email": "test@example.com", "id": "user-123"},
    "recipient": "test@example.com",
    "subject": "Did you get that thing I sent you?"
  }
}`

// cioRules is the mapping platform.md describes for Customer.io, in Data Prep's form.
var cioRules = []Rule{
	{Attribute, "event_id", "_id"},
	{Expression, `dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, "timestamp"},
	{Attribute, "object_type", "_acme.customerio.object_type"},
	{Attribute, "metric", "_acme.customerio.metric"},
	{Attribute, "event_id", "_acme.customerio.event_id"},
	{Attribute, "data.identifiers.cio_id", "_acme.customerio.cio_id"},
	{Attribute, "data.identifiers.id", "_acme.customerio.id"},
	{Expression, "lower(data.identifiers.email)", "_acme.customerio.email"},
	{Attribute, "data.campaign_id", "_acme.customerio.campaign_id"},
	{Attribute, "data.missing", "_acme.customerio.absent"},
	{Static, "customerio", "producedBy"},
}

func TestApplyCustomerIOEvent(t *testing.T) {
	t.Parallel()
	m, err := Compile(cioRules)
	if err != nil {
		t.Fatal(err)
	}
	ev := decode(t, cioEvent)
	before, _ := json.Marshal(ev)
	out, err := m.Apply(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, `{
	  "_id": "01E4C4CT6YDC7Y5M7FE1GWWPQJ",
	  "timestamp": "2021-02-11T17:04:49.000Z",
	  "producedBy": "customerio",
	  "_acme": {"customerio": {
	    "object_type": "email", "metric": "sent", "event_id": "01E4C4CT6YDC7Y5M7FE1GWWPQJ",
	    "cio_id": "a3000001", "id": "user-123", "email": "test@example.com", "campaign_id": 23
	  }}}`)
	if !reflect.DeepEqual(out, want) {
		got, _ := json.MarshalIndent(out, "", "  ")
		t.Fatalf("Apply =\n%s", got)
	}
	if _, set := out["_acme"].(map[string]any)["customerio"].(map[string]any)["absent"]; set {
		t.Error("a missing source must leave the destination unset, not null")
	}
	after, _ := json.Marshal(ev)
	if string(before) != string(after) {
		t.Error("Apply modified the event")
	}
}

// The record must not share maps with the event: the inlet stores both, and a later write to one must
// not show up in the other.
func TestApplyDoesNotAlias(t *testing.T) {
	t.Parallel()
	m, err := Compile([]Rule{{Attribute, "data.identifiers", "ids"}, {Attribute, "data", "copy"}})
	if err != nil {
		t.Fatal(err)
	}
	ev := decode(t, cioEvent)
	out, err := m.Apply(ev)
	if err != nil {
		t.Fatal(err)
	}
	out["ids"].(map[string]any)["email"] = "changed"
	if ev["data"].(map[string]any)["identifiers"].(map[string]any)["email"] != "test@example.com" {
		t.Fatal("changing the record changed the event")
	}
}

func TestApplyArrays(t *testing.T) {
	t.Parallel()
	m, err := Compile([]Rule{
		{Attribute, "data.recipients[*].device_id", "devices"},
		{Attribute, "data.recipients[*].device_id", "people[*].device"},
		{Attribute, "data.recipients[*].email", "people[*].email"},
		{Attribute, "data.recipients[1].email", "second"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Apply(decode(t, `{"data":{"recipients":[{"device_id":"d0","email":"a@x"},{"email":"b@x"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, `{"devices":["d0"],"second":"b@x",
		"people":[{"device":"d0","email":"a@x"},{"email":"b@x"}]}`)
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v", out)
	}
}

func TestApplyRuntimeErrorNamesRule(t *testing.T) {
	t.Parallel()
	m, err := Compile([]Rule{{Attribute, "metric", "m"}, {Expression, "to_integer(metric)", "n"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Apply(map[string]any{"metric": "sent"})
	if err == nil || !strings.HasPrefix(err.Error(), "rule 2 (to_integer(metric) → n): to_integer:") {
		t.Fatalf("err = %v", err)
	}
}

func TestCompileErrorsNameRule(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rules []Rule
		want  string
	}{
		{[]Rule{{Attribute, "a", "x"}, {Attribute, "a..b", "y"}}, `rule 2 (a..b → y): source: empty field name`},
		{[]Rule{{Expression, "nope(a)", "x"}}, `rule 1 (nope(a) → x): expression: unsupported function "nope"`},
		{[]Rule{{"SOMETHING", "a", "x"}}, `sourceType "SOMETHING" is not one of`},
		{[]Rule{{Attribute, "a", ""}}, "destination: the path is empty"},
		{[]Rule{{Attribute, "a", "x.y"}, {Attribute, "b", "x"}}, "rule 2 (b → x): destination x overlaps rule 1's x.y"},
		{[]Rule{{Attribute, "a", "x"}, {Static, "b", "x"}}, "overlaps"},
	} {
		_, err := Compile(c.rules)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compile(%v) = %v, want %q", c.rules, err, c.want)
		}
	}
}

func TestValidateOneResultPerRule(t *testing.T) {
	t.Parallel()
	got := Validate([]Rule{
		{Attribute, "data.identifiers.email", "_t.email"},
		{Expression, "bogus(1)", "_t.b"},
		{Static, "v", "_t.email"},
		{Expression, `dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, "timestamp"},
	})
	want := []RuleResult{
		{Status: Success, Errors: []string{}},
		{Status: Failed, Errors: []string{`expression: unsupported function "bogus"`}},
		{Status: Failed, Errors: []string{"destination _t.email overlaps rule 1's _t.email"}},
		{Status: Success, Errors: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Validate = %#v", got)
	}
	b, _ := json.Marshal(got[1])
	if string(b) != `{"status":"FAILED","errors":["expression: unsupported function \"bogus\""]}` {
		t.Fatalf("wire form %s", b)
	}
}

func TestParseRules(t *testing.T) {
	t.Parallel()
	got, err := ParseRules([]byte(`[
	  {"sourceType":"ATTRIBUTE","source":"metric","destination":"_t.metric"},
	  {"sourceType":"expression","source":"uuid()","destination":"_id"},
	  {"sourceAttribute":"data.identifiers.email","destinationXdmPath":"_t.email"},
	  {"sourceType":"STATIC","sourceAttribute":"x","destinationXdmPath":"_t.s"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Attribute, "metric", "_t.metric"},
		{Expression, "uuid()", "_id"},
		{Attribute, "data.identifiers.email", "_t.email"},
		{Static, "x", "_t.s"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseRules = %#v", got)
	}
	for in, msg := range map[string]string{
		`{"source":"a"}`:                   "not a JSON array of rules",
		`[{"source":"a"}]`:                 "rule 1 has no destination",
		`[{"source":1,"destination":"x"}]`: "not a JSON array",
	} {
		if _, err := ParseRules([]byte(in)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseRules(%s) = %v, want %q", in, err, msg)
		}
	}
	// Written back, rules always use Data Prep's current form.
	b, _ := json.Marshal(got[2])
	if string(b) != `{"sourceType":"ATTRIBUTE","source":"data.identifiers.email","destination":"_t.email"}` {
		t.Fatalf("marshal: %s", b)
	}
}

// Many goroutines share one Mapping in the inlet; run under -race.
func TestApplyConcurrent(t *testing.T) {
	t.Parallel()
	m, err := Compile(cioRules)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				ev := decode(t, cioEvent)
				ev["event_id"] = fmt.Sprintf("e-%d-%d", g, i)
				out, err := m.Apply(ev)
				if err != nil {
					errs <- err
					return
				}
				if out["_id"] != ev["event_id"] {
					errs <- fmt.Errorf("_id %v for %v", out["_id"], ev["event_id"])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestMappingRules(t *testing.T) {
	t.Parallel()
	m, err := Compile(cioRules)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Rules(), cioRules) {
		t.Fatal("Rules() differs from what was compiled")
	}
}

func TestFunctionNamesCoverDataPrepCore(t *testing.T) {
	t.Parallel()
	have := map[string]bool{}
	for _, n := range FunctionNames() {
		have[n] = true
	}
	for _, n := range strings.Fields("uuid guid now dformat date concat lower upper trim iif coalesce to_integer sha256 decode") {
		if !have[n] {
			t.Errorf("missing %s", n)
		}
	}
}

func BenchmarkApply(b *testing.B) {
	m, err := Compile(cioRules)
	if err != nil {
		b.Fatal(err)
	}
	ev := decode(b, cioEvent)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Apply(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(cioRules); err != nil {
			b.Fatal(err)
		}
	}
}
