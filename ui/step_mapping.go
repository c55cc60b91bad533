package ui

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// mapRow is one line of the mapping table: a target field and the rule that fills it, if any.
type mapRow struct {
	target string
	field  *flow.TargetField // nil for a rule whose target the schema does not list
	rule   int               // index in rules, or -1
}

// Panes the mapping step can show where the table is.
const (
	paneTable   = iota
	panePreview // narrow windows: the preview in place of the table
	paneUnread  // the sample fields no rule reads
)

// mappingStep shows the engine's suggested mapping as a table, lets the user change any row, checks the
// rules with the platform and previews what a sample event becomes.
type mappingStep struct {
	c      *common
	fields []flow.TargetField
	rules  []dataprep.Rule
	rows   []mapRow
	cursor int // position among the rows the filter shows
	offset int
	tableH int // rows the table showed on the last draw, for page up/down
	filter ruleFilter

	load       loadState
	loadErr    error
	loadedFor  string
	fieldsDone bool
	rulesDone  bool

	checks     map[string]flow.RuleCheck // by destination
	checking   bool                      // a check (validation, samples and preview) is running
	checkErr   error
	verdicts   flow.SampleVerdicts // every sample through the mapping and XDM validation
	rejected   map[string]string   // by target field: the first sample problem, for people
	preview    map[string]any
	previewErr error
	previewing bool // the preview of the sample on show is on its way
	pTick      int  // the request whose preview is awaited
	sample     int  // the sample the preview and the value column show
	values     []sampleValue
	pane       int
	// previewBelow says the last draw had room for the preview under the table, so p is not needed.
	previewBelow bool
	rulesGen     int      // counts changes of the rules, for the cached layout
	shared       string   // the target prefix most rows share, written once above the table
	measured     struct { // the rows' cell widths, for the rules and sample they were measured with
		rules, sample int
		widths        [][3]int
	}
	laidOut struct {
		key layoutKey
		lay tableLayout
	}
	unread     []string // fields of the samples that no rule reads
	leaves     []map[string]bool
	unreadView scroller
	problem    string

	edit   *ruleEditor
	ticket int // fields + suggestion
	vTick  int // the running check
}

// sampleValue is what a rule writes for the sample on show: the table's value column.
type sampleValue struct {
	text string
	ok   bool // false: the rule writes nothing for this sample (text says why, when it failed)
}

func newMapping(c *common) *mappingStep {
	return &mappingStep{c: c, filter: newRuleFilter(), tableH: 10}
}

func (s *mappingStep) title() string { return "Mapping" }

func (s *mappingStep) ownsEsc() bool {
	return s.edit != nil || s.filter.active() || s.pane != paneTable
}

// planKey is what the table depends on; when it changes the suggestion is fetched again.
func (s *mappingStep) planKey() string {
	p := s.c.plan
	d := p.Destination
	return fmt.Sprint(s.c.engineGen, p.Sandbox, p.Events, d.Kind, d.DatasetID, d.SchemaID, len(s.c.samples))
}

func (s *mappingStep) enter() tea.Cmd {
	if k := s.planKey(); k != s.loadedFor || s.load == loadFailed {
		s.loadedFor = k
		return s.reload()
	}
	return nil
}

func (s *mappingStep) reload() tea.Cmd {
	s.load, s.loadErr, s.fieldsDone, s.rulesDone = loadWorking, nil, false, false
	s.fields, s.rules, s.rows, s.checks, s.preview = nil, nil, nil, nil, nil
	s.cursor, s.offset, s.edit, s.sample, s.pane = 0, 0, nil, 0, paneTable
	s.filter.clear()
	s.leaves = make([]map[string]bool, len(s.c.samples))
	for i, ev := range s.c.samples {
		s.leaves[i] = map[string]bool{}
		for _, p := range dataprep.SourcePaths(ev) {
			s.leaves[i][p] = true
		}
	}
	s.ticket = s.c.ticket()
	ctx, e, plan, samples := s.c.ctx, s.c.engine, s.c.plan, s.c.samples
	return tea.Batch(
		do(s.ticket, func() ([]flow.TargetField, error) { return e.TargetFields(ctx, plan) }),
		do(s.ticket, func() ([]dataprep.Rule, error) { return e.SuggestMapping(ctx, plan, samples) }),
	)
}

// checked is the outcome of one check: the platform's verdict on every rule, what ingestion would make
// of every sample, and the preview of the sample on show. They run at once, and arrive together so the
// table and the pane never disagree.
type checked struct {
	checks            []flow.RuleCheck
	verdicts          flow.SampleVerdicts
	preview           map[string]any
	checkErr, prevErr error
}

// previewed is the preview of one sample, asked for when the user moves to another sample.
type previewed struct {
	data map[string]any
	err  error
}

