package ui

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// Reconfigurer is the part of flow.Session the reconfiguration menu drives, on top of the setup steps'
// Engine (the mapping, events and dataset steps are reused as they are). Declared here, where it is used,
// like Engine, so the menu never reaches past it to the network.
type Reconfigurer interface {
	Engine
	Monitorer
	StateDir() string
	Current(ctx context.Context) (df flow.Dataflow, found bool, gone string, err error)
	Discover(ctx context.Context, sandbox string) ([]flow.Dataflow, error)
	Adopt(ctx context.Context, df flow.Dataflow) (flow.Result, error)
	Refresh(ctx context.Context, df flow.Dataflow) (flow.Dataflow, error)
	Rules(ctx context.Context, df flow.Dataflow) ([]dataprep.Rule, error)
	ChangeMapping(ctx context.Context, df flow.Dataflow, rules []dataprep.Rule) (flow.MappingChange, error)
	ChangeEvents(ctx context.Context, df flow.Dataflow, events []string) (flow.EventsChange, error)
	ReviewMove(ctx context.Context, df flow.Dataflow, to flow.MoveTo) (flow.Plan, []flow.PlannedStep, error)
	MoveDataset(ctx context.Context, df flow.Dataflow, to flow.MoveTo, progress func(flow.Step)) (flow.Result, error)
	Retire(ctx context.Context, flowID string, progress func(flow.TeardownItem, error)) error
	SetEnabled(ctx context.Context, df flow.Dataflow, enabled bool) (flow.Dataflow, error)
	PlanTeardown(ctx context.Context, opts flow.TeardownOptions) ([]flow.TeardownItem, error)
	Teardown(ctx context.Context, items []flow.TeardownItem, progress func(flow.TeardownItem, error)) error
}

// flow.Session is what cmd hands the menu.
var _ Reconfigurer = (*flow.Session)(nil)

// MenuOptions tune the reconfiguration menu to the command that opened it.
type MenuOptions struct {
	// Platform is the platform the profile's session talks to, for the header.
	Platform Platform
	// Sandbox is the profile's sandbox, named when it holds no Customer.io dataflow.
	Sandbox string
	// SetupWhenNone starts the setup wizard at once when the profile has no dataflow and the sandbox none
	// to adopt (plain `cioaep`); without it the menu says so and offers setup (`cioaep reconfigure`).
	SetupWhenNone bool
}

// page is one screen of the menu, in the shape of the wizard's steps: it shares the common value, does no
// I/O in update, and says which keys it offers. Only the current page gets messages; replies to work a
// page left behind carry tickets nobody waits for any more.
type page interface {
	title() string
	update(msg tea.Msg) tea.Cmd
	view() string
	help() []key.Binding
	// ownsEsc says esc means something inside the page now; otherwise esc returns to the menu.
	ownsEsc() bool
	// busy says the platform is being changed, so ctrl+c asks before quitting.
	busy() bool
}

// menuModel is the top-level model of `cioaep` on a profile that already has a dataflow: it finds the
// dataflow (or offers to adopt one), then offers the changes as a menu. Choosing a fresh setup hands the
// whole screen to the setup wizard.
type menuModel struct {
	c       *common
	cancel  context.CancelFunc
	rc      Reconfigurer
	opts    MenuOptions
	help    help.Model
	df      *flow.Dataflow // the profile's dataflow; nil until found or adopted, and after a delete
	events  []string       // the recorded Customer.io object types; nil when none were recorded
	page    page
	confirm bool
	setup   *wizard // non-nil once the user chose a fresh setup
}

func newMenu(ctx context.Context, deps Deps, rc Reconfigurer, opts MenuOptions) *menuModel {
	ctx, cancel := context.WithCancel(ctx)
	c := &common{
		ctx: ctx, deps: deps, st: newStyles(), keys: newKeyMap(),
		spin:  spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width: 80, height: 24, platform: opts.Platform, engine: rc, engineGen: 1,
		plan: flow.Plan{Profile: deps.Profile, Sandbox: opts.Sandbox},
	}
	h := help.New()
	h.ShortSeparator = " · "
	h.Styles = help.Styles{ShortKey: lipgloss.NewStyle().Bold(true), ShortDesc: c.st.subtle, ShortSeparator: c.st.subtle, Ellipsis: c.st.subtle}
	m := &menuModel{c: c, cancel: cancel, rc: rc, opts: opts, help: h}
	m.page = newProbePage(m)
	return m
}

func (m *menuModel) Init() tea.Cmd {
	return tea.Batch(m.c.spin.Tick, m.page.(*probePage).start())
}

func (m *menuModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.setup != nil {
		_, cmd := m.setup.Update(msg)
		return m, cmd
	}
	return m, m.update(msg)
}

