package dataprep

import (
	"fmt"
	"strconv"
	"strings"
)

// segKind tells a path segment's role: a field name, a fixed array index, or every element of an array.
type segKind uint8

const (
	segField segKind = iota
	segIndex
	segEach
)

// segment is one step of a parsed path such as `data.recipients[*].device\.id`.
type segment struct {
	kind  segKind
	name  string // segField
	index int    // segIndex
}

// path is a parsed Data Prep attribute path. Parsing happens once, in Compile, so Apply only walks maps.
type path []segment

// parsePath reads Data Prep's attribute syntax: dots nest, `[n]` picks an element, `[*]` maps over every
// element, and a backslash makes the next character literal (so `a\.b` is one field named "a.b").
func parsePath(s string) (path, error) {
	if s == "" {
		return nil, fmt.Errorf("the path is empty")
	}
	var (
		p       path
		name    strings.Builder
		hasName bool // a field name was started, even if it is only escaped characters
	)
	flush := func(pos int) error {
		if !hasName {
			return fmt.Errorf("empty field name at position %d in %q", pos, s)
		}
		p = append(p, segment{kind: segField, name: name.String()})
		name.Reset()
		hasName = false
		return tooDeep(p)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("%q ends with a lone backslash; write \\\\ for a literal one", s)
			}
			i++
			name.WriteByte(s[i])
			hasName = true
		case '.':
			if hasName {
				if err := flush(i); err != nil {
					return nil, err
				}
			} else if len(p) == 0 || p[len(p)-1].kind == segField {
				return nil, fmt.Errorf("empty field name at position %d in %q", i, s)
			}
			if i+1 >= len(s) {
				return nil, fmt.Errorf("%q ends with a dot", s)
			}
		case '[':
			if hasName {
				if err := flush(i); err != nil {
					return nil, err
				}
			} else if i > 0 && s[i-1] == '.' {
				return nil, fmt.Errorf("empty field name at position %d in %q", i, s)
			}
			if len(p) == 0 {
				return nil, fmt.Errorf("%q starts with an index; a path starts with a field name", s)
			}
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ at position %d in %q", i, s)
			}
			inner := s[i+1 : i+end]
			seg, err := parseIndex(inner)
			if err != nil {
				return nil, fmt.Errorf("bad index [%s] at position %d in %q: %w", inner, i, s, err)
			}
			p = append(p, seg)
			if err := tooDeep(p); err != nil {
				return nil, err
			}
			i += end
			if i+1 < len(s) && s[i+1] != '.' && s[i+1] != '[' {
				return nil, fmt.Errorf("expected . or [ after ] at position %d in %q", i+1, s)
			}
		case ']':
			return nil, fmt.Errorf("unexpected ] at position %d in %q", i, s)
		default:
			name.WriteByte(c)
			hasName = true
		}
	}
	if hasName {
		if err := flush(len(s)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func parseIndex(inner string) (segment, error) {
	if inner == "*" {
		return segment{kind: segEach}, nil
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n < 0 || strings.HasPrefix(inner, "+") {
		return segment{}, fmt.Errorf("want a number from 0 or *")
	}
	if n > maxIndex {
		return segment{}, fmt.Errorf("%d is more than the highest index allowed, %d", n, maxIndex)
	}
	return segment{kind: segIndex, index: n}, nil
}

// String writes the path back in its canonical form, escaping what parsePath would split on.
func (p path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch s.kind {
		case segField:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(escapeName(s.name))
		case segIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case segEach:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// escapeName protects the characters that have a meaning in a path, so a key like "a.b" survives a round trip.
func escapeName(name string) string {
	if !strings.ContainsAny(name, `.[]\`) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '.', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

// hasEach reports whether the path maps over an array, which makes its value a list.
func (p path) hasEach() bool {
	for _, s := range p {
		if s.kind == segEach {
			return true
		}
	}
	return false
}

// get reads the value at p. ok is false when any step is missing or null, so the caller can leave the
// destination unset rather than writing null. With `[*]` the result is a []any holding one entry per
// element (nil where that element lacks the rest of the path), keeping positions aligned for `x[*].y`.
func (p path) get(v any) (any, bool) {
	for i, s := range p {
		if v == nil {
			return nil, false
		}
		switch s.kind {
		case segField:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			v, ok = m[s.name]
			if !ok {
				return nil, false
			}
		case segIndex:
			a, ok := v.([]any)
			if !ok || s.index >= len(a) {
				return nil, false
			}
			v = a[s.index]
		case segEach:
			a, ok := v.([]any)
			if !ok {
				return nil, false
			}
			rest := p[i+1:]
			out := make([]any, len(a))
			for j, e := range a {
				out[j], _ = rest.get(e)
			}
			return out, true
		}
	}
	return v, v != nil
}

// set writes v at p inside out, creating the objects and arrays on the way. A `[*]` step spreads a list
// over the array's elements, so `a[*].b` → `x[*].y` keeps one output element per input element.
func (p path) set(out map[string]any, v any) error {
	_, err := setIn(out, p, v)
	return err
}

func setIn(cur any, p path, v any) (any, error) {
	if len(p) == 0 {
		return v, nil
	}
	s, rest := p[0], p[1:]
	switch s.kind {
	case segField:
		m, ok := cur.(map[string]any)
		if cur == nil {
			m = make(map[string]any, 4)
		} else if !ok {
			return nil, fmt.Errorf("cannot set %q inside a %s", s.name, kindOf(cur))
		}
		child, err := setIn(m[s.name], rest, v)
		if err != nil {
			return nil, err
		}
		m[s.name] = child
		return m, nil
	case segIndex:
		a, err := growList(cur, s.index+1)
		if err != nil {
			return nil, err
		}
		if a[s.index], err = setIn(a[s.index], rest, v); err != nil {
			return nil, err
		}
		return a, nil
	default: // segEach
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		if len(rest) == 0 {
			return compact(list), nil
		}
		a, err := growList(cur, len(list))
		if err != nil {
			return nil, err
		}
		for j, e := range list {
			if e == nil {
				// Keep the element an object so the array stays homogeneous for XDM.
				if a[j] == nil {
					a[j] = map[string]any{}
				}
				continue
			}
			if a[j], err = setIn(a[j], rest, e); err != nil {
				return nil, err
			}
		}
		return a, nil
	}
}

func growList(cur any, n int) ([]any, error) {
	a, ok := cur.([]any)
	if cur != nil && !ok {
		return nil, fmt.Errorf("cannot index into a %s", kindOf(cur))
	}
	for len(a) < n {
		a = append(a, nil)
	}
	return a, nil
}

// compact drops the holes a `[*]` read leaves for elements that lack the field: a plain list destination
// wants the values only.
func compact(list []any) []any {
	out := make([]any, 0, len(list))
	for _, e := range list {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	default:
		return "number"
	}
}
