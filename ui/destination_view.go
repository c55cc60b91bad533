package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/cioaep/cioaep/flow"
)

func (s *destinationStep) view() string {
	if s.picking != 0 {
		return s.pickerView()
	}
	st := s.c.st
	// The label column gives up room on a narrow window, so a choice such as "‹ New dataset and a
	// Customer.io schema ›" is read whole at 60 columns.
	labelW := 22
	if s.c.bodyWidth() < 78 {
		labelW = 15
	}
	w := s.c.bodyWidth() - labelW - 2
	check := func(b bool) string {
		if b {
			return "[x]"
		}
		return "[ ]"
	}
	var lines []string
	focusLine := 0
	for i, r := range s.rows() {
		if i == s.rowIndex {
			focusLine = len(lines)
		}
		label, value := "", ""
		switch r {
		case rowKind:
			label, value = "Destination", "‹ "+kindLabels[s.kind]+" ›"
		case rowDataset:
			label, value = "Dataset", st.subtle.Render("press enter to choose")+s.loadNote(s.dsLoad, len(s.dsItems), "datasets")
			if s.dsChosen >= 0 {
				d := s.dsItems[s.dsChosen]
				value = clean(d.Name) + st.subtle.Render("  schema: "+clean(s.schemaTitle(d.SchemaID)))
			}
		case rowSchema:
			label, value = "Schema", st.subtle.Render("press enter to choose")+s.loadNote(s.scLoad, len(s.scItems), "schemas")
			if s.scChosen >= 0 {
				value = clean(s.scItems[s.scChosen].Title)
			}
		case rowProfile:
			label, value = "", check(s.profile)+" Enable for Profile"
		case rowDiag:
			label, value = "", check(s.diag)+" Error diagnostics"
		case rowPartial:
			label, value = "", check(s.partial)+" Partial ingestion"
		case rowThreshold:
			label, value = "  threshold %", inputView(s.inputs[r], 6)
		case rowName:
			label, value = "Dataset name", inputView(s.inputs[r], w)
		case rowDesc:
			label, value = "  description", inputView(s.inputs[r], w)
		case rowFlowName:
			label, value = "Dataflow name", inputView(s.inputs[r], w)
		case rowFlowDesc:
			label, value = "  description", inputView(s.inputs[r], w)
		}
		if r == rowProfile || r == rowDiag && s.kind == flow.ExistingDataset {
			lines = append(lines, "")
		}
		if label == "" && i == s.rowIndex { // a check box: its own words are the label
			value = st.selected.Render(value)
		}
		lines = append(lines, st.field(i == s.rowIndex, label, labelW)+value)
		if r == rowFlowDesc {
			for _, l := range wrapLines(flow.NameTagNote, w) {
				lines = append(lines, "  "+strings.Repeat(" ", labelW)+st.subtle.Render(l))
			}
		}
		if r == rowKind && s.kind == flow.NewSchema {
			for _, l := range wrapLines("cioaep creates the schema, its field group and email identity", w) {
				lines = append(lines, "  "+strings.Repeat(" ", labelW)+st.subtle.Render(l))
			}
		}
	}
	lines = append(lines, "")
	lines = append(lines, strings.Split(st.subtle.Width(s.c.bodyWidth()-2).Render(flow.AlertsOnlyInUI), "\n")...)
	if len(flow.AlertsGuideURL) <= s.c.bodyWidth()-2 {
		lines = append(lines, link(flow.AlertsGuideURL))
	} else { // never cut a URL: a link that is clicked, and where to read it whole
		lines = append(lines, linkText(flow.AlertsGuideURL, "Adobe's alerts guide (a link; the README has the address)"))
	}
	if s.problem != "" {
		lines = append(lines, "", s.c.mark(st.err, "✗", s.problem))
		focusLine = len(lines) - 1
	}
	head := "Where should Customer.io events land?\n\n"
	return head + strings.Join(window(lines, focusLine, s.c.bodyHeight()-2), "\n")
}

// loadNote tells, next to a picker row, that its list is still arriving or failed.
func (s *destinationStep) loadNote(st loadState, n int, what string) string {
	switch st {
	case loadWorking:
		return s.c.st.subtle.Render(fmt.Sprintf("  (%s loading %s… %d so far)", s.c.spin.View(), what, n))
	case loadFailed:
		return s.c.st.err.Render("  (could not load " + what + ")")
	}
	return ""
}

func (s *destinationStep) pickerView() string {
	l, state, err, n, what := s.datasets, s.dsLoad, s.dsErr, len(s.dsItems), "datasets"
	if s.picking == rowSchema {
		l, state, err, n, what = s.schemas, s.scLoad, s.scErr, len(s.scItems), "schemas"
	}
	head := fmt.Sprintf("Choose one of the %d %s in this sandbox", n, what)
	if state == loadWorking {
		head = fmt.Sprintf("Choose one of the %s in this sandbox (still loading)", what)
	}
	if pos := l.position(); pos != "" {
		head += s.c.st.subtle.Render("  " + pos)
	}
	var foot string
	switch state {
	case loadWorking:
		foot = s.c.busy(fmt.Sprintf("loading %s… %d so far; you can already choose", what, n))
	case loadFailed:
		foot = s.c.errText(err) + "\nPress r to try again."
	case loadDone:
		if n == 0 {
			foot = s.c.st.warn.Render("This sandbox has no "+what+".") + " Press esc and choose another destination."
		}
	}
	body := l.view(s.c.bodyWidth(), s.c.bodyHeight()-5)
	return head + "\n\n" + body + "\n\n" + foot
}

func (s *destinationStep) help() []key.Binding {
	k := s.c.keys
	if s.picking != 0 {
		if s.datasets.filtering || s.schemas.filtering {
			return []key.Binding{k.ClearFilter}
		}
		return []key.Binding{k.Move, k.Filter, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close"))}
	}
	b := []key.Binding{k.Move}
	switch s.focused() {
	case rowKind:
		b = append(b, k.Left)
	case rowProfile, rowDiag, rowPartial:
		b = append(b, k.Toggle)
	case rowDataset, rowSchema:
		return append(b, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")))
	}
	return append(b, k.Next)
}
