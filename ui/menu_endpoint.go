package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// endpointPage is setup's done screen for the existing dataflow: the URL in full, c to copy, the
// Customer.io instructions and any done-screen actions (send a test event …).
type endpointPage struct {
	m    *menuModel
	done *doneStep
}

func newEndpointPage(m *menuModel) *endpointPage {
	df := m.df
	m.c.result = df.Result()
	m.c.plan.Sandbox, m.c.plan.Events = df.Sandbox, m.eventsOrAll()
	// The done step's enter saves the profile after a setup; here nothing changed, so it is not entered.
	return &endpointPage{m: m, done: newDone(m.c)}
}

func (p *endpointPage) title() string { return "Endpoint" }
func (p *endpointPage) ownsEsc() bool { return false }
func (p *endpointPage) busy() bool    { return false }

func (p *endpointPage) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyEnter {
		return p.m.home("") // on the done screen enter ends the wizard; here the menu is where one goes back to
	}
	if p.m.df.InletURL == "" {
		return nil
	}
	return p.done.update(msg)
}

func (p *endpointPage) view() string {
	if p.m.df.InletURL == "" {
		return p.m.c.st.warn.Render("Flow Service has not provisioned this dataflow's endpoint yet.") + "\n\n" +
			p.m.c.para("Adobe provisions the streaming endpoint shortly after a dataflow is created. Look again in a few minutes: esc, then Show the endpoint.")
	}
	return p.done.view()
}

func (p *endpointPage) help() []key.Binding {
	if p.m.df.InletURL == "" {
		return nil
	}
	return p.done.help()
}

// togglePage enables or disables the dataflow. Disabling asks first: Customer.io's deliveries fail
// while the endpoint refuses them.
type togglePage struct {
	m      *menuModel
	enable bool
	state  loadState // idle = asking
	err    error
	ticket int
}

func newTogglePage(m *menuModel) *togglePage { return &togglePage{m: m, enable: !m.df.Enabled()} }

func (p *togglePage) title() string {
	if p.enable {
		return "Enable"
	}
	return "Disable"
}
func (p *togglePage) ownsEsc() bool { return false }
func (p *togglePage) busy() bool    { return p.state == loadWorking }

// start enables at once; disabling waits for y.
func (p *togglePage) start() tea.Cmd {
	if !p.enable {
		return nil
	}
	return p.run()
}

func (p *togglePage) run() tea.Cmd {
	p.state, p.err = loadWorking, nil
	p.ticket = p.m.c.ticket()
	ctx, rc, df, on := p.m.c.ctx, p.m.rc, *p.m.df, p.enable
	return do(p.ticket, func() (flow.Dataflow, error) { return rc.SetEnabled(ctx, df, on) })
}

func (p *togglePage) update(msg tea.Msg) tea.Cmd {
	k := p.m.c.keys
	switch msg := msg.(type) {
	case doneMsg[flow.Dataflow]:
		if msg.ticket != p.ticket {
			return nil
		}
		if msg.err != nil {
			p.state, p.err = loadFailed, msg.err
			return nil
		}
		p.state = loadDone
		df := msg.val
		p.m.df = &df
		if df.Enabled() {
			return p.m.home("✓ The dataflow is enabled: its endpoint accepts Customer.io events again.")
		}
		return p.m.home("✓ The dataflow is disabled: its endpoint refuses events until you enable it. Customer.io logs the refused deliveries.")
	case tea.KeyMsg:
		switch {
		case p.state == loadIdle && key.Matches(msg, k.Yes):
			return p.run()
		case p.state == loadIdle && msg.String() == "n":
			return p.m.home("")
		case p.state == loadFailed && key.Matches(msg, k.Retry):
			return p.run()
		}
	}
	return nil
}

func (p *togglePage) view() string {
	c := p.m.c
	name := clean(p.m.df.Name)
	switch p.state {
	case loadWorking:
		if p.enable {
			return c.busy("Enabling " + name + "…")
		}
		return c.busy("Disabling " + name + "…")
	case loadFailed:
		return c.errText(p.err) + "\n\nPress r to try again."
	}
	return c.st.boxTitle.Render("Disable "+name+"?") + "\n\n" +
		c.para("Its endpoint will refuse events until you enable it again, and Customer.io will log each refused delivery. Nothing is deleted: the mapping, dataset and URL stay as they are.")
}

func (p *togglePage) help() []key.Binding {
	k := p.m.c.keys
	switch p.state {
	case loadIdle:
		return []key.Binding{key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "disable")), key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "keep it on"))}
	case loadFailed:
		return []key.Binding{k.Retry}
	}
	return nil
}
