package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// kindNames name journal kinds for people.
var kindNames = map[string]string{
	flow.KindFlow: "Dataflow", flow.KindTarget: "Target connection", flow.KindSource: "Source connection",
	flow.KindMapping: "Mapping set", flow.KindDataset: "Dataset", flow.KindSchema: "Schema",
	flow.KindFieldGroup: "Field group", flow.KindDescriptor: "Identity descriptor", flow.KindProfile: "Profile tag",
}

func kindName(kind string) string {
	if n, ok := kindNames[kind]; ok {
		return n
	}
	return kind
}

// resourceName is a resource's name, or its id when the journal has no name.
func resourceName(it flow.TeardownItem) string {
	if it.Name != "" {
		return clean(it.Name)
	}
	return clean(it.ID)
}

// teardownLines draws what Retire or Teardown did, one resource a line.
func (m *menuModel) teardownLines(parts []teardownPart) []string {
	st := m.c.st
	var out []string
	for _, p := range parts {
		line := fmt.Sprintf("%-18s %s", kindName(p.item.Kind), resourceName(p.item))
		switch {
		case p.err != nil:
			out = append(out, st.err.Render("✗ ")+line+st.err.Render("  "+clean(flow.Explain(p.err))))
		case p.item.Action == flow.ActionDelete:
			out = append(out, st.ok.Render("✓ ")+line+st.subtle.Render("  deleted"))
		default:
			out = append(out, st.ok.Render("✓ ")+line+st.subtle.Render("  "+clean(firstNonEmpty(p.item.Reason, "forgotten"))))
		}
	}
	return out
}

