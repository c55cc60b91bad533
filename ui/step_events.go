package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cioaep/cioaep/flow"
)

// eventsStep is the tutorial's "select data": which Customer.io object types to send, with each type's
// metrics and a sample event, or a sample event the user loads from a file.
type eventsStep struct {
	c        *common
	list     *pickList
	previews map[string]string           // object type → indented sample JSON
	decoded  map[string][]map[string]any // object type → its embedded samples

	file       textinput.Model
	asking     bool // the file path field is open
	loading    bool
	loadErr    error
	loaded     map[string]any
	loadedFrom string
	problem    string
	ticket     int
}

func newEvents(c *common) *eventsStep {
	s := &eventsStep{c: c, list: newPickList(c, true), file: newInput("path/to/event.json", "")}
	for i, o := range flow.Catalog {
		s.list.add(listItem{title: o.Label, detail: fmt.Sprintf("%d metrics", len(o.Metrics))})
		s.list.chosen[i] = true
	}
	s.decoded, s.previews = decodeSamples(c.deps.Samples)
	return s
}

// decodeSamples groups the embedded samples by object type and renders one preview per type. They are
// embedded data, decoded once rather than on every draw.
func decodeSamples(samples []Sample) (map[string][]map[string]any, map[string]string) {
	decoded, previews := map[string][]map[string]any{}, map[string]string{}
	for _, smp := range samples {
		var ev map[string]any
		if json.Unmarshal(smp.Body, &ev) != nil {
			continue
		}
		// The most telling sample ("sent", or "subscribed" for people) goes first: it is the one
		// previewed here and, for the first chosen type, in the mapping step.
		if smp.Metric == "sent" || smp.Metric == "subscribed" {
			decoded[smp.ObjectType] = append([]map[string]any{ev}, decoded[smp.ObjectType]...)
		} else {
			decoded[smp.ObjectType] = append(decoded[smp.ObjectType], ev)
		}
	}
	for t, evs := range decoded {
		previews[t] = indentJSON(evs[0])
	}
	return decoded, previews
}

// indentJSON renders a value for a preview pane.
func indentJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (s *eventsStep) title() string { return "Customer.io events" }

// crumb keeps the breadcrumb short enough to fit 120 columns whole.
func (s *eventsStep) crumb() string { return "Events" }

func (s *eventsStep) ownsEsc() bool { return s.asking || s.list.capturing() }

func (s *eventsStep) enter() tea.Cmd { return nil }

func (s *eventsStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[map[string]any]:
		if msg.ticket != s.ticket {
			return nil
		}
		s.loading = false
		if msg.err != nil {
			s.loadErr = msg.err
			return nil
		}
		s.asking, s.loadErr = false, nil
		s.loaded, s.loadedFrom = msg.val, s.file.Value()
		s.file.Blur()
		if ot, _ := msg.val["object_type"].(string); ot != "" {
			for i, o := range flow.Catalog {
				if o.Name == ot {
					s.list.chosen[i] = true
					s.list.selectIndex(i)
				}
			}
		}
	case tea.KeyMsg:
		if s.asking {
			return s.fileKey(msg)
		}
		k := s.c.keys
		switch {
		case key.Matches(msg, k.Next) && !s.list.filtering:
			return s.finish()
		case key.Matches(msg, k.File) && !s.list.filtering:
			s.asking, s.loadErr = true, nil
			return focusEnd(&s.file)
		}
		_, cmd := s.list.update(msg)
		s.problem = ""
		return cmd
	}
	return nil
}

func (s *eventsStep) fileKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		s.asking, s.loadErr = false, nil
		s.file.Blur()
		return nil
	case tea.KeyEnter:
		path := strings.TrimSpace(s.file.Value())
		if path == "" || s.loading {
			return nil
		}
		s.loading, s.loadErr = true, nil
		s.ticket = s.c.ticket()
		load := s.c.deps.LoadEvent
		return do(s.ticket, func() (map[string]any, error) { return load(path) })
	}
	var cmd tea.Cmd
	s.file, cmd = s.file.Update(msg)
	return cmd
}

// finish records the chosen types and the samples the mapping will be built from.
func (s *eventsStep) finish() tea.Cmd {
	idx := s.list.chosenIndexes()
	if len(idx) == 0 {
		s.problem = "Choose at least one kind of event (space toggles, a chooses all)."
		return nil
	}
	// Fresh slices: commands already running hold copies of the old plan and must not see it change.
	events := make([]string, 0, len(idx))
	var samples []map[string]any
	if s.loaded != nil {
		samples = append(samples, s.loaded)
	}
	for _, i := range idx {
		name := flow.Catalog[i].Name
		events = append(events, name)
		samples = append(samples, s.decoded[name]...)
	}
	s.c.plan.Events, s.c.samples = events, samples
	return s.c.advance()
}

func (s *eventsStep) view() string {
	st := s.c.st
	var b strings.Builder
	b.WriteString("Which Customer.io events should reach Experience Platform?\n\n")
	h := s.c.bodyHeight() - 5
	left := s.list.view(28, len(flow.Catalog)+1)
	var side string
	if i := s.list.current(); i >= 0 {
		o := flow.Catalog[i]
		paneW := max(s.c.bodyWidth()-32, 20)
		metrics := lipgloss.NewStyle().Width(paneW).Render(st.subtle.Render("metrics: ") + strings.Join(o.Metrics, ", "))
		sample := s.previews[o.Name]
		title := "sample " + o.Name + " event"
		if s.loaded != nil && s.loaded["object_type"] == o.Name {
			sample, title = indentJSON(s.loaded), "your sample ("+clean(s.loadedFrom)+")"
		}
		if sample == "" {
			sample = st.subtle.Render("(no sample for this type)")
		}
		side = metrics + "\n" + st.boxTitle.Render(title) + "\n" + clipLines(cleanBlock(sample), max(h-lipgloss.Height(metrics)-1, 2), paneW)
	}
	b.WriteString(s.c.columns(left, side, 32))
	b.WriteString("\n")
	switch {
	case s.asking:
		b.WriteString("\nSample event file: " + inputView(&s.file, s.c.bodyWidth()-20))
		if s.loading {
			b.WriteString("\n" + s.c.busy("Reading…"))
		} else if s.loadErr != nil {
			b.WriteString("\n" + s.c.mark(st.err, "✗", clean(s.loadErr.Error())))
		}
	case s.problem != "":
		b.WriteString("\n" + s.c.mark(st.err, "✗", s.problem))
	case s.loaded != nil:
		b.WriteString("\n" + s.c.mark(st.ok, "✓", fmt.Sprintf("Loaded %s %s from %s; the mapping uses it too.",
			clean(fmt.Sprint(s.loaded["object_type"])), clean(fmt.Sprint(s.loaded["metric"])), clean(s.loadedFrom))))
	}
	return b.String()
}

// clipLines keeps the first n lines of s, each cut to w cells.
func clipLines(s string, n, w int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n-1], "…")
	}
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}

func (s *eventsStep) help() []key.Binding {
	k := s.c.keys
	if s.asking {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "load")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
	}
	if s.list.filtering {
		return []key.Binding{k.ClearFilter}
	}
	return []key.Binding{k.Move, k.Toggle, k.All, k.Filter, k.File, k.Next}
}