// check validates the rules, runs every sample through them as ingestion will, and previews the sample
// on show, in one command.
func (s *mappingStep) check() tea.Cmd {
	s.vTick = s.c.ticket()
	s.pTick = s.vTick
	s.checking, s.previewing, s.checkErr, s.previewErr = true, true, nil, nil
	ctx, e, plan, samples := s.c.ctx, s.c.engine, s.c.plan, s.c.samples
	plan.Mapping = slices.Clone(s.rules)
	sample := s.shownSample()
	return do(s.vTick, func() (checked, error) {
		var out checked
		var wg sync.WaitGroup
		if sample != nil {
			wg.Go(func() { out.preview, out.prevErr = e.Preview(ctx, plan, sample) })
			wg.Go(func() {
				var err error
				if out.verdicts, err = e.CheckSamples(ctx, plan, samples); err != nil {
					out.checkErr = err
				}
			})
		}
		checks, err := e.ValidateMapping(ctx, plan)
		wg.Wait()
		if out.checkErr == nil {
			out.checkErr = err
		}
		out.checks = checks
		return out, nil
	})
}

// shownSample is the sample event the preview and the value column show, or nil when there is none.
func (s *mappingStep) shownSample() map[string]any {
	if len(s.c.samples) == 0 {
		return nil
	}
	s.sample = min(max(s.sample, 0), len(s.c.samples)-1)
	return s.c.samples[s.sample]
}

// showSample moves the preview and the value column to another chosen event type's sample (d = ±1,
// wrapping round). The rules have not changed, so only the preview is asked for again.
func (s *mappingStep) showSample(d int) tea.Cmd {
	n := len(s.c.samples)
	if n < 2 {
		return nil
	}
	s.sample = ((s.sample+d)%n + n) % n
	s.sampleValues()
	s.pTick = s.c.ticket()
	s.previewing, s.previewErr = true, nil
	ctx, e, plan, sample := s.c.ctx, s.c.engine, s.c.plan, s.shownSample()
	plan.Mapping = slices.Clone(s.rules)
	return do(s.pTick, func() (previewed, error) {
		data, err := e.Preview(ctx, plan, sample)
		return previewed{data: data, err: err}, nil
	})
}

// sampleName names a sample event as the sample checks do: "email.sent".
func sampleName(ev map[string]any) string { return clean(flow.EventName(ev)) }

// sampleValues works out, on this machine with the Data Prep language, what every rule writes for the
// sample on show. It runs when the rules or the sample change, never while drawing.
func (s *mappingStep) sampleValues() {
	ev := s.shownSample()
	s.values = make([]sampleValue, len(s.rules))
	if ev == nil {
		return
	}
	for i, r := range s.rules {
		v, ok, err := dataprep.Value(r, ev)
		switch {
		case err != nil:
			s.values[i] = sampleValue{text: "cannot be worked out"}
		case ok:
			s.values[i] = sampleValue{text: valueText(v), ok: true}
		default:
			s.values[i] = sampleValue{text: "not in this sample"}
		}
	}
}

// valueText writes a sample value on one line: text as it is, numbers as JSON writes them, objects and
// lists as compact JSON.
func valueText(v any) string {
	if str, ok := v.(string); ok {
		return clean(str)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return clean(fmt.Sprint(v))
	}
	return clean(strings.TrimSpace(b.String()))
}

// findUnread lists the sample fields no rule reads: what the dataflow would drop.
func (s *mappingStep) findUnread() {
	s.unread = dataprep.Unread(s.c.samples, s.rules)
}

// samplesWith counts the samples that carry a field.
func (s *mappingStep) samplesWith(field string) int {
	n := 0
	for _, l := range s.leaves {
		if l[field] {
			n++
		}
	}
	return n
}

// rejectedSamples counts the samples ingestion would reject.
func (s *mappingStep) rejectedSamples() int { return len(s.verdicts.Samples) - s.verdicts.Accepted() }

func (s *mappingStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[[]flow.TargetField]:
		if msg.ticket == s.ticket {
			s.fields, s.fieldsDone = msg.val, true
			return s.loaded(msg.err)
		}
	case doneMsg[[]dataprep.Rule]:
		if msg.ticket == s.ticket {
			s.rules, s.rulesDone = msg.val, true
			return s.loaded(msg.err)
		}
	case doneMsg[checked]:
		if msg.ticket == s.vTick {
			v := msg.val
			s.checking, s.checkErr = false, v.checkErr
			if s.pTick == msg.ticket {
				s.previewing, s.preview, s.previewErr = false, v.preview, v.prevErr
			}
			s.checks = map[string]flow.RuleCheck{}
			for _, c := range v.checks {
				s.checks[c.Rule.Destination] = c
			}
			s.verdicts, s.rejected = v.verdicts, map[string]string{}
			if s.failed() > 0 { // a rule the validator rejects fails every sample the same way: say it once
				s.verdicts = flow.SampleVerdicts{}
			}
			for _, sv := range s.verdicts.Samples {
				for _, p := range sv.Problems {
					if _, seen := s.rejected[p.Field]; !seen {
						s.rejected[p.Field] = sv.Event + ": " + p.String()
					}
				}
			}
		}
	case doneMsg[previewed]:
		if msg.ticket == s.pTick {
			s.previewing, s.preview, s.previewErr = false, msg.val.data, msg.val.err
		}
	case tea.KeyMsg:
		if s.edit != nil {
			return s.editKey(msg)
		}
		return s.key(msg)
	}
	return nil
}

