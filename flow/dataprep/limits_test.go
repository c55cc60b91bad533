package dataprep

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// failed is the validation message of a rule Validate rejected, or "" when it passed.
func failed(t *testing.T, r Rule) string {
	t.Helper()
	res := Validate([]Rule{r})[0]
	if res.Status == Success {
		return ""
	}
	return strings.Join(res.Errors, "; ")
}

// TestDeepNestingRefusedBeforeParsing: 10^6 nested parentheses overflowed the parser's stack, a fatal
// error no recover catches; now validation refuses them, from a rule and from a mapping file.
func TestDeepNestingRefusedBeforeParsing(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("(", 1_000_000) + "1" + strings.Repeat(")", 1_000_000)
	if msg := failed(t, Rule{SourceType: Expression, Source: deep, Destination: "x"}); msg == "" {
		t.Fatal("10^6 nested parentheses passed validation")
	}
	shallow := strings.Repeat("lower(", 65) + "a" + strings.Repeat(")", 65)
	if msg := failed(t, Rule{SourceType: Expression, Source: shallow, Destination: "x"}); !strings.Contains(msg, "nest more than") {
		t.Errorf("65 nested calls: %q", msg)
	}
	ok := strings.Repeat("lower(", 20) + "a" + strings.Repeat(")", 20)
	if msg := failed(t, Rule{SourceType: Expression, Source: ok, Destination: "x"}); msg != "" {
		t.Errorf("20 nested calls refused: %s", msg)
	}
	if msg := failed(t, Rule{SourceType: Expression, Source: `"((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((" + a`, Destination: "x"}); msg != "" {
		t.Errorf("brackets inside a string literal counted: %s", msg)
	}
}

// TestStringResultsBounded: nested replacestr multiplies a string's length at every level; 7 levels on
// a short field took 13 GB. Every string a function or + builds is bounded, and the error says why.
func TestStringResultsBounded(t *testing.T) {
	t.Parallel()
	bomb := "x"
	for range 4 {
		bomb = fmt.Sprintf(`replacestr(%s, "", "XXXXXXXXXXXXXXXX")`, bomb)
	}
	m, err := Compile([]Rule{{SourceType: Expression, Source: bomb, Destination: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Apply(map[string]any{"x": strings.Repeat("a", 1000)}) // 17^4 × 1000 bytes ≈ 83 MB unbounded
	if err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Fatalf("nested replacestr: %v", err)
	}
	for _, src := range []string{
		`concat(x, x, x)`, `join(",", x, x, x)`, `x + x + x`, `upper(x + x)`, `url_encode(x + x)`,
	} {
		m, err := Compile([]Rule{{SourceType: Expression, Source: src, Destination: "y"}})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if _, err := m.Apply(map[string]any{"x": strings.Repeat("a", MaxStringBytes/2+1)}); err == nil || !strings.Contains(err.Error(), "more than the") {
			t.Errorf("%s on a half-limit string: %v", src, err)
		}
	}
	m, _ = Compile([]Rule{{SourceType: Expression, Source: `x + "!"`, Destination: "y"}, {SourceType: Expression, Source: "n + 1", Destination: "z"}})
	if out, err := m.Apply(map[string]any{"x": "hi", "n": 41.0}); err != nil || out["y"] != "hi!" || out["z"] != int64(42) {
		t.Errorf("+ on small values: %v %v", out, err)
	}
	if msg := failed(t, Rule{SourceType: Expression, Source: "size_of(1..2000000000)", Destination: "y"}); msg == "" {
		t.Error("the range operator passed validation")
	}
}

// TestPathBounds: a destination index makes Apply grow a list that long, so indexes and depth are
// bounded at validation.
func TestPathBounds(t *testing.T) {
	t.Parallel()
	for _, dest := range []string{"a[100000000]", "a[10000]", strings.Repeat("a.", 100_000) + "a"} {
		if msg := failed(t, Rule{SourceType: Attribute, Source: "x", Destination: dest}); msg == "" {
			t.Errorf("destination %.40q… passed validation", dest)
		}
	}
	if msg := failed(t, Rule{SourceType: Attribute, Source: "x", Destination: "a[9999]"}); msg != "" {
		t.Errorf("a[9999]: %s", msg)
	}
}

// TestRegexLiteralCheckedAtValidation: a bad literal pattern fails validation, not every event.
func TestRegexLiteralCheckedAtValidation(t *testing.T) {
	t.Parallel()
	if msg := failed(t, Rule{SourceType: Expression, Source: `matches_regex(a, "(")`, Destination: "x"}); !strings.Contains(msg, "bad pattern") {
		t.Errorf("bad literal pattern: %q", msg)
	}
	if msg := failed(t, Rule{SourceType: Expression, Source: `matches_regex(a, "^a+$")`, Destination: "x"}); msg != "" {
		t.Errorf("good pattern refused: %s", msg)
	}
}

// TestReadRulesBounded: a mapping file larger than MaxMappingBytes, or an endless one, is refused
// without being read whole.
func TestReadRulesBounded(t *testing.T) {
	t.Parallel()
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte("["+strings.Repeat(" ", MaxMappingBytes)+"]"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{big, "/dev/zero"} {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		if _, err := ReadRules(path); err == nil || !strings.Contains(err.Error(), "the most a mapping may be") {
			t.Errorf("ReadRules(%s) = %v", path, err)
		}
	}
	small := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(small, []byte(`[{"source":"metric","destination":"a.b"}]`), 0o600)
	if rules, err := ReadRules(small); err != nil || len(rules) != 1 {
		t.Errorf("small mapping: %v %v", rules, err)
	}
}

// TestOverlapsFoundAmongManyRules: the overlap check names the earliest clashing rule, in either
// direction, among many.
func TestOverlapsFoundAmongManyRules(t *testing.T) {
	t.Parallel()
	var rules []Rule
	for i := range 1000 {
		rules = append(rules, Rule{SourceType: Attribute, Source: "x", Destination: fmt.Sprintf("f%d.v", i)})
	}
	rules = append(rules, Rule{SourceType: Attribute, Source: "x", Destination: "f10"}, Rule{SourceType: Attribute, Source: "x", Destination: "f20.v.w"},
		Rule{SourceType: Attribute, Source: "x", Destination: "f30.v"})
	res := Validate(rules)
	for i, want := range map[int]string{1000: "rule 11's f10.v", 1001: "rule 21's f20.v", 1002: "rule 31's f30.v"} {
		if res[i].Status != Failed || !strings.Contains(strings.Join(res[i].Errors, ""), want) {
			t.Errorf("rule %d: %+v, want %s", i+1, res[i], want)
		}
	}
	for i := range 1000 {
		if res[i].Status != Success {
			t.Fatalf("rule %d: %+v", i+1, res[i])
		}
	}
}

// BenchmarkValidateManyRules validates 80,000 distinct destinations, which took 175 s when each rule was
// compared with every earlier one.
func BenchmarkValidateManyRules(b *testing.B) {
	var rules []Rule
	for i := range 80_000 {
		rules = append(rules, Rule{SourceType: Attribute, Source: "x", Destination: fmt.Sprintf("_tenant.customerio.f%d", i)})
	}
	data, _ := json.Marshal(rules)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Validate(rules)
	}
}
