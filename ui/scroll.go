package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// scroller lets a step whose text is taller than the window (review, done at 60×16) be read with the
// arrow keys instead of losing its last lines.
type scroller struct {
	offset int
	over   bool // the last draw did not fit
}

// view shows height lines of content from the offset, marking that more lies below or above.
func (sc *scroller) view(content string, height int) string {
	lines := strings.Split(strings.TrimRight(content, "\n"), "\n")
	sc.over = len(lines) > height
	if !sc.over {
		sc.offset = 0
		return strings.Join(lines, "\n")
	}
	height = max(height-1, 1) // room for the position line
	sc.offset = min(max(sc.offset, 0), len(lines)-height)
	more := "↓ more (↑/↓ scroll)"
	if sc.offset+height >= len(lines) {
		more = "↑ more above"
	}
	return strings.Join(lines[sc.offset:sc.offset+height], "\n") + "\n" + more
}

// key scrolls on up/down; it reports whether it used the key.
func (sc *scroller) key(msg tea.KeyMsg, k keyMap) bool {
	switch {
	case !sc.over:
		return false
	case key.Matches(msg, k.Up):
		sc.offset--
	case key.Matches(msg, k.Down):
		sc.offset++
	default:
		return false
	}
	return true
}

// help adds the scroll keys when the text does not fit.
func (sc *scroller) help(k keyMap, b []key.Binding) []key.Binding {
	if sc.over {
		return append(b, k.Move)
	}
	return b
}
