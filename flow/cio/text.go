package cio

import (
	"strings"
	"unicode/utf8"

	"github.com/cioaep/cioaep/flow/safetext"
)

// summarize sanitises a reply body, collapses its white space and cuts it to max runes, so one event's
// result fits on a line.
func summarize(body []byte, max int) string {
	s := strings.Join(strings.Fields(safetext.Line(string(body))), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}
