package localtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// StandIn serves a handler (the local platform) the way a distant Adobe would look from the client: every
// request costs one round trip (rtt) before it is served, and every new connection costs two more before
// its first byte can be read (a TCP and a TLS handshake). It records when each request started and ended,
// so a benchmark can count the round trips on the critical path of a whole command instead of dividing
// wall time by the latency (which would add the platform's own SQLite time).
type StandIn struct {
	URL string
	rtt time.Duration

	mu   sync.Mutex
	reqs []Exchange
}

// Exchange is one request as the stand-in saw it.
type Exchange struct {
	Path       string
	Start, End time.Time
	// Cost is the round trips it took: 1, or 3 when the client waited for a new connection's handshakes.
	Cost int
}

type connKey struct{}

// standInConn is a connection whose first read waits until its handshakes would have finished.
type standInConn struct {
	net.Conn
	accepted, readyAt time.Time
	once              sync.Once
	mu                sync.Mutex
	served            bool // a request has been served on it
}

func (c *standInConn) Read(p []byte) (int, error) {
	c.once.Do(func() { time.Sleep(time.Until(c.readyAt)) })
	return c.Conn.Read(p)
}

type standInListener struct {
	net.Listener
	rtt time.Duration
}

func (l standInListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &standInConn{Conn: c, accepted: now, readyAt: now.Add(2 * l.rtt)}, nil
}

// NewStandIn serves h behind the latency model at a loopback address until the test ends.
func NewStandIn(tb testing.TB, h http.Handler, rtt time.Duration) *StandIn {
	tb.Helper()
	s := &StandIn{rtt: rtt}
	srv := httptest.NewUnstartedServer(s.wrap(h))
	srv.Listener = standInListener{Listener: srv.Listener, rtt: rtt}
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *StandIn) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		ex := Exchange{Path: r.URL.Path, Start: arrived, Cost: 1}
		if c, ok := r.Context().Value(connKey{}).(*standInConn); ok {
			c.mu.Lock()
			first := !c.served
			c.served = true
			c.mu.Unlock()
			// The client waited on the handshakes when its first request arrived as soon as they were
			// done; a connection dialled ahead of need had them finished before anyone waited.
			if first && arrived.Sub(c.readyAt) < s.rtt/2 {
				ex.Start, ex.Cost = c.accepted, 3
			}
		}
		time.Sleep(s.rtt)
		h.ServeHTTP(w, r)
		ex.End = time.Now()
		s.mu.Lock()
		s.reqs = append(s.reqs, ex)
		s.mu.Unlock()
	})
}

// Reset forgets the requests seen so far.
func (s *StandIn) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Exchanges returns the requests seen since the last Reset, in the order they ended.
func (s *StandIn) Exchanges() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// CriticalPath counts the round trips on the longest chain of requests that ran one after another
// (each ending before the next started), weighted by their cost, among the requests that started after
// the last one to path after ended (the token, which the budgets exclude). It also returns how many
// requests that was counted over.
func (s *StandIn) CriticalPath(after string) (roundTrips, requests int) {
	ex := s.Exchanges()
	var cut time.Time
	for _, e := range ex {
		if e.Path == after && e.End.After(cut) {
			cut = e.End
		}
	}
	ex = slices.DeleteFunc(ex, func(e Exchange) bool { return e.Path == after || e.Start.Before(cut) })
	return LongestChain(ex), len(ex)
}

// LongestChain is the greatest total cost of exchanges that ran strictly one after another.
func LongestChain(ex []Exchange) int {
	ex = slices.Clone(ex)
	slices.SortFunc(ex, func(a, b Exchange) int { return a.End.Compare(b.End) })
	best := make([]int, len(ex)) // best[i]: the longest chain ending with ex[i]
	longest := 0
	for i, e := range ex {
		best[i] = e.Cost
		for j := range i {
			if !ex[j].End.After(e.Start) && best[j]+e.Cost > best[i] {
				best[i] = best[j] + e.Cost
			}
		}
		longest = max(longest, best[i])
	}
	return longest
}
