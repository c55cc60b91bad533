// Package safetext makes text that came from outside (a platform's answers, sample files, saved state)
// safe to put on a terminal. It is the one sanitiser every output path uses: a dataset name or an inlet URL
// carrying an OSC 52 sequence could otherwise write to the user's clipboard, an OSC 8 one disguise a link,
// a CSI one repaint the screen, and a bidi override (U+202E) show text in another order than it is.
package safetext

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Line returns s fit to print on one line: escape sequences (CSI, OSC, DCS, SOS, PM, APC, in their ESC and
// C1 forms) are removed whole, every other control and format character (bidi overrides and isolates, zero
// width and direction marks) is removed, line breaks and tabs become spaces, and invalid UTF-8 becomes
// U+FFFD.
func Line(s string) string { return clean(s, false) }

// Block is Line for multi-line text such as a JSON preview: it keeps line breaks.
func Block(s string) string { return clean(s, true) }

// Plain reports whether s would print as itself: no escape sequence, control, format character, line
// break or invalid UTF-8.
func Plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return plainSlow(s[i:])
		}
	}
	return true
}

func plainSlow(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) || r == '\n' || r == '\t' || r == '\r' {
			return false
		}
	}
	return true
}

// unsafeRune is every character a terminal may act on or draw other than as what it is.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r) ||
		r == '\u2028' || r == '\u2029'
}

func clean(s string, keepNewlines bool) string {
	if Plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == 0x1b:
			i += escapeLen(s[i:])
		case r == 0x9b: // C1 CSI
			i += csiLen(s[i:])
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i += stringLen(s[i:])
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\n' || r == '\t' || r == '\r' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeLen is how many bytes after an ESC belong to its sequence.
func escapeLen(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case '[':
		return 1 + csiLen(s[1:])
	case ']', 'P', 'X', '^', '_':
		return 1 + stringLen(s[1:])
	}
	// ESC, intermediates 0x20–0x2F, one final 0x30–0x7E (ESC c, ESC 7, ESC ( B …).
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// csiLen is the length of a control sequence's parameters, intermediates and final byte.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x20 && c <= 0x3f:
		case c >= 0x40 && c <= 0x7e:
			return i + 1
		default: // a control or non-ASCII byte ends it; the character itself is judged on its own
			return i
		}
	}
	return len(s)
}

// stringLen is the length of an OSC, DCS, SOS, PM or APC string up to and including its terminator: BEL,
// ESC \ or C1 ST. An unterminated string runs to the end, as a terminal would read it.
func stringLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + 1
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
	}
	return len(s)
}

// CheckURL accepts only an absolute http or https URL with a host and nothing a terminal could act on:
// a platform's inlet URL is printed, copied and saved, so a hostile one must be refused before any of that.
func CheckURL(s string) error {
	if !Plain(s) || strings.ContainsRune(s, ' ') {
		return fmt.Errorf("%q contains control, format or space characters", Line(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	if u.Host == "" || u.User != nil {
		return fmt.Errorf("%q has no host, or carries a user name", s)
	}
	return nil
}

// JSON escapes, in encoded JSON, the characters encoding/json leaves raw but a terminal acts on (C1
// controls, bidi and other format characters) as \uXXXX, so that `--json` output shows them instead of
// obeying them. The result decodes to the same values.
func JSON(b []byte) []byte {
	if Plain(string(b)) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if (r != utf8.RuneError || n > 1) && r >= 0x80 && unsafeRune(r) {
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// Writer passes each write through Block, for output made of lines that quote the network's strings.
// Each write must hold whole sequences (one Fprintf per line does), since a sequence split across two
// writes is judged in two halves.
func Writer(w io.Writer) io.Writer { return blockWriter{w} }

type blockWriter struct{ w io.Writer }

func (b blockWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(b.w, Block(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
