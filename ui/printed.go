package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// A URL or a command a person copies must never be broken by the program: a line the terminal wraps is
// selected and copied whole, a line the program breaks (or Bubble Tea's renderer cuts at the window's
// width) is not. So such text is printed, not drawn: the program leaves the alternate screen and prints
// it above itself with tea.Println, whose lines the renderer never cuts, and goes on drawing below it.
// The printed text also stays in the terminal's scrollback after the program ends.

// printOut leaves the alternate screen and prints lines above the program. The screens drawn while the
// text is printed are compact (see frame), so the printed lines stay in view.
func (c *common) printOut(lines ...string) tea.Cmd {
	c.printed = append(c.printed, lines...)
	if c.inline {
		return tea.Println(strings.Join(lines, "\n"))
	}
	c.inline = true
	return tea.Sequence(tea.ExitAltScreen, tea.Println(strings.Join(lines, "\n")))
}

// printURL prints a webhook URL whole under intro (see printOut) and remembers it was shown, so it is not
// printed again when the program ends.
func (c *common) printURL(intro, url string) tea.Cmd {
	c.shownURL = url
	return c.printOut("", intro, link(url), "")
}

// fullScreen goes back to the alternate screen after printOut; what was printed stays in the scrollback.
func (c *common) fullScreen() tea.Cmd {
	if !c.inline {
		return nil
	}
	c.inline, c.printed = false, nil
	return tea.EnterAltScreen
}

// printedRows is how many terminal rows the printed lines take at the current width, wrapped by the
// terminal.
func (c *common) printedRows() int {
	n := 0
	for _, l := range c.printed {
		n += max(1, (ansi.StringWidth(l)+c.width-1)/max(c.width, 1))
	}
	return n
}

// link is s as an OSC 8 hyperlink to s, so terminals that know them open it on click; others show s.
// Without colours (NO_COLOR, TERM=dumb) it is plain text: no escape sequence at all.
func link(s string) string { return linkText(s, s) }

// linkText is text as an OSC 8 hyperlink to url, for a URL too long to show whole on a screen line.
func linkText(url, text string) string {
	url, text = clean(url), clean(text)
	if lipgloss.ColorProfile() == termenv.Ascii {
		return text
	}
	return ansi.SetHyperlink(url) + text + ansi.ResetHyperlink()
}

// command is a cioaep command line for the profile and platform this program runs with, so a command a
// screen prints runs against the same place when pasted (--local included).
func (c *common) command(args string) string {
	cmd := "cioaep"
	if c.platform == Local {
		cmd += " --local"
	}
	if p := c.deps.Profile; p != "" && p != "default" {
		cmd += " --profile " + shellQuote(p)
	}
	return clean(cmd + " " + args)
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain word characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