func (m *menuModel) update(msg tea.Msg) tea.Cmd {
	if cmd, ok := m.c.shared(msg, m.cancel); ok {
		return cmd
	}
	if msg, ok := msg.(tea.KeyMsg); ok {
		return m.key(msg)
	}
	return m.page.update(msg)
}

func (m *menuModel) key(msg tea.KeyMsg) tea.Cmd {
	if cmd, handled := m.c.quitKey(msg, &m.confirm, m.page.busy); handled {
		return cmd
	}
	k := m.c.keys
	if m.c.helpKey(msg, typingIn(m.page)) {
		return nil
	}
	if key.Matches(msg, k.Back) && !m.page.ownsEsc() && m.df != nil {
		if _, home := m.page.(*homePage); !home {
			return m.home("")
		}
		return nil
	}
	return m.page.update(msg)
}

// home returns to the menu, with a line saying what just happened.
func (m *menuModel) home(note string) tea.Cmd {
	m.c.forward = false
	m.page = newHomePage(m, note)
	return m.c.fullScreen()
}

// homePrinted returns to the menu and prints lines (a command to copy) above it; see printOut.
func (m *menuModel) homePrinted(note string, lines ...string) tea.Cmd {
	m.c.forward = false
	m.page = newHomePage(m, note)
	return m.c.printOut(lines...)
}

// startSetup hands the screen to the setup wizard, at the current size.
func (m *menuModel) startSetup() tea.Cmd {
	w := newWizard(m.c.ctx, m.c.deps)
	w.c.width, w.c.height = m.c.width, m.c.height
	w.c.spin = m.c.spin
	m.setup = w
	return w.steps[0].enter() // the menu's spinner ticks on for the wizard: it has the same spinner
}

func (m *menuModel) View() string {
	if m.setup != nil {
		return m.setup.View()
	}
	c := m.c
	if c.tooSmall() {
		return c.frame("", "", "")
	}
	var foot string
	if m.confirm {
		foot = c.st.warn.Render("Quit while the dataflow is being changed? The change may be left half done.") +
			"\n" + m.help.ShortHelpView([]key.Binding{c.keys.Yes, c.keys.No})
		c.footExtra = 0
	} else {
		bindings := enterFirst(m.page.help())
		if _, home := m.page.(*homePage); !home && m.df != nil && !m.page.ownsEsc() && !slices.ContainsFunc(bindings, func(b key.Binding) bool { return b.Help().Desc == "menu" }) {
			bindings = append(bindings, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "menu")))
		}
		foot = "\n" + c.footHelp(bindings, typingIn(m.page))
	}
	return c.frame("Reconfigure · "+m.page.title(), m.page.view(), foot)
}

// RunMenu opens the reconfiguration menu for the profile rc belongs to. It returns the profile's webhook
// URL as it stands when the user leaves ("" after a delete), or what the setup wizard made when the user
// chose a fresh setup; ErrQuit when that setup was left before the end.
func RunMenu(ctx context.Context, deps Deps, rc Reconfigurer, opts MenuOptions, in io.Reader, out io.Writer) (flow.Result, error) {
	m := newMenu(ctx, deps, rc, opts)
	defer m.cancel()
	if err := runProgram(ctx, "menu", m, in, out); err != nil {
		return flow.Result{}, err
	}
	return m.leave(out)
}

// leave is RunMenu's outcome, with the webhook URL printed on out unless the menu or its setup already
// printed it whole: the screen is gone once the program ends, the printed URL stays in the scrollback.
func (m *menuModel) leave(out io.Writer) (flow.Result, error) {
	res, err := m.outcome()
	c := m.c
	if m.setup != nil {
		c = m.setup.c
	}
	if err == nil && res.WebhookURL != "" && c.shownURL != res.WebhookURL {
		fmt.Fprintf(out, "Webhook URL for Customer.io:\n%s\n", clean(res.WebhookURL))
	}
	return res, err
}

// outcome is what RunMenu reports once the program has ended.
func (m *menuModel) outcome() (flow.Result, error) {
	if m.setup != nil {
		if !m.setup.done {
			return flow.Result{}, m.setup.c.quitErr()
		}
		return m.setup.c.result, nil
	}
	if m.df == nil {
		return flow.Result{}, nil
	}
	return m.df.Result(), nil
}

// samplesFor are the embedded sample events of the given object types (every type when none are
// recorded), the sources the mapping step offers and previews.
func samplesFor(deps Deps, events []string) []map[string]any {
	decoded, _ := decodeSamples(deps.Samples)
	var out []map[string]any
	for _, o := range flow.Catalog {
		if events == nil || slices.Contains(events, o.Name) {
			out = append(out, decoded[o.Name]...)
		}
	}
	return out
}

// eventsOrAll is the recorded object types, or all of them when none were recorded (setup's default).
func (m *menuModel) eventsOrAll() []string {
	if m.events != nil {
		return m.events
	}
	var all []string
	for _, o := range flow.Catalog {
		all = append(all, o.Name)
	}
	return all
}
