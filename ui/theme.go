package ui

import (
	"github.com/charmbracelet/lipgloss"
)

// styles are the wizard's look, built once and shared through common.
//
// The colours are the terminal's own 16 ANSI colours rather than adaptive ones: those follow the user's
// theme, so they read on light and dark backgrounds alike, and they spare lipgloss from asking the
// terminal for its background colour, a query that races Bubble Tea for stdin and can stall the first
// frame for seconds on terminals that never answer. lipgloss drops all colour under NO_COLOR, so every
// state is also told by a symbol or a word, never by colour alone.
type styles struct {
	title, subtle, err, ok, warn, accent, selected, box, boxTitle, mandatory, key lipgloss.Style
}

func newStyles() styles {
	accent, subtle := lipgloss.Color("5"), lipgloss.Color("8")
	warn := lipgloss.Color("3")
	return styles{
		title:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		subtle:    lipgloss.NewStyle().Foreground(subtle),
		err:       lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		ok:        lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		warn:      lipgloss.NewStyle().Foreground(warn),
		accent:    lipgloss.NewStyle().Foreground(accent),
		selected:  lipgloss.NewStyle().Bold(true).Foreground(accent),
		box:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(subtle).Padding(0, 1),
		boxTitle:  lipgloss.NewStyle().Bold(true),
		mandatory: lipgloss.NewStyle().Foreground(warn),
		key:       lipgloss.NewStyle().Bold(true),
	}
}
