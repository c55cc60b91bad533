package ui

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// clean makes text that came from outside (the Platform API, sample files) safe to draw on one line: a
// dataset name carrying an OSC 52 sequence could otherwise write to the user's clipboard, an OSC 8 one
// could disguise a link, and a CSI one could repaint the screen. Escape sequences are removed whole, then
// every remaining control or bidi-override character; line breaks and tabs become spaces.
func clean(s string) string {
	return cleanText(s, false)
}

// cleanBlock is clean for multi-line text such as a JSON preview: it keeps line breaks.
func cleanBlock(s string) string {
	return cleanText(s, true)
}

func cleanText(s string, keepNewlines bool) string {
	if isPlain(s) {
		return s
	}
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == unicode.ReplacementChar:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII needs no work, and nearly every name is printable ASCII.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
