package local

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// condition is one property= filter: a dotted path into a JSON document, an operator and the values it
// accepts. Several values (comma-separated) mean OR, several property= parameters mean AND, which is
// how Flow Service reads `property=sourceConnectionIds[]==a,b`.
type condition struct {
	path   []string // "sourceConnectionIds[]" becomes ["sourceConnectionIds", "[]"]
	op     string   // "", "==", "!=", ">=", "<=", ">", "<", "~"
	values []string
	re     *regexp.Regexp
}

// operators in the order they must be tried, so that ">=" is not read as ">".
var operators = []string{"==", "!=", ">=", "<=", "~", ">", "<"}

// parseConditions reads every property= value.
func parseConditions(raw []string) ([]condition, error) {
	var out []condition
	for _, expr := range raw {
		expr = strings.TrimSpace(expr)
		if expr == "" {
			continue
		}
		c := condition{}
		field := expr
		for _, op := range operators {
			if i := strings.Index(expr, op); i > 0 {
				c.op, field = op, expr[:i]
				c.values = strings.Split(expr[i+len(op):], ",")
				break
			}
		}
		if strings.TrimSpace(field) == "" {
			return nil, fmt.Errorf("property filter %q names no field", expr)
		}
		for _, part := range strings.Split(field, ".") {
			if name, ok := strings.CutSuffix(part, "[]"); ok {
				c.path = append(c.path, name, "[]")
			} else {
				c.path = append(c.path, part)
			}
		}
		if c.op == "~" {
			re, err := regexp.Compile(c.values[0])
			if err != nil {
				return nil, fmt.Errorf("property filter %q: %v", expr, err)
			}
			c.re = re
		}
		out = append(out, c)
	}
	return out, nil
}

// matchAll reports whether doc satisfies every condition.
func matchAll(doc map[string]any, conds []condition) bool {
	for _, c := range conds {
		if !c.match(doc) {
			return false
		}
	}
	return true
}

// match resolves the path (fanning out over arrays) and tests each value found.
func (c condition) match(doc map[string]any) bool {
	found := resolve(doc, c.path)
	if c.op == "" {
		return len(found) > 0
	}
	if c.op == "!=" {
		for _, v := range found {
			for _, want := range c.values {
				if scalarString(v) == want {
					return false
				}
			}
		}
		return true
	}
	for _, v := range found {
		if c.test(v) {
			return true
		}
	}
	return false
}

func (c condition) test(v any) bool {
	s := scalarString(v)
	switch c.op {
	case "~":
		return c.re.MatchString(s)
	case "==":
		for _, want := range c.values {
			if s == want {
				return true
			}
		}
		return false
	}
	cmp := compareValues(s, c.values[0])
	switch c.op {
	case ">=":
		return cmp >= 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	default:
		return cmp < 0
	}
}

// resolve follows a path through maps; "[]" (or an array met on the way) fans out over elements.
func resolve(v any, path []string) []any {
	if len(path) == 0 {
		if arr, ok := v.([]any); ok {
			return arr
		}
		return []any{v}
	}
	switch t := v.(type) {
	case map[string]any:
		if path[0] == "[]" {
			return nil
		}
		next, ok := t[path[0]]
		if !ok {
			return nil
		}
		return resolve(next, path[1:])
	case []any:
		rest := path
		if path[0] == "[]" {
			rest = path[1:]
		}
		var out []any
		for _, e := range t {
			out = append(out, resolve(e, rest)...)
		}
		return out
	}
	return nil
}

// scalarString renders a JSON scalar the way it appears in a query string.
func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// compareValues compares numerically when both sides are numbers, else as strings.
func compareValues(a, b string) int {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// sortDocs orders documents by a top-level field; a leading "-" sorts descending. The sort is stable so
// documents with equal values keep their creation order.
func sortDocs(docs []map[string]any, orderby string) {
	if orderby == "" {
		return
	}
	field, desc := strings.TrimPrefix(orderby, "-"), strings.HasPrefix(orderby, "-")
	field = strings.TrimPrefix(field, "+")
	sort.SliceStable(docs, func(i, j int) bool {
		c := compareValues(scalarString(docs[i][field]), scalarString(docs[j][field]))
		if desc {
			return c > 0
		}
		return c < 0
	})
}
