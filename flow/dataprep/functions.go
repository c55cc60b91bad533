package dataprep

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// function is one Data Prep function: its arity is checked when the expression compiles, so a wrong call
// is reported by Validate instead of failing every event.
type function struct {
	min, max int // max < 0: any number of arguments
	call     func(args ...any) (any, error)
}

// functions holds Data Prep's names (https://experienceleague.adobe.com/docs/experience-platform/data-prep/functions.html)
// for the subset cioaep's mappings need. Anything else fails validation with the name, as Adobe's does.
var functions = map[string]function{
	"uuid":             {0, 0, func(...any) (any, error) { return uuid.NewString(), nil }},
	"guid":             {0, 0, func(...any) (any, error) { return uuid.NewString(), nil }},
	"now":              {0, 0, func(...any) (any, error) { return time.Now().UTC(), nil }},
	"timestamp":        {0, 0, func(...any) (any, error) { return time.Now().UnixMilli(), nil }},
	"dformat":          {2, 2, fnDformat},
	"date":             {1, 3, fnDate},
	"concat":           {1, -1, fnConcat},
	"lower":            {1, 1, str1(strings.ToLower)},
	"lcase":            {1, 1, str1(strings.ToLower)},
	"upper":            {1, 1, str1(strings.ToUpper)},
	"ucase":            {1, 1, str1(strings.ToUpper)},
	"trim":             {1, 1, str1(strings.TrimSpace)},
	"ltrim":            {1, 1, str1(func(s string) string { return strings.TrimLeft(s, " \t\r\n") })},
	"rtrim":            {1, 1, str1(func(s string) string { return strings.TrimRight(s, " \t\r\n") })},
	"substr":           {2, 3, fnSubstr},
	"replacestr":       {3, 3, fnReplace},
	"split":            {2, 2, fnSplit},
	"join":             {2, -1, fnJoin},
	"size_of":          {1, 1, fnSizeOf},
	"is_empty":         {1, 1, func(a ...any) (any, error) { n, _ := fnSizeOf(a[0]); return a[0] == nil || n == 0, nil }},
	"equals":           {2, 2, func(a ...any) (any, error) { return asString(a[0]) == asString(a[1]), nil }},
	"equalsIgnoreCase": {2, 2, func(a ...any) (any, error) { return strings.EqualFold(asString(a[0]), asString(a[1])), nil }},
	"matches_regex":    {2, 2, fnMatches},
	"iif":              {3, 3, func(a ...any) (any, error) { return pickIf(truthy(a[0]), a[1], a[2]), nil }},
	"coalesce":         {1, -1, fnCoalesce},
	"decode":           {3, -1, fnDecode},
	"to_integer":       {1, 1, toInteger},
	"to_bigint":        {1, 1, toInteger},
	"to_float":         {1, 1, toFloat},
	"to_decimal":       {1, 1, toFloat},
	"sha1":             {1, 2, hashWith(sha1.New)},
	"sha256":           {1, 2, hashWith(sha256.New)},
	"sha512":           {1, 2, hashWith(sha512.New)},
	"md5":              {1, 2, hashWith(md5.New)},
	"url_encode":       {1, 1, str1(url.QueryEscape)},
	"url_decode":       {1, 1, fnURLDecode},
}

// FunctionNames lists the supported functions, for help text and editors.
func FunctionNames() []string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func pickIf(c bool, a, b any) any {
	if c {
		return a
	}
	return b
}

func str1(f func(string) string) func(...any) (any, error) {
	return func(a ...any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		return f(asString(a[0])), nil
	}
}

// fnDformat is dformat(date or epoch ms, "Java pattern"), printed in UTC.
func fnDformat(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	t, err := asTime(a[0])
	if err != nil {
		return nil, fmt.Errorf("dformat: %w", err)
	}
	layout, err := javaLayout(asString(a[1]))
	if err != nil {
		return nil, fmt.Errorf("dformat: %w", err)
	}
	return t.UTC().Format(layout), nil
}

// fnDate is date(text, "Java pattern"[, default]): parse text into a date; without a pattern, RFC 3339 or
// epoch milliseconds. The optional third argument is returned when the text does not parse.
func fnDate(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	var (
		t   time.Time
		err error
	)
	if len(a) == 1 {
		t, err = asTime(a[0])
	} else {
		var layout string
		if layout, err = javaLayout(asString(a[1])); err == nil {
			t, err = time.Parse(layout, asString(a[0]))
		}
	}
	if err != nil {
		if len(a) == 3 {
			return a[2], nil
		}
		return nil, fmt.Errorf("date: %w", err)
	}
	return t.UTC(), nil
}

