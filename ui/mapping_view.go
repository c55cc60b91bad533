package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/cioaep/cioaep/flow/dataprep"
)

// wide says the preview fits beside the table and the table still has room for its value column.
func (s *mappingStep) wide() bool { return s.c.bodyWidth() >= 150 }

// previewWidth is the preview pane's width beside the table.
const previewWidth = 44

// previewBelowFrom is how many free lines under the table make room for the preview there.
const previewBelowFrom = 10

// valueColumnFrom is the table width from which the sample's value gets a column.
const valueColumnFrom = 96

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
	switch s.load {
	case loadWorking:
		return "Mapping Customer.io fields to the schema\n\n" + s.c.busy("Reading the schema and suggesting a mapping…")
	case loadFailed:
		return "Mapping Customer.io fields to the schema\n\n" + s.c.errText(s.loadErr) + "\n\nPress r to try again."
	}
	w := s.c.bodyWidth()
	head := s.headView(w)
	tableW := w
	if s.wide() {
		tableW -= previewWidth + 2
	}
	lay := s.layout(tableW)
	foot := s.footView(tableW, lay)
	// The table's rows take what the head and the foot leave, less the blank line above the foot and the
	// table's own lines: its heading, the position line and the filter while there is one.
	tableLines := 2
	if s.filter.active() {
		tableLines++
	}
	room := max(s.c.bodyHeight()-lipgloss.Height(head)-lipgloss.Height(foot)-1-tableLines, 3)
	var main string
	switch {
	case s.pane == panePreview && !s.wide():
		main = s.previewView(w, room+tableLines)
	case s.pane == paneUnread:
		main = s.unreadList(tableW, room+tableLines)
	default:
		main = s.tableView(tableW, room, lay)
	}
	if foot != "" {
		main += "\n\n" + foot
	}
	// A tall window shows the preview under the table, where a short one needs p.
	left := s.c.bodyHeight() - lipgloss.Height(head) - lipgloss.Height(main) - 1
	s.previewBelow = s.pane == paneTable && !s.wide() && left >= previewBelowFrom
	if s.previewBelow {
		main += "\n\n" + s.previewView(w, left-1)
	}
	if s.wide() {
		return head + "\n" + s.c.columns(main, s.previewView(previewWidth, s.c.bodyHeight()-lipgloss.Height(head)), tableW+2)
	}
	return head + "\n" + main
}

// headView is the verdict of the last check, which sample the values come from, and the shared
// prefix, each wrapped between its parts so nothing is cut at 80 columns.
func (s *mappingStep) headView(w int) string {
	st := s.c.st
	var parts []string
	switch {
	case s.checking:
		parts = append(parts, s.c.busy("checking…"))
	case s.checkErr != nil:
		parts = append(parts, st.err.Render("✗ not checked"))
	case s.failed() > 0:
		parts = append(parts, st.err.Render(fmt.Sprintf("✗ %d of %s failed the check", s.failed(), plural(len(s.rules), "rule", "rules"))))
	case s.rejectedSamples() > 0:
		parts = append(parts, st.err.Render(fmt.Sprintf("✗ %d of %d samples accepted", s.verdicts.Accepted(), len(s.verdicts.Samples))))
	default:
		parts = append(parts, st.ok.Render("✓ "+plural(len(s.rules), "rule", "rules")+" checked"))
		if n := len(s.verdicts.Samples); n > 0 {
			parts = append(parts, st.ok.Render(fmt.Sprintf("%d of %d samples accepted", n, n)))
		}
	}
	parts = append(parts, st.mandatory.Render("*")+" mandatory")
	lines := []string{wrapParts(parts, st.subtle.Render(" · "), w)}
	if ev := s.shownSample(); ev != nil {
		line := fmt.Sprintf("Sample %d of %d: %s", s.sample+1, len(s.c.samples), st.accent.Render(sampleName(ev)))
		if s.sample < len(s.verdicts.Samples) && !s.checking {
			if v := s.verdicts.Samples[s.sample]; v.OK() {
				line += st.ok.Render(" · ✓ accepted")
			} else {
				line += st.err.Render(" · ✗ rejected")
			}
		}
		lines = append(lines, fit(line, w))
	}
	if p := s.shared; p != "" {
		lines = append(lines, st.subtle.Render(fit("Targets starting with . are under "+clean(p), w)))
	}
	return strings.Join(lines, "\n")
}

