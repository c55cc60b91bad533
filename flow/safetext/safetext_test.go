package safetext

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                                  "plain",
		"a\x1b]52;c;ZXZpbA==\x07b":               "ab",
		"a\x1b]52;c;ZXZpbA==\x1b\\b":             "ab",
		"\x1b]8;;http://x\x1b\\t\x1b]8;;\x1b\\":  "t",
		"x\x1b[2Jy\x1b[0m":                       "xy",
		"x\x1bcy":                                "xy",
		"x\x1b(By":                               "xy",
		"x\x1bPq#0;2;0;0;0\x1b\\y":               "xy",
		"x\x1b_hidden\x1b\\y":                    "xy",
		"x\x1b]52;c;unterminated":                "x",
		"tab\tnew\nline\rend":                    "tab new line end",
		"bidi\u202eevil\u202c":                   "bidievil",
		"iso\u2066l\u2069ate \u200emark\u200f":   "isolate mark",
		"zero\u200bwidth\ufeff":                  "zerowidth",
		"c1\u009b31mred":                         "c1red",
		"c1\u009d52;c;ZXZp\u009cok":              "c1ok",
		"nul\x00bel\x07del\x7f":                  "nulbeldel",
		"bad \xff utf8 \x9b[2J":                  "bad \ufffd utf8 \ufffd[2J",
		"émoji ✓ Grüße 👋":                        "émoji ✓ Grüße 👋",
		"line\u2028sep":                          "line sep",
		"https://dcs.adobedc.net/collection/abc": "https://dcs.adobedc.net/collection/abc",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
		if got := Line(in); !Plain(got) && !strings.ContainsRune(got, '\ufffd') {
			t.Errorf("Line(%q) = %q is not plain", in, got)
		}
	}
	if got := Block("{\n  \"a\": \"\x1b[31m\u202e\"\n}"); got != "{\n  \"a\": \"\"\n}" {
		t.Errorf("Block kept %q", got)
	}
}

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"https://dcs.adobedc.net/collection/abc", "http://127.0.0.1:8790/collection/x?a=b"} {
		if err := CheckURL(ok); err != nil {
			t.Errorf("CheckURL(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		"https://dcs.adobedc.net/collection/\x1b]52;c;ZXZpbA==\x07",
		"https://dcs.adobedc.net/\u202eexe.txt",
		"https://dcs.adobedc.net/\u009b2J",
		"https://dcs.adobedc.net/a b",
		"javascript:alert(1)",
		"file:///etc/passwd",
		"/collection/abc",
		"https://user:pw@evil.example/",
		"https:///nohost",
		"https://dcs.adobedc.net/\xff",
	} {
		err := CheckURL(bad)
		if err == nil {
			t.Errorf("CheckURL(%q) accepted it", bad)
			continue
		}
		if !Plain(err.Error()) && !strings.Contains(err.Error(), "\ufffd") {
			t.Errorf("CheckURL(%q) error is not printable: %q", bad, err)
		}
	}
}

func TestJSONEscapesWhatTerminalsObey(t *testing.T) {
	in := map[string]string{"name": "bidi\u202eevil \u2066x\u2069 c1\u009b2J tag\U000E0041 ok ✓"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(b)
	for _, raw := range []string{"\u202e", "\u2066", "\u2069", "\u009b", "\U000E0041"} {
		if strings.Contains(string(got), raw) {
			t.Errorf("JSON left %q raw in %s", raw, got)
		}
	}
	if !strings.Contains(string(got), `\u202e`) || !strings.Contains(string(got), `✓`) {
		t.Errorf("JSON = %s, want \\u202e escaped and ✓ kept", got)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["name"] != in["name"] {
		t.Errorf("JSON does not decode to the same value: %v %q", err, back["name"])
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"a\x1b]52;c;x\x07", "\u202e", "\u009b1m", "\x1b[", "\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Line(s)
		if strings.ContainsAny(got, "\x1b\x07\n\r\u009b\u009d\u202e\u2066") {
			t.Fatalf("Line(%q) = %q keeps a control", s, got)
		}
		if Line(got) != got {
			t.Fatalf("Line is not idempotent on %q: %q then %q", s, got, Line(got))
		}
	})
}
