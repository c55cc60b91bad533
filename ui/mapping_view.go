package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/cioaep/cioaep/flow/dataprep"
)

// wide says the preview fits beside the table.
func (s *mappingStep) wide() bool { return s.c.bodyWidth() >= 110 }

// sourceText shows a rule's source with its kind: a path as is, ƒ for an expression, quotes for a constant.
func sourceText(r dataprep.Rule) string {
	switch r.SourceType {
	case dataprep.Expression:
		return "ƒ " + clean(r.Source)
	case dataprep.Static:
		return fmt.Sprintf("%q", clean(r.Source))
	}
	return clean(r.Source)
}

func (s *mappingStep) view() string {
	if s.edit != nil {
		return s.edit.view()
	}
	st := s.c.st
	switch s.load {
	case loadWorking:
		return "Mapping Customer.io fields to the schema\n\n" + s.c.busy("Reading the schema and suggesting a mapping…")
	case loadFailed:
		return "Mapping Customer.io fields to the schema\n\n" + s.c.errText(s.loadErr) + "\n\nPress r to try again."
	}
	status := ""
	switch {
	case s.checking:
		status = s.c.busy("checking…")
	case s.checkErr != nil:
		status = st.err.Render("✗ not checked")
	case s.failed() > 0:
		status = st.err.Render(fmt.Sprintf("✗ %d of %s failed the check", s.failed(), plural(len(s.rules), "rule", "rules")))
	case s.rejectedSamples() > 0:
		status = st.err.Render(fmt.Sprintf("✗ %d of %d samples accepted", s.verdicts.Accepted(), len(s.verdicts.Samples)))
	default:
		status = st.ok.Render("✓ " + plural(len(s.rules), "rule", "rules") + " checked")
		if n := len(s.verdicts.Samples); n > 0 {
			status += st.ok.Render(fmt.Sprintf(" · %d of %d samples accepted", n, n))
		}
	}
	head := fmt.Sprintf("Target field ← Customer.io source   %s   %s", st.mandatory.Render("* mandatory"), status)
	if p := s.prefix(); p != "" {
		head += "\n" + st.subtle.Render(fit("  ."+"x stands for "+clean(p)+"x", s.c.bodyWidth()))
	}

	tableW := s.c.bodyWidth()
	if s.wide() {
		tableW -= 46
	}
	table := s.tableView(tableW)
	var foot []string
	if len(s.rows) > 0 {
		foot = append(foot, s.rowDetail(s.rows[s.cursor], tableW-2))
	}
	switch {
	case s.problem != "":
		foot = append(foot, st.err.Width(tableW-2).Render("✗ "+s.problem))
	case s.checkErr != nil:
		foot = append(foot, s.c.errText(s.checkErr)+" Press r to check again.")
	case s.unplacedRejection() != "":
		foot = append(foot, st.err.Width(tableW-2).Render("✗ ingestion would reject "+clean(s.unplacedRejection())))
	}
	main := table + "\n\n" + strings.Join(foot, "\n")
	switch {
	case s.wide():
		return head + "\n" + s.c.columns(main, s.previewView(44, s.c.bodyHeight()-2), tableW+2)
	case s.showSide:
		return head + "\n" + s.previewView(s.c.bodyWidth(), s.c.bodyHeight()-2)
	}
	return head + "\n" + main
}