// loaded runs when either the fields or the suggestion has arrived.
func (s *mappingStep) loaded(err error) tea.Cmd {
	if err != nil && s.load != loadFailed {
		s.load, s.loadErr = loadFailed, err
		return nil
	}
	if s.load == loadFailed || !s.fieldsDone || !s.rulesDone {
		return nil
	}
	s.load = loadDone
	s.setRules(s.rules)
	return s.check()
}

// buildRows lists the mandatory targets first, then every other target, then rules for targets the
// schema does not list (which validation will flag).
func (s *mappingStep) buildRows() {
	byDest := map[string]int{}
	for i, r := range s.rules {
		byDest[r.Destination] = i
	}
	ruleOf := func(path string) int {
		if i, ok := byDest[path]; ok {
			return i
		}
		return -1
	}
	s.rows = s.rows[:0]
	seen := map[string]bool{}
	for _, mandatory := range []bool{true, false} {
		for i := range s.fields {
			f := &s.fields[i]
			if (f.Mandatory || f.Required) == mandatory {
				s.rows = append(s.rows, mapRow{target: f.Path, field: f, rule: ruleOf(f.Path)})
				seen[f.Path] = true
			}
		}
	}
	for i, r := range s.rules {
		if !seen[r.Destination] {
			s.rows = append(s.rows, mapRow{target: r.Destination, rule: i})
		}
	}
	s.filter.index(s.rows, s.rules)
	s.cursor = min(s.cursor, max(s.shown()-1, 0))
}

// shown is how many rows the filter lets through.
func (s *mappingStep) shown() int { return s.filter.len(len(s.rows)) }

// current is the highlighted row, if any row is shown.
func (s *mappingStep) current() (mapRow, bool) {
	if s.cursor < 0 || s.cursor >= s.shown() {
		return mapRow{}, false
	}
	return s.rows[s.filter.at(s.cursor)], true
}

// filterKey passes a key to the filter input, keeping the highlighted row when it is still shown.
func (s *mappingStep) filterKey(msg tea.KeyMsg) tea.Cmd {
	row := -1
	if s.cursor < s.shown() {
		row = s.filter.at(s.cursor)
	}
	changed, cmd := s.filter.key(msg)
	if changed {
		s.cursor = max(s.filter.position(row), 0)
		s.offset = 0
	}
	return cmd
}

func (s *mappingStep) key(msg tea.KeyMsg) tea.Cmd {
	k := s.c.keys
	s.problem = ""
	last := max(s.shown()-1, 0)
	switch {
	case s.load == loadFailed && key.Matches(msg, k.Retry):
		return s.reload()
	case s.load != loadDone:
		return nil
	case s.filter.typing:
		return s.filterKey(msg)
	case s.pane == paneUnread:
		return s.unreadKey(msg)
	case s.checkErr != nil && key.Matches(msg, k.Retry):
		return s.check()
	case msg.Type == tea.KeyEsc && s.pane != paneTable:
		s.pane = paneTable
	case msg.Type == tea.KeyEsc && s.filter.active():
		return s.filterKey(msg)
	case key.Matches(msg, k.Filter):
		s.pane = paneTable
		return s.filter.start()
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, last)
	case msg.Type == tea.KeyPgDown:
		s.cursor = min(s.cursor+s.tableH, last)
	case msg.Type == tea.KeyPgUp:
		s.cursor = max(s.cursor-s.tableH, 0)
	case key.Matches(msg, s.keys().first):
		s.cursor = 0
	case key.Matches(msg, s.keys().last):
		s.cursor = last
	case key.Matches(msg, s.keys().preview) && !s.wide():
		s.pane = map[bool]int{true: paneTable, false: panePreview}[s.pane == panePreview]
	case key.Matches(msg, s.keys().unread):
		s.pane = paneUnread
	case key.Matches(msg, s.keys().nextSample):
		return s.showSample(1)
	case key.Matches(msg, s.keys().prevSample):
		return s.showSample(-1)
	case key.Matches(msg, k.Edit) && s.shown() > 0:
		row, _ := s.current()
		s.edit = newRuleEditor(s.c, row, s.rules, s.sourcePaths(), s.shownSample())
		return s.edit.focus()
	case key.Matches(msg, k.Clear) && s.shown() > 0:
		if r, _ := s.current(); r.rule >= 0 {
			s.setRules(slices.Delete(slices.Clone(s.rules), r.rule, r.rule+1))
			return s.check()
		}
	case key.Matches(msg, k.Next):
		return s.finish()
	}
	return nil
}

