package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow/dataprep"
)

// Source kinds, in the order tab cycles through them; they match Data Prep's source types.
var editKinds = []struct{ sourceType, label string }{
	{dataprep.Attribute, "Source field"},
	{dataprep.Expression, "Expression"},
	{dataprep.Static, "Constant"},
}

// ruleEditor edits one row of the mapping: pick a source field from the sample events, or type an
// expression or a constant.
type ruleEditor struct {
	c      *common
	target string
	kind   int
	fields *pickList
	paths  []string
	input  textinput.Model
}

// newRuleEditor opens the editor on a row. Each source field is listed with its value in sample (the
// one on show in the table), so a field can be told, and found with /, by what it holds.
func newRuleEditor(c *common, row mapRow, rules []dataprep.Rule, paths []string, sample map[string]any) *ruleEditor {
	e := &ruleEditor{c: c, target: row.target, fields: newPickList(c, false), paths: paths, input: newInput("", "")}
	for _, p := range paths {
		var detail string
		if v, ok, err := dataprep.Value(dataprep.Rule{SourceType: dataprep.Attribute, Source: p, Destination: "x"}, sample); err == nil && ok {
			detail = valueText(v)
		}
		e.fields.add(listItem{title: p, detail: detail})
	}
	if row.rule >= 0 {
		r := rules[row.rule]
		for i, k := range editKinds {
			if k.sourceType == r.SourceType {
				e.kind = i
			}
		}
		if e.kind == 0 {
			for i, p := range paths {
				if p == r.Source {
					e.fields.selectIndex(i)
				}
			}
		} else {
			e.input.SetValue(r.Source)
		}
	}
	return e
}

func (e *ruleEditor) focus() tea.Cmd {
	if e.kind == 0 {
		e.input.Blur()
		return nil
	}
	e.input.Placeholder = map[int]string{1: `concat(data.identifiers.id, "-", metric)`, 2: "a fixed value"}[e.kind]
	return focusEnd(&e.input)
}

// update returns the new rule and done=true when the user applies (rule set) or cancels (rule nil).
func (e *ruleEditor) update(msg tea.KeyMsg) (*dataprep.Rule, bool, tea.Cmd) {
	switch {
	case msg.Type == tea.KeyTab && !e.fields.filtering:
		e.kind = (e.kind + 1) % len(editKinds)
		return nil, false, e.focus()
	case msg.Type == tea.KeyEsc && !(e.kind == 0 && e.fields.capturing()):
		return nil, true, nil
	case msg.Type == tea.KeyEnter && !(e.kind == 0 && e.fields.filtering):
		r := dataprep.Rule{SourceType: editKinds[e.kind].sourceType, Destination: e.target}
		if e.kind == 0 {
			i := e.fields.current()
			if i < 0 {
				return nil, false, nil
			}
			r.Source = e.paths[i]
		} else {
			r.Source = strings.TrimSpace(e.input.Value())
			if r.Source == "" && e.kind == 1 {
				return nil, false, nil
			}
		}
		return &r, true, nil
	}
	if e.kind == 0 {
		_, cmd := e.fields.update(msg)
		return nil, false, cmd
	}
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	return nil, false, cmd
}

func (e *ruleEditor) view() string {
	st := e.c.st
	var tabs []string
	for i, k := range editKinds {
		if i == e.kind {
			tabs = append(tabs, st.selected.Render("["+k.label+"]"))
		} else {
			tabs = append(tabs, st.subtle.Render(" "+k.label+" "))
		}
	}
	head := "Map " + st.accent.Render(clean(e.target)) + " from\n" + strings.Join(tabs, " ") + "\n\n"
	switch e.kind {
	case 0:
		if len(e.paths) == 0 {
			return head + st.subtle.Render("The chosen sample events have no fields; use an expression or a constant.")
		}
		return head + e.fields.view(e.c.bodyWidth(), e.c.bodyHeight()-5)
	case 1:
		return head + inputView(&e.input, e.c.bodyWidth()-2) + "\n\n" +
			st.subtle.Render("Data Prep functions such as concat, lower, iif, uuid(), now(), dformat(ms, pattern).\nThe check runs when you press enter.")
	}
	return head + inputView(&e.input, e.c.bodyWidth()-2) + "\n\n" + st.subtle.Render("Every event gets this exact value.")
}

func (e *ruleEditor) help() []key.Binding {
	k := e.c.keys
	if e.kind == 0 && e.fields.filtering {
		return []key.Binding{k.ClearFilter}
	}
	b := []key.Binding{key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "field/expression/constant"))}
	if e.kind == 0 {
		b = append(b, k.Filter)
	}
	return append(b, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")))
}
