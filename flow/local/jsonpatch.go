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
		if err := patchAt(doc, tokens, kind, op.Value); err != nil {
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

// patchAt walks to the parent of the last token and performs the operation there.
func patchAt(node any, tokens []string, op string, value any) error {
	last := len(tokens) == 1
	switch n := node.(type) {
	case map[string]any:
		key := tokens[0]
		if !last {
			child, ok := n[key]
			if !ok {
				return fmt.Errorf("%q does not exist", key)
			}
			return patchAt(child, tokens[1:], op, value)
		}
		_, exists := n[key]
		switch op {
		case "add":
			n[key] = value
		case "replace":
			if !exists {
				return fmt.Errorf("%q does not exist; use add", key)
			}
			n[key] = value
		case "remove":
			if !exists {
				return fmt.Errorf("%q does not exist", key)
			}
			delete(n, key)
		}
		return nil
	case []any:
		if !last {
			i, err := index(tokens[0], len(n))
			if err != nil {
				return err
			}
			return patchAt(n[i], tokens[1:], op, value)
		}
		// Arrays are changed element-wise in place: replace and remove need an existing index, add
		// may only append ("-") so the parent slice header never has to change.
		switch op {
		case "replace":
			i, err := index(tokens[0], len(n))
			if err != nil {
				return err
			}
			n[i] = value
			return nil
		default:
			return fmt.Errorf("%s on an array element is not supported here; replace the whole array instead", op)
		}
	}
	return fmt.Errorf("%q is not an object or array", tokens[0])
}

// index parses an array index that must point at an existing element.
func index(tok string, n int) (int, error) {
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || i >= n {
		return 0, fmt.Errorf("index %q is out of range (the array has %d elements)", tok, n)
	}
	return i, nil
}
