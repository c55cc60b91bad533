package dataprep

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// expression is a compiled EXPRESSION source. Field references are resolved to event paths at compile
// time and become plain variables, so evaluation does one map lookup per field instead of walking
// expr's member chains (which would also fail on a missing parent instead of yielding null).
type expression struct {
	program *vm.Program
	vars    []variable
}

// variable is one field an expression reads. A `${…}` name has two readings, tried in order: the whole
// text as one top-level key ("first name", "a.b"), then as a nested path.
type variable struct {
	name  string
	paths []path
}

// wordOperators are Data Prep's spelled-out operators; expr only knows the symbols.
var wordOperators = map[string]string{
	"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
	"div": "/", "mod": "%", "null": "nil",
}

var vmPool = sync.Pool{New: func() any { return new(vm.VM) }}

func compileExpression(src string) (*expression, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("the expression is empty")
	}
	if err := checkNesting(src); err != nil {
		return nil, err
	}
	rewritten, braced, err := preprocess(src)
	if err != nil {
		return nil, err
	}
	cfg := newConfig()
	tree, err := parser.ParseWithConfig(rewritten, cfg)
	if err != nil {
		return nil, fmt.Errorf("syntax error: %s", firstLine(err))
	}
	callees := &calleeCheck{callees: map[*ast.IdentifierNode]bool{}}
	ast.Walk(&tree.Node, callees)
	if callees.err != nil {
		return nil, callees.err
	}
	fields := &fieldRewriter{callees: callees.callees, braced: braced, byName: map[string]variable{}}
	ast.Walk(&tree.Node, fields)
	if fields.err != nil {
		return nil, fields.err
	}
	ops := &limitOperators{}
	ast.Walk(&tree.Node, ops)
	if ops.err != nil {
		return nil, ops.err
	}
	used := &usedNames{names: map[string]bool{}}
	ast.Walk(&tree.Node, used)

	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, fmt.Errorf("%s", firstLine(err))
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, fmt.Errorf("%s", firstLine(err))
	}
	program, err := compiler.Compile(tree, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err))
	}
	e := &expression{program: program}
	for _, name := range fields.order {
		if used.names[name] {
			e.vars = append(e.vars, fields.byName[name])
		}
	}
	return e, nil
}

func newConfig() *conf.Config {
	cfg := conf.CreateNew()
	// Only Data Prep's names may be called: expr's own builtins (len, filter, …) would pass here and
	// then fail on Adobe.
	opts := []expr.Option{expr.DisableAllBuiltins(), expr.MaxNodes(maxNodes), expr.Function(addName, boundedAdd)}
	for name, f := range functions {
		opts = append(opts, expr.Function(name, bounded(name, f.call)))
	}
	for _, o := range opts {
		o(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	cfg.Check()
	return cfg
}

// preprocess replaces each `${…}` with a placeholder identifier and spelled-out operators with symbols,
// leaving string literals alone.
func preprocess(src string) (string, []string, error) {
	var (
		b      strings.Builder
		braced []string
	)
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			end := closingQuote(src, i)
			if end < 0 {
				return "", nil, fmt.Errorf("unclosed string starting at position %d", i)
			}
			b.WriteString(src[i : end+1])
			i = end + 1
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			end := strings.IndexByte(src[i+2:], '}')
			if end < 0 {
				return "", nil, fmt.Errorf("unclosed ${ at position %d", i)
			}
			name := src[i+2 : i+2+end]
			if name == "" {
				return "", nil, fmt.Errorf("empty ${} at position %d", i)
			}
			b.WriteString(" " + bracedName(len(braced)) + " ")
			braced = append(braced, name)
			i += end + 3
		case isWordStart(c):
			j := i + 1
			for j < len(src) && isWordPart(src[j]) {
				j++
			}
			word := src[i:j]
			if strings.HasPrefix(word, "__braced") || strings.HasPrefix(word, "__field") {
				return "", nil, fmt.Errorf("names starting with %q are reserved; write ${%s}", word[:7], word)
			}
			if op, ok := wordOperators[word]; ok && !afterDot(src, i) {
				b.WriteString(" " + op + " ")
			} else {
				b.WriteString(word)
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), braced, nil
}

func closingQuote(src string, start int) int {
	q := src[start]
	for j := start + 1; j < len(src); j++ {
		if src[j] == '\\' && q != '`' {
			j++
			continue
		}
		if src[j] == q {
			return j
		}
	}
	return -1
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || (c >= '0' && c <= '9') }

func afterDot(src string, i int) bool {
	for i--; i >= 0 && (src[i] == ' ' || src[i] == '\t'); i-- {
	}
	return i >= 0 && src[i] == '.'
}

// Placeholder names cannot clash with event fields: every identifier in the expression is renamed.
func bracedName(i int) string { return "__braced" + strconv.Itoa(i) }
func varName(i int) string    { return "__field" + strconv.Itoa(i) }

// calleeCheck finds the identifiers that are called (so they are not taken for fields) and rejects calls
// to anything Data Prep does not have, naming it.
type calleeCheck struct {
	callees map[*ast.IdentifierNode]bool
	err     error
}

func (c *calleeCheck) Visit(node *ast.Node) {
	if c.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			c.err = fmt.Errorf("only Data Prep functions can be called, like lower(name)")
			return
		}
		c.callees[id] = true
		f, ok := functions[id.Value]
		if !ok {
			c.err = fmt.Errorf("unsupported function %q", id.Value)
			return
		}
		if got := len(n.Arguments); got < f.min || (f.max >= 0 && got > f.max) {
			c.err = fmt.Errorf("%s takes %s, got %d", id.Value, arity(f), got)
			return
		}
		c.err = checkRegexLiteral(n)
	case *ast.VariableDeclaratorNode:
		c.err = fmt.Errorf("let is not part of Data Prep expressions")
	case *ast.PointerNode, *ast.PredicateNode:
		c.err = fmt.Errorf("# and predicates are not part of Data Prep expressions")
	}
}