// unreadKey scrolls the list of unread fields; u, esc or enter go back to the table.
func (s *mappingStep) unreadKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case msg.Type == tea.KeyEsc, msg.Type == tea.KeyEnter, key.Matches(msg, s.keys().unread):
		s.pane = paneTable
	default:
		s.unreadView.key(msg, s.c.keys)
	}
	return nil
}

// mappingKeys are the keys only the mapping step has.
type mappingKeys struct {
	first, last, preview, unread, nextSample, prevSample, samples key.Binding
}

func (s *mappingStep) keys() mappingKeys {
	return mappingKeys{
		first:      key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first")),
		last:       key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last")),
		preview:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "preview")),
		unread:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unmapped fields")),
		nextSample: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next sample")),
		prevSample: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous sample")),
		samples:    key.NewBinding(key.WithKeys("[", "]"), key.WithHelp("[/]", "sample")),
	}
}

func (s *mappingStep) editKey(msg tea.KeyMsg) tea.Cmd {
	rule, done, cmd := s.edit.update(msg)
	if !done {
		return cmd
	}
	row, _ := s.current()
	s.edit = nil
	if rule == nil {
		return nil
	}
	rules := slices.Clone(s.rules)
	if row.rule >= 0 {
		rules[row.rule] = *rule
	} else {
		rules = append(rules, *rule)
	}
	s.setRules(rules)
	return s.check()
}

// setRules replaces the rules (never edited in place: a running check holds the old slice).
func (s *mappingStep) setRules(r []dataprep.Rule) {
	s.rules = r
	s.rulesGen++
	s.buildRows()
	s.shared = s.prefix()
	s.sampleValues()
	s.findUnread()
}

// sourcePaths are the fields of the chosen sample events, for the source picker.
func (s *mappingStep) sourcePaths() []string {
	seen := map[string]bool{}
	var out []string
	for _, ev := range s.c.samples {
		for _, p := range dataprep.SourcePaths(ev) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// finish accepts the mapping only when it has been checked, every rule passed and every mandatory target
// has a source: the tutorial's rules, enforced before anything is created.
func (s *mappingStep) finish() tea.Cmd {
	if s.checking {
		s.problem = "Still checking the mapping; a moment."
		return nil
	}
	if s.checkErr != nil {
		s.problem = "The mapping could not be checked; press r to try again."
		return nil
	}
	var missing []string
	for _, r := range s.rows {
		if r.rule < 0 && r.field != nil && r.field.Mandatory {
			missing = append(missing, r.target)
		}
	}
	switch bad := s.failed(); {
	case len(missing) > 0:
		s.problem = "Map the mandatory targets first: " + clean(strings.Join(missing, ", "))
	case bad > 0:
		s.problem = plural(bad, "rule", "rules") + " failed the check (marked ✗): edit them with e or unmap them with d."
	case s.rejectedSamples() > 0:
		s.problem = fmt.Sprintf("Ingestion would reject %d of %d sample events (fields marked ✗): change the rules that fill them.",
			s.rejectedSamples(), len(s.verdicts.Samples))
	default:
		s.c.plan.Mapping = slices.Clone(s.rules)
		return s.c.advance()
	}
	return nil
}

func (s *mappingStep) help() []key.Binding {
	k := s.c.keys
	mk := s.keys()
	switch {
	case s.edit != nil:
		return s.edit.help()
	case s.load == loadFailed || s.checkErr != nil:
		return []key.Binding{k.Retry}
	case s.filter.typing:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")), k.ClearFilter}
	case s.pane == paneUnread:
		return s.unreadView.help(k, []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/u", "back to the rules"))})
	case s.load == loadDone:
		b := []key.Binding{k.Move, key.NewBinding(key.WithKeys("home", "end"), key.WithHelp("home/end", "first/last")), k.Filter, k.Edit, k.Clear}
		if len(s.c.samples) > 1 {
			b = append(b, mk.samples)
		}
		if len(s.unread) > 0 {
			b = append(b, mk.unread)
		}
		if !s.wide() && !s.previewBelow {
			b = append(b, mk.preview)
		}
		if s.filter.query != "" {
			b = append(b, k.ClearFilter)
		}
		return append(b, k.Next)
	}
	return nil
}

// failed counts the mapped rows the last check rejected.
func (s *mappingStep) failed() int {
	n := 0
	for _, r := range s.rows {
		if c, ok := s.checks[r.target]; ok && r.rule >= 0 && !c.OK {
			n++
		}
	}
	return n
}
