package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestLinkIsAnOSC8Hyperlink: with colours the URL is a hyperlink to itself; without, plain text.
func TestLinkIsAnOSC8Hyperlink(t *testing.T) {
	defer lipgloss.SetColorProfile(lipgloss.ColorProfile())
	u := "https://dcs.adobedc.net/collection/abc?x-adobe-flow-id=1"
	lipgloss.SetColorProfile(termenv.ANSI256)
	if got, want := link(u), "\x1b]8;;"+u+"\x07"+u+"\x1b]8;;\x07"; got != want {
		t.Errorf("link = %q, want %q", got, want)
	}
	lipgloss.SetColorProfile(termenv.Ascii)
	if got := link(u + "\x1b[2J"); got != u+"[2J" && got != u {
		t.Errorf("without colours link = %q, want the cleaned URL alone", got)
	}
}

// TestPrintOutLeavesTheAltScreenOnce: the first print leaves the alternate screen, later ones only print,
// and fullScreen goes back and forgets what was printed.
func TestPrintOutLeavesTheAltScreenOnce(t *testing.T) {
	c := &common{width: 40, height: 24}
	if c.printOut("a", "b") == nil || !c.inline {
		t.Fatal("printOut did not leave the alternate screen")
	}
	c.printOut(strings.Repeat("x", 90))
	if got := c.printedRows(); got != 2+3 {
		t.Errorf("printedRows = %d, want 5 (two short lines and one of 90 cells at 40 columns)", got)
	}
	if cmd := c.fullScreen(); cmd == nil || c.inline || c.printed != nil {
		t.Error("fullScreen did not go back")
	}
	if c.fullScreen() != nil {
		t.Error("a second fullScreen entered the alternate screen again")
	}
}
