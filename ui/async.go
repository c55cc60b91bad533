package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
)

// Async work follows crush's rule: Update never blocks or does I/O; it returns a tea.Cmd that does the
// work and reports back with a message carrying the ticket it was started with.

// doneMsg is the outcome of one piece of async work.
type doneMsg[R any] struct {
	ticket int
	val    R
	err    error
}

// partMsg is one part of a streamed result (a page of datasets, one apply step). next must be returned
// as a command to receive the following part.
type partMsg[T any] struct {
	ticket int
	part   T
	next   tea.Cmd
}

// do runs fn in a command and reports its result.
func do[R any](ticket int, fn func() (R, error)) tea.Cmd {
	return func() tea.Msg {
		v, err := fn()
		return doneMsg[R]{ticket: ticket, val: v, err: err}
	}
}

// stream runs fn in a goroutine and turns every emit into a partMsg, then its return into a doneMsg.
// Parts are delivered one at a time, so the list is usable while later pages are still on their way;
// cancelling ctx releases the goroutine when the user has moved on.
func stream[T, R any](ctx context.Context, ticket int, fn func(ctx context.Context, emit func(T)) (R, error)) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg)
		go func() {
			v, err := fn(ctx, func(part T) {
				select {
				case ch <- partMsg[T]{ticket: ticket, part: part}:
				case <-ctx.Done():
				}
			})
			select {
			case ch <- doneMsg[R]{ticket: ticket, val: v, err: err}:
			case <-ctx.Done():
			}
		}()
		return receive[T](ctx, ch)()
	}
}

func receive[T any](ctx context.Context, ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		select {
		case m := <-ch:
			if p, ok := m.(partMsg[T]); ok {
				p.next = receive[T](ctx, ch)
				return p
			}
			return m
		case <-ctx.Done():
			return nil
		}
	}
}
