package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestStepsTitleFitsEveryWidth: the wizard's header names the step whole at every width the wizard
// draws at, never cut with "…": the breadcrumb where it fits, the progress bar and title where not.
func TestStepsTitleFitsEveryWidth(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	w := newWizard(t.Context(), Deps{Profile: "default"})
	for _, width := range []int{60, 61, 70, 80, 100, 109, 110, 120, 160, 200} {
		w.c.width, w.c.height = width, 24
		for cur := range w.steps {
			w.cur = cur
			lines := strings.SplitN(w.View(), "\n", 3)
			header, rule := lines[0], lines[1]
			want := fmt.Sprintf("Step %d of 9", cur+1)
			if !strings.Contains(header, want) || strings.Contains(header, "…") || lipgloss.Width(header) > width {
				t.Errorf("%d columns, step %d: header %q", width, cur+1, header)
			}
			crumbs := strings.Contains(header, "Welcome › Credentials › Sandbox › Events › Destination › Mapping › Review › Create › Done")
			if crumbs != (width >= 110) { // 8 cells of "cioaep  ", 13 of "Step 1 of 9  ", 89 of names
				t.Errorf("%d columns: breadcrumb shown %v: %q", width, crumbs, header)
			}
			if !crumbs && !strings.Contains(header, want+" · "+w.steps[cur].title()) {
				t.Errorf("%d columns: the short form lacks the step's title: %q", width, header)
			}
			if lipgloss.Width(rule) != width || strings.Trim(rule, "─ ") == rule {
				t.Errorf("%d columns: rule %q is not a full-width line", width, rule)
			}
		}
	}
}

// TestFocusBarEverywhere: the focused row of a list and the focused field of a form carry the same bar.
func TestFocusBarEverywhere(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	c := &common{st: newStyles(), keys: newKeyMap(), width: 80, height: 24}
	l := newPickList(c, true)
	l.add(listItem{title: "one", detail: "first"}, listItem{title: "two", detail: "second"})
	l.move(1)
	rows := strings.Split(l.view(60, 5), "\n")
	if !strings.HasPrefix(rows[1], "┃ [ ] two") || strings.HasPrefix(rows[0], "┃") {
		t.Errorf("list focus:\n%s", strings.Join(rows, "\n"))
	}
	if got := c.st.focus(true); got != "┃ " || lipgloss.Width(c.st.focus(false)) != 2 {
		t.Errorf("focus mark %q", got)
	}
	if on, off := c.st.field(true, "Name", 8), c.st.field(false, "Name", 8); on != "┃ Name    " || off != "  Name    " {
		t.Errorf("form field starts %q and %q", on, off)
	}
}

// TestListDetailsAlignAndWrap: details start in one column, and a short list's prose details are
// wrapped (or, without room, the focused one is shown whole below) rather than cut with "…".
func TestListDetailsAlignAndWrap(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	c := &common{st: newStyles(), keys: newKeyMap(), width: 80, height: 24}
	l := newPickList(c, false)
	long := "a description long enough that it cannot fit beside its title at sixty columns, so it wraps"
	l.add(listItem{title: "Show", detail: "short"}, listItem{title: "Change the events", detail: long})

	view := l.view(60, 10)
	if strings.Contains(view, "…") || !strings.Contains(strings.Join(strings.Fields(view), " "), long) {
		t.Errorf("prose cut at 60 columns:\n%s", view)
	}
	rows := strings.Split(view, "\n")
	if col := func(row, s string) int { return lipgloss.Width(row[:strings.Index(row, s)]) }; col(rows[0], "short") != col(rows[1], "a description") {
		t.Errorf("details not in one column:\n%s", view)
	}

	few := l.view(60, 3) // rows and the focused description only
	if strings.Contains(few, "…") || !strings.Contains(few, "short") || strings.Contains(few, "a description") {
		t.Errorf("at 4 lines:\n%s", few)
	}
}

// TestMarkWrapsProse: status lines (✗ ✓ !) wrap with the text hanging under itself, never cut.
func TestMarkWrapsProse(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	c := &common{st: newStyles(), width: 60, height: 24}
	text := strings.Repeat("the platform refused this request, read on. ", 4)
	got := c.mark(c.st.err, "✗", text)
	lines := strings.Split(got, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "✗ the") || !strings.HasPrefix(lines[1], "  ") {
		t.Fatalf("not a hanging wrap:\n%s", got)
	}
	for _, l := range lines {
		if lipgloss.Width(l) > c.bodyWidth() {
			t.Errorf("line wider than the body (%d): %q", c.bodyWidth(), l)
		}
	}
	if strings.Join(strings.Fields(got), " ") != "✗ "+strings.TrimSpace(text) {
		t.Errorf("words lost:\n%s", got)
	}
}

// TestDestinationAt60Columns: on a narrow window the label column gives up room, so the choice and the
// notes are read whole.
func TestDestinationAt60Columns(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	w := newWizard(t.Context(), Deps{Profile: "default", Local: true})
	w.c.width, w.c.height = 60, 30
	w.cur = 4
	view := w.View()
	for _, want := range []string{"‹ New dataset and a Customer.io schema ›", "Reporting webhook events from Customer.io", "so a later run finds what it made"} {
		if !strings.Contains(view, want) {
			t.Errorf("%q is not whole at 60 columns:\n%s", want, view)
		}
	}
	for _, l := range strings.Split(view, "\n") {
		if lipgloss.Width(l) > 60 {
			t.Errorf("wider than 60: %q", l)
		}
	}
}