func arity(f function) string {
	switch {
	case f.min == f.max && f.min == 1:
		return "1 argument"
	case f.min == f.max:
		return fmt.Sprintf("%d arguments", f.min)
	case f.max < 0:
		return fmt.Sprintf("at least %d arguments", f.min)
	default:
		return fmt.Sprintf("%d to %d arguments", f.min, f.max)
	}
}

// fieldRewriter turns every field reference — `name`, `data.identifiers.email`, `items[0].id`, `${first name}`
// — into one variable. The walk is bottom-up, so a member access extends the variable its object became.
type fieldRewriter struct {
	callees map[*ast.IdentifierNode]bool
	braced  []string
	byName  map[string]variable
	order   []string
	err     error
}

func (r *fieldRewriter) add(paths []path) *ast.IdentifierNode {
	name := varName(len(r.order))
	r.byName[name] = variable{name: name, paths: paths}
	r.order = append(r.order, name)
	return &ast.IdentifierNode{Value: name}
}

func (r *fieldRewriter) Visit(node *ast.Node) {
	if r.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if r.callees[n] {
			return
		}
		if k, ok := strings.CutPrefix(n.Value, "__braced"); ok {
			i, _ := strconv.Atoi(k)
			text := r.braced[i]
			paths := []path{{{kind: segField, name: text}}}
			if p, err := parsePath(text); err == nil && len(p) > 1 {
				paths = append(paths, p)
			}
			ast.Patch(node, r.add(paths))
			return
		}
		ast.Patch(node, r.add([]path{{{kind: segField, name: n.Value}}}))
	case *ast.MemberNode:
		base, ok := n.Node.(*ast.IdentifierNode)
		if !ok {
			return
		}
		v, ok := r.byName[base.Value]
		if !ok {
			return
		}
		var seg segment
		switch p := n.Property.(type) {
		case *ast.StringNode:
			seg = segment{kind: segField, name: p.Value}
		case *ast.IntegerNode:
			if p.Value < 0 {
				return
			}
			seg = segment{kind: segIndex, index: p.Value}
		default:
			return
		}
		paths := make([]path, len(v.paths))
		for i, p := range v.paths {
			paths[i] = append(append(path(nil), p...), seg)
		}
		ast.Patch(node, r.add(paths))
	}
}

type usedNames struct{ names map[string]bool }

func (u *usedNames) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok {
		u.names[id.Value] = true
	}
}

// eval runs the expression on one event. ok is false when the result is null, or when evaluation failed
// because a field it reads is absent: like Data Prep, a missing input leaves the destination unset
// instead of failing the record.
func (e *expression) eval(event map[string]any) (any, bool, error) {
	env := make(map[string]any, len(e.vars))
	missing := false
	for _, v := range e.vars {
		var val any
		for _, p := range v.paths {
			if got, ok := p.get(event); ok {
				val = normalize(got)
				break
			}
		}
		if val == nil {
			missing = true
		}
		env[v.name] = val
	}
	machine := vmPool.Get().(*vm.VM)
	out, err := machine.Run(e.program, env)
	vmPool.Put(machine)
	if err != nil {
		if missing {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("%s", firstLine(err))
	}
	switch x := out.(type) {
	case nil:
		return nil, false, nil
	case time.Time:
		return formatTime(x), true, nil
	case int:
		return int64(x), true, nil
	}
	return out, true, nil
}

// normalize gives expr numbers it can do all arithmetic on: JSON has one number type, but `%` needs
// integers, so whole numbers become int64 (json.Number, from decoders using UseNumber, too).
func normalize(v any) any {
	if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n.String()
}

// firstLine drops expr's source excerpt and caret, which read badly inside a one-line validation message.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
