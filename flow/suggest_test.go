package flow

import (
	"slices"
	"testing"

	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/xdm"
)

// TestSuggestRebuildsDefaultMapping checks the suggestion against a schema made from the Customer.io
// field group: matching by names alone must find every rule of the hand-written default mapping, which
// shows the matcher understands Customer.io's layout (identifiers, arrays, maps, the timestamp).
func TestSuggestRebuildsDefaultMapping(t *testing.T) {
	t.Parallel()
	got := suggestRules(customerIOFields("acme"), nil, "acme")
	want := customerIOMapping("acme")
	if !sameRules(got, want) {
		for _, r := range want {
			if !slices.Contains(got, r) {
				t.Errorf("missing %+v", r)
			}
		}
		for _, r := range got {
			if !slices.Contains(want, r) {
				t.Errorf("unexpected %+v", r)
			}
		}
	}
}

// TestSuggestForeignSchema maps sample sources onto a schema cioaep did not make: names match across
// different nesting, a date-time timestamp gets the conversion expression, the identifier aliases beat
// look-alike leaves, arrays are mapped whole, and fields with no matching source are left alone.
func TestSuggestForeignSchema(t *testing.T) {
	t.Parallel()
	fields := []xdm.Field{
		{Path: "_id", Type: "string", Required: true},
		{Path: "timestamp", Type: "string", Format: "date-time", Required: true},
		{Path: "_acme.cio.event_id", Type: "string"},
		{Path: "_acme.cio.metric", Type: "string"},
		{Path: "_acme.cio.when.timestamp", Type: "string", Format: "date-time"},
		{Path: "_acme.cio.person.id", Type: "string"},
		{Path: "_acme.cio.person.email", Type: "string"},
		{Path: "_acme.cio.failure_message", Type: "string"},
		{Path: "_acme.cio.recipients", Type: "array"},
		{Path: "_acme.cio.recipients[*].device_id", Type: "string"},
		{Path: "_acme.cio.loyalty_tier", Type: "string"},
		{Path: "personalEmail.address", Type: "string"},
	}
	sources := []string{"event_id", "object_type", "metric", "timestamp", "data.identifiers.id", "data.identifiers.email",
		"data.failure_message", "data.recipients[0].device_id", "data.recipients[0].failure_message", "data.delivery_id"}
	got := suggestRules(fields, sources, "acme")
	want := []dataprep.Rule{
		{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_id"},
		{SourceType: dataprep.Expression, Source: timestampExpr, Destination: "timestamp"},
		{SourceType: dataprep.Attribute, Source: "event_id", Destination: "_acme.cio.event_id"},
		{SourceType: dataprep.Attribute, Source: "metric", Destination: "_acme.cio.metric"},
		{SourceType: dataprep.Expression, Source: timestampExpr, Destination: "_acme.cio.when.timestamp"},
		{SourceType: dataprep.Attribute, Source: "data.identifiers.id", Destination: "_acme.cio.person.id"},
		{SourceType: dataprep.Attribute, Source: "data.identifiers.email", Destination: "_acme.cio.person.email"},
		{SourceType: dataprep.Attribute, Source: "data.failure_message", Destination: "_acme.cio.failure_message"},
		{SourceType: dataprep.Attribute, Source: "data.recipients", Destination: "_acme.cio.recipients"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("suggested\n%v\nwant\n%v", got, want)
	}
}

// TestMandatoryTargets checks the tutorial's mandatory fields are marked (once each, the shortest path)
// and that a mapping leaving one empty is refused with the paths named.
func TestMandatoryTargets(t *testing.T) {
	t.Parallel()
	fields := []xdm.Field{
		{Path: "_acme.cio.email", Type: "string"},
		{Path: "_acme.cio.old.email", Type: "string"},
		{Path: "_acme.cio.metric", Type: "string"},
		{Path: "_acme.cio.subject", Type: "string"},
		{Path: "metric", Type: "string"}, // not a tenant field: Adobe's class fields are not the tutorial's
	}
	tf := targetFields(fields, "acme")
	var marked []string
	for _, f := range tf {
		if f.Mandatory {
			marked = append(marked, f.Path)
		}
	}
	if !slices.Equal(marked, []string{"_acme.cio.email", "_acme.cio.metric"}) {
		t.Errorf("mandatory = %v", marked)
	}
	err := missingMandatory(tf, []dataprep.Rule{{SourceType: dataprep.Attribute, Source: "metric", Destination: "_acme.cio.metric"}})
	mm, ok := err.(*MissingMandatoryError)
	if !ok || !slices.Equal(mm.Paths, []string{"_acme.cio.email"}) {
		t.Errorf("missingMandatory = %v", err)
	}
	if err := missingMandatory(tf, suggestRules(fields, nil, "acme")); err != nil {
		t.Errorf("the suggestion misses mandatory fields: %v", err)
	}
}
