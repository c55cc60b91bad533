package ui

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// newInput makes a text field. The cursor does not blink: a blinking cursor redraws the screen twice a
// second for nothing and makes golden views differ between runs.
func newInput(placeholder, value string) textinput.Model {
	t := textinput.New()
	t.Prompt = ""
	t.Placeholder = placeholder
	setValue(&t, value)
	t.Cursor.SetMode(cursor.CursorStatic)
	return t
}

// inputView draws a field at width w.
func inputView(t *textinput.Model, w int) string {
	t.Width = max(w-1, 4)
	return t.View()
}

// setValue fills a field and puts the cursor at its start, so an unfocused field shows the beginning of
// a long value (scopes) rather than its tail.
func setValue(t *textinput.Model, v string) {
	t.SetValue(v)
	t.CursorStart()
}

// focusEnd focuses a field with the cursor after its value, so typing adds to it and backspace takes
// from its end, as in any other text field.
func focusEnd(t *textinput.Model) tea.Cmd {
	t.CursorEnd()
	return t.Focus()
}
