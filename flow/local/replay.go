package local

import (
	"sync"
	"time"

	"github.com/cioaep/cioaep/flow/cio"
)

// replayWindow is how long a signed request stays acceptable: its timestamp may be up to the tolerance
// behind or ahead of the clock, so a captured request verifies for at most twice the tolerance.
const replayWindow = 2 * cio.DefaultTolerance

// replays remembers the Customer.io signatures accepted within the window, so that with
// --require-signature a captured request cannot be posted again while its timestamp is still fresh.
// Two generations, each spanning a window, keep every signature at least a window long without a sweep.
type replays struct {
	mu        sync.Mutex
	cur, prev map[string]struct{}
	rotateAt  time.Time
}

func newReplays() *replays {
	return &replays{cur: map[string]struct{}{}, prev: map[string]struct{}{}}
}

// seen reports whether sig was accepted before within the window, and records it: two requests with
// one signature at once cannot both pass.
func (r *replays) seen(sig string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.After(r.rotateAt) {
		r.prev, r.cur, r.rotateAt = r.cur, map[string]struct{}{}, now.Add(replayWindow)
	}
	_, a := r.cur[sig]
	_, b := r.prev[sig]
	if a || b {
		return true
	}
	r.cur[sig] = struct{}{}
	return false
}

// forget drops sig again, for a request that was not answered 200 and that Customer.io will retry.
func (r *replays) forget(sig string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.cur, sig)
	delete(r.prev, sig)
}
