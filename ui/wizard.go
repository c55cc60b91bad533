// Package ui is cioaep's terminal wizard: one top-level Bubble Tea model that walks through Adobe's
// Customer.io source tutorial step by step, one file per step, all sharing one common value. The wizard
// never calls the network itself: it hands work to the engine inside tea.Cmds and draws the replies.
package ui

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cioaep/cioaep/flow"
)

// ErrQuit is returned by Run when the user left before the dataflow was made.
var ErrQuit = errors.New("setup stopped before the dataflow was created: run cioaep again to pick up where you left off")

// step is what every wizard page implements, like soft-serve's components: it reads and writes the
// shared common value, does no I/O in update, and says which keys it offers.
type step interface {
	title() string
	// enter is called each time the step is reached going forward; it starts any loading it needs.
	enter() tea.Cmd
	// update gets every key while the step is current and every other message always, so replies to
	// work it started arrive even after the user has gone back.
	update(msg tea.Msg) tea.Cmd
	view() string
	help() []key.Binding
	// ownsEsc says esc means something inside the step right now (closing a filter, a picker, an edit)
	// or that going back is not possible (while creating).
	ownsEsc() bool
}

// ownTitler is a step that shows a screen of its own for a while (the done step's monitor), whose
// header is then its own title instead of the wizard's steps.
type ownTitler interface{ ownTitle() string }

// wizard is the top-level model.
type wizard struct {
	c       *common
	cancel  context.CancelFunc
	steps   []step
	cur     int
	help    help.Model
	confirm bool // "quit while creating?" is showing
	done    bool // the done step was reached
}

func newWizard(ctx context.Context, deps Deps) *wizard {
	ctx, cancel := context.WithCancel(ctx)
	c := &common{
		ctx:    ctx,
		deps:   deps,
		st:     newStyles(),
		keys:   newKeyMap(),
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width:  80,
		height: 24,
		plan:   flow.Plan{Profile: deps.Profile}, // no ID: flow picks it, continuing an unfinished setup
	}
	if deps.Local {
		c.platform = Local
	}
	h := help.New()
	h.ShortSeparator = " · "
	// The help line takes the wizard's styles, so its keys and dimmed words match every other screen.
	h.Styles = help.Styles{
		ShortKey:       lipgloss.NewStyle().Bold(true),
		ShortDesc:      c.st.subtle,
		ShortSeparator: c.st.subtle,
		Ellipsis:       c.st.subtle,
	}
	w := &wizard{c: c, cancel: cancel, help: h}
	w.steps = []step{
		newWelcome(c), newCredentials(c), newSandbox(c), newEvents(c), newDestination(c),
		newMapping(c), newReview(c), newCreate(c), newDone(c),
	}
	return w
}

func (w *wizard) Init() tea.Cmd {
	return tea.Batch(w.c.spin.Tick, w.steps[0].enter())
}

func (w *wizard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := w.update(msg)
	if w.c.forward {
		w.c.forward = false
		if w.cur < len(w.steps)-1 {
			w.cur++
			w.done = w.cur == len(w.steps)-1
			cmd = tea.Batch(cmd, w.steps[w.cur].enter())
		}
	}
	if w.confirm && !w.creating() { // creation finished while "quit while creating?" was asked
		w.confirm = false
	}
	return w, cmd
}

// creating says the dataflow is being created, so quitting now asks first.
func (w *wizard) creating() bool {
	c, ok := w.steps[w.cur].(*createStep)
	return ok && c.running()
}

func (w *wizard) update(msg tea.Msg) tea.Cmd {
	if cmd, ok := w.c.shared(msg, w.cancel); ok {
		return cmd
	}
	if msg, ok := msg.(tea.KeyMsg); ok {
		return w.key(msg)
	}
	var cmds []tea.Cmd
	for _, s := range w.steps {
		cmds = append(cmds, s.update(msg))
	}
	return tea.Batch(cmds...)
}

// quitMsg ends the program; steps send it (done's `q`, create's "quit and keep the journal").
type quitMsg struct{}

func quit() tea.Msg { return quitMsg{} }

func (w *wizard) key(msg tea.KeyMsg) tea.Cmd {
	if cmd, handled := w.c.quitKey(msg, &w.confirm, w.creating); handled {
		return cmd
	}
	k := w.c.keys
	cur := w.steps[w.cur]
	if w.c.helpKey(msg, typingIn(cur)) {
		return nil
	}
	if key.Matches(msg, k.Back) && !cur.ownsEsc() {
		if w.cur > 0 {
			w.cur--
		}
		return nil
	}
	return cur.update(msg)
}

func (w *wizard) View() string {
	c := w.c
	if c.tooSmall() {
		return c.frame("", "", "")
	}
	cur := w.steps[w.cur]
	var foot string
	if w.confirm {
		foot = c.st.warn.Render("Quit while creating? The next run resumes from the journal.") +
			"\n" + w.help.ShortHelpView([]key.Binding{c.keys.Yes, c.keys.No})
		c.footExtra = 0
	} else {
		bindings := enterFirst(cur.help())
		if w.cur > 0 && !cur.ownsEsc() {
			bindings = append(bindings, c.keys.Back)
		}
		foot = "\n" + c.footHelp(bindings, typingIn(cur))
	}
	names := make([]string, len(w.steps))
	for i, s := range w.steps {
		names[i] = crumb(s)
	}
	title := c.stepsTitle(names, w.cur, cur.title(), c.width-len("cioaep  "))
	if o, ok := cur.(ownTitler); ok && o.ownTitle() != "" {
		title = o.ownTitle()
	}
	return c.frame(title, cur.view(), foot)
}

// crumb is a step's name in the breadcrumb: its title, or a shorter word where the title is long.
func crumb(s step) string {
	if c, ok := s.(interface{ crumb() string }); ok {
		return c.crumb()
	}
	return s.title()
}

// Run starts the full-screen wizard and returns the dataflow it made. It returns ErrQuit when the user
// left before the end.
func Run(ctx context.Context, deps Deps, in io.Reader, out io.Writer) (flow.Result, error) {
	w := newWizard(ctx, deps)
	defer w.cancel()
	if err := runProgram(ctx, "wizard", w, in, out); err != nil {
		if errors.Is(err, ErrQuit) {
			return flow.Result{}, w.c.quitErr()
		}
		return flow.Result{}, err
	}
	if !w.done {
		return flow.Result{}, w.c.quitErr()
	}
	return w.c.result, nil
}

// quitError is ErrQuit naming the command that picks up again: the same platform and profile.
type quitError struct{ again string }

func (e quitError) Error() string {
	return "setup stopped before the dataflow was created: run " + e.again + " again to pick up where you left off"
}

func (e quitError) Is(target error) bool { return target == ErrQuit }

func (c *common) quitErr() error { return quitError{again: strings.TrimSpace(c.command(""))} }