// deleteQuestion asks about n resources in words that agree with n.
func deleteQuestion(n int) string {
	if n == 1 {
		return "Delete this resource?"
	}
	return fmt.Sprintf("Delete these %d resources?", n)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Phases of a delete.
const (
	delPlanning = iota
	delReview
	delDeleting
	delDone
	delFailed
)

// deletePage removes the profile's dataflow: the teardown plan with a reason for everything it keeps,
// a confirmation, then each deletion as it happens.
type deletePage struct {
	m       *menuModel
	phase   int
	dataset bool // also the dataset, schema and field group cioaep created
	items   []flow.TeardownItem
	parts   []teardownPart
	err     error
	ticket  int
	scroll  scroller
}

func newDeletePage(m *menuModel) *deletePage { return &deletePage{m: m} }

func (p *deletePage) title() string { return "Delete" }
func (p *deletePage) ownsEsc() bool { return p.phase == delDeleting || p.phase == delDone }
func (p *deletePage) busy() bool    { return p.phase == delDeleting }

func (p *deletePage) plan() tea.Cmd {
	p.phase, p.err = delPlanning, nil
	p.ticket = p.m.c.ticket()
	ctx, rc, opts := p.m.c.ctx, p.m.rc, flow.TeardownOptions{IncludeDataset: p.dataset}
	return do(p.ticket, func() ([]flow.TeardownItem, error) { return rc.PlanTeardown(ctx, opts) })
}

func (p *deletePage) deletes() int {
	n := 0
	for _, it := range p.items {
		if it.Action == flow.ActionDelete {
			n++
		}
	}
	return n
}

func (p *deletePage) update(msg tea.Msg) tea.Cmd {
	k := p.m.c.keys
	switch msg := msg.(type) {
	case doneMsg[[]flow.TeardownItem]:
		if msg.ticket != p.ticket {
			return nil
		}
		if msg.err != nil {
			p.phase, p.err = delFailed, msg.err
			return nil
		}
		p.phase, p.items = delReview, msg.val
	case partMsg[teardownPart]:
		if msg.ticket == p.ticket {
			p.parts = append(p.parts, msg.part)
			return msg.next
		}
	case doneMsg[tornDown]:
		if msg.ticket != p.ticket {
			return nil
		}
		if msg.err != nil {
			p.phase, p.err = delFailed, msg.err
			return nil
		}
		p.phase = delDone
		p.m.df = nil
	case tea.KeyMsg:
		switch p.phase {
		case delReview:
			switch {
			case msg.String() == "i":
				p.dataset = !p.dataset
				return p.plan()
			case msg.String() == "y" && p.deletes() > 0:
				return p.run()
			default:
				p.scroll.key(msg, k)
			}
		case delDone:
			switch {
			case key.Matches(msg, k.Next):
				return p.m.startSetup()
			case key.Matches(msg, k.QuitDone), msg.Type == tea.KeyEsc:
				return quit
			}
		case delFailed:
			if key.Matches(msg, k.Retry) {
				return p.plan() // plan again: what is already gone drops out of the list
			}
		}
	}
	return nil
}

func (p *deletePage) run() tea.Cmd {
	p.phase, p.parts, p.err = delDeleting, nil, nil
	p.ticket = p.m.c.ticket()
	rc, items := p.m.rc, p.items
	return stream(p.m.c.ctx, p.ticket, func(ctx context.Context, emit func(teardownPart)) (tornDown, error) {
		return tornDown{}, rc.Teardown(ctx, items, func(it flow.TeardownItem, err error) { emit(teardownPart{it, err}) })
	})
}

func (p *deletePage) view() string {
	c := p.m.c
	st := c.st
	var b strings.Builder
	switch p.phase {
	case delPlanning:
		return c.busy("Working out what cioaep made for this profile…")
	case delReview:
		b.WriteString(c.para("cioaep deletes only what it created for this profile, newest first. Everything else stays, with the reason:") + "\n\n")
		for _, it := range p.items {
			action := st.err.Render(fmt.Sprintf("%-7s", "delete"))
			if it.Action != flow.ActionDelete {
				action = st.subtle.Render(fmt.Sprintf("%-7s", it.Action))
			}
			// One line a resource, so the question below stays on screen; the reason is prose and wraps.
			b.WriteString(action + " " + fmt.Sprintf("%-18s %s", kindName(it.Kind), resourceName(it)) + "\n")
			if it.Reason != "" {
				// The engine words its reasons for the command line; here the flag is a key.
				reason := strings.ReplaceAll(clean(it.Reason), "pass --include-dataset", "press i")
				b.WriteString(hang("        ", reason, c.bodyWidth()-1, st.subtle) + "\n")
			}
		}
		b.WriteString("\n")
		if p.dataset {
			b.WriteString(st.warn.Render("[x] also the dataset, schema and field group cioaep created, with the events they hold") + "\n")
		} else {
			b.WriteString("[ ] also the dataset, schema and field group cioaep created " + st.subtle.Render("(i)") + "\n")
		}
		if p.deletes() == 0 {
			b.WriteString("\n" + st.subtle.Render("Nothing to delete."))
		} else {
			b.WriteString("\n" + c.para(st.boxTitle.Render(deleteQuestion(p.deletes()))+
				" Customer.io's deliveries to this endpoint fail from then on. y deletes, esc goes back."))
		}
	case delDeleting, delDone:
		b.WriteString(strings.Join(p.m.teardownLines(p.parts), "\n") + "\n\n")
		if p.phase == delDeleting {
			b.WriteString(c.busy("deleting…"))
		} else {
			b.WriteString(c.para(st.ok.Render("✓ Deleted.") + " This profile has no dataflow now. Remove the reporting webhook in Customer.io too. Press enter to set up a new dataflow, or q to quit."))
		}
	case delFailed:
		if len(p.parts) > 0 {
			b.WriteString(strings.Join(p.m.teardownLines(p.parts), "\n") + "\n\n")
		}
		b.WriteString(c.errText(p.err) + "\n\nPress r to look again and carry on from where it stopped.")
	}
	return p.scroll.view(b.String(), c.bodyHeight())
}

func (p *deletePage) help() []key.Binding {
	k := p.m.c.keys
	switch p.phase {
	case delReview:
		b := []key.Binding{key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "include dataset"))}
		if p.deletes() > 0 {
			b = append(b, key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "delete")))
		}
		return p.scroll.help(k, b)
	case delDone:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "new setup")), k.QuitDone}
	case delFailed:
		return []key.Binding{k.Retry}
	}
	return nil
}
