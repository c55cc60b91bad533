package dataprep

import (
	"testing"
)

// FuzzParsePath: any text either fails to parse with an error or parses to a path whose canonical form
// parses back to the same path. Reading and writing with it must never panic.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"a", "a.b", "a[0].b", "a[*].b", `a\.b`, `a\\`, "a[", "a[]", "[*]", "a..b",
		"data.recipients[*].device_id", "a[99999999999999999999]", "é.ü[1]", `\[`, "a.[0]", "a[0]x"} {
		f.Add(s)
	}
	ev := map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": 1.0}, "x"}}, "a.b": "dot"}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			return
		}
		again, err := parsePath(p.String())
		if err != nil || again.String() != p.String() {
			t.Fatalf("%q → %q → %v, %v", s, p.String(), again, err)
		}
		p.get(ev)
		if len(p) > 0 && len(p) < 50 {
			for _, seg := range p {
				if seg.kind == segIndex && seg.index > 1000 {
					return // growing a list that long is legal but pointless here
				}
			}
			_ = p.set(map[string]any{}, []any{"v", nil})
		}
	})
}

// FuzzCompileExpression: any source either compiles or fails with an error; what compiles evaluates
// without panicking on a typical event.
func FuzzCompileExpression(f *testing.F) {
	for _, s := range []string{
		`dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, "lower(data.identifiers.email)",
		`${new} eq "x"`, "${a.b}", "iif(a, b, c)", `decode(x, 1, "a", "d")`, "concat(", `"`, "${", "a.b.c[0]",
		"to_integer(n) mod 0", "timestamp div 0", `date("x", "'")`, `substr("abc", -5, 99)`, "coalesce(null)",
		"sha256(1, 'latin1')", "1 / 0", "a[1:2]", "a ?? b", `matches_regex(a, "(")`, "__field0", "x.y()",
	} {
		f.Add(s)
	}
	ev := decode(f, cioEvent)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := compileExpression(src)
		if err != nil {
			return
		}
		_, _, _ = e.eval(ev)
		_, _, _ = e.eval(nil)
	})
}
