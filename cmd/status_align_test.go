package cmd

import (
	"bytes"
	"strings"
	"testing"
)

// TestStatusRunCountsAligned: the runs' counts and the total line up by their last digit, so a
// column of figures can be read down.
func TestStatusRunCountsAligned(t *testing.T) {
	t.Parallel()
	runs := []statusRun{
		{Started: "2026-12-02T16:00:00Z", Input: 12045, Output: 12000, Failed: 45},
		{Started: "2026-12-02T15:00:00Z", Input: 7, Output: 7},
		{Started: "2026-12-02T14:00:00Z", Input: 310, Output: 301, Failed: 9},
	}
	var b bytes.Buffer
	printRuns(&b, runs, statusTotals{Input: 12362, Output: 12308, Failed: 54})
	var ends [3][]int // where each count ends, per line
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n")[1:] {
		for i, word := range []string{"in ", "out ", "failed "} {
			at := strings.Index(l, word)
			if at < 0 {
				t.Fatalf("line %q lacks %q", l, word)
			}
			rest := l[at+len(word):]
			end := at + len(word) + len(rest) - len(strings.TrimLeft(rest, " 0123456789"))
			ends[i] = append(ends[i], len([]rune(l[:end])))
		}
	}
	for i, col := range ends {
		for _, e := range col[1:] {
			if e != col[0] {
				t.Errorf("column %d is ragged (ends at %v):\n%s", i, col, b.String())
				break
			}
		}
	}
}
