package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// probed is what the menu finds on start: the profile's dataflow (with its recorded event types), or the
// sandbox's Customer.io dataflows it could adopt.
type probed struct {
	unfinished bool // the journal holds a setup that never finished: the wizard offers to resume it
	df         *flow.Dataflow
	gone       string
	found      []flow.Dataflow
	events     []string
}

// probePage looks for the profile's dataflow, then hands over to the menu, the adopt table or setup. An
// unfinished setup goes to the setup wizard, whose first screen offers to resume it.
type probePage struct {
	m      *menuModel
	state  loadState
	err    error
	ticket int
}

func newProbePage(m *menuModel) *probePage { return &probePage{m: m} }

func (p *probePage) title() string { return "Looking" }
func (p *probePage) ownsEsc() bool { return false }
func (p *probePage) busy() bool    { return false }

func (p *probePage) start() tea.Cmd {
	p.state, p.err = loadWorking, nil
	p.ticket = p.m.c.ticket()
	ctx, rc := p.m.c.ctx, p.m.rc
	return do(p.ticket, func() (probed, error) {
		var out probed
		_, unfinished, err := flow.FindUnfinished(rc.StateDir())
		if err != nil || unfinished {
			out.unfinished = unfinished
			return out, err
		}
		events, _, err := flow.LoadEvents(rc.StateDir())
		if err != nil {
			return out, err
		}
		out.events = events
		df, found, gone, err := rc.Current(ctx)
		if err != nil {
			return out, err
		}
		if found {
			out.df = &df
			return out, nil
		}
		out.gone = gone
		out.found, err = rc.Discover(ctx, "")
		return out, err
	})
}

func (p *probePage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[probed]:
		if msg.ticket != p.ticket {
			return nil
		}
		if msg.err != nil {
			p.state, p.err = loadFailed, msg.err
			return nil
		}
		m, v := p.m, msg.val
		m.events = v.events
		switch {
		case v.unfinished:
			return m.startSetup()
		case v.df != nil:
			m.df = v.df
			return m.home("")
		case len(v.found) == 0 && m.opts.SetupWhenNone && v.gone == "":
			return m.startSetup()
		}
		m.page = newAdoptPage(m, v.found, v.gone)
	case tea.KeyMsg:
		switch {
		case p.state == loadFailed && key.Matches(msg, p.m.c.keys.Retry):
			return p.start()
		case p.state == loadFailed && msg.String() == "s":
			// The saved credentials may be what failed: setup asks for them again.
			return p.m.startSetup()
		}
	}
	return nil
}

func (p *probePage) view() string {
	if p.state == loadFailed {
		return "Looking for this profile's Customer.io dataflow\n\n" + p.m.c.errText(p.err) + "\n\n" +
			p.m.c.para("Press r to try again, or s to go through setup, which checks the credentials again.")
	}
	return "Looking for this profile's Customer.io dataflow\n\n" + p.m.c.busy("Reading the dataflow from the platform…")
}

func (p *probePage) help() []key.Binding {
	if p.state == loadFailed {
		return []key.Binding{p.m.c.keys.Retry, key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "setup"))}
	}
	return nil
}

// adoptPage lists the sandbox's Customer.io dataflows when the profile has none recorded (it was set up
// on another machine, or its journal was lost): adopt one, or start a new setup.
type adoptPage struct {
	m        *menuModel
	found    []flow.Dataflow
	gone     string
	list     *pickList
	adopting bool
	err      error
	ticket   int
}

func newAdoptPage(m *menuModel, found []flow.Dataflow, gone string) *adoptPage {
	p := &adoptPage{m: m, found: found, gone: gone, list: newPickList(m.c, false)}
	// A new setup comes first, so enter never adopts a dataflow another profile or person set up: that
	// takes moving to it on purpose.
	p.list.add(listItem{title: "Start a new setup", detail: "a new dataflow, dataset and endpoint"})
	nameW, dsW := p.widths()
	for _, df := range found {
		p.list.add(listItem{title: adoptRow(df, nameW, dsW)})
	}
	return p
}

// widths are the name and dataset columns: what the body has left after state and last activity.
func (p *adoptPage) widths() (int, int) {
	w := max(p.m.c.bodyWidth()-2-2-10-18, 20)
	return w * 3 / 5, w - w*3/5
}

// adoptRow is one line of the table; the cells are cleaned here because they are padded to columns.
func adoptRow(df flow.Dataflow, nameW, dsW int) string {
	ds := df.DatasetName
	if ds == "" {
		ds = "(dataset " + df.DatasetID + " is gone)"
	}
	return fmt.Sprintf("%-*s %-*s %-9s %s", nameW-1, fit(clean(df.Name), nameW-1), dsW-1, fit(clean(ds), dsW-1),
		df.State, lastActivity(df))
}

