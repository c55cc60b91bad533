package ui

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/cioaep/cioaep/flow"
)

// Monitorer is the part of flow.Session the monitor drives. Declared here, where it is used, so the view
// can be tested against a fake and never reaches past it to the network.
type Monitorer interface {
	Monitor(ctx context.Context, o flow.MonitorOptions) (flow.Snapshot, error)
	SubscribeAlerts(ctx context.Context, local bool) (string, error)
}

var _ Monitorer = (*flow.Session)(nil)

// WatchOptions tune the monitor. Zero values take the platform's defaults.
type WatchOptions struct {
	Interval   time.Duration // between refreshes that succeed
	QuietAfter time.Duration // warn when nothing arrived for longer
}

// quietStep is how much + and - change the quiet threshold.
const quietStep = 5 * time.Minute

// watchPage is the monitor: a live view of the dataflow's last hour, refreshed on a timer that backs off
// while the platform cannot be reached. It is a menu page, and the whole screen of `cioaep watch`.
type watchPage struct {
	c       *common
	mon     Monitorer
	opts    flow.MonitorOptions
	w       flow.Watch
	loading bool // a refresh is in flight
	next    int  // ticket of the refresh the page waits for
	note    string
	alerts  bool // a subscription is in flight
}

type (
	watchTickMsg   struct{ ticket int }
	watchResultMsg struct {
		ticket int
		snap   flow.Snapshot
		err    error
		at     time.Time
	}
	watchAlertMsg struct {
		text string
		err  error
	}
)

func newWatchPage(c *common, mon Monitorer, o WatchOptions) *watchPage {
	local := c.platform == Local
	interval := o.Interval
	if interval <= 0 {
		interval = flow.DefaultIntervalAdobe
		if local {
			interval = flow.DefaultIntervalLocal
		}
	}
	quiet := o.QuietAfter
	if quiet <= 0 {
		quiet = flow.DefaultQuietAfter
	}
	return &watchPage{c: c, mon: mon, opts: flow.MonitorOptions{Local: local, QuietAfter: quiet, LastEvents: 12},
		w: flow.Watch{Interval: interval}}
}

func (p *watchPage) title() string { return "Monitor" }
func (p *watchPage) ownsEsc() bool { return false }
func (p *watchPage) busy() bool    { return false } // watching changes nothing: quitting is always safe

// start asks for the first refresh.
func (p *watchPage) start() tea.Cmd { return p.refresh() }

// refresh starts one refresh unless one is in flight; its ticket makes any older timer a no-op.
func (p *watchPage) refresh() tea.Cmd {
	if p.loading {
		return nil
	}
	p.loading = true
	p.next = p.c.ticket()
	ctx, mon, opts, t := p.c.ctx, p.mon, p.opts, p.next
	return tea.Batch(p.c.spin.Tick, func() tea.Msg {
		snap, err := mon.Monitor(ctx, opts)
		return watchResultMsg{ticket: t, snap: snap, err: err, at: time.Now()}
	})
}

func (p *watchPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case watchTickMsg:
		if msg.ticket == p.next {
			return p.refresh()
		}
	case watchResultMsg:
		if msg.ticket != p.next {
			return nil
		}
		p.loading = false
		if p.c.ctx.Err() != nil {
			return nil
		}
		p.w = p.w.Observe(msg.snap, msg.err, msg.at)
		t := p.next
		return tea.Tick(p.w.Delay(), func(time.Time) tea.Msg { return watchTickMsg{ticket: t} })
	case watchAlertMsg:
		p.alerts = false
		p.note = msg.text
		if msg.err != nil {
			p.note = p.c.errText(msg.err)
		}
	case tea.KeyMsg:
		k := p.c.keys
		switch {
		case key.Matches(msg, watchKeys.Refresh):
			p.next = p.c.ticket() // the pending timer is superseded
			p.loading = false
			return p.refresh()
		case key.Matches(msg, watchKeys.Alerts) && !p.alerts:
			p.alerts, p.note = true, ""
			ctx, mon, local := p.c.ctx, p.mon, p.opts.Local
			return func() tea.Msg {
				text, err := mon.SubscribeAlerts(ctx, local)
				return watchAlertMsg{text: text, err: err}
			}
		case key.Matches(msg, watchKeys.Longer):
			p.opts.QuietAfter += quietStep
			p.w.Last.QuietAfter = int64(p.opts.QuietAfter / time.Second)
		case key.Matches(msg, watchKeys.Shorter) && p.opts.QuietAfter > quietStep:
			p.opts.QuietAfter -= quietStep
			p.w.Last.QuietAfter = int64(p.opts.QuietAfter / time.Second)
		case key.Matches(msg, k.QuitDone):
			return quit
		}
	}
	return nil
}

