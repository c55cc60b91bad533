package xdm

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Violation is one reason a record does not fit its schema.
type Violation struct {
	Path    string // dot form, "" for the record itself; array elements as "list[2]"
	Message string
}

func (v Violation) String() string {
	if v.Path == "" {
		return v.Message
	}
	return v.Path + ": " + v.Message
}

// Validate checks a record against a composed (xed-full) schema the way streaming ingestion does, and
// returns every problem, sorted by path; none means the record would be accepted. It checks JSON types
// (string, integer, number, boolean, object, array with items), the formats date-time (RFC 3339), date,
// email and uri, maxLength/minLength, enum, pattern, minimum/maximum, required fields, and rejects fields
// the schema does not define, because XDM schemas are closed.
//
// Deliberately not checked: uri-reference (the ExperienceEvent _id carries that format but Platform
// accepts any string id), "timestamp in the past" (clock skew between machines would fail good events),
// and patterns RE2 cannot compile (XDM patterns are ECMA-262; an unreadable one is skipped rather than
// failing every record). A null value counts as absent, as it does in Platform's Parquet storage.
func Validate(full map[string]any, record map[string]any) []Violation {
	var out []Violation
	validateObject(full, record, "", &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func validateObject(schema map[string]any, obj map[string]any, path string, out *[]Violation) {
	props, hasProps := schema["properties"].(map[string]any)
	for _, r := range stringList(schema["required"]) {
		if obj[r] == nil {
			*out = append(*out, Violation{join(path, r), "is required but missing"})
		}
	}
	extra := schema["additionalProperties"]
	for name, v := range obj { // Validate sorts the result, so map order does not leak out
		if v == nil {
			continue
		}
		if s, ok := props[name].(map[string]any); ok {
			validateValue(s, v, join(path, name), out)
			continue
		}
		switch x := extra.(type) {
		case map[string]any:
			validateValue(x, v, join(path, name), out)
		case bool:
			if !x {
				*out = append(*out, unknownField(props, name, path))
			}
		default:
			// An object that declares fields is closed; one that declares none is free-form.
			if hasProps {
				*out = append(*out, unknownField(props, name, path))
			}
		}
	}
}

func unknownField(props map[string]any, name, path string) Violation {
	msg := "is not a field of this schema (XDM schemas are closed: map it to a field the schema defines)"
	for other := range props {
		if strings.EqualFold(other, name) {
			msg = fmt.Sprintf("is not a field of this schema; did you mean %q?", other)
			break
		}
	}
	return Violation{join(path, name), msg}
}

func validateValue(schema map[string]any, v any, path string, out *[]Violation) {
	want := typeOf(schema)
	switch want {
	case "string":
		s, ok := v.(string)
		if !ok {
			*out = append(*out, wrongType(path, "a string", v))
			return
		}
		checkString(schema, s, path, out)
	case "integer":
		f, ok := number(v)
		if !ok || f != math.Trunc(f) || math.IsInf(f, 0) {
			*out = append(*out, wrongType(path, "an integer", v))
			return
		}
		checkNumber(schema, f, path, out)
	case "number":
		f, ok := number(v)
		if !ok {
			*out = append(*out, wrongType(path, "a number", v))
			return
		}
		checkNumber(schema, f, path, out)
	case "boolean":
		if _, ok := v.(bool); !ok {
			*out = append(*out, wrongType(path, "true or false", v))
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			*out = append(*out, wrongType(path, "an object", v))
			return
		}
		validateObject(schema, m, path, out)
	case "array":
		list, ok := asList(v)
		if !ok {
			*out = append(*out, wrongType(path, "a list", v))
			return
		}
		if n, ok := number(schema["maxItems"]); ok && float64(len(list)) > n {
			*out = append(*out, Violation{path, fmt.Sprintf("has %d items, at most %v allowed", len(list), n)})
		}
		if n, ok := number(schema["minItems"]); ok && float64(len(list)) < n {
			*out = append(*out, Violation{path, fmt.Sprintf("has %d items, at least %v required", len(list), n)})
		}
		items, _ := schema["items"].(map[string]any)
		for i, e := range list {
			p := path + "[" + strconv.Itoa(i) + "]"
			if e == nil {
				*out = append(*out, Violation{p, "is null; a list holds values only"})
				continue
			}
			if items != nil {
				validateValue(items, e, p, out)
			}
		}
	}
	checkEnum(schema, v, path, out)
}

func checkString(schema map[string]any, s, path string, out *[]Violation) {
	format, _ := schema["format"].(string)
	if msg := checkFormat(format, s); msg != "" {
		*out = append(*out, Violation{path, msg})
	}
	n := utf8.RuneCountInString(s)
	if max, ok := number(schema["maxLength"]); ok && float64(n) > max {
		*out = append(*out, Violation{path, fmt.Sprintf("is %d characters long, at most %v allowed", n, max)})
	}
	if min, ok := number(schema["minLength"]); ok && float64(n) < min {
		*out = append(*out, Violation{path, fmt.Sprintf("is %d characters long, at least %v required", n, min)})
	}
	if pat, ok := schema["pattern"].(string); ok {
		if re := compiled(pat); re != nil && !re.MatchString(s) {
			*out = append(*out, Violation{path, fmt.Sprintf("%s does not match the pattern %s", quote(s), pat)})
		}
	}
}

func checkFormat(format, s string) string {
	switch format {
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Sprintf("want a date-time in RFC 3339 form such as 2024-05-01T12:00:00Z, got %s", quote(s))
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Sprintf("want a date such as 2024-05-01, got %s", quote(s))
		}
	case "email":
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			return fmt.Sprintf("want an email address such as name@example.com, got %s", quote(s))
		}
	case "uri":
		if u, err := url.Parse(s); err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
			return fmt.Sprintf("want an absolute URI such as https://example.com/x, got %s", quote(s))
		}
	}
	return ""
}