func fnConcat(a ...any) (any, error) {
	var n int64
	for _, v := range a {
		n += int64(len(asString(v)))
	}
	if err := fits("concat", n); err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, v := range a {
		b.WriteString(asString(v))
	}
	return b.String(), nil
}

// fnSubstr is substr(text, start[, end]) with a zero-based start and exclusive end, clamped to the text.
func fnSubstr(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	r := []rune(asString(a[0]))
	start, err := asInt(a[1])
	if err != nil {
		return nil, fmt.Errorf("substr start: %w", err)
	}
	end := int64(len(r))
	if len(a) == 3 {
		if end, err = asInt(a[2]); err != nil {
			return nil, fmt.Errorf("substr end: %w", err)
		}
	}
	start, end = max(0, min(start, int64(len(r)))), max(0, min(end, int64(len(r))))
	if end < start {
		return "", nil
	}
	return string(r[start:end]), nil
}

func fnReplace(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	s, old, new := asString(a[0]), asString(a[1]), asString(a[2])
	if err := fits("replacestr", replacedLen(s, old, new)); err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s, old, new), nil
}

func fnSplit(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	parts := strings.Split(asString(a[0]), asString(a[1]))
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// fnJoin is join(separator, values...); list arguments contribute each element.
func fnJoin(a ...any) (any, error) {
	var parts []string
	for _, v := range a[1:] {
		if l, ok := v.([]any); ok {
			for _, e := range l {
				if e != nil {
					parts = append(parts, asString(e))
				}
			}
		} else if v != nil {
			parts = append(parts, asString(v))
		}
	}
	sep := asString(a[0])
	n := int64(len(sep)) * int64(max(len(parts)-1, 0))
	for _, p := range parts {
		n += int64(len(p))
	}
	if err := fits("join", n); err != nil {
		return nil, err
	}
	return strings.Join(parts, sep), nil
}

func fnSizeOf(a ...any) (any, error) {
	switch x := a[0].(type) {
	case nil:
		return 0, nil
	case []any:
		return len(x), nil
	case map[string]any:
		return len(x), nil
	default:
		return len([]rune(asString(x))), nil
	}
}

var regexps sync.Map // pattern → *regexp.Regexp or error

func fnMatches(a ...any) (any, error) {
	if a[0] == nil {
		return false, nil
	}
	re, err := compileRegex(asString(a[1]))
	if err != nil {
		return nil, err
	}
	return re.MatchString(asString(a[0])), nil
}

// compileRegex compiles a matches_regex pattern once and remembers the answer, good or bad.
func compileRegex(pat string) (*regexp.Regexp, error) {
	c, ok := regexps.Load(pat)
	if !ok {
		re, err := regexp.Compile(pat)
		if err != nil {
			c = fmt.Errorf("matches_regex: bad pattern %q: %v", pat, err)
		} else {
			c = re
		}
		regexps.Store(pat, c)
	}
	if err, bad := c.(error); bad {
		return nil, err
	}
	return c.(*regexp.Regexp), nil
}

func fnCoalesce(a ...any) (any, error) {
	for _, v := range a {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

// fnDecode is decode(key, k1, v1, k2, v2, ..., default): the value paired with the first key equal to
// key; the trailing unpaired argument, when present, is the default, otherwise no match gives null.
func fnDecode(a ...any) (any, error) {
	key, pairs := a[0], a[1:]
	for i := 0; i+1 < len(pairs); i += 2 {
		if looseEqual(key, pairs[i]) {
			return pairs[i+1], nil
		}
	}
	if len(pairs)%2 == 1 {
		return pairs[len(pairs)-1], nil
	}
	return nil, nil
}

func toInteger(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	n, err := asInt(a[0])
	if err != nil {
		return nil, fmt.Errorf("to_integer: %w", err)
	}
	return n, nil
}

func toFloat(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	f, err := asFloat(a[0])
	if err != nil {
		return nil, fmt.Errorf("to_float: %w", err)
	}
	return f, nil
}

// hashWith returns a hex digest of the text (Data Prep's optional second argument names a charset; Go
// strings are UTF-8, which is the only one accepted).
func hashWith(h func() hash.Hash) func(...any) (any, error) {
	return func(a ...any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		if len(a) == 2 && !strings.EqualFold(strings.ReplaceAll(asString(a[1]), "-", ""), "utf8") {
			return nil, fmt.Errorf("only the UTF-8 charset is supported, not %q", asString(a[1]))
		}
		d := h()
		d.Write([]byte(asString(a[0])))
		return hex.EncodeToString(d.Sum(nil)), nil
	}
}

func fnURLDecode(a ...any) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	s, err := url.QueryUnescape(asString(a[0]))
	if err != nil {
		return nil, fmt.Errorf("url_decode: %w", err)
	}
	return s, nil
}