// watchKeyMap are the monitor's own keys.
var watchKeys = struct{ Refresh, Alerts, Longer, Shorter key.Binding }{
	Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh now")),
	Alerts:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "subscribe to alerts")),
	Longer:  key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+/-", "quiet threshold")),
	Shorter: key.NewBinding(key.WithKeys("-", "_")),
}

func (p *watchPage) help() []key.Binding {
	return []key.Binding{watchKeys.Refresh, watchKeys.Alerts, watchKeys.Longer, p.c.keys.QuitDone}
}

func (p *watchPage) view() string {
	if !p.w.Have && !p.w.Last.Stale {
		return p.c.busy("Reading the dataflow's activity…")
	}
	width := p.c.bodyWidth()
	s := p.w.Last
	s.QuietAfter = int64(p.opts.QuietAfter / time.Second)
	s.Quiet = s.State == "enabled" && (s.LastEventAt == nil || s.Time.Sub(*s.LastEventAt) > p.opts.QuietAfter)
	var b strings.Builder
	for _, l := range watchHeader(p.c.st, s, p.w) {
		b.WriteString(fit(l, width) + "\n")
	}
	b.WriteString("\n")
	room := p.c.bodyHeight() - lineCount(b.String()) - 1
	if p.note != "" {
		room -= lineCount(p.c.para(p.note)) + 2
	}
	b.WriteString(p.body(s, width, room))
	if p.alerts {
		b.WriteString("\n" + p.c.busy("Subscribing to the dataflow's alerts…"))
	} else if p.note != "" {
		b.WriteString("\n\n" + p.c.para(p.note))
	}
	return b.String()
}

// body is the chart and tables under the header, laid out in width×height cells: the per-minute chart
// from chartMinWidth columns and chartMinHeight rows, numbers below that; then the counts by type and
// the newest events, side by side when there is room. What does not fit is left out from the bottom
// (the newest events first), never cut mid-table.
func (p *watchPage) body(s flow.Snapshot, width, height int) string {
	st := p.c.st
	failed := fmt.Sprintf("failed %d", s.Failed)
	if s.Failed > 0 {
		failed = st.err.Render(failed)
	}
	parts := []string{fmt.Sprintf("Last hour  received %d · ingested %d · %s", s.Received, s.Ingested, failed)}
	wide := width >= 100 && height >= 24
	tables := 6 // rows kept for the counts by type and the newest events
	if wide {
		tables = max(height/3, 8)
	}
	if width >= chartMinWidth && height >= chartMinHeight {
		chartH := min(max(height-tables-6, 2), 14)
		colour := lipgloss.ColorProfile() != termenv.Ascii
		parts = append(parts, minuteChart(s, chartH, colour)+"\n"+st.subtle.Render(chartLegend))
	} else {
		n := max((width-30)/4, 5)
		parts = append(parts, fit(st.subtle.Render(fmt.Sprintf("per minute, last %d: ", min(n, len(s.PerMinute))))+minuteNumbers(s, n), width))
	}
	free := height - lipgloss.Height(strings.Join(parts, "\n\n"))
	if free >= 2 { // a blank line, then the counts by type on one line
		parts = append(parts, fit(watchTypeLine(st, s, p.opts.Local), width))
		free -= 2
	}
	// A blank line, the table titles, and at least one row.
	switch {
	case wide && free >= 4:
		parts = append(parts, lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(watchTypes(st, s, free-2, p.opts.Local), "\n"), "   ",
			strings.Join(fitAll(watchEvents(st, s, free-3), width-typesWidth-3), "\n")))
	case !wide && free >= 2:
		parts = append(parts, strings.Join(fitAll(watchEvents(st, s, free-1), width), "\n"))
	}
	return strings.Join(parts, "\n\n")
}

func fitAll(lines []string, w int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = fit(l, w)
	}
	return out
}

// watchTypeLine is the counts by Customer.io object type on one line, for small terminals.
func watchTypeLine(st styles, s flow.Snapshot, local bool) string {
	if len(s.ByType) == 0 {
		return st.boxTitle.Render("By type") + "  " + st.subtle.Render(noTypes(local))
	}
	types := make([]string, 0, len(s.ByType))
	for t := range s.ByType {
		types = append(types, t)
	}
	slices.Sort(types)
	items := make([]string, 0, len(types))
	for _, t := range types {
		c := s.ByType[t]
		item := fmt.Sprintf("%s %d✓", clean(t), c.Ingested)
		if c.Failed > 0 {
			item += " " + st.err.Render(fmt.Sprintf("%d✗", c.Failed))
		}
		items = append(items, item)
	}
	var b strings.Builder
	b.WriteString(st.boxTitle.Render("By type") + "  " + strings.Join(items, st.subtle.Render(" · ")))
	return b.String()
}