// lastActivity says when the newest run started, in UTC so the table reads the same on every machine.
func lastActivity(df flow.Dataflow) string {
	t := df.LastActivity()
	if t.IsZero() {
		return "no runs yet"
	}
	return t.UTC().Format(time.DateOnly + " 15:04")
}

func (p *adoptPage) title() string {
	if len(p.found) == 0 {
		return "No dataflow"
	}
	return "Adopt"
}
func (p *adoptPage) ownsEsc() bool { return p.list.capturing() }
func (p *adoptPage) busy() bool    { return p.adopting }

func (p *adoptPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[flow.Result]:
		if msg.ticket != p.ticket {
			return nil
		}
		p.adopting = false
		if msg.err != nil {
			p.err = msg.err
			return nil
		}
		df := p.found[p.list.current()-1]
		p.m.df = &df
		return p.m.home("✓ This profile now manages " + clean(df.Name) + ": status, endpoint and send-test use it.")
	case tea.KeyMsg:
		if p.adopting {
			return nil
		}
		if key.Matches(msg, p.m.c.keys.Next) && !p.list.filtering {
			i := p.list.current()
			switch {
			case i < 0:
				return nil
			case i == 0:
				return p.m.startSetup()
			}
			p.adopting, p.err = true, nil
			p.ticket = p.m.c.ticket()
			ctx, rc, df := p.m.c.ctx, p.m.rc, p.found[i-1]
			return do(p.ticket, func() (flow.Result, error) { return rc.Adopt(ctx, df) })
		}
		_, cmd := p.list.update(msg)
		return cmd
	}
	return nil
}

func (p *adoptPage) view() string {
	st := p.m.c.st
	var b strings.Builder
	sandbox := p.m.opts.Sandbox
	if len(p.found) > 0 {
		sandbox = p.found[0].Sandbox
	}
	if p.gone != "" {
		b.WriteString(p.m.c.mark(st.warn, "!", "The dataflow "+clean(p.gone)+" this profile set up no longer exists.") + "\n")
	}
	if len(p.found) == 0 {
		b.WriteString(p.m.c.para(fmt.Sprintf("Sandbox %s has no Customer.io dataflow yet.", clean(sandbox))) + "\n\n")
	} else {
		b.WriteString(p.m.c.para(fmt.Sprintf("This profile has no dataflow recorded, but sandbox %s has %d Customer.io dataflow(s) that other profiles or people set up. Enter starts a new setup; to manage one of them from here instead, move to it and press enter (nothing on the platform changes, and this profile will never delete it).",
			clean(sandbox), len(p.found))) + "\n\n")
		nameW, dsW := p.widths()
		b.WriteString(st.subtle.Render(fmt.Sprintf("  %-*s %-*s %-9s %s", nameW-1, "Dataflow", dsW-1, "Dataset", "State", "Last activity")) + "\n")
	}
	b.WriteString(p.list.view(p.m.c.bodyWidth(), p.m.c.bodyHeight()-lineCount(b.String())-3))
	switch {
	case p.adopting:
		b.WriteString("\n\n" + p.m.c.busy("Adopting: recording what the dataflow is made of…"))
	case p.err != nil:
		b.WriteString("\n\n" + p.m.c.errText(p.err))
	}
	return b.String()
}

func lineCount(s string) int { return strings.Count(s, "\n") }