// wrapParts joins parts with sep, starting a new line between parts rather than cutting one.
func wrapParts(parts []string, sep string, w int) string {
	var lines []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case lipgloss.Width(cur)+lipgloss.Width(sep)+lipgloss.Width(p) > w:
			lines, cur = append(lines, cur), p
		default:
			cur += sep + p
		}
	}
	lines = append(lines, cur)
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}

// footView is what is under the table: the highlighted row in full, the fields that map nowhere, and
// the problem of the moment.
func (s *mappingStep) footView(w int, lay tableLayout) string {
	st := s.c.st
	var foot []string
	if r, ok := s.current(); ok && s.pane == paneTable {
		foot = append(foot, s.rowDetail(r, w-2, lay))
	}
	if n := len(s.unread); n > 0 && s.pane == paneTable {
		line := fmt.Sprintf("! %s in the samples map nowhere: %s", plural(n, "field", "fields"), strings.Join(s.unread, ", "))
		foot = append(foot, st.warn.Render(cutEnd(clean(line), w-2-lipgloss.Width(" (u lists them)")))+st.subtle.Render(" (u lists them)"))
	}
	switch {
	case s.problem != "":
		foot = append(foot, st.err.Width(w-2).Render("✗ "+s.problem))
	case s.checkErr != nil:
		foot = append(foot, s.c.errText(s.checkErr)+" Press r to check again.")
	case s.unplacedRejection() != "":
		foot = append(foot, st.err.Width(w-2).Render("✗ ingestion would reject "+clean(s.unplacedRejection())))
	}
	return strings.Join(foot, "\n")
}

// The table's columns, by the cells they hold.
const (
	colTarget = iota
	colSource
	colValue
)

// mapCells is one row's text, before it is fitted into the columns.
type mapCells struct {
	target, source, value string
	srcPath               bool // the source is a field path: cut it in the middle, keeping its leaf
	srcStyle, valStyle    lipgloss.Style
	valueOK               bool // value is what the rule writes, not a note on why it writes nothing
}

func (s *mappingStep) cells(r mapRow, prefix string) mapCells {
	st := s.c.st
	c := mapCells{target: clean(r.target), source: "—", srcStyle: st.subtle, valStyle: st.subtle}
	if p := prefix; p != "" && strings.HasPrefix(r.target, p) {
		c.target = "." + clean(strings.TrimPrefix(r.target, p))
	}
	switch {
	case r.rule >= 0:
		rule := s.rules[r.rule]
		c.source, c.srcPath, c.srcStyle = sourceText(rule), rule.SourceType == dataprep.Attribute, lipgloss.NewStyle()
		if r.rule < len(s.values) {
			v := s.values[r.rule]
			c.value, c.valueOK = v.text, v.ok
			if v.ok {
				c.valStyle = lipgloss.NewStyle()
			}
		}
	case r.field != nil && r.field.Mandatory:
		c.source, c.srcStyle = "! needs a source", st.warn
	}
	return c
}

// columnWidths shares room between the target, source and value columns by what they hold: when all
// fits each gets what it needs, so no column is padded while another is cut. Otherwise the target keeps
// its full width if that leaves the others a usable minimum, and the source and the value share the
// rest, the narrower one taking all it needs.
func columnWidths(room int, need [3]int) [3]int {
	if need[colTarget]+need[colSource]+need[colValue] <= room {
		return need
	}
	floor := min(need[colSource], 14) + min(need[colValue], 10)
	var w [3]int
	w[colTarget] = min(need[colTarget], max(room-floor, room/3))
	rest := room - w[colTarget]
	switch {
	case need[colSource]+need[colValue] <= rest:
		w[colSource], w[colValue] = need[colSource], need[colValue]
	case need[colValue] == 0:
		w[colSource] = rest
	case need[colSource] <= rest/2:
		w[colSource], w[colValue] = need[colSource], rest-need[colSource]
	case need[colValue] <= rest/2:
		w[colSource], w[colValue] = rest-need[colValue], need[colValue]
	default: // both are long: the source gets up to three fifths, never more than it needs
		w[colSource] = min(need[colSource], rest*3/5)
		w[colValue] = rest - w[colSource]
	}
	return w
}

