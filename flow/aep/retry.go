package aep

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry bounds how hard the client tries. Zero fields take the defaults in brackets.
type Retry struct {
	Attempts int           // tries per retryable request, first one included [4]
	Timeout  time.Duration // per attempt, from sending to the last body byte [30s]
	Base     time.Duration // first backoff; doubles per attempt, with full jitter [500ms]
	Max      time.Duration // longest single wait, Retry-After included [30s]
	// Slow is how long an attempt waits for its answer before, and between, Waiting reports to a
	// context's progress function (WithProgress) [5s].
	Slow time.Duration
	// Sleep waits d or until ctx ends. Tests inject one that records d and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 4
	}
	if r.Timeout <= 0 {
		r.Timeout = 30 * time.Second
	}
	if r.Base <= 0 {
		r.Base = 500 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 30 * time.Second
	}
	if r.Slow <= 0 {
		r.Slow = 5 * time.Second
	}
	if r.Sleep == nil {
		r.Sleep = sleep
	}
	return r
}

// wait is the pause before attempt n+1 (n ≥ 1): the server's Retry-After when it gave one, else an
// exponential backoff with full jitter so that many clients hitting one inlet spread out. Both are capped
// by Max so a hostile or confused server cannot park the wizard for an hour.
func (r Retry) wait(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, r.Max)
	}
	ceil := r.Base << min(n-1, 16)
	if ceil <= 0 || ceil > r.Max {
		ceil = r.Max
	}
	return time.Duration(rand.Int64N(int64(ceil)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads Retry-After in either of its forms (seconds, or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryableStatus lists the answers Adobe documents (inlet) or that gateways give (the rest) when a
// request was not processed and may succeed later.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