// watchHeader is the dataflow, its state, its last run, the time of the last event (with the quiet
// warning) and how fresh the figures are.
func watchHeader(st styles, s flow.Snapshot, w flow.Watch) []string {
	if s.State == "none" && s.FlowID == "" {
		lines := append([]string{st.warn.Render("No dataflow to watch.")}, s.Notes...)
		return append(lines, freshness(st, s, w))
	}
	state := st.ok.Render("● enabled")
	if s.State != "enabled" {
		state = st.warn.Render("○ " + s.State + ": the endpoint refuses events")
	}
	run := "no run yet"
	if s.LastRun != nil {
		run = "last run " + s.LastRun.Status
		if !s.LastRun.Started.IsZero() {
			run += " " + s.LastRun.Started.UTC().Format("15:04") + " UTC"
		}
	}
	last := "no event in the last hour"
	if s.LastEventAt != nil {
		last = "last event " + s.LastEventAt.UTC().Format("15:04:05") + " UTC, " + ago(s.Time.Sub(*s.LastEventAt)) + " ago"
	}
	second := st.subtle.Render(run+" · ") + last
	if s.Quiet {
		second = st.warn.Render(fmt.Sprintf("⚠ nothing arrived for over %s: %s", ago(time.Duration(s.QuietAfter)*time.Second), last)) + st.subtle.Render(" · "+run)
	}
	return []string{clean(s.FlowName) + "  " + state, second, freshness(st, s, w)}
}

// freshness says when the figures were read and, while refreshing fails, since when and why.
func freshness(st styles, s flow.Snapshot, w flow.Watch) string {
	if s.Stale && s.StaleSince != nil {
		from := "no figures yet"
		if w.Have {
			from = "figures from " + s.Time.UTC().Format("15:04:05")
		}
		return st.err.Render(fmt.Sprintf("✗ cannot refresh since %s UTC; %s; retrying every %s: %s",
			s.StaleSince.UTC().Format("15:04:05"), from, ago(w.Delay()), clean(firstLine(s.Error))))
	}
	return st.subtle.Render(fmt.Sprintf("updated %s UTC · every %s", s.Time.UTC().Format("15:04:05"), ago(w.Interval)))
}

// typesWidth is the width of the by-type table: object type and metric, ingested, failed.
const typesWidth = 36

// watchTypes is the counts by Customer.io object type and metric, as a table of typesWidth columns.
func watchTypes(st styles, s flow.Snapshot, rows int, local bool) []string {
	lines := []string{st.boxTitle.Render(fmt.Sprintf("%-20s", "By event type")) + st.subtle.Render(fmt.Sprintf("%9s%7s", "ingested", "failed"))}
	if len(s.ByTypeMetric) == 0 {
		return append(lines, st.subtle.Render(noTypes(local)))
	}
	for i, b := range s.ByTypeMetric {
		if i == rows-2 && len(s.ByTypeMetric) > rows-1 {
			lines = append(lines, st.subtle.Render(fmt.Sprintf("… %d more", len(s.ByTypeMetric)-i)))
			break
		}
		failed := fmt.Sprintf("%7d", b.Failed)
		if b.Failed > 0 {
			failed = st.err.Render(failed)
		}
		lines = append(lines, fmt.Sprintf("%-20s%9d%s", fit(clean(b.ObjectType+" "+b.Metric), 19), b.Ingested, failed))
	}
	return lines
}

// noTypes says why there are no counts by type: none arrived, or Adobe does not report them.
func noTypes(local bool) string {
	if local {
		return "none in the last hour"
	}
	return "Adobe reports counts per dataset only"
}

