package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// welcomeStep says what will happen and what is needed, and picks the platform unless --local did.
type welcomeStep struct {
	c      *common
	choice *pickList
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

func (s *welcomeStep) enter() tea.Cmd { return nil }

func (s *welcomeStep) ownsEsc() bool { return false }

func (s *welcomeStep) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
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
	// On a short terminal the list of what will happen gives way to the choice that must be made.
	if s.c.bodyHeight() < 20 {
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
		b.WriteString("Platform: " + st.accent.Render("local platform") + st.subtle.Render(" (--local): no Adobe account needed.") + "\n")
		return b.String()
	}
	b.WriteString(st.subtle.Render(s.c.para("For Adobe you need an OAuth Server-to-Server credential from Developer Console: organization ID, client ID, client secret and scopes.")) + "\n\n")
	b.WriteString("Where should the dataflow live?\n")
	b.WriteString(s.choice.view(s.c.bodyWidth(), 2))
	return b.String()
}

func (s *welcomeStep) help() []key.Binding {
	if s.c.deps.Local {
		return []key.Binding{s.c.keys.Next}
	}
	return []key.Binding{s.c.keys.Move, s.c.keys.Next}
}
