package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// styles are the wizard's look, built once and shared through common.
//
// Colours are adaptive, as in huh's and glow's themes: each has a shade for light and one for dark
// backgrounds, so dimmed text stays readable on both. lipgloss lowers them to the terminal's profile
// (256 or 16 colours) and drops all colour under NO_COLOR, so every state is also told by a symbol, a
// glyph or a word (┃ for focus, ✓ ✗ !, "Step 4 of 9"), never by colour alone. The terminal is asked
// for its background once, in Bubble Tea's package init, before any program reads the keyboard; the
// answer (or COLORFGBG, or dark when neither says) picks the shade.
type styles struct {
	title, subtle, err, ok, warn, accent, selected, box, boxTitle, mandatory, key lipgloss.Style
	// rule is the thin line under the header; focusBar the bar left of the focused row or field;
	// crumbDone, crumbNow and crumbNext the breadcrumb's finished, current and coming steps.
	rule, focusBar, crumbDone, crumbNow, crumbNext lipgloss.Style
}

// The palette: huh's Charm theme for the accent, the rest picked to keep contrast on white and black.
var (
	colAccent = lipgloss.AdaptiveColor{Light: "#5A56E0", Dark: "#7571F9"}
	colSubtle = lipgloss.AdaptiveColor{Light: "243", Dark: "245"}
	colRule   = lipgloss.AdaptiveColor{Light: "250", Dark: "238"}
	colErr    = lipgloss.AdaptiveColor{Light: "160", Dark: "204"}
	colOK     = lipgloss.AdaptiveColor{Light: "28", Dark: "42"}
	colWarn   = lipgloss.AdaptiveColor{Light: "130", Dark: "214"}
)

func newStyles() styles {
	return styles{
		title:     lipgloss.NewStyle().Bold(true).Foreground(colAccent),
		subtle:    lipgloss.NewStyle().Foreground(colSubtle),
		err:       lipgloss.NewStyle().Foreground(colErr),
		ok:        lipgloss.NewStyle().Foreground(colOK),
		warn:      lipgloss.NewStyle().Foreground(colWarn),
		accent:    lipgloss.NewStyle().Foreground(colAccent),
		selected:  lipgloss.NewStyle().Bold(true).Foreground(colAccent),
		box:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(colSubtle).Padding(0, 1),
		boxTitle:  lipgloss.NewStyle().Bold(true),
		mandatory: lipgloss.NewStyle().Foreground(colWarn),
		key:       lipgloss.NewStyle().Bold(true),
		rule:      lipgloss.NewStyle().Foreground(colRule),
		focusBar:  lipgloss.NewStyle().Foreground(colAccent),
		crumbDone: lipgloss.NewStyle().Foreground(colSubtle),
		crumbNow:  lipgloss.NewStyle().Bold(true).Underline(true).Foreground(colAccent),
		crumbNext: lipgloss.NewStyle(),
	}
}

// field is a form row's start: the focus mark and the label padded to w cells, the label highlighted
// like a focused list row when the field has the focus.
func (s styles) field(on bool, label string, w int) string {
	padded := fmt.Sprintf("%-*s", w, label)
	if on && label != "" {
		padded = s.selected.Render(strings.TrimRight(padded, " ")) + padded[len(strings.TrimRight(padded, " ")):]
	}
	return s.focus(on) + padded
}

// focus is the two cells left of a row or field: huh's bar when it has the focus, blanks when not.
// Every list, form and menu draws its focus with it, so focus looks the same everywhere.
func (s styles) focus(on bool) string {
	if on {
		return s.focusBar.Render("┃") + " "
	}
	return "  "
}
