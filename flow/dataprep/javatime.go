package dataprep

import (
	"fmt"
	"strings"
	"sync"
)

// javaLayouts caches converted patterns: expressions pass the same literal pattern for every event.
var javaLayouts sync.Map // string → layoutResult

type layoutResult struct {
	layout string
	err    error
}

// javaLayout turns a Java DateTimeFormatter/SimpleDateFormat pattern, which Data Prep's dformat and date
// take, into a Go time layout. Only the letters that make sense for event timestamps are supported; any
// other letter is an error so a typo is not silently printed as text.
func javaLayout(pattern string) (string, error) {
	if r, ok := javaLayouts.Load(pattern); ok {
		lr := r.(layoutResult)
		return lr.layout, lr.err
	}
	layout, err := convertJava(pattern)
	javaLayouts.Store(pattern, layoutResult{layout, err})
	return layout, err
}

// javaLetters maps a pattern letter and its run length to the Go layout element. A missing length falls
// back to the longest one below it.
var javaLetters = map[byte]map[int]string{
	'y': {1: "2006", 2: "06", 3: "2006", 4: "2006"},
	'u': {1: "2006", 2: "06", 3: "2006", 4: "2006"},
	'M': {1: "1", 2: "01", 3: "Jan", 4: "January"},
	'L': {1: "1", 2: "01", 3: "Jan", 4: "January"},
	'd': {1: "2", 2: "02"},
	'D': {1: "__2", 3: "002"},
	'H': {1: "15", 2: "15"},
	'h': {1: "3", 2: "03"},
	'm': {1: "4", 2: "04"},
	's': {1: "5", 2: "05"},
	'S': {1: "0", 2: "00", 3: "000", 4: "0000", 5: "00000", 6: "000000", 7: "0000000", 8: "00000000", 9: "000000000"},
	'a': {1: "PM"},
	'E': {1: "Mon", 4: "Monday"},
	'X': {1: "Z07", 2: "Z0700", 3: "Z07:00"},
	'x': {1: "-07", 2: "-0700", 3: "-07:00"},
	'Z': {1: "-0700", 4: "-0700", 5: "Z07:00"},
	'z': {1: "MST"},
}

func convertJava(pattern string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			text, n, err := quoted(pattern[i:])
			if err != nil {
				return "", err
			}
			b.WriteString(text)
			i += n
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			n := 1
			for i+n < len(pattern) && pattern[i+n] == c {
				n++
			}
			forms, ok := javaLetters[c]
			if !ok {
				return "", fmt.Errorf("date pattern %q uses %q, which is not supported", pattern, strings.Repeat(string(c), n))
			}
			el, err := pick(forms, n)
			if err != nil {
				return "", fmt.Errorf("date pattern %q: %s", pattern, err)
			}
			if c == 'S' {
				// Go writes fractions only after a dot or comma; Java patterns almost always have one.
				if prev := b.String(); !strings.HasSuffix(prev, ".") && !strings.HasSuffix(prev, ",") {
					return "", fmt.Errorf("date pattern %q: fraction of second (S) must follow a . or ,", pattern)
				}
			}
			b.WriteString(el)
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

func pick(forms map[int]string, n int) (string, error) {
	for k := n; k > 0; k-- {
		if el, ok := forms[k]; ok {
			return el, nil
		}
	}
	return "", fmt.Errorf("unsupported length %d", n)
}

// quoted reads a quoted literal at the start of s and returns its text and length. As in Java, ” is a
// quote character, both on its own and inside quoted text ('o”clock' is o'clock).
func quoted(s string) (string, int, error) {
	if strings.HasPrefix(s, "''") {
		return "'", 2, nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("date pattern %q has an unclosed quote", s)
}