// tableView draws at most h rows of the table at width w: a heading, then per row the mark, the target,
// its source, the value the sample on show gives it (when the width allows) and the check's verdict.
func (s *mappingStep) tableView(w, h int, lay tableLayout) string {
	st := s.c.st
	s.tableH = h
	n := s.shown()
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+h {
		s.offset = s.cursor - h + 1
	}
	s.offset = min(s.offset, max(n-h, 0))
	var lines []string
	if s.filter.active() {
		s.filter.input.Width = max(w/2, 10)
		line := s.filter.input.View()
		if s.filter.query != "" {
			line += st.subtle.Render(fmt.Sprintf("  %d of %s", n, plural(len(s.rows), "row", "rows")))
		}
		lines = append(lines, line)
	}
	if n == 0 {
		if s.filter.query != "" {
			lines = append(lines, st.subtle.Render(fmt.Sprintf("  no target or source contains %q; esc clears the filter", clean(s.filter.input.Value()))))
		}
		return strings.Join(lines, "\n")
	}

	cw := lay.cw
	heading := "    " + pad(cutEnd("Target", cw[colTarget]), cw[colTarget]) + "   " + pad(cutEnd("Source", cw[colSource]), cw[colSource])
	if lay.showValue {
		heading += "  " + cutEnd("Sample value", cw[colValue])
	}
	lines = append(lines, st.subtle.Render(strings.TrimRight(heading, " ")))
	for i := s.offset; i < min(n, s.offset+h); i++ {
		r := s.rows[s.filter.at(i)]
		c := s.cells(r, lay.prefix)
		mark := st.focus(i == s.cursor)
		star := " "
		if r.field != nil && (r.field.Mandatory || r.field.Required) {
			star = st.mandatory.Render("*")
		}
		src := cutEnd(c.source, cw[colSource])
		if c.srcPath {
			src = cutMiddle(c.source, cw[colSource])
		}
		line := mark + star + " " + pad(cutMiddle(c.target, cw[colTarget]), cw[colTarget]) + " ← " + c.srcStyle.Render(pad(src, cw[colSource]))
		if lay.showValue {
			line += "  " + c.valStyle.Render(pad(cutEnd(c.value, cw[colValue]), cw[colValue]))
		}
		if v := s.verdict(r); v != "" {
			line += " " + v
		}
		lines = append(lines, strings.TrimRight(line, " "))
	}
	if n > h {
		lines = append(lines, st.subtle.Render(fmt.Sprintf("  %d/%d", s.cursor+1, n)))
	}
	return strings.Join(lines, "\n")
}

// layoutKey is what a table layout depends on: it is worked out again only when one of these changes,
// not on every frame.
type layoutKey struct {
	rules  int // rulesGen
	query  string
	sample int
	width  int
}

// tableLayout is how the table uses its width: the columns' widths, and whether the value has one.
type tableLayout struct {
	cw        [3]int
	showValue bool
	prefix    string
}

// layout sizes the columns by every row the filter shows, not only those on screen, so the columns do
// not move while scrolling.
func (s *mappingStep) layout(w int) tableLayout {
	key := layoutKey{rules: s.rulesGen, query: s.filter.query, sample: s.sample, width: w}
	if s.laidOut.key == key {
		return s.laidOut.lay
	}
	lay := tableLayout{prefix: s.shared, showValue: w >= valueColumnFrom && len(s.c.samples) > 0}
	need := [3]int{lipgloss.Width("Target"), lipgloss.Width("Source"), 0}
	if s.measured.rules != s.rulesGen || s.measured.sample != s.sample || len(s.measured.widths) != len(s.rows) {
		s.measure()
	}
	for i := range s.shown() {
		for col, cw := range s.measured.widths[s.filter.at(i)] {
			need[col] = max(need[col], cw)
		}
	}
	// mark (2), star and a blank (2), target, " ← ", source, [two blanks, value,] a blank and the verdict (1)
	fixed := 2 + 2 + 3 + 2
	if lay.showValue {
		fixed += 2
		need[colValue] = max(need[colValue], lipgloss.Width("Sample value"))
	} else {
		need[colValue] = 0
	}
	lay.cw = columnWidths(w-fixed, need)
	s.laidOut.key, s.laidOut.lay = key, lay
	return lay
}

// measure records every row's cell widths, once per change of the rules or of the sample on show, so a
// keystroke in the filter only compares numbers.
func (s *mappingStep) measure() {
	s.measured.rules, s.measured.sample = s.rulesGen, s.sample
	s.measured.widths = make([][3]int, len(s.rows))
	for i, r := range s.rows {
		c := s.cells(r, s.shared)
		s.measured.widths[i] = [3]int{lipgloss.Width(c.target), lipgloss.Width(c.source), lipgloss.Width(c.value)}
	}
}