func checkNumber(schema map[string]any, f float64, path string, out *[]Violation) {
	if max, ok := number(schema["maximum"]); ok && f > max {
		*out = append(*out, Violation{path, fmt.Sprintf("is %v, at most %v allowed", f, max)})
	}
	if min, ok := number(schema["minimum"]); ok && f < min {
		*out = append(*out, Violation{path, fmt.Sprintf("is %v, at least %v required", f, min)})
	}
}

func checkEnum(schema map[string]any, v any, path string, out *[]Violation) {
	allowed, ok := schema["enum"].([]any)
	if !ok || len(allowed) == 0 {
		return
	}
	for _, a := range allowed {
		if a == v {
			return
		}
		if fa, ok := number(a); ok {
			if fv, ok := number(v); ok && fa == fv {
				return
			}
		}
	}
	parts := make([]string, len(allowed))
	for i, a := range allowed {
		parts[i] = fmt.Sprint(a)
	}
	*out = append(*out, Violation{path, fmt.Sprintf("%s is not one of: %s", describe(v), strings.Join(parts, ", "))})
}

func wrongType(path, want string, v any) Violation {
	return Violation{path, fmt.Sprintf("want %s, got %s", want, describe(v))}
}

// describe names a value's JSON kind and shows a short form of it, so a message says what arrived.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "the string " + quote(x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case map[string]any:
		return "an object"
	}
	if f, ok := number(v); ok {
		return "the number " + strconv.FormatFloat(f, 'f', -1, 64)
	}
	if _, ok := asList(v); ok {
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}

// quote shows at most 60 characters of a value: messages go to terminals and logs.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:57]) + "..."
	}
	return strconv.Quote(s)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l, true
	case []map[string]any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l, true
	}
	return nil, false
}

var patterns sync.Map // pattern → *regexp.Regexp, or nil when RE2 cannot compile it

func compiled(pat string) *regexp.Regexp {
	if re, ok := patterns.Load(pat); ok {
		r, _ := re.(*regexp.Regexp)
		return r
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		patterns.Store(pat, nil)
		return nil
	}
	patterns.Store(pat, re)
	return re
}
