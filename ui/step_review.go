package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cioaep/cioaep/flow"
)

// reviewStep shows the pipeline that is about to exist and what will be created or reused.
type reviewStep struct {
	c         *common
	state     loadState
	err       error
	loadedFor string
	ticket    int
	scroll    scroller
}

func newReview(c *common) *reviewStep { return &reviewStep{c: c} }

func (s *reviewStep) title() string { return "Review" }

func (s *reviewStep) ownsEsc() bool { return false }

func (s *reviewStep) enter() tea.Cmd {
	if k := fmt.Sprintf("%d %+v", s.c.engineGen, s.c.plan); k != s.loadedFor || s.state == loadFailed {
		s.loadedFor = k
		return s.load()
	}
	return nil
}

func (s *reviewStep) load() tea.Cmd {
	s.state, s.err = loadWorking, nil
	s.ticket = s.c.ticket()
	ctx, e, plan := s.c.ctx, s.c.engine, s.c.plan
	return do(s.ticket, func() ([]flow.PlannedStep, error) { return e.Review(ctx, plan) })
}

func (s *reviewStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[[]flow.PlannedStep]:
		if msg.ticket == s.ticket {
			s.state, s.err = doneState(msg.err), msg.err
			s.c.planned = msg.val
		}
	case tea.KeyMsg:
		switch {
		case s.state == loadFailed && key.Matches(msg, s.c.keys.Retry):
			return s.load()
		case s.state == loadDone && key.Matches(msg, s.c.keys.Next):
			return s.c.advance()
		default:
			s.scroll.key(msg, s.c.keys)
		}
	}
	return nil
}

// pipeline draws Customer.io → endpoint → mapping → dataset/schema, across when it fits, else down.
func (s *reviewStep) pipeline() string {
	st := s.c.st
	p := s.c.plan
	dataset, schema := "", ""
	switch p.Destination.Kind {
	case flow.ExistingDataset:
		dataset, schema = "existing dataset", "its schema"
	case flow.NewDataset:
		dataset, schema = "new: "+clean(p.Destination.DatasetName), "existing schema"
	case flow.NewSchema:
		dataset, schema = "new: "+clean(p.Destination.DatasetName), "new Customer.io schema"
	}
	boxes := [][2]string{
		{"Customer.io", fmt.Sprintf("%d event types", len(p.Events))},
		{"Endpoint", "streaming inlet"},
		{"Mapping", fmt.Sprintf("%d rules", len(p.Mapping))},
		{"Dataset", dataset + "\n" + schema},
	}
	var drawn []string
	for _, b := range boxes {
		drawn = append(drawn, st.box.Render(st.boxTitle.Render(b[0])+"\n"+st.subtle.Render(b[1])))
	}
	across := []string{drawn[0]}
	for _, d := range drawn[1:] {
		across = append(across, "\n ──▶ ", d)
	}
	if pic := lipgloss.JoinHorizontal(lipgloss.Top, across...); lipgloss.Width(pic) <= s.c.bodyWidth() {
		return pic
	}
	var down []string
	for i, b := range boxes {
		if i > 0 {
			down = append(down, "  ↓")
		}
		down = append(down, st.boxTitle.Render(b[0])+"  "+st.subtle.Render(strings.ReplaceAll(b[1], "\n", " · ")))
	}
	return strings.Join(down, "\n")
}

func (s *reviewStep) view() string {
	st := s.c.st
	var b strings.Builder
	b.WriteString(s.pipeline() + "\n\n")
	switch s.state {
	case loadWorking:
		b.WriteString(s.c.busy("Working out what exists already…"))
	case loadFailed:
		b.WriteString(s.c.errText(s.err) + "\n\nPress r to try again.")
	case loadDone:
		if s.c.plan.Options.ProfileEnabled {
			// Adobe's Platform tutorials: "Once a schema is enabled for Profile, it cannot be disabled or
			// deleted. Also, fields cannot be removed from the schema after this point."
			b.WriteString(s.c.mark(st.warn, "!", "Enable for Profile also enables the schema for Profile, which cannot be undone: Adobe then lets no one disable or delete the schema, or remove its fields.") + "\n\n")
		}
		// Three aligned columns; a long name (a schema's title) wraps inside the last one.
		for _, p := range s.c.planned {
			action := st.accent.Render(fmt.Sprintf("%-7s", p.Action))
			if p.Action == "reuse" {
				action = st.subtle.Render(fmt.Sprintf("%-7s", p.Action))
			}
			b.WriteString(hang("  "+action+fmt.Sprintf("%-20s", clean(p.Name)), clean(p.Detail), s.c.bodyWidth()-1, st.subtle) + "\n")
		}
		o := s.c.plan.Options
		profile := onOff(o.ProfileEnabled)
		if s.c.plan.Destination.Kind == flow.ExistingDataset {
			profile = "as the dataset is"
		}
		b.WriteString("\n" + st.subtle.Render(s.c.para(fmt.Sprintf("sandbox %s · Profile %s · error diagnostics %s · partial ingestion %s",
			clean(s.c.plan.Sandbox), profile, onOff(o.ErrorDiagnostics), partialText(o.PartialIngestionPercent)))))
	}
	return s.scroll.view(b.String(), s.c.bodyHeight())
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func partialText(pct int) string {
	if pct == 0 {
		return "off"
	}
	return fmt.Sprintf("%d%%", pct)
}

func (s *reviewStep) help() []key.Binding {
	switch s.state {
	case loadFailed:
		return []key.Binding{s.c.keys.Retry}
	case loadDone:
		return s.scroll.help(s.c.keys, []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "create"))})
	}
	return nil
}
