package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// createStep runs the plan and shows every apply step with its state and time. A failure offers retry,
// which resumes from the journal, or quit, which leaves the journal for the next run.
type createStep struct {
	c      *common
	state  loadState
	steps  []flow.Step
	err    error
	cancel context.CancelFunc
	ticket int
}

func newCreate(c *common) *createStep { return &createStep{c: c} }

func (s *createStep) title() string { return "Create" }

// ownsEsc: there is no going back while the platform is being changed, nor after it has been.
func (s *createStep) ownsEsc() bool { return s.state == loadWorking || s.state == loadDone }

func (s *createStep) running() bool { return s.state == loadWorking }

func (s *createStep) enter() tea.Cmd { return s.start() }

func (s *createStep) start() tea.Cmd {
	s.state, s.err = loadWorking, nil
	s.steps = s.steps[:0]
	for _, p := range s.c.planned {
		s.steps = append(s.steps, flow.Step{Name: p.Name})
	}
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	s.ticket = s.c.ticket()
	e, plan := s.c.engine, s.c.plan
	return stream(ctx, s.ticket, func(ctx context.Context, emit func(flow.Step)) (flow.Result, error) {
		return e.Apply(ctx, plan, emit)
	})
}

func (s *createStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case partMsg[flow.Step]:
		if msg.ticket != s.ticket {
			return nil
		}
		s.record(msg.part)
		return msg.next
	case doneMsg[flow.Result]:
		if msg.ticket != s.ticket {
			return nil
		}
		s.cancel()
		if msg.err != nil {
			s.state, s.err = loadFailed, msg.err
			return nil
		}
		s.state = loadDone
		s.c.result = msg.val
		return s.c.advance()
	case tea.KeyMsg:
		if s.state != loadFailed {
			return nil
		}
		switch {
		case key.Matches(msg, s.c.keys.Retry):
			return s.start()
		case key.Matches(msg, s.c.keys.QuitDone):
			return quit
		}
	}
	return nil
}

// record updates a step in place, or adds one the review did not list.
func (s *createStep) record(st flow.Step) {
	for i := range s.steps {
		if s.steps[i].Name == st.Name {
			s.steps[i] = st
			return
		}
	}
	s.steps = append(s.steps, st)
}

func (s *createStep) view() string {
	st := s.c.st
	var lines []string
	focus := 0
	for i, step := range s.steps {
		var icon, state string
		switch step.State {
		case flow.StepWaiting:
			icon, state = st.subtle.Render("·"), st.subtle.Render("waiting")
		case flow.StepRunning:
			icon, state = s.c.spin.View(), "running"
			focus = i
		case flow.StepDone:
			icon, state = st.ok.Render("✓"), step.Outcome()
		case flow.StepReused:
			icon, state = st.ok.Render("✓"), "reused"
		case flow.StepFailed:
			icon, state = st.err.Render("✗"), st.err.Render("failed")
			focus = i
		}
		line := fmt.Sprintf("%s %-20s %-8s", icon, clean(step.Name), state)
		if step.Elapsed > 0 && step.State != flow.StepWaiting {
			line += st.subtle.Render(fmt.Sprintf(" %6s", step.Elapsed.Round(10*time.Millisecond)))
		}
		if step.ResourceID != "" {
			line += st.subtle.Render("  " + clean(step.ResourceID))
		}
		lines = append(lines, line)
	}
	head := "Creating the dataflow…"
	var foot string
	switch s.state {
	case loadFailed:
		head = st.err.Render("The dataflow could not be finished.")
		foot = "\n" + s.c.errText(s.err) + "\n" + s.c.para("Press r to retry from where it stopped, or q to quit.")
	case loadDone:
		head = st.ok.Render("✓ Created.")
	}
	return head + "\n\n" + strings.Join(window(lines, focus, s.c.bodyHeight()-7), "\n") + foot
}

func (s *createStep) help() []key.Binding {
	if s.state == loadFailed {
		return []key.Binding{s.c.keys.Retry, s.c.keys.QuitDone}
	}
	return nil
}
