package dataprep

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return m
}

func TestParsePathRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"a", "a.b.c", "a[0].b", "a[*].b", `a\.b.c`, "a[1][2]", "a[*][*].x", `a\\b`, `x\[0\]`, "_tenant.customerio.email",
		"data.first name",
	} {
		p, err := parsePath(s)
		if err != nil {
			t.Errorf("parsePath(%q): %v", s, err)
			continue
		}
		if got := p.String(); got != s {
			t.Errorf("parsePath(%q).String() = %q", s, got)
		}
	}
}

func TestParsePathSegments(t *testing.T) {
	t.Parallel()
	p, err := parsePath(`data.recipients[*].device\.id[2]`)
	if err != nil {
		t.Fatal(err)
	}
	want := path{
		{kind: segField, name: "data"}, {kind: segField, name: "recipients"}, {kind: segEach},
		{kind: segField, name: "device.id"}, {kind: segIndex, index: 2},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %#v", p)
	}
}

func TestParsePathErrors(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		"":      "empty",
		".a":    "empty field name",
		"a.":    "ends with a dot",
		"a..b":  "empty field name",
		"a.[0]": "empty field name",
		"[0]":   "starts with an index",
		"a[":    "unclosed [",
		"a[x]":  "bad index",
		"a[-1]": "bad index",
		"a[+1]": "bad index",
		"a[0]b": "expected . or [",
		"a]":    "unexpected ]",
		`a\`:    "lone backslash",
	} {
		_, err := parsePath(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parsePath(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

func TestPathGet(t *testing.T) {
	t.Parallel()
	ev := decode(t, `{"a":{"b":1,"n":null},"list":[{"id":"x"},{"other":2},{"id":"z"}],"m":[[1,2],[3]],"d.o.t":"lit"}`)
	cases := []struct {
		path string
		want any
		ok   bool
	}{
		{"a.b", 1.0, true},
		{"a.n", nil, false},
		{"a.missing", nil, false},
		{"a.b.c", nil, false},
		{"list[0].id", "x", true},
		{"list[5].id", nil, false},
		{"list[*].id", []any{"x", nil, "z"}, true},
		{"m[*][0]", []any{1.0, 3.0}, true},
		{"a[*]", nil, false},
		{`d\.o\.t`, "lit", true},
		{"a[0]", nil, false},
	}
	for _, c := range cases {
		p, err := parsePath(c.path)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := p.get(ev)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("get(%s) = %v, %v; want %v, %v", c.path, got, ok, c.want, c.ok)
		}
	}
}

func TestPathSet(t *testing.T) {
	t.Parallel()
	out := map[string]any{}
	must := func(s string, v any) {
		t.Helper()
		p, err := parsePath(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.set(out, v); err != nil {
			t.Fatalf("set %s: %v", s, err)
		}
	}
	must("a.b.c", "x")
	must("a.b.d", 2)
	must("l[1].k", "v")
	must("e[*].id", []any{"p", nil, "q"})
	must("e[*].n", []any{1, 2})
	must("plain[*]", []any{"u", nil, "w"})
	want := map[string]any{
		"a":     map[string]any{"b": map[string]any{"c": "x", "d": 2}},
		"l":     []any{nil, map[string]any{"k": "v"}},
		"e":     []any{map[string]any{"id": "p", "n": 1}, map[string]any{"n": 2}, map[string]any{"id": "q"}},
		"plain": []any{"u", "w"},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v", out)
	}
	p, _ := parsePath("a.b.c.deeper")
	if err := p.set(out, 1); err == nil || !strings.Contains(err.Error(), "inside a string") {
		t.Fatalf("setting inside a string: %v", err)
	}
}

func TestSourcePaths(t *testing.T) {
	t.Parallel()
	ev := decode(t, `{"metric":"sent","data":{"identifiers":{"email":"a@b","id":"7"},"tags":["x","y"],"empty":{},
		"recipients":[{"device_id":"d"},{"token":"t"}],"a.b":1},"timestamp":1}`)
	got := SourcePaths(ev)
	want := []string{
		`data.a\.b`, "data.empty", "data.identifiers.email", "data.identifiers.id",
		"data.recipients[*].device_id", "data.recipients[*].token", "data.tags", "metric", "timestamp",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("SourcePaths =\n%q\nwant\n%q", got, want)
	}
	// Every listed path reads a value back from the sample: the picker never offers a dead path.
	for _, s := range got {
		p, err := parsePath(s)
		if err != nil {
			t.Fatalf("%s does not parse: %v", s, err)
		}
		if _, ok := p.get(ev); !ok {
			t.Errorf("%s reads nothing from its own sample", s)
		}
	}
}
