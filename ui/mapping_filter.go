package ui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow/dataprep"
)

// ruleFilter narrows the mapping table to the rows whose target or source contains the typed text. It
// behaves like the pick lists' `/` filter: typing edits it, enter or ↑/↓ keep it and give the keys back
// to the table, esc clears it. A row's text is lower-cased once per change of the rules, so a keystroke
// costs one substring scan of the rows the previous query matched.
type ruleFilter struct {
	input  textinput.Model
	typing bool
	query  string   // lower-cased; "" shows every row
	text   []string // per row: target and source, lower-cased
	shown  []int    // the rows that match, in order; nil while query is ""
}

func newRuleFilter() ruleFilter {
	in := newInput("target or source contains", "")
	in.Prompt = "/"
	return ruleFilter{input: in}
}

// active says the filter holds the keyboard or narrows the rows, so esc belongs to it.
func (f *ruleFilter) active() bool { return f.typing || f.query != "" }

// index records the rows' text and applies the query to the new rows.
func (f *ruleFilter) index(rows []mapRow, rules []dataprep.Rule) {
	f.text = make([]string, len(rows))
	for i, r := range rows {
		t := r.target
		if r.rule >= 0 {
			t += "\x00" + rules[r.rule].Source
		}
		f.text[i] = strings.ToLower(t)
	}
	f.shown = f.match(f.query, nil)
}

// set applies a new query. A query that extends the previous one only searches the rows that matched.
func (f *ruleFilter) set(q string) {
	q = strings.ToLower(q)
	within := f.shown
	if f.query == "" || !strings.HasPrefix(q, f.query) {
		within = nil
	}
	f.query = q
	f.shown = f.match(q, within)
}

// match lists the rows (of within, or of all rows when within is nil) containing q.
func (f *ruleFilter) match(q string, within []int) []int {
	if q == "" {
		return nil
	}
	if within == nil {
		within = indexRange(0, len(f.text))
	}
	out := make([]int, 0, len(within))
	for _, i := range within {
		if strings.Contains(f.text[i], q) {
			out = append(out, i)
		}
	}
	return out
}

// len is how many rows are shown out of total.
func (f *ruleFilter) len(total int) int {
	if f.query == "" {
		return total
	}
	return len(f.shown)
}

// at is the row shown at position i.
func (f *ruleFilter) at(i int) int {
	if f.query == "" {
		return i
	}
	return f.shown[i]
}

// position is where row sits among the shown rows, or -1.
func (f *ruleFilter) position(row int) int {
	if f.query == "" {
		return row
	}
	return slices.Index(f.shown, row)
}

// key handles a key while typing; changed says the query changed.
func (f *ruleFilter) key(msg tea.KeyMsg) (changed bool, cmd tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		f.clear()
		return true, nil
	case tea.KeyEnter, tea.KeyUp, tea.KeyDown:
		f.typing = false
		f.input.Blur()
		return false, nil
	}
	f.input, cmd = f.input.Update(msg)
	if v := strings.ToLower(f.input.Value()); v != f.query {
		f.set(v)
		return true, cmd
	}
	return false, cmd
}

// start gives the filter the keyboard.
func (f *ruleFilter) start() tea.Cmd {
	f.typing = true
	return focusEnd(&f.input)
}

func (f *ruleFilter) clear() {
	f.typing = false
	f.input.Blur()
	f.input.SetValue("")
	f.set("")
}
