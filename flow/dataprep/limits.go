package dataprep

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// Bounds on the mapping language. One request or one mapping file must not be able to crash the local
// platform or the CLI (a deep expression overflowed the parser's stack) or make one event allocate
// gigabytes (nested replacestr multiplies a string's length at every level). Adobe's streaming inlet
// takes messages of at most 1 MB, so no value a mapping computes needs to be larger.
const (
	// MaxMappingBytes bounds a mapping file or a mapping set's mappings: thousands of rules fit.
	MaxMappingBytes = 8 << 20
	// MaxStringBytes bounds every string a function or + builds.
	MaxStringBytes = 1 << 20
	// maxExpressionBytes and maxNesting bound an expression's source and its depth of brackets,
	// checked before parsing; maxNodes bounds its syntax tree.
	maxExpressionBytes = 16 << 10
	maxNesting         = 64
	maxNodes           = 1000
	// maxIndex bounds an array index in a path: a destination index makes Apply grow a list that long.
	maxIndex = 9999
	// maxPathSegments bounds a path's depth; XDM paths are a handful of levels.
	maxPathSegments = 64
)

// ReadRules reads a mapping file (see ParseRules), refusing one larger than MaxMappingBytes without
// reading further: `--mapping /dev/zero` must end with a message, not exhaust memory.
func ReadRules(path string) ([]Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxMappingBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxMappingBytes {
		return nil, fmt.Errorf("%s is larger than %d MB, the most a mapping may be", path, MaxMappingBytes>>20)
	}
	return ParseRules(data)
}

// checkNesting refuses an expression whose brackets nest deeper than maxNesting, counted outside string
// literals, before the recursive parser sees it.
func checkNesting(src string) error {
	if len(src) > maxExpressionBytes {
		return fmt.Errorf("the expression is %d bytes long; at most %d are allowed", len(src), maxExpressionBytes)
	}
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '"', '\'', '`':
			if end := closingQuote(src, i); end > 0 {
				i = end
			}
		case '(', '[', '{':
			if depth++; depth > maxNesting {
				return fmt.Errorf("brackets nest more than %d deep at position %d", maxNesting, i)
			}
		case ')', ']', '}':
			depth--
		}
	}
	return nil
}

// fits refuses a string result longer than MaxStringBytes, before it is built when n is its length.
func fits(fn string, n int64) error {
	if n > MaxStringBytes {
		return fmt.Errorf("%s: the result would be %d bytes, more than the %d allowed", fn, n, MaxStringBytes)
	}
	return nil
}

// bounded wraps a function so that a string it returns is never longer than MaxStringBytes.
func bounded(name string, call func(...any) (any, error)) func(...any) (any, error) {
	return func(a ...any) (any, error) {
		v, err := call(a...)
		if s, ok := v.(string); ok && err == nil {
			if err := fits(name, int64(len(s))); err != nil {
				return nil, err
			}
		}
		return v, err
	}
}

// addName is the function every + becomes, so that string concatenation is bounded like the functions.
const addName = "__add"

func boundedAdd(a ...any) (any, error) {
	if x, ok := a[0].(string); ok {
		if y, ok := a[1].(string); ok {
			if err := fits("+", int64(len(x))+int64(len(y))); err != nil {
				return nil, err
			}
			return x + y, nil
		}
	}
	return runtime.Add(a[0], a[1]), nil
}

// limitOperators turns + into a bounded call and refuses the range operator (1..N builds a list of N
// numbers), which Data Prep does not have.
type limitOperators struct{ err error }

func (l *limitOperators) Visit(node *ast.Node) {
	n, ok := (*node).(*ast.BinaryNode)
	if !ok || l.err != nil {
		return
	}
	switch n.Operator {
	case "..":
		l.err = fmt.Errorf("the range operator .. is not part of Data Prep expressions")
	case "+":
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: addName}, Arguments: []ast.Node{n.Left, n.Right}})
	}
}

// checkRegexLiteral compiles matches_regex's pattern when it is a literal, so a bad pattern fails
// validation instead of every event.
func checkRegexLiteral(n *ast.CallNode) error {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != "matches_regex" || len(n.Arguments) != 2 {
		return nil
	}
	lit, ok := n.Arguments[1].(*ast.StringNode)
	if !ok {
		return nil
	}
	_, err := compileRegex(lit.Value)
	return err
}

// replacedLen is the length of strings.ReplaceAll(s, old, new), computed without building it.
func replacedLen(s, old, new string) int64 {
	return int64(len(s)) + int64(strings.Count(s, old))*(int64(len(new))-int64(len(old)))
}

// tooDeep refuses a path with more than maxPathSegments levels, while it is parsed.
func tooDeep(p path) error {
	if len(p) > maxPathSegments {
		return fmt.Errorf("the path has more than %d levels", maxPathSegments)
	}
	return nil
}
