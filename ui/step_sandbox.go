package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// loadState is the explicit sub-state of a step's async load (crush's idle → working → done | failed).
type loadState int

const (
	loadIdle loadState = iota
	loadWorking
	loadDone
	loadFailed
)

// sandboxStep lists the credential's active sandboxes with the default one highlighted.
type sandboxStep struct {
	c         *common
	list      *pickList
	sandboxes []flow.Sandbox
	state     loadState
	err       error
	gen       int // the engine the list came from
	ticket    int
}

func newSandbox(c *common) *sandboxStep {
	return &sandboxStep{c: c, list: newPickList(c, false)}
}

func (s *sandboxStep) title() string { return "Sandbox" }

func (s *sandboxStep) ownsEsc() bool { return s.list.capturing() }

func (s *sandboxStep) enter() tea.Cmd {
	if s.gen == s.c.engineGen && s.state != loadFailed {
		return nil
	}
	return s.load()
}

func (s *sandboxStep) load() tea.Cmd {
	s.gen = s.c.engineGen
	s.state, s.err = loadWorking, nil
	s.list.reset()
	s.ticket = s.c.ticket()
	ctx, e := s.c.ctx, s.c.engine
	return do(s.ticket, func() ([]flow.Sandbox, error) { return e.Sandboxes(ctx) })
}

func (s *sandboxStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[[]flow.Sandbox]:
		if msg.ticket != s.ticket {
			return nil
		}
		if msg.err != nil {
			s.state, s.err = loadFailed, msg.err
			return nil
		}
		s.state, s.sandboxes = loadDone, msg.val
		pick := 0
		for i, sb := range msg.val {
			detail := sb.Type
			if sb.Default {
				detail += ", default"
			}
			s.list.add(listItem{title: sb.Title + " (" + sb.Name + ")", detail: detail})
			if sb.Name == s.c.plan.Sandbox || (s.c.plan.Sandbox == "" && sb.Default) {
				pick = i
			}
		}
		s.list.selectIndex(pick)
	case tea.KeyMsg:
		k := s.c.keys
		switch {
		case s.emptyOrFailed() && key.Matches(msg, k.Retry):
			return s.load()
		case s.state == loadDone && key.Matches(msg, k.Next) && !s.list.filtering:
			if i := s.list.current(); i >= 0 {
				s.c.plan.Sandbox = s.sandboxes[i].Name
				return s.c.advance()
			}
		default:
			_, cmd := s.list.update(msg)
			return cmd
		}
	}
	return nil
}

func (s *sandboxStep) view() string {
	var b strings.Builder
	b.WriteString("Which sandbox should the dataflow live in?\n\n")
	switch s.state {
	case loadWorking:
		b.WriteString(s.c.busy("Loading sandboxes…"))
	case loadFailed:
		b.WriteString(s.c.errText(s.err) + "\n\nPress r to try again.")
	case loadDone:
		if len(s.sandboxes) == 0 {
			b.WriteString(s.c.st.warn.Render("This credential cannot use any active sandbox.") + "\n" +
				s.c.para("Add it to a role with sandbox access (Adobe Admin Console → Permissions → Roles), then press r to look again."))
			break
		}
		b.WriteString(s.list.view(s.c.bodyWidth(), s.c.bodyHeight()-3))
	}
	return b.String()
}

func (s *sandboxStep) help() []key.Binding {
	k := s.c.keys
	switch {
	case s.emptyOrFailed():
		return []key.Binding{k.Retry}
	case s.list.filtering:
		return []key.Binding{k.ClearFilter}
	case s.state == loadDone:
		return []key.Binding{k.Move, k.Filter, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose"))}
	}
	return nil
}

// emptyOrFailed is when r (look again) is the only useful key.
func (s *sandboxStep) emptyOrFailed() bool {
	return s.state == loadFailed || (s.state == loadDone && len(s.sandboxes) == 0)
}
