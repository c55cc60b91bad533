package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// listItem is one row of a pickList. Text from the API goes in as is; the list cleans it when drawing.
type listItem struct {
	title, detail string
}

// pickList is the one list every step uses: single or multi choice, fuzzy filtering with `/`, and rows
// that can keep arriving while the user is already moving through the first ones.
type pickList struct {
	c      *common
	items  []listItem
	search []string // title+detail per item, cleaned once, for the matcher
	lower  []string // search, lower-cased, for the quick pre-check
	titleW int      // the widest title, so details line up in one column

	multi  bool
	chosen map[int]bool

	filter    textinput.Model
	filtering bool   // the filter input has the keyboard
	query     string // the filter in effect
	visible   []int  // item indexes shown, in order; nil means all items
	rankTick  int    // the ranking a rankedMsg must carry to be applied
	rankedLen int    // how many of visible that ranking covers (later pages are appended after)
	cursor    int    // position in the shown rows
	offset    int    // first shown row on screen
}

func newPickList(c *common, multi bool) *pickList {
	f := newInput("type to filter", "")
	f.Prompt = "/"
	return &pickList{c: c, multi: multi, chosen: map[int]bool{}, filter: f}
}

// reset empties the list, for a reload.
func (l *pickList) reset() {
	l.items, l.search, l.lower, l.visible = nil, nil, nil, nil
	l.titleW = 0
	l.chosen = map[int]bool{}
	l.cursor, l.offset, l.rankedLen = 0, 0, 0
	l.rankTick = l.c.ticket() // a ranking still on its way is for the old items

}

// add appends rows. Under an active filter only the new rows are matched, so a late page never costs a
// full re-filter and the highlighted row stays where it is.
func (l *pickList) add(items ...listItem) {
	start := len(l.items)
	for _, it := range items {
		l.items = append(l.items, it)
		l.search = append(l.search, clean(it.title)+"  "+clean(it.detail))
		l.lower = append(l.lower, strings.ToLower(l.search[len(l.search)-1]))
		l.titleW = max(l.titleW, lipgloss.Width(clean(it.title)))
	}
	if l.query != "" {
		l.visible = append(l.visible, rank(l.query, l.search, l.candidates(l.query, indexRange(start, len(l.items))))...)
	}
}