// watchEvents is the newest events: time, type, metric, and ✓ or ✗ with the reason.
func watchEvents(st styles, s flow.Snapshot, rows int) []string {
	lines := []string{st.boxTitle.Render("Last events")}
	if len(s.LastEvents) == 0 {
		return append(lines, st.subtle.Render("none yet"))
	}
	for i, e := range s.LastEvents {
		if i >= max(rows, 1) {
			break
		}
		mark := st.ok.Render("✓ accepted")
		if !e.Accepted {
			mark = st.err.Render("✗ " + clean(e.Reason))
		}
		lines = append(lines, fmt.Sprintf("%s %-16s %s", e.Time.UTC().Format("15:04:05"), fit(clean(e.ObjectType+" "+e.Metric), 16), mark))
	}
	return lines
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// ago words a duration the short way people read it on a dashboard: 12s, 4m, 2h5m.
func ago(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d > 0 && d < time.Second:
		return d.String()
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		if d%time.Minute == 0 || d >= 10*time.Minute {
			return fmt.Sprintf("%dm", int(d.Minutes()))
		}
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
}

// watchModel is the top-level model of `cioaep watch`: the monitor page alone, full screen.
type watchModel struct {
	c       *common
	cancel  context.CancelFunc
	page    *watchPage
	confirm bool
}

func newWatchModel(ctx context.Context, deps Deps, mon Monitorer, p Platform, o WatchOptions) *watchModel {
	ctx, cancel := context.WithCancel(ctx)
	c := &common{ctx: ctx, deps: deps, st: newStyles(), keys: newKeyMap(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)), width: 80, height: 24, platform: p}
	return &watchModel{c: c, cancel: cancel, page: newWatchPage(c, mon, o)}
}

func (m *watchModel) Init() tea.Cmd { return m.page.start() }

func (m *watchModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.c.shared(msg, m.cancel); ok {
		return m, cmd
	}
	if k, ok := msg.(tea.KeyMsg); ok {
		if cmd, handled := m.c.quitKey(k, &m.confirm, m.page.busy); handled {
			return m, cmd
		}
		if m.c.helpKey(k, false) {
			return m, nil
		}
		if key.Matches(k, m.c.keys.Back) {
			return m, quit
		}
	}
	return m, m.page.update(msg)
}

func (m *watchModel) View() string {
	if m.c.tooSmall() {
		return m.c.frame("", "", "")
	}
	// The foot is drawn first: the body gives up the rows it takes.
	foot := m.c.footHelp(m.page.help(), false)
	return m.c.frame(m.page.title(), m.page.view(), foot)
}

// RunWatch shows the monitor full screen until the user quits.
func RunWatch(ctx context.Context, deps Deps, mon Monitorer, p Platform, o WatchOptions, in io.Reader, out io.Writer) error {
	m := newWatchModel(ctx, deps, mon, p, o)
	defer m.cancel()
	err := runProgram(ctx, "monitor", m, in, out)
	if err == ErrQuit {
		return nil
	}
	return err
}

// WatchText writes one refresh as plain lines, for accessible mode and for output that is not a
// terminal: the same figures as the full-screen view, numbers instead of charts.
func WatchText(w io.Writer, s flow.Snapshot) {
	say := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	say("Monitor at %s UTC", s.Time.UTC().Format("2006-01-02 15:04:05"))
	if s.Stale && s.StaleSince != nil {
		say("Cannot refresh since %s UTC: %s. The figures below are the last ones read.", s.StaleSince.UTC().Format("15:04:05"), clean(firstLine(s.Error)))
	}
	if s.FlowID == "" {
		for _, n := range s.Notes {
			say("%s", n)
		}
		return
	}
	say("Dataflow %s (%s): %s.", clean(s.FlowName), s.FlowID, s.State)
	if s.LastRun != nil {
		say("Last run: %s.", s.LastRun.Status)
	}
	if s.LastEventAt != nil {
		say("Last event: %s UTC, %s ago.", s.LastEventAt.UTC().Format("15:04:05"), ago(s.Time.Sub(*s.LastEventAt)))
	} else {
		say("Last event: none in the last hour.")
	}
	if s.Quiet {
		say("Warning: nothing has arrived for longer than %s.", ago(time.Duration(s.QuietAfter)*time.Second))
	}
	say("Last hour: received %d, ingested %d, failed %d.", s.Received, s.Ingested, s.Failed)
	say("Received per minute, last 10 minutes, oldest first (failed in brackets): %s.", minuteNumbers(s, 10))
	for _, b := range s.ByTypeMetric {
		say("Type %s %s: ingested %d, failed %d.", clean(b.ObjectType), clean(b.Metric), b.Ingested, b.Failed)
	}
	for _, e := range s.LastEvents {
		verdict := "accepted"
		if !e.Accepted {
			verdict = "rejected: " + clean(e.Reason)
		}
		say("Event %s UTC %s %s %s.", e.Time.UTC().Format("15:04:05"), clean(e.ObjectType), clean(e.Metric), verdict)
	}
	for _, n := range s.Notes {
		say("Note: %s.", n)
	}
	if len(s.Alerts) > 0 {
		say("Alerts subscribed: %s.", strings.Join(s.Alerts, ", "))
	}
}
