package local

import (
	"fmt"
	"strconv"
	"strings"
)

// patchOp is one RFC 6902 operation. Flow Service's spec spells op in capitals while its docs and
// clients send lower case; both are accepted.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// applyPatch applies add, replace and remove operations to doc in place. Paths are JSON Pointers;
// allowed decides which top-level members may change, so each service keeps its own rules.
func applyPatch(doc map[string]any, ops []patchOp, allowed func(top string) bool) error {
	if len(ops) == 0 {
		return fmt.Errorf("the patch is empty: send a JSON array of operations")
	}
	for i, op := range ops {
		tokens, err := pointer(op.Path)
		if err != nil {
			return fmt.Errorf("operation %d: %v", i, err)
		}
		if !allowed(tokens[0]) {
			return fmt.Errorf("operation %d: %s cannot be changed with PATCH", i, op.Path)
		}
		kind := strings.ToLower(op.Op)
		switch kind {
		case "add", "replace", "remove":
		default:
			return fmt.Errorf("operation %d: op %q is not supported; use add, replace or remove", i, op.Op)
		}
		if _, err := patchAt(doc, tokens, kind, op.Value); err != nil {
			return fmt.Errorf("operation %d (%s %s): %v", i, kind, op.Path, err)
		}
	}
	return nil
}

// pointer splits a JSON Pointer and undoes its ~1 and ~0 escapes.
func pointer(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") || len(p) < 2 {
		return nil, fmt.Errorf("path %q is not a JSON Pointer such as /name", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// patchAt walks to the parent of the last token, performs the operation there and returns the node,
// which is a new slice when an array grew or shrank.
func patchAt(node any, tokens []string, op string, value any) (any, error) {
	last := len(tokens) == 1
	switch n := node.(type) {
	case map[string]any:
		key := tokens[0]
		if !last {
			child, ok := n[key]
			if !ok {
				return nil, fmt.Errorf("%q does not exist", key)
			}
			nc, err := patchAt(child, tokens[1:], op, value)
			if err == nil {
				n[key] = nc
			}
			return n, err
		}
		_, exists := n[key]
		switch op {
		case "add":
			n[key] = value
		case "replace":
			if !exists {
				return nil, fmt.Errorf("%q does not exist; use add", key)
			}
			n[key] = value
		case "remove":
			if !exists {
				return nil, fmt.Errorf("%q does not exist", key)
			}
			delete(n, key)
		}
		return n, nil
	case []any:
		if !last {
			i, err := index(tokens[0], len(n))
			if err != nil {
				return nil, err
			}
			nc, err := patchAt(n[i], tokens[1:], op, value)
			if err == nil {
				n[i] = nc
			}
			return n, err
		}
		// RFC 6902: add inserts before an index, or appends with "-" (help/xdm/api/schemas.md adds a
		// field group with /allOf/-); replace and remove need an existing index.
		if op == "add" {
			i := len(n)
			if tokens[0] != "-" {
				var err error
				if i, err = index(tokens[0], len(n)+1); err != nil {
					return nil, err
				}
			}
			out := append(append(append([]any{}, n[:i]...), value), n[i:]...)
			return out, nil
		}
		i, err := index(tokens[0], len(n))
		if err != nil {
			return nil, err
		}
		if op == "replace" {
			n[i] = value
			return n, nil
		}
		return append(append([]any{}, n[:i]...), n[i+1:]...), nil
	}
	return nil, fmt.Errorf("%q is not an object or array", tokens[0])
}

// index parses an array index that must point at an existing element.
func index(tok string, n int) (int, error) {
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || i >= n {
		return 0, fmt.Errorf("index %q is out of range (the array has %d elements)", tok, n)
	}
	return i, nil
}
