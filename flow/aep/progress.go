package aep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Progress is news about a call that is taking long, for a person waiting on a command: the client is
// still waiting for an answer, or it is pausing before trying again. Commands that stay silent while
// they work (status, doctor) show it so that a rate-limited or stalled platform is not mistaken for a
// hung program.
type Progress struct {
	Kind        ProgressKind
	Method, URL string
	// Attempt is the attempt still waiting (Waiting) or the one about to be made (Retrying), out of
	// Attempts.
	Attempt, Attempts int
	Waited            time.Duration // Waiting: how long the attempt has waited so far
	RetryIn           time.Duration // Retrying: the pause before the next attempt
	RetryAfter        bool          // Retrying: RetryIn is what the platform asked for in Retry-After
	Status            int           // Retrying: the status of the failed answer; 0 when none came
	Err               error         // Retrying: why the attempt failed
}

// ProgressKind says which of Progress's two situations it describes.
type ProgressKind int

const (
	Waiting  ProgressKind = iota + 1 // an attempt has had no complete answer for Waited
	Retrying                         // an attempt failed; the next one comes after RetryIn
)

// String is one line for people, e.g. "Adobe answered 429 Too Many Requests; retrying in 4 s, as it
// asked (attempt 2 of 4)".
func (p Progress) String() string {
	who, _ := partyAt(p.URL)
	who = upper(who)
	of := fmt.Sprintf("(attempt %d of %d)", p.Attempt, p.Attempts)
	if p.Kind == Waiting {
		return fmt.Sprintf("Waiting for %s to answer %s %s: %s so far %s", who, p.Method, p.URL, seconds(p.Waited), of)
	}
	what := fmt.Sprintf("%s did not answer %s %s", who, p.Method, p.URL)
	var cut *AnswerError
	if errors.As(p.Err, &cut) {
		what = fmt.Sprintf("%s cut short its answer to %s %s", who, p.Method, p.URL)
	}
	if p.Status != 0 {
		what = fmt.Sprintf("%s answered %d %s", who, p.Status, http.StatusText(p.Status))
	}
	asked := ""
	if p.RetryAfter {
		asked = ", as it asked"
	}
	return fmt.Sprintf("%s; retrying in %s%s %s", what, seconds(p.RetryIn), asked, of)
}

// seconds rounds d up to whole seconds for people: "1 s" for a short backoff rather than "0 s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%d s", int64(math.Ceil(d.Seconds())))
}

type progressKey struct{}

// WithProgress returns a context under which the client reports Progress to fn. fn may be called from
// several goroutines at once (calls made in parallel) and must not block.
func WithProgress(ctx context.Context, fn func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

func progressOf(ctx context.Context) func(Progress) {
	fn, _ := ctx.Value(progressKey{}).(func(Progress))
	return fn
}

// watchAttempt reports Waiting every Retry.Slow while an attempt has no complete answer. The returned
// function stops it; it does nothing when ctx carries no progress function.
func (c *Client) watchAttempt(ctx context.Context, r request, n int) (stop func()) {
	fn := progressOf(ctx)
	if fn == nil {
		return func() {}
	}
	start := time.Now()
	t := time.NewTicker(c.cfg.Retry.Slow)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				fn(Progress{Kind: Waiting, Method: r.method, URL: c.display(r), Attempt: n, Attempts: c.cfg.Retry.Attempts,
					Waited: time.Since(start).Round(time.Second)})
			}
		}
	}()
	return func() { close(done); <-exited } // nothing is reported once the attempt is over
}
