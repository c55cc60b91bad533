package ui

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cioaep/cioaep/flow"
)

// TestFocusedFieldTypesAtTheEnd: a prefilled field, once focused, takes typing at its end and backspace
// removes its last character (unfocused, it shows its start).
func TestFocusedFieldTypesAtTheEnd(t *testing.T) {
	in := newInput("", "Customer.io events")
	if in.Position() != 0 {
		t.Fatalf("unfocused cursor at %d, want 0", in.Position())
	}
	focusEnd(&in)
	in, _ = in.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" 2")})
	in, _ = in.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	if got := in.Value(); got != "Customer.io events " {
		t.Errorf("value %q, want typing at the end and backspace taking the last character", got)
	}
}

// TestExistingDatasetOffersNoProfileSwitch: setup never changes a dataset it did not make, so the form
// does not offer to enable one for Profile, and the plan never asks for it.
func TestExistingDatasetOffersNoProfileSwitch(t *testing.T) {
	w := testWizard(newWorld().deps(false))
	s := w.steps[4].(*destinationStep)
	s.kind, s.profile = flow.ExistingDataset, true
	if slices.Contains(s.rows(), rowProfile) {
		t.Error("an existing dataset offers Enable for Profile")
	}
	s.kind = flow.NewSchema
	if !slices.Contains(s.rows(), rowProfile) {
		t.Error("a new dataset does not offer Enable for Profile")
	}
}

// TestTooSmallSaysBothSizes: at 50×15 the request for a larger window is wrapped, not cut, and names the
// size needed and the size now.
func TestTooSmallSaysBothSizes(t *testing.T) {
	w := testWizard(newWorld().deps(false))
	w.Update(tea.WindowSizeMsg{Width: 50, Height: 15})
	v := w.View()
	for _, want := range []string{"60×16", "50×15", "ctrl+c quits"} {
		if !strings.Contains(strings.ReplaceAll(v, "\n", " "), want) {
			t.Errorf("the too-small message lacks %q:\n%s", want, v)
		}
	}
	for _, l := range strings.Split(v, "\n") {
		if lipgloss.Width(l) > 50 {
			t.Errorf("line wider than the window: %q", l)
		}
	}
}
