package ui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// eventsPage changes the Customer.io object types: setup's events step with the recorded types ticked,
// then what Customer.io's webhook must subscribe to and which mapping rules the choice leaves idle.
type eventsPage struct {
	m      *menuModel
	step   *eventsStep
	state  loadState // idle = choosing
	change flow.EventsChange
	err    error
	scroll scroller
	ticket int
}

func newEventsPage(m *menuModel) *eventsPage {
	step := newEvents(m.c)
	if m.events != nil {
		for i, o := range flow.Catalog {
			step.list.chosen[i] = slices.Contains(m.events, o.Name)
		}
	}
	return &eventsPage{m: m, step: step}
}

func (p *eventsPage) title() string { return "Customer.io events" }

func (p *eventsPage) ownsEsc() bool { return p.state == loadIdle && p.step.ownsEsc() }

func (p *eventsPage) busy() bool { return p.state == loadWorking }

func (p *eventsPage) run() tea.Cmd {
	p.state, p.err = loadWorking, nil
	p.ticket = p.m.c.ticket()
	ctx, rc, df, events := p.m.c.ctx, p.m.rc, *p.m.df, slices.Clone(p.m.c.plan.Events)
	return do(p.ticket, func() (flow.EventsChange, error) { return rc.ChangeEvents(ctx, df, events) })
}

func (p *eventsPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[flow.EventsChange]:
		if msg.ticket != p.ticket {
			return nil
		}
		if msg.err != nil {
			p.state, p.err = loadFailed, msg.err
			return nil
		}
		p.state, p.change = loadDone, msg.val
		p.m.events = msg.val.After
		return nil
	case tea.KeyMsg:
		k := p.m.c.keys
		switch p.state {
		case loadIdle:
			cmd := p.step.update(msg)
			if p.m.c.forward {
				p.m.c.forward = false
				return tea.Batch(cmd, p.run())
			}
			return cmd
		case loadDone:
			if key.Matches(msg, k.Next) {
				return p.m.home("✓ Customer.io events recorded: " + strings.Join(p.change.After, ", ") + ".")
			}
			p.scroll.key(msg, k)
		case loadFailed:
			if key.Matches(msg, k.Retry) {
				return p.run()
			}
		}
		return nil
	}
	if p.state == loadIdle {
		return p.step.update(msg)
	}
	return nil
}

func (p *eventsPage) view() string {
	c := p.m.c
	st := c.st
	switch p.state {
	case loadIdle:
		return p.step.view()
	case loadWorking:
		return c.busy("Recording the event types…")
	case loadFailed:
		return c.errText(p.err) + "\n\nPress r to try again."
	}
	ch := p.change
	var b strings.Builder
	b.WriteString(c.mark(st.ok, "✓", "Recorded: "+strings.Join(ch.After, ", ")+".") + "\n")
	if len(ch.Added) > 0 {
		b.WriteString(st.ok.Render("+ ") + "added " + strings.Join(ch.Added, ", ") + "\n")
	}
	if len(ch.Removed) > 0 {
		b.WriteString(st.err.Render("- ") + "removed " + strings.Join(ch.Removed, ", ") + "\n")
	}
	b.WriteString("\n" + c.para("Adobe needs no change: the Customer.io source takes every event type on the same endpoint. What changes is the webhook in Customer.io:") + "\n")
	b.WriteString(c.numbered([]string{
		"Open Data & Integrations → Integrations → Reporting Webhooks, and the webhook that posts to this dataflow's URL.",
		"Tick exactly these events: " + strings.Join(ch.Subscriptions, ", ") + ".",
		"Click Save.",
	}))
	if len(ch.Idle) > 0 {
		b.WriteString("\n" + c.mark(st.warn, "!", "No "+strings.Join(ch.After, "/")+" event carries these fields, so their targets stay empty:") + "\n")
		for _, r := range ch.Idle {
			b.WriteString("  " + clean(r.Destination) + st.subtle.Render(" ← "+sourceText(r)) + "\n")
		}
		b.WriteString(c.para("That is only a warning: events still arrive. Change the mapping if those targets matter.") + "\n")
	}
	return p.scroll.view(b.String(), c.bodyHeight())
}

func (p *eventsPage) help() []key.Binding {
	switch p.state {
	case loadIdle:
		return p.step.help()
	case loadFailed:
		return []key.Binding{p.m.c.keys.Retry}
	case loadDone:
		return p.scroll.help(p.m.c.keys, []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "menu"))})
	}
	return nil
}
