package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// welcomeStep says what will happen and what is needed, and picks the platform unless --local did. When
// the profile holds an unfinished setup it says so first: enter resumes it, d discards it.
type welcomeStep struct {
	c      *common
	choice *pickList

	unfinished *flow.Unfinished // nil: none (or not known yet)
	discarded  bool
	discarding bool
	err        error
	ticket     int
}

// discardKey sets an unfinished setup aside.
var discardKey = key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "discard it"))

// unfinishedFound is the welcome step's look at the journal.
type unfinishedFound struct {
	u  flow.Unfinished
	ok bool
}

func newWelcome(c *common) *welcomeStep {
	l := newPickList(c, false)
	l.add(listItem{title: "Adobe Experience Platform", detail: "your organisation"},
		listItem{title: "Local platform", detail: "practise on this machine, no account needed"})
	if c.platform == Local {
		l.cursor = 1
	}
	return &welcomeStep{c: c, choice: l}
}

func (s *welcomeStep) title() string { return "Welcome" }

func (s *welcomeStep) enter() tea.Cmd {
	dir := s.c.deps.StateDir
	if dir == "" || s.unfinished != nil || s.discarded {
		return nil
	}
	s.ticket = s.c.ticket()
	return do(s.ticket, func() (unfinishedFound, error) {
		u, ok, err := flow.FindUnfinished(dir)
		return unfinishedFound{u, ok}, err
	})
}

func (s *welcomeStep) ownsEsc() bool { return false }

func (s *welcomeStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[unfinishedFound]:
		if msg.ticket == s.ticket {
			s.err = msg.err
			if msg.val.ok {
				s.unfinished = &msg.val.u
			}
		}
		return nil
	case doneMsg[struct{}]:
		if msg.ticket == s.ticket {
			s.discarding, s.err = false, msg.err
			s.discarded = msg.err == nil
		}
		return nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok || s.discarding {
		return nil
	}
	if s.unfinished != nil && !s.discarded && key.Matches(k, discardKey) {
		s.discarding, s.err = true, nil
		s.ticket = s.c.ticket()
		dir := s.c.deps.StateDir
		return do(s.ticket, func() (struct{}, error) { return struct{}{}, flow.DiscardUnfinished(dir) })
	}
	if key.Matches(k, s.c.keys.Next) {
		if !s.c.deps.Local {
			s.c.platform = Platform(s.choice.current())
		}
		return s.c.advance()
	}
	if !s.c.deps.Local {
		s.choice.update(k)
	}
	return nil
}

func (s *welcomeStep) view() string {
	st := s.c.st
	var b strings.Builder
	b.WriteString(st.boxTitle.Render("Connect Customer.io to Adobe Experience Platform") + "\n\n")
	intro := "This wizard creates a streaming dataflow in Experience Platform and gives you the webhook URL to paste into Customer.io's Reporting Webhooks."
	if s.err != nil {
		b.WriteString(s.c.errText(s.err) + "\n\n")
	}
	// On a short terminal, or with an unfinished setup to decide about, the list of what will happen
	// gives way to the choices that must be made.
	if s.unfinished != nil {
		b.WriteString(s.c.resumeBox(*s.unfinished, s.discarded) + "\n")
	} else if s.c.bodyHeight() < 20 {
		b.WriteString(s.c.para(intro) + "\n\n")
	} else {
		b.WriteString(s.c.para(intro+" It will:") + "\n\n")
		for _, l := range []string{
			"check your credentials and pick a sandbox",
			"choose the Customer.io events to send",
			"choose or create the dataset (and schema) they land in",
			"map Customer.io fields to the schema, with a live preview",
			"create the dataflow and show the URL",
		} {
			b.WriteString("  • " + l + "\n")
		}
		b.WriteString("\n")
	}
	if s.c.deps.Local {
		b.WriteString(s.c.para("Platform: "+st.accent.Render("local platform")+st.subtle.Render(" (--local): no Adobe account needed.")) + "\n")
		return b.String()
	}
	b.WriteString(st.subtle.Render(s.c.para("For Adobe you need an OAuth Server-to-Server credential from Developer Console: organization ID, client ID, client secret and scopes.")) + "\n\n")
	b.WriteString("Where should the dataflow live?\n")
	b.WriteString(s.choice.view(s.c.bodyWidth(), 2))
	return b.String()
}

func (s *welcomeStep) help() []key.Binding {
	var keys []key.Binding
	if !s.c.deps.Local {
		keys = append(keys, s.c.keys.Move)
	}
	if s.unfinished != nil && !s.discarded {
		return append(keys, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "resume it")), discardKey)
	}
	keys = append(keys, s.c.keys.Next)
	return keys
}
