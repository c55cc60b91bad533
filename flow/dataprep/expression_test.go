package dataprep

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// eval compiles and runs one expression against ev, the way a mapping rule would.
func eval(t *testing.T, src string, ev map[string]any) (any, bool) {
	t.Helper()
	e, err := compileExpression(src)
	if err != nil {
		t.Fatalf("compile %q: %v", src, err)
	}
	v, ok, err := e.eval(ev)
	if err != nil {
		t.Fatalf("eval %q: %v", src, err)
	}
	return v, ok
}

func TestExpressionFunctions(t *testing.T) {
	t.Parallel()
	ev := decode(t, `{"timestamp":1714564800,"metric":"sent","object_type":"email","n":"42.9","flag":true,
		"data":{"identifiers":{"email":"  Ann@Example.COM "},"first name":"Ann","items":[{"id":"i0"},{"id":"i1"}]},
		"new":"reserved","a.b":"dotted","when":"2024-05-01 12:00:00"}`)
	cases := []struct{ src, want string }{
		{`dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, "2024-05-01T12:00:00.000Z"},
		{`dformat(timestamp * 1000, "yyyy-MM-dd")`, "2024-05-01"},
		{`dformat(date(when, "yyyy-MM-dd HH:mm:ss"), "dd/MM/yy HH:mm")`, "01/05/24 12:00"},
		{`date(when, "yyyy-MM-dd HH:mm:ss")`, "2024-05-01T12:00:00.000Z"},
		{`date("nonsense", "yyyy-MM-dd", "fallback")`, "fallback"},
		{`concat(object_type, ".", metric)`, "email.sent"},
		{`lower(trim(data.identifiers.email))`, "ann@example.com"},
		{`upper(metric)`, "SENT"},
		{`iif(metric == "sent", "yes", "no")`, "yes"},
		{`iif(metric eq "opened", "yes", "no")`, "no"},
		{`coalesce(data.missing, null, data["first name"])`, "Ann"},
		{`coalesce(${data.first name}, "x")`, "Ann"},
		{`to_integer(n) + 1`, "43"},
		{`sha256("a")`, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
		{`decode(object_type, "sms", "S", "email", "E", "?")`, "E"},
		{`decode(object_type, "sms", "S", "?")`, "?"},
		{`decode(2, 1, "one", 2, "two")`, "two"},
		{`${new}`, "reserved"},
		{`${a.b}`, "dotted"},
		{`data.items[1].id`, "i1"},
		{`substr(metric, 1, 3)`, "en"},
		{`replacestr(metric, "e", "E")`, "sEnt"},
		{`join("-", split("a,b,c", ","))`, "a-b-c"},
		{`timestamp mod 7`, "4"},
		{`timestamp div 100`, "17145648"},
		{`not flag or metric ne "sent"`, "false"},
		{`size_of(data.items)`, "2"},
		{`"null and eq stay text"`, "null and eq stay text"},
	}
	for _, c := range cases {
		v, ok := eval(t, c.src, ev)
		if !ok {
			t.Errorf("%s: unset", c.src)
			continue
		}
		if got := asString(v); got != c.want {
			t.Errorf("%s = %q, want %q", c.src, got, c.want)
		}
	}
}

// timestamp is both a Data Prep function and Customer.io's field: a call is the function, a bare name the field.
func TestFunctionAndFieldShareAName(t *testing.T) {
	t.Parallel()
	v, _ := eval(t, "timestamp() > timestamp * 1000", decode(t, `{"timestamp":1613063089}`))
	if v != true {
		t.Fatalf("got %v", v)
	}
	v, _ = eval(t, "concat(date, lower(upper))", decode(t, `{"date":"d","upper":"U"}`))
	if v != "du" {
		t.Fatalf("got %v", v)
	}
}

func TestExpressionGenerators(t *testing.T) {
	t.Parallel()
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, _ := eval(t, "uuid()", nil)
	b, _ := eval(t, "guid()", nil)
	if !uuidRE.MatchString(a.(string)) || !uuidRE.MatchString(b.(string)) || a == b {
		t.Fatalf("uuid() = %v, guid() = %v", a, b)
	}
	before := time.Now().UTC().Add(-time.Second)
	n, _ := eval(t, "now()", nil)
	ts, err := time.Parse(time.RFC3339, n.(string))
	if err != nil || ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
		t.Fatalf("now() = %v (%v)", n, err)
	}
}

// A missing field propagates as "no value": the destination stays unset instead of the record failing.
func TestExpressionMissingInput(t *testing.T) {
	t.Parallel()
	ev := decode(t, `{"metric":"sent"}`)
	for _, src := range []string{"timestamp * 1000", "data.identifiers.email", "lower(data.x)", `dformat(timestamp, "yyyy")`, "null"} {
		if v, ok := eval(t, src, ev); ok {
			t.Errorf("%s = %v, want unset", src, v)
		}
	}
}

func TestExpressionRuntimeErrorIsReported(t *testing.T) {
	t.Parallel()
	e, err := compileExpression(`to_integer(metric)`)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.eval(decode(t, `{"metric":"sent"}`))
	if err == nil || !strings.Contains(err.Error(), `"sent" is not a number`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
}

func TestExpressionCompileErrors(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"":                        "empty",
		"foo(1)":                  `unsupported function "foo"`,
		"len(metric)":             `unsupported function "len"`,
		"lower(a, b)":             "lower takes 1 argument, got 2",
		"dformat(1)":              "dformat takes 2 arguments, got 1",
		"decode(a)":               "decode takes at least 3 arguments",
		"metric.lower()":          "only Data Prep functions can be called",
		"concat(a,":               "syntax error",
		`"unclosed`:               "unclosed string",
		"${unclosed":              "unclosed ${",
		"${}":                     "empty ${}",
		"let x = 1; x":            "let is not part of",
		"__field0 + 1":            "reserved",
		"filter(list, # > 1)":     "not part of",
		"iif(a, b)":               "iif takes 3 arguments",
		"upper(${first name}, 1)": "upper takes 1 argument",
	} {
		_, err := compileExpression(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("compile %q = %v, want an error containing %q", src, err, want)
		}
	}
}

func TestJavaLayout(t *testing.T) {
	t.Parallel()
	ts := time.Date(2024, 5, 1, 7, 8, 9, 123456789, time.UTC)
	for pattern, want := range map[string]string{
		"yyyy-MM-dd'T'HH:mm:ss.SSSX":   "2024-05-01T07:08:09.123Z",
		"yyyy-MM-dd'T'HH:mm:ss.SSSXXX": "2024-05-01T07:08:09.123Z",
		"yyyy-MM-dd'T'HH:mm:ssZ":       "2024-05-01T07:08:09+0000",
		"EEE, d MMM yyyy h:mm a":       "Wed, 1 May 2024 7:08 AM",
		"EEEE MMMM dd yy":              "Wednesday May 01 24",
		"HH 'o''clock'":                "07 o'clock",
		"yyyyMMddHHmmss":               "20240501070809",
		"ss.SSSSSS":                    "09.123456",
	} {
		layout, err := javaLayout(pattern)
		if err != nil {
			t.Errorf("%s: %v", pattern, err)
			continue
		}
		if got := ts.Format(layout); got != want {
			t.Errorf("%s → %q, want %q", pattern, got, want)
		}
	}
	for pattern, want := range map[string]string{
		"yyyy-QQ": `"QQ", which is not supported`,
		"'open":   "unclosed quote",
		"ssSSS":   "must follow",
	} {
		if _, err := javaLayout(pattern); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", pattern, err, want)
		}
	}
}