func (p *adoptPage) help() []key.Binding {
	k := p.m.c.keys
	if p.list.filtering {
		return []key.Binding{k.ClearFilter}
	}
	if p.adopting {
		return nil
	}
	return []key.Binding{k.Move, k.Filter, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose"))}
}

// The menu's actions, in the order they are listed.
const (
	actEndpoint = iota
	actMapping
	actEvents
	actMove
	actToggle
	actDelete
	actMonitor
)

// homePage is the menu: the dataflow in a few lines, then what can be done with it.
type homePage struct {
	m    *menuModel
	list *pickList
	note string
}

func newHomePage(m *menuModel, note string) *homePage {
	p := &homePage{m: m, list: newPickList(m.c, false), note: note}
	toggle := [2]string{"Disable the dataflow", "pause: the endpoint refuses events until enabled"}
	if !m.df.Enabled() {
		toggle = [2]string{"Enable the dataflow", "resume ingestion at the same endpoint"}
	}
	for i, a := range [][2]string{
		{"Show the endpoint", "the webhook URL to copy, and where it goes in Customer.io"},
		{"Change the mapping", "edit the rules, review the difference, save a new version"},
		{"Change the Customer.io events", "which object types the webhook sends"},
		{"Move to another dataset", "a new dataflow and endpoint; the old one is retired after"},
		toggle,
		{"Delete the dataflow", "review what cioaep made, then remove it"},
		{"Monitor", "watch events arrive: per minute, by type, rejected ones"},
	} {
		// Numbered, because 1-7 choose directly; padded, so the details form a column.
		p.list.add(listItem{title: fmt.Sprintf("%d  %-30s", i+1, a[0]), detail: a[1]})
	}
	return p
}

func (p *homePage) title() string { return "Menu" }
func (p *homePage) ownsEsc() bool { return false }
func (p *homePage) busy() bool    { return false }

func (p *homePage) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	if key.Matches(k, p.m.c.keys.QuitDone) {
		return quit
	}
	if key.Matches(k, p.m.c.keys.Next) {
		return p.m.open(p.list.current())
	}
	if s := k.String(); len(s) == 1 && s[0] >= '1' && s[0] <= '7' {
		p.list.cursor = int(s[0] - '1')
		return p.m.open(p.list.cursor)
	}
	p.note = ""
	if !key.Matches(k, p.m.c.keys.Filter) { // seven rows need no filter, and esc must stay "back"
		p.list.update(k)
	}
	return nil
}

// open starts an action of the menu.
func (m *menuModel) open(action int) tea.Cmd {
	switch action {
	case actEndpoint:
		pg := newEndpointPage(m)
		m.page = pg
		if m.df.InletURL == "" {
			return nil
		}
		return m.c.printURL("The webhook URL of "+clean(m.df.Name)+", for Customer.io:", m.df.WebhookURL())
	case actMapping:
		pg := newMappingPage(m)
		m.page = pg
		return pg.load()
	case actEvents:
		m.page = newEventsPage(m)
		return nil
	case actMove:
		pg := newMovePage(m)
		m.page = pg
		return pg.start()
	case actToggle:
		pg := newTogglePage(m)
		m.page = pg
		return pg.start()
	case actDelete:
		pg := newDeletePage(m)
		m.page = pg
		return pg.plan()
	case actMonitor:
		pg := newWatchPage(m.c, m.rc, m.c.deps.Watch)
		m.page = pg
		return pg.start()
	}
	return nil
}

func (p *homePage) view() string {
	st := p.m.c.st
	df := p.m.df
	state := st.ok.Render("● enabled")
	if !df.Enabled() {
		state = st.warn.Render("○ disabled") + st.subtle.Render(": the endpoint refuses events")
	}
	dataset := clean(df.DatasetName)
	if dataset == "" {
		dataset = st.warn.Render("dataset " + clean(df.DatasetID) + " no longer exists")
	}
	// A URL too long for the line is shown cut but is a hyperlink to the whole of it; 1 prints it whole.
	endpoint := linkText(df.WebhookURL(), fit(clean(df.WebhookURL()), p.m.c.bodyWidth()-10))
	if df.WebhookURL() == "" {
		endpoint = st.warn.Render("not provisioned yet: look again in a few minutes")
	}
	runs := "no runs yet"
	if len(df.Runs) > 0 {
		var in, out, failed int64
		for _, r := range df.Runs {
			in, out, failed = in+r.Input, out+r.Output, failed+r.Failed
		}
		runs = fmt.Sprintf("last %s · %d runs: %d in, %d out, %d failed", lastActivity(*df), len(df.Runs), in, out, failed)
	}
	events := "every type (none recorded)"
	if p.m.events != nil {
		events = strings.Join(p.m.events, ", ")
	}
	rows := [][2]string{
		{"Dataflow", clean(df.Name)},
		{"State", state},
		{"Dataset", dataset},
		{"Endpoint", endpoint},
		{"Mapping", fmt.Sprintf("version %d", df.MappingVersion)},
		{"Events", events},
		{"Activity", runs},
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(fit(st.subtle.Render(fmt.Sprintf("%-10s", r[0]))+r[1], p.m.c.bodyWidth()) + "\n")
	}
	b.WriteString("\nWhat would you like to do?\n")
	note := ""
	if p.note != "" {
		note = "\n\n" + p.m.c.para(p.note)
	}
	// The seven choices always show; room left over lets their descriptions wrap instead of being cut.
	room := p.m.c.bodyHeight() - lineCount(b.String()) - lineCount(note)
	b.WriteString(p.list.view(p.m.c.bodyWidth(), max(room, 7)))
	b.WriteString(note)
	return b.String()
}

func (p *homePage) help() []key.Binding {
	k := p.m.c.keys
	return []key.Binding{k.Move, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter/1-7", "choose")), k.QuitDone}
}