// verdict is the check's mark for a mapped row: ✓ passed, ✗ the rule or a sample failed on it.
func (s *mappingStep) verdict(r mapRow) string {
	st := s.c.st
	c, ok := s.checks[r.target]
	if r.rule < 0 || !ok || s.checking {
		return ""
	}
	if _, rejected := s.rejected[r.target]; !c.OK || rejected {
		return st.err.Render("✗")
	}
	return st.ok.Render("✓")
}

// pad fills s with blanks to w cells.
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(w-lipgloss.Width(s), 0))
}

// cutEnd cuts s to w cells, marking the cut with "…".
func cutEnd(s string, w int) string { return fit(s, w) }

// cutMiddle cuts a field path to w cells in its middle, so both where it starts and its leaf (the part
// after the last dot) stay readable: `_tenant.cust…email_address`. A leaf too long for w keeps its end.
func cutMiddle(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s
	}
	if w <= 1 {
		return fit(s, w)
	}
	leaf := s
	if i := strings.LastIndex(s, "."); i >= 0 {
		leaf = s[i:]
	}
	if lw := ansi.StringWidth(leaf); lw < w-1 {
		return ansi.Truncate(s, w-1-lw, "") + "…" + leaf
	}
	return ansi.TruncateLeft(s, sw-(w-1), "…")
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

// rowDetail says more about the highlighted row: the whole target with its type, the source and the
// sample's value in full when the table had to cut them, and the check's complaint.
func (s *mappingStep) rowDetail(r mapRow, w int, lay tableLayout) string {
	st := s.c.st
	c := s.cells(r, lay.prefix)
	var full []string
	if lipgloss.Width(c.source) > lay.cw[colSource] {
		full = append(full, st.subtle.Render("← ")+c.source)
	}
	if lay.showValue && lipgloss.Width(c.value) > lay.cw[colValue] {
		full = append(full, st.subtle.Render("sample value: ")+c.value)
	}
	d := clean(r.target)
	if r.field != nil {
		d += st.subtle.Render("  " + clean(r.field.Type))
		if r.field.Title != "" {
			d += st.subtle.Render(" · " + clean(r.field.Title))
		}
	} else {
		d += st.warn.Render("  not in the schema")
	}
	// Without a value column, the highlighted row's value from the sample on show is told here.
	if !lay.showValue && c.value != "" {
		if room := w - lipgloss.Width(d) - 2; room >= 12 {
			sign := "· "
			if c.valueOK {
				sign = "= "
			}
			d += "  " + st.subtle.Render(sign) + c.valStyle.Render(cutEnd(c.value, room-2))
		}
	}
	if len(full) > 0 {
		d += "\n" + lipgloss.NewStyle().Width(w).Render(strings.Join(full, "   "))
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
	ev := s.shownSample()
	if ev != nil {
		title += st.subtle.Render(": " + sampleName(ev) + " becomes")
	}
	var body string
	switch {
	case ev == nil:
		body = st.subtle.Render("no sample event to preview")
	case s.previewing:
		body = s.c.busy("previewing…")
	case s.previewErr != nil:
		body = s.c.errText(s.previewErr)
	default:
		body = cleanBlock(indentJSON(s.preview))
		if s.sample < len(s.verdicts.Samples) && !s.checking {
			if v := s.verdicts.Samples[s.sample]; v.OK() {
				body = st.ok.Render("✓ ingestion accepts it") + "\n" + body
			} else {
				body = st.err.Width(w).Render("✗ ingestion rejects it: "+clean(v.Problems[0].String())) + "\n" + body
			}
		}
	}
	return clipLines(fit(title, w)+"\n"+body, max(h, 2), w)
}

// unreadList shows the fields of the chosen samples that no rule reads, and in how many samples each
// is, so a person sees what the dataflow drops before creating it.
func (s *mappingStep) unreadList(w, h int) string {
	st := s.c.st
	if len(s.unread) == 0 {
		return st.ok.Render("✓ Every field of the sample events is read by a rule.")
	}
	var b strings.Builder
	b.WriteString(lipgloss.NewStyle().Width(w).Render(fmt.Sprintf("%s of the sample events no rule reads: the dataflow drops them. Map one with e on its target row.",
		plural(len(s.unread), "field", "fields"))) + "\n")
	nameW := 0
	for _, f := range s.unread {
		nameW = max(nameW, lipgloss.Width(f))
	}
	nameW = min(nameW, w*2/3)
	for _, f := range s.unread {
		b.WriteString("  " + pad(cutMiddle(clean(f), nameW), nameW) + st.subtle.Render(fmt.Sprintf("  in %d of %d samples", s.samplesWith(f), len(s.c.samples))) + "\n")
	}
	return s.unreadView.view(b.String(), h)
}
