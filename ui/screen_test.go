package ui

import (
	"bytes"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
)

// screen follows what a teatest program draws. Bubble Tea redraws only the lines that change, so text
// drawn once may not be drawn again: a wait looks at everything read since the last input, not only at
// what arrives after the previous wait (two waits after one key would otherwise race the renderer).
type screen struct{ since bytes.Buffer }

// input marks that a key or text is about to be sent.
func (s *screen) input() { s.since.Reset() }

// wait waits until want has been drawn since the last input; limit bounds the wait, it is not a timing check.
func (s *screen) wait(t testing.TB, out io.Reader, want string, limit time.Duration) {
	t.Helper()
	if bytes.Contains(s.since.Bytes(), []byte(want)) {
		return
	}
	teatest.WaitFor(t, io.TeeReader(out, &s.since), func([]byte) bool { return bytes.Contains(s.since.Bytes(), []byte(want)) },
		teatest.WithDuration(limit), teatest.WithCheckInterval(5*time.Millisecond))
}

// withPrinted is what a person sees: the lines printed above the program (see printOut), then its view.
func (c *common) withPrinted(view string) string {
	if !c.inline {
		return view
	}
	return strings.Join(c.printed, "\n") + "\n" + view
}

// terminalRows is how many rows text takes in a terminal width cells wide, which wraps long lines.
func terminalRows(text string, width int) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n += max(1, (lipgloss.Width(l)+width-1)/width)
	}
	return n
}
