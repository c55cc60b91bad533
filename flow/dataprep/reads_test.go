package dataprep

import (
	"slices"
	"testing"
)

func TestUnreadListsWhatNoRuleReads(t *testing.T) {
	t.Parallel()
	events := []map[string]any{
		{"event_id": "e1", "metric": "sent", "timestamp": 1.0, "data": map[string]any{
			"identifiers": map[string]any{"id": "42", "email": "a@example.com"},
			"subject":     "Hi",
			"tags":        []any{"a", "b"},
			"links":       []any{map[string]any{"href": "https://x", "id": 1.0}},
		}, "first.name": "Ada"},
		{"event_id": "e2", "metric": "delivered", "data": map[string]any{"recipient": "+1555"}},
	}
	rules := []Rule{
		{SourceType: Attribute, Source: "event_id", Destination: "_id"},
		{SourceType: Expression, Source: `concat(metric, "-", data.tags[0], ${first.name})`, Destination: "x.a"},
		{SourceType: Attribute, Source: "data.identifiers", Destination: "x.ids"},
		{SourceType: Attribute, Source: "data.links[0].href", Destination: "x.href"},
		{SourceType: Static, Source: "timestamp", Destination: "x.c"}, // a constant reads no field
		{SourceType: Expression, Source: "nosuch(", Destination: "x.bad"},
	}
	got := Unread(events, rules)
	want := []string{"data.links[*].id", "data.recipient", "data.subject", "timestamp"}
	if !slices.Equal(got, want) {
		t.Errorf("Unread = %q, want %q", got, want)
	}
}

func TestValueIsWhatApplyWrites(t *testing.T) {
	t.Parallel()
	ev := map[string]any{"metric": "sent", "object_type": "email", "data": map[string]any{"items": []any{map[string]any{"id": 1.0}, map[string]any{"id": 2.0}}}}
	for _, tc := range []struct {
		rule Rule
		want any
		ok   bool
	}{
		{Rule{SourceType: Attribute, Source: "metric", Destination: "a"}, "sent", true},
		{Rule{SourceType: Attribute, Source: "nope", Destination: "a"}, nil, false},
		{Rule{SourceType: Expression, Source: `concat(object_type, "_", metric)`, Destination: "a"}, "email_sent", true},
		{Rule{SourceType: Static, Source: "fixed", Destination: "a"}, "fixed", true},
		{Rule{SourceType: Attribute, Source: "data.items[*].id", Destination: "a"}, []any{1.0, 2.0}, true},
	} {
		v, ok, err := Value(tc.rule, ev)
		if err != nil || ok != tc.ok || !equalJSON(v, tc.want) {
			t.Errorf("Value(%+v) = %v, %v, %v; want %v, %v", tc.rule, v, ok, err, tc.want, tc.ok)
		}
	}
	if _, _, err := Value(Rule{SourceType: Expression, Source: "nosuch(x)", Destination: "a"}, ev); err == nil {
		t.Error("a rule that does not compile gave no error")
	}
}

func equalJSON(a, b any) bool {
	la, aok := a.([]any)
	lb, bok := b.([]any)
	if aok || bok {
		return aok && bok && slices.Equal(la, lb)
	}
	return a == b
}
