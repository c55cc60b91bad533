package ui

import (
	"context"
	"errors"
	"regexp"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// An Action's Run is a conversation more than a function: "create the webhook for me" needs an App API
// key, a region and a name before it can work, and "send a test event" has a table to show. Run keeps its
// plain signature and talks to the user through its context instead: Ask waits for an answer from the
// done screen's dialog, Say and SayTable add to what the dialog shows. Run runs in its own goroutine,
// never in Update, so it may block on the network and on the user alike; the dialog only draws the
// messages it sends (crush's rule: no I/O in Update).

// ErrCanceled is what Ask returns when the user pressed esc: the action should stop at once.
var ErrCanceled = errors.New("cancelled: nothing more was changed")

// ErrNoDialog is what Ask returns outside the full-screen done screen (accessible mode, a command line),
// where there is nobody to answer.
var ErrNoDialog = errors.New("this step asks questions and needs the full-screen wizard: run cioaep without --accessible")

// Question is one thing an action asks.
type Question struct {
	Prompt string // short label: "Customer.io App API key"
	Help   string // a sentence under it: where to find the value
	// Default fills the field (or picks the choice) so enter accepts it.
	Default string
	// Secret masks what is typed and keeps it out of the dialog's record of answers.
	Secret bool
	// Choices, when set, make the question a pick with ←/→ instead of a text field.
	Choices []string
	// Optional lets enter on an empty field answer "" (skip); otherwise a value is required.
	Optional bool
}

// Ask shows q in the done screen's dialog and waits for the answer. It returns ErrCanceled when the user
// pressed esc, ErrNoDialog when Run was not started by the done screen, and ctx's error when the action
// or the wizard was stopped.
func Ask(ctx context.Context, q Question) (string, error) {
	switch a := ctx.Value(conversationKey{}).(type) {
	case *conversation:
		return a.ask(ctx, q)
	case Asker:
		return a.Ask(q)
	}
	return "", ErrNoDialog
}

// Asker answers an action's questions and hears what it says where no dialog is on screen: plain line
// prompts, or a test's script. Ask must return ErrCanceled for "stop".
type Asker interface {
	Ask(q Question) (string, error)
	Say(text string)
	SayTable(header []string, rows [][]string)
}

// WithAsker returns a context in which an Action's Run asks a instead of the done screen's dialog.
func WithAsker(ctx context.Context, a Asker) context.Context {
	return context.WithValue(ctx, conversationKey{}, a)
}

func (conv *conversation) ask(ctx context.Context, q Question) (string, error) {
	reply := make(chan answer, 1)
	if err := conv.send(ctx, askMsg{q: q, reply: reply}); err != nil {
		return "", err
	}
	select {
	case a := <-reply:
		return a.value, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Say adds a paragraph to the dialog (progress, an explanation, a warning). Outside a dialog it does
// nothing. Text from the network must be passed as it came: the dialog cleans it.
func Say(ctx context.Context, text string) {
	switch a := ctx.Value(conversationKey{}).(type) {
	case *conversation:
		_ = a.send(ctx, sayMsg{text: text})
	case Asker:
		a.Say(text)
	}
}

// SayTable adds a table to the dialog: columns are as wide as their widest cell, except the last, which
// takes what is left of the line and is cut to it.
func SayTable(ctx context.Context, header []string, rows [][]string) {
	switch a := ctx.Value(conversationKey{}).(type) {
	case *conversation:
		_ = a.send(ctx, sayMsg{header: header, rows: rows})
	case Asker:
		a.SayTable(header, rows)
	}
}

// SayDetails adds text the dialog keeps out of sight until the user asks for details (d): the whole
// answer behind a reason shown in one line, such as a platform's error document. An Asker without a
// dialog shows it only if it implements DetailSayer.
func SayDetails(ctx context.Context, title, text string) {
	switch a := ctx.Value(conversationKey{}).(type) {
	case *conversation:
		_ = a.send(ctx, sayMsg{text: title + "\n" + text, details: true})
	case DetailSayer:
		a.SayDetails(title, text)
	}
}

// DetailSayer is an Asker that can show details (see SayDetails).
type DetailSayer interface {
	SayDetails(title, text string)
}

type conversationKey struct{}

// conversation carries an action's questions and notes to the dialog, in order.
type conversation struct {
	ch   chan tea.Msg
	done <-chan struct{} // the wizard's context: once it ends nobody reads ch
}

func (c *conversation) send(ctx context.Context, m tea.Msg) error {
	select {
	case c.ch <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return context.Canceled
	}
}

type answer struct {
	value string
	err   error
}

// askMsg and sayMsg travel from Run to the dialog; actionMsg wraps them with the ticket of the run they
// belong to and the command that receives the next one.
type askMsg struct {
	q     Question
	reply chan answer
}

type sayMsg struct {
	text    string
	header  []string
	rows    [][]string
	details bool // shown only while the dialog shows details
}

type actionMsg struct {
	ticket int
	part   tea.Msg
	next   tea.Cmd
}

// runAction starts run in a goroutine with a conversation in its context and returns the command that
// delivers its messages: actionMsgs while it runs, then a doneMsg[string] with its result. Cancelling ctx
// stops the action; wizardCtx ending (quit) also releases the goroutine.
func runAction(wizardCtx, ctx context.Context, ticket int, run func(context.Context) (string, error)) tea.Cmd {
	conv := &conversation{ch: make(chan tea.Msg), done: wizardCtx.Done()}
	go func() {
		v, err := run(context.WithValue(ctx, conversationKey{}, conv))
		if err != nil && ctx.Err() != nil && wizardCtx.Err() == nil {
			err = ErrCanceled // esc while it worked: say so rather than "context canceled"
		}
		select {
		case conv.ch <- doneMsg[string]{ticket: ticket, val: v, err: err}:
		case <-wizardCtx.Done():
		}
	}()
	var receive tea.Cmd
	receive = func() tea.Msg {
		select {
		case m := <-conv.ch:
			if d, ok := m.(doneMsg[string]); ok {
				return d
			}
			return actionMsg{ticket: ticket, part: m, next: receive}
		case <-wizardCtx.Done():
			return nil
		}
	}
	return receive
}

// tableLines lays a table out in w cells: two spaces between columns, the last column cut to fit.
// A column of counts (every cell a number, perhaps with a unit, or "---" for none) is right-aligned,
// its title too, so the figures line up by their last digit.
func tableLines(header []string, rows [][]string, w int) []string {
	all := rows
	if len(header) > 0 {
		all = append([][]string{header}, rows...)
	}
	var widths []int
	numeric := []bool{}
	for _, r := range all {
		for i, cell := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
				numeric = append(numeric, len(rows) > 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(clean(cell)))
		}
	}
	for _, r := range rows {
		for i, cell := range r {
			numeric[i] = numeric[i] && countCell.MatchString(clean(cell))
		}
	}
	out := make([]string, 0, len(all))
	for _, r := range all {
		var b strings.Builder
		for i, cell := range r {
			cell = clean(cell)
			if numeric[i] {
				cell = strings.TrimSpace(cell)
			}
			pad := strings.Repeat(" ", widths[i]-ansi.StringWidth(cell))
			switch {
			case i == len(r)-1 && !numeric[i]:
				b.WriteString(cell)
			case numeric[i]:
				b.WriteString(pad + cell + "  ")
			default:
				b.WriteString(cell + pad + "  ")
			}
		}
		out = append(out, fit(strings.TrimRight(b.String(), " "), w))
	}
	return out
}

// countCell is a table cell that is a count or a measure: "200", "1,024", "12 ms", "99.5%", "---".
var countCell = regexp.MustCompile(`^\s*(\d[\d,.]*\s*(ms|s|%|B|KiB|MiB)?|---)\s*$`)