func (s *mappingStep) tableView(w int) string {
	st := s.c.st
	h := s.tableHeight()
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+h {
		s.offset = s.cursor - h + 1
	}
	targetW := min(max(w*2/5, 16), 40)
	var lines []string
	for i := s.offset; i < min(len(s.rows), s.offset+h); i++ {
		r := s.rows[i]
		mark := "  "
		if i == s.cursor {
			mark = "┃ "
		}
		star := " "
		if r.field != nil && (r.field.Mandatory || r.field.Required) {
			star = st.mandatory.Render("*")
		}
		src, verdict := st.subtle.Render("—"), ""
		if r.rule >= 0 {
			src = sourceText(s.rules[r.rule])
			if c, ok := s.checks[r.target]; ok && !s.checking {
				verdict = st.ok.Render("✓")
				if _, rejected := s.rejected[r.target]; !c.OK || rejected {
					verdict = st.err.Render("✗")
				}
			}
		} else if r.field != nil && r.field.Mandatory {
			verdict = st.warn.Render("! needs a source")
		}
		shown := r.target
		if p := s.prefix(); p != "" && strings.HasPrefix(shown, p) {
			shown = "." + strings.TrimPrefix(shown, p)
		}
		target := fmt.Sprintf("%-*s", targetW, fit(clean(shown), targetW))
		line := fit(mark+star+target+" ← "+src, w-4)
		if verdict != "" {
			// Verdicts line up in one column; a long "needs a source" note takes the room it needs.
			line = fit(line, w-2-lipgloss.Width(verdict))
			line += strings.Repeat(" ", max(w-2-lipgloss.Width(verdict)-lipgloss.Width(line), 0)) + " " + verdict
		}
		if i == s.cursor {
			line = st.selected.Render(mark) + line[len(mark):]
		}
		lines = append(lines, line)
	}
	if len(s.rows) > h {
		lines = append(lines, st.subtle.Render(fmt.Sprintf("  %d/%d", s.cursor+1, len(s.rows))))
	}
	return strings.Join(lines, "\n")
}

// prefix is the object path most targets share (the tenant's customerio object), written once above the
// table instead of on every row, where it left no room for the field names.
func (s *mappingStep) prefix() string {
	counts := map[string]int{}
	for _, r := range s.rows {
		if i := strings.LastIndex(r.target, "."); i > 0 {
			counts[r.target[:i+1]]++
		}
	}
	best := ""
	for p, n := range counts {
		if n > counts[best] || n == counts[best] && p < best {
			best = p
		}
	}
	if counts[best] < 2 {
		return ""
	}
	return best
}

// rowDetail says more about the highlighted row: the target's type and the check's complaint.
func (s *mappingStep) rowDetail(r mapRow, w int) string {
	st := s.c.st
	d := clean(r.target)
	if r.field != nil {
		d += st.subtle.Render("  " + clean(r.field.Type))
		if r.field.Title != "" {
			d += st.subtle.Render(" · " + clean(r.field.Title))
		}
	} else {
		d += st.warn.Render("  not in the schema")
	}
	if c, ok := s.checks[r.target]; ok && !c.OK && r.rule >= 0 {
		d += "\n" + st.err.Width(w).Render("✗ "+clean(strings.Join(c.Errors, "; ")))
	}
	if p, ok := s.rejected[r.target]; ok {
		d += "\n" + st.err.Width(w).Render("✗ ingestion would reject "+clean(p))
	}
	return d
}

// unplacedRejection is the first sample problem on a field no row shows (a required field left out),
// which the table cannot mark.
func (s *mappingStep) unplacedRejection() string {
	for _, sv := range s.verdicts.Samples {
		for _, p := range sv.Problems {
			if !slices.ContainsFunc(s.rows, func(r mapRow) bool { return r.target == p.Field }) {
				return sv.Event + ": " + p.String()
			}
		}
	}
	return ""
}

func (s *mappingStep) previewView(w, h int) string {
	st := s.c.st
	title := st.boxTitle.Render("Preview")
	if len(s.c.samples) > 0 {
		ev := s.c.samples[min(s.sample, len(s.c.samples)-1)]
		title += st.subtle.Render(fmt.Sprintf(": a sample %v %v event becomes", ev["object_type"], ev["metric"]))
	}
	var body string
	switch {
	case len(s.c.samples) == 0:
		body = st.subtle.Render("no sample event to preview")
	case s.checking:
		body = s.c.busy("previewing…")
	case s.previewErr != nil:
		body = s.c.errText(s.previewErr)
	default:
		body = cleanBlock(indentJSON(s.preview))
		if s.sample < len(s.verdicts.Samples) {
			if v := s.verdicts.Samples[s.sample]; v.OK() {
				body = st.ok.Render("✓ ingestion accepts it") + "\n" + body
			} else {
				body = st.err.Width(w).Render("✗ ingestion rejects it: "+clean(v.Problems[0].String())) + "\n" + body
			}
		}
	}
	return clipLines(fit(clean(title), w)+"\n"+body, max(h, 2), w)
}
