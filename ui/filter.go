package ui

import (
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/sahilm/fuzzy"
)

// rankLimit is how many candidates are ranked on the keystroke itself. Scoring is the slow part of fuzzy
// matching; beyond this many candidates (the first letter typed into 10,000 datasets) the matches are
// shown at once in list order and ranked in a command, so typing never waits on the scorer.
const rankLimit = 1000

// rankedMsg carries a ranking computed off the keystroke path.
type rankedMsg struct {
	list   *pickList
	ticket int
	order  []int
}

// setQuery filters the list. Typing one more character only searches the rows the previous query
// matched, since a fuzzy match of "abc" is always a match of "ab".
func (l *pickList) setQuery(q string) tea.Cmd {
	prev := l.query
	l.query = q
	l.cursor, l.offset = 0, 0
	l.rankTick = l.c.ticket()
	if q == "" {
		l.visible = nil
		return nil
	}
	within := l.visible
	if prev == "" || !strings.HasPrefix(q, prev) {
		within = indexRange(0, len(l.items))
	}
	cands := l.candidates(q, within)
	if len(cands) <= rankLimit {
		l.visible, l.rankedLen = rank(q, l.search, cands), len(cands)
		return nil
	}
	l.visible, l.rankedLen = cands, len(cands)
	// add only appends and setDetails replaces, so the command may read this slice as it is.
	ticket, search := l.rankTick, l.search
	return func() tea.Msg { return rankedMsg{list: l, ticket: ticket, order: rank(q, search, cands)} }
}

// ranked applies a ranking that finished after the keystroke, keeping the highlighted row highlighted
// and any rows that arrived meanwhile at the end.
func (l *pickList) ranked(m rankedMsg) {
	if m.ticket != l.rankTick {
		return
	}
	cur := l.current()
	l.visible = append(m.order, l.visible[l.rankedLen:]...)
	l.cursor = max(slices.Index(l.visible, cur), 0)
}

// candidates is a quick case-insensitive subsequence test: every fuzzy match passes it, and it rejects
// most non-matches for the price of a byte loop.
func (l *pickList) candidates(q string, within []int) []int {
	lq := strings.ToLower(q)
	out := make([]int, 0, len(within))
	for _, i := range within {
		if subsequence(lq, l.lower[i]) {
			out = append(out, i)
		}
	}
	return out
}

func subsequence(q, s string) bool {
	j := 0
	for i := 0; i < len(s) && j < len(q); i++ {
		if s[i] == q[j] {
			j++
		}
	}
	return j == len(q)
}

// rank scores the candidates with sahilm/fuzzy and returns the matches best first.
func rank(q string, search []string, cands []int) []int {
	ms := fuzzy.FindFrom(q, subset{search, cands})
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = cands[m.Index]
	}
	return out
}

// subset lets the fuzzy matcher search some items without copying their strings.
type subset struct {
	all []string
	idx []int
}

func (s subset) String(i int) string { return s.all[s.idx[i]] }
func (s subset) Len() int            { return len(s.idx) }
