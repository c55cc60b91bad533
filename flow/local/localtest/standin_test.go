package localtest

import (
	"testing"
	"time"
)

// TestLongestChain: parallel requests count once, a handshake counts in its request's cost, and a chain
// follows only requests that ended before the next began.
func TestLongestChain(t *testing.T) {
	t0 := time.Now()
	at := func(from, to int, cost int) Exchange {
		return Exchange{Start: t0.Add(time.Duration(from) * time.Millisecond), End: t0.Add(time.Duration(to) * time.Millisecond), Cost: cost}
	}
	cases := []struct {
		name string
		ex   []Exchange
		want int
	}{
		{"none", nil, 0},
		{"sequential", []Exchange{at(0, 10, 1), at(10, 20, 1), at(21, 30, 1)}, 3},
		{"parallel", []Exchange{at(0, 10, 1), at(1, 11, 1), at(2, 12, 1)}, 1},
		{"fan-out then one", []Exchange{at(0, 10, 1), at(0, 12, 1), at(13, 20, 1)}, 2},
		{"new connection in a fan-out", []Exchange{at(0, 10, 1), at(0, 30, 3), at(31, 40, 1)}, 4},
	}
	for _, c := range cases {
		if got := LongestChain(c.ex); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
