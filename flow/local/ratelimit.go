package local

import (
	"sync"
	"time"
)

// rateLimits keeps one token bucket per inlet and purpose, so a busy inlet is answered 429 the way
// Adobe's is (documented: 1000 requests/s per inlet, 60/min with syncValidation) without slowing others.
type rateLimits struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimits() *rateLimits { return &rateLimits{buckets: map[string]*bucket{}} }

// allow takes one token from key's bucket, which refills at perSecond up to burst.
func (l *rateLimits) allow(key string, perSecond, burst float64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*perSecond)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
