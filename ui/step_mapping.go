package ui

import (
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

// mappingStep shows the engine's suggested mapping as a table, lets the user change any row, checks the
// rules with the platform and previews what a sample event becomes.
type mappingStep struct {
	c      *common
	fields []flow.TargetField
	rules  []dataprep.Rule
	rows   []mapRow
	cursor int
	offset int

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
	sample     int  // the sample the preview shows
	showSide   bool // narrow terminals: the preview replaces the table while p is on
	problem    string

	edit   *ruleEditor
	ticket int // fields + suggestion
	vTick  int // the running check
}

func newMapping(c *common) *mappingStep { return &mappingStep{c: c} }

func (s *mappingStep) title() string { return "Mapping" }

func (s *mappingStep) ownsEsc() bool { return s.edit != nil }

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
	s.cursor, s.offset, s.edit = 0, 0, nil
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

// check validates the rules, runs every sample through them as ingestion will, and previews the sample
// on show, in one command.
func (s *mappingStep) check() tea.Cmd {
	s.vTick = s.c.ticket()
	s.checking, s.checkErr, s.previewErr = true, nil, nil
	ctx, e, plan, samples := s.c.ctx, s.c.engine, s.c.plan, s.c.samples
	plan.Mapping = slices.Clone(s.rules)
	var sample map[string]any
	if len(samples) > 0 {
		s.sample = min(s.sample, len(samples)-1)
		sample = samples[s.sample]
	}
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

// nextSample shows the next event type's sample in the preview: the first sample of each object type.
func (s *mappingStep) nextSample() tea.Cmd {
	n := len(s.c.samples)
	if n < 2 {
		return nil
	}
	cur, _ := s.c.samples[s.sample]["object_type"].(string)
	for i := 1; i <= n; i++ {
		j := (s.sample + i) % n
		if o, _ := s.c.samples[j]["object_type"].(string); o != cur || i == n {
			s.sample = j
			break
		}
	}
	return s.check()
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
			s.checking, s.checkErr, s.preview, s.previewErr = false, v.checkErr, v.preview, v.prevErr
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
	s.buildRows()
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
	s.cursor = min(s.cursor, max(len(s.rows)-1, 0))
}

func (s *mappingStep) key(msg tea.KeyMsg) tea.Cmd {
	k := s.c.keys
	s.problem = ""
	switch {
	case s.load == loadFailed && key.Matches(msg, k.Retry):
		return s.reload()
	case s.load != loadDone:
		return nil
	case s.checkErr != nil && key.Matches(msg, k.Retry):
		return s.check()
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, max(len(s.rows)-1, 0))
	case msg.Type == tea.KeyPgDown:
		s.cursor = min(s.cursor+s.tableHeight(), max(len(s.rows)-1, 0))
	case msg.Type == tea.KeyPgUp:
		s.cursor = max(s.cursor-s.tableHeight(), 0)
	case msg.String() == "p":
		s.showSide = !s.showSide
	case msg.String() == "n":
		return s.nextSample()
	case key.Matches(msg, k.Edit) && len(s.rows) > 0:
		s.edit = newRuleEditor(s.c, s.rows[s.cursor], s.rules, s.sourcePaths())
		return s.edit.focus()
	case key.Matches(msg, k.Clear) && len(s.rows) > 0:
		if r := s.rows[s.cursor]; r.rule >= 0 {
			s.setRules(slices.Delete(slices.Clone(s.rules), r.rule, r.rule+1))
			return s.check()
		}
	case key.Matches(msg, k.Next):
		return s.finish()
	}
	return nil
}

func (s *mappingStep) editKey(msg tea.KeyMsg) tea.Cmd {
	rule, done, cmd := s.edit.update(msg)
	if !done {
		return cmd
	}
	row := s.rows[s.cursor]
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
	s.buildRows()
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

func (s *mappingStep) tableHeight() int {
	h := s.c.bodyHeight() - 6
	if s.prefix() != "" {
		h-- // the line that writes the shared prefix out once
	}
	return max(h, 3)
}

func (s *mappingStep) help() []key.Binding {
	k := s.c.keys
	switch {
	case s.edit != nil:
		return s.edit.help()
	case s.load == loadFailed || s.checkErr != nil:
		return []key.Binding{k.Retry}
	case s.load == loadDone:
		b := []key.Binding{k.Move, k.Edit, k.Clear}
		if !s.wide() {
			b = append(b, key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "preview")))
		}
		if len(s.c.samples) > 1 {
			b = append(b, key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next sample")))
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
