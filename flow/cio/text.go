package cio

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text that came from the network safe to print on a terminal: control characters (escape
// sequences, carriage returns, newlines) and invisible format characters (bidirectional overrides) become
// spaces, invalid UTF-8 becomes U+FFFD, and runs of white space collapse to one. A hostile or broken endpoint
// can then neither repaint the screen nor hide text in what cioaep shows.
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s { // ranging over invalid UTF-8 yields U+FFFD, which is written back as valid UTF-8
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// summarize cleans a reply body and cuts it to max runes, so one event's result fits on a line.
func summarize(body []byte, max int) string {
	s := Clean(string(body))
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}