func indexRange(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func (l *pickList) len() int {
	if l.visible == nil && l.query == "" {
		return len(l.items)
	}
	return len(l.visible)
}

func (l *pickList) at(row int) int {
	if l.visible == nil && l.query == "" {
		return row
	}
	return l.visible[row]
}

// current is the index of the highlighted item, or -1.
func (l *pickList) current() int {
	if l.cursor < 0 || l.cursor >= l.len() {
		return -1
	}
	return l.at(l.cursor)
}

// selectIndex highlights item i (clearing any filter that hides it).
func (l *pickList) selectIndex(i int) {
	for row := 0; row < l.len(); row++ {
		if l.at(row) == i {
			l.cursor = row
			return
		}
	}
}

// capturing reports whether esc belongs to the list (to leave or clear a filter) rather than the wizard.
func (l *pickList) capturing() bool { return l.filtering || l.query != "" }

// update handles a key; it reports whether the list used it.
func (l *pickList) update(msg tea.KeyMsg) (bool, tea.Cmd) {
	k := l.c.keys
	if l.filtering {
		switch {
		case msg.Type == tea.KeyEsc:
			l.filtering = false
			l.filter.Blur()
			l.filter.SetValue("")
			l.setQuery("")
			return true, nil
		case msg.Type == tea.KeyEnter, msg.Type == tea.KeyDown, msg.Type == tea.KeyUp:
			l.filtering = false
			l.filter.Blur()
			return true, nil
		}
		var cmd tea.Cmd
		l.filter, cmd = l.filter.Update(msg)
		if v := l.filter.Value(); v != l.query {
			cmd = tea.Batch(cmd, l.setQuery(v))
		}
		return true, cmd
	}
	switch {
	case key.Matches(msg, k.Filter):
		l.filtering = true
		return true, l.filter.Focus()
	case msg.Type == tea.KeyEsc && l.query != "":
		l.filter.SetValue("")
		l.setQuery("")
	case key.Matches(msg, k.Up):
		l.move(-1)
	case key.Matches(msg, k.Down):
		l.move(1)
	case msg.Type == tea.KeyPgUp:
		l.move(-l.pageSize())
	case msg.Type == tea.KeyPgDown:
		l.move(l.pageSize())
	case msg.Type == tea.KeyHome:
		l.move(-l.len())
	case msg.Type == tea.KeyEnd:
		l.move(l.len())
	case l.multi && key.Matches(msg, k.Toggle):
		if i := l.current(); i >= 0 {
			l.chosen[i] = !l.chosen[i]
		}
	case l.multi && key.Matches(msg, k.All):
		all := len(l.chosenIndexes()) < len(l.items)
		for i := range l.items {
			l.chosen[i] = all
		}
	default:
		return false, nil
	}
	return true, nil
}

func (l *pickList) move(d int) {
	l.cursor = min(max(l.cursor+d, 0), max(l.len()-1, 0))
}

func (l *pickList) chosenIndexes() []int {
	var out []int
	for i := range l.items {
		if l.chosen[i] {
			out = append(out, i)
		}
	}
	return out
}

// pageSize is how many rows fit, given the height the step offered on the last draw.
func (l *pickList) pageSize() int { return max(l.c.bodyHeight()-6, 3) }

// view draws at most height rows (plus the filter line) at width w.
func (l *pickList) view(w, height int) string {
	st := l.c.st
	var b strings.Builder
	if l.filtering || l.query != "" {
		l.filter.Width = max(w-4, 5)
		b.WriteString(l.filter.View())
		b.WriteByte('\n')
		height--
	}
	n := l.len()
	height = max(height, 1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+height {
		l.offset = l.cursor - height + 1
	}
	if l.offset > max(n-height, 0) {
		l.offset = max(n-height, 0)
	}
	if n == 0 && l.query != "" {
		b.WriteString(st.subtle.Render("  nothing matches " + fmt.Sprintf("%q", clean(l.query))))
	}
	if rows, ok := l.wrapped(w, height); ok {
		b.WriteString(rows)
		return b.String()
	}
	for row := l.offset; row < min(n, l.offset+height); row++ {
		head, detail := l.row(row, w)
		line := head
		if detail != "" {
			line += st.subtle.Render(detail)
		}
		b.WriteString(fit(line, w))
		if row < min(n, l.offset+height)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// row is, at width w, a shown row's focus mark, check box and title padded to the title column, and its detail.
func (l *pickList) row(row, w int) (head, detail string) {
	st := l.c.st
	i := l.at(row)
	it := l.items[i]
	mark := ""
	if l.multi {
		if l.chosen[i] {
			mark = "[x] "
		} else {
			mark = "[ ] "
		}
	}
	title := clean(it.title)
	head = mark + title
	if row == l.cursor {
		head = st.selected.Render(head)
	}
	head = st.focus(row == l.cursor) + head
	if it.detail == "" {
		return head, ""
	}
	// Details start in one column; a title longer than half the list pushes only its own detail.
	pad := max(min(l.titleW, w/2)-lipgloss.Width(title), 0)
	return head + strings.Repeat(" ", pad+2), clean(it.detail)
}

// wrapped draws a short list (menus, choices) whose details are prose so that they are read whole:
// each detail wrapped in its column when that fits in height lines, else the focused row's detail
// under the list. A long list keeps one line per row, so it scrolls by rows.
func (l *pickList) wrapped(w, height int) (string, bool) {
	n := l.len()
	if n == 0 || n > height || l.query != "" {
		return "", false
	}
	var lines []string
	for row := 0; row < n; row++ {
		head, detail := l.row(row, w)
		col := lipgloss.Width(head)
		if detail == "" || col+lipgloss.Width(detail) <= w {
			lines = append(lines, fit(head+l.c.st.subtle.Render(detail), w))
			continue
		}
		if w-col < 20 { // too narrow a column to read: cut as a long list does
			return "", false
		}
		for j, d := range strings.Split(lipgloss.NewStyle().Width(w-col).Render(detail), "\n") {
			lead := head
			if j > 0 {
				lead = strings.Repeat(" ", col)
			}
			lines = append(lines, lead+l.c.st.subtle.Render(strings.TrimRight(d, " ")))
		}
	}
	if len(lines) <= height {
		return strings.Join(lines, "\n"), true
	}
	// Not room for every description: the rows alone, and the focused row's description in full
	// below them, as huh's select shows its option's description.
	lines = lines[:0]
	for row := 0; row < n; row++ {
		head, _ := l.row(row, w)
		lines = append(lines, strings.TrimRight(head, " "))
	}
	if i := l.current(); i >= 0 && l.items[i].detail != "" {
		d := strings.Split(lipgloss.NewStyle().Width(max(w-2, 10)).Render(clean(l.items[i].detail)), "\n")
		if len(lines)+1+len(d) <= height { // a blank line apart, when there is room for one
			lines = append(lines, "")
		}
		for _, dl := range d {
			lines = append(lines, "  "+l.c.st.subtle.Render(strings.TrimRight(dl, " ")))
		}
	}
	if len(lines) > height {
		return "", false
	}
	return strings.Join(lines, "\n"), true
}

// position says where the user is, e.g. "12/3,400".
func (l *pickList) position() string {
	if l.len() == 0 {
		return ""
	}
	s := fmt.Sprintf("%d/%d", l.cursor+1, l.len())
	if l.query != "" {
		s += fmt.Sprintf(" of %d", len(l.items))
	}
	return s
}

// setDetails rewrites every item's second column, for details that arrive after the items (schema
// titles). It builds new search slices rather than editing them, because a ranking running in a command
// may still be reading the old ones.
func (l *pickList) setDetails(detail func(i int) string) {
	search, lower := make([]string, len(l.items)), make([]string, len(l.items))
	for i := range l.items {
		l.items[i].detail = detail(i)
		search[i] = clean(l.items[i].title) + "  " + clean(l.items[i].detail)
		lower[i] = strings.ToLower(search[i])
	}
	l.search, l.lower = search, lower
}
