package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// foot is the lines of a view below its body: from the first line that names a key to the end.
func foot(view string, keys int) []string {
	lines := strings.Split(view, "\n")
	return lines[max(len(lines)-keys, 0):]
}

// TestFullHelp: ? opens the full help of a screen (every key of the screen, the ones that work
// everywhere), ? again closes it; golden views at 80×24 and 120×40.
func TestFullHelp(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			d := start(t, newWorld().deps(false), sz[0], sz[1])
			d.to(2)
			d.typ("?")
			d.wait("close this help")
			d.typ("?")
			d.wait("? help")
			d.typ("?")
			d.wait("close this help")
			w, view := d.final()
			if !w.c.showAll {
				t.Fatal("the help is not open")
			}
			for _, want := range []string{"All keys", "filter", "enter", "ctrl+c", "quit", "esc", "back"} {
				if !strings.Contains(view, want) {
					t.Errorf("full help lacks %q:\n%s", want, view)
				}
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}

// TestHelpKeyInTextFields: in a text field ? is typed, and f1 shows the help, which then lists the text
// field's keys too.
func TestHelpKeyInTextFields(t *testing.T) {
	world := newWorld()
	world.reject = "s3cret"
	d := start(t, world.deps(false), 100, 30)
	d.wait("cioaep")
	d.enter("rejected") // the credentials form is open for editing
	d.wait("f1 help")
	d.typ("?")
	d.press(tea.KeyF1)
	d.wait("close this help")
	w, view := d.final()
	c := w.steps[1].(*credentialsStep)
	if v := c.inputs[c.focus].Value(); !strings.HasSuffix(v, "?") {
		t.Errorf("? was not typed into the field: %q", v)
	}
	for _, want := range []string{"f1 / esc", "ctrl+w", "delete a word", "tab"} {
		if !strings.Contains(view, want) {
			t.Errorf("full help in a text field lacks %q:\n%s", want, view)
		}
	}
}

// TestKeyHelpNeverCut: at 60 to 100 columns no screen's key help, short or full, is cut with "…" or is
// wider than the window.
func TestKeyHelpNeverCut(t *testing.T) {
	for _, width := range []int{60, 70, 80, 90, 100} {
		for step := 0; step <= 6; step++ {
			t.Run(fmt.Sprintf("%d/step%d", width, step), func(t *testing.T) {
				d := start(t, newWorld().deps(false), width, 24)
				d.to(step)
				check := func(what string, keys int) {
					_, view := d.final()
					for _, l := range foot(view, keys) {
						if strings.Contains(l, "…") || lipgloss.Width(l) > width {
							t.Errorf("%s at %d columns: %q", what, width, l)
						}
					}
				}
				check("short help", 2)
				d2 := start(t, newWorld().deps(false), width, 24)
				d2.to(step)
				d2.press(tea.KeyF1)
				d2.wait("close this help")
				_, view := d2.final()
				at := strings.LastIndex(view, "All keys")
				for _, l := range strings.Split(view[at:], "\n") {
					if strings.Contains(l, "…") || lipgloss.Width(l) > width {
						t.Errorf("full help at %d columns: %q", width, l)
					}
				}
			})
		}
	}
}

// TestWatchFullHelp: the monitor (cioaep watch) has the full help too, and esc closes it rather than
// leaving.
func TestWatchFullHelp(t *testing.T) {
	mon := &fakeMonitor{answers: []monitorAnswer{{snap: busySnapshot()}}}
	tm := teatest.NewTestModel(t, testWatch(mon, WatchOptions{Interval: time.Hour}), teatest.WithInitialTermSize(80, 24))
	var scr screen
	scr.wait(t, tm.Output(), "Last events", 10*time.Second)
	scr.input()
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
	scr.wait(t, tm.Output(), "close this help", 10*time.Second)
	scr.input()
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	scr.wait(t, tm.Output(), "? help", 10*time.Second)
	_ = tm.Quit()
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*watchModel)
	if m.c.showAll || m.c.ctx.Err() != nil {
		t.Errorf("esc did not just close the help (open %v, quit %v)", m.c.showAll, m.c.ctx.Err())
	}
}
