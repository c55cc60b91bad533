package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// currentRules makes setup's mapping step start from the rules a dataflow uses now instead of a
// suggestion: the step asks for one when it opens, and for an existing dataflow the answer is what it has.
type currentRules struct{ Engine }

func (e currentRules) SuggestMapping(_ context.Context, plan flow.Plan, _ []map[string]any) ([]dataprep.Rule, error) {
	return slices.Clone(plan.Mapping), nil
}

// Phases of a mapping change.
const (
	mapLoading  = iota // reading the current rules
	mapEditing         // setup's mapping step
	mapDiff            // the difference, waiting for confirmation
	mapApplying        // ChangeMapping
	mapApplied
	mapConflict // someone else changed the mapping meanwhile
	mapFailed
)

// mappingPage changes the dataflow's mapping: setup's mapping step on the current rules, the difference
// for review, then a new mapping set version the dataflow is pointed at, without clobbering a change
// another client made meanwhile.
type mappingPage struct {
	m        *menuModel
	phase    int
	old      []dataprep.Rule // what the dataflow uses (or, after a conflict, what the other client set)
	rules    []dataprep.Rule // the user's rules
	diff     []flow.RuleChange
	step     *mappingStep
	change   flow.MappingChange
	conflict *flow.ConflictError
	err      error
	retry    func() tea.Cmd
	scroll   scroller
	ticket   int
}

func newMappingPage(m *menuModel) *mappingPage { return &mappingPage{m: m} }

func (p *mappingPage) title() string { return "Mapping" }

func (p *mappingPage) ownsEsc() bool {
	switch p.phase {
	case mapEditing:
		return p.step.ownsEsc()
	case mapDiff, mapApplying:
		return true
	}
	return false
}

func (p *mappingPage) busy() bool { return p.phase == mapApplying }

// rulesRead is the dataflow as it is now and the rules it uses.
type rulesRead struct {
	df    flow.Dataflow
	rules []dataprep.Rule
}

// load reads the rules (after a conflict, the dataflow first) and opens the editor on them.
func (p *mappingPage) load() tea.Cmd {
	return p.read(false)
}

func (p *mappingPage) read(refresh bool) tea.Cmd {
	p.phase, p.err = mapLoading, nil
	p.retry = func() tea.Cmd { return p.read(refresh) }
	p.ticket = p.m.c.ticket()
	ctx, rc, df := p.m.c.ctx, p.m.rc, *p.m.df
	return do(p.ticket, func() (rulesRead, error) {
		if refresh {
			var err error
			if df, err = rc.Refresh(ctx, df); err != nil {
				return rulesRead{}, err
			}
		}
		rules, err := rc.Rules(ctx, df)
		return rulesRead{df: df, rules: rules}, err
	})
}

// edit opens setup's mapping step on rules, for the dataflow's dataset and schema.
func (p *mappingPage) edit(rules []dataprep.Rule) tea.Cmd {
	c := p.m.c
	c.plan = p.m.df.MappingPlan(slices.Clone(rules))
	c.plan.Profile, c.plan.Events = c.deps.Profile, p.m.eventsOrAll()
	c.samples = samplesFor(c.deps, p.m.events)
	c.engine = currentRules{p.m.rc}
	c.engineGen++
	p.phase = mapEditing
	if p.step == nil {
		p.step = newMapping(c)
	}
	return p.step.enter()
}

type mappingApplied struct {
	change flow.MappingChange
	df     flow.Dataflow
}

func (p *mappingPage) apply() tea.Cmd {
	p.phase, p.err, p.conflict = mapApplying, nil, nil
	p.retry = p.apply
	p.ticket = p.m.c.ticket()
	ctx, rc, df, rules := p.m.c.ctx, p.m.rc, *p.m.df, slices.Clone(p.rules)
	return do(p.ticket, func() (mappingApplied, error) {
		mc, err := rc.ChangeMapping(ctx, df, rules)
		if err != nil {
			return mappingApplied{change: mc}, err
		}
		fresh, err := rc.Refresh(ctx, df)
		if err != nil {
			fresh = df // the change landed; the summary is only a little stale
		}
		return mappingApplied{change: mc, df: fresh}, nil
	})
}

func (p *mappingPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[rulesRead]:
		if msg.ticket != p.ticket {
			return nil
		}
		if msg.err != nil {
			p.phase, p.err = mapFailed, msg.err
			return nil
		}
		df := msg.val.df
		p.m.df = &df
		if p.conflict != nil {
			// Back from a conflict: compare the user's rules with the other client's, then confirm again.
			p.old = msg.val.rules
			p.diff, p.phase = flow.DiffRules(p.old, p.rules), mapDiff
			return nil
		}
		p.old = msg.val.rules
		return p.edit(p.old)
	case doneMsg[mappingApplied]:
		if msg.ticket != p.ticket {
			return nil
		}
		var ce *flow.ConflictError
		switch {
		case errors.As(msg.err, &ce):
			p.phase, p.conflict = mapConflict, ce
		case msg.err != nil:
			p.phase, p.err = mapFailed, msg.err
		default:
			p.phase, p.change, p.conflict = mapApplied, msg.val.change, nil
			df := msg.val.df
			p.m.df = &df
		}
		return nil
	case tea.KeyMsg:
		return p.key(msg)
	}
	if p.phase == mapEditing {
		return p.step.update(msg)
	}
	return nil
}

func (p *mappingPage) key(msg tea.KeyMsg) tea.Cmd {
	k := p.m.c.keys
	switch p.phase {
	case mapEditing:
		cmd := p.step.update(msg)
		if p.m.c.forward { // the step accepted the rules
			p.m.c.forward = false
			p.rules = slices.Clone(p.m.c.plan.Mapping)
			p.diff, p.phase = flow.DiffRules(p.old, p.rules), mapDiff
			p.scroll = scroller{}
		}
		return cmd
	case mapDiff:
		switch {
		case msg.Type == tea.KeyEsc:
			p.phase = mapEditing
			if p.conflict != nil {
				// Edit on from the user's own rules, now compared with the other client's.
				p.conflict = nil
				return p.edit(p.rules)
			}
		case key.Matches(msg, k.Next) && len(p.diff) > 0:
			return p.apply()
		default:
			p.scroll.key(msg, k)
		}
	case mapApplied:
		if key.Matches(msg, k.Next) {
			return p.m.home(fmt.Sprintf("✓ The dataflow now uses mapping version %d.", p.change.NewVersion))
		}
		p.scroll.key(msg, k)
	case mapConflict:
		if key.Matches(msg, k.Next) {
			return p.read(true)
		}
		p.scroll.key(msg, k)
	case mapFailed:
		if key.Matches(msg, k.Retry) {
			return p.retry()
		}
	}
	return nil
}

// diffLines draws a rule diff: + added, - removed, ~ changed (old → new), the marks telling the kind
// without colour.
func (p *mappingPage) diffLines(diff []flow.RuleChange) []string {
	st := p.m.c.st
	var out []string
	for _, d := range diff {
		switch d.Change {
		case flow.RuleAdded:
			out = append(out, st.ok.Render("+ "+clean(d.New.Destination))+" ← "+sourceText(d.New))
		case flow.RuleRemoved:
			out = append(out, st.err.Render("- "+clean(d.Old.Destination))+st.subtle.Render(" ← "+sourceText(d.Old)))
		default:
			out = append(out, st.warn.Render("~ "+clean(d.New.Destination)))
			out = append(out, st.subtle.Render("    was ")+sourceText(d.Old))
			out = append(out, st.subtle.Render("    now ")+sourceText(d.New))
		}
	}
	return out
}

func (p *mappingPage) view() string {
	c := p.m.c
	st := c.st
	var b strings.Builder
	switch p.phase {
	case mapLoading:
		return c.busy("Reading the dataflow's mapping…")
	case mapEditing:
		return p.step.view()
	case mapDiff:
		if p.conflict != nil {
			b.WriteString(fmt.Sprintf("Your rules compared with the other client's (version %d, in use now):\n\n", p.m.df.MappingVersion))
		} else {
			b.WriteString(fmt.Sprintf("Changes to the mapping (version %d of %s):\n\n", p.m.df.MappingVersion, clean(p.m.df.Name)))
		}
		if len(p.diff) == 0 {
			b.WriteString(st.subtle.Render("No rule changed: the dataflow already maps this way.") + "\n\n" + c.para("Press esc to edit the rules again, or esc twice for the menu."))
			return p.scroll.view(b.String(), c.bodyHeight())
		}
		b.WriteString(strings.Join(p.diffLines(p.diff), "\n") + "\n\n")
		b.WriteString(c.para(fmt.Sprintf("%d rule(s) change. enter saves them as a new version of the mapping set and points the dataflow at it; events that arrive afterwards are mapped the new way.", len(p.diff))))
	case mapApplying:
		return c.busy("Saving a new version of the mapping set and pointing the dataflow at it…")
	case mapApplied:
		ch := p.change
		if ch.NewVersion == ch.OldVersion && len(ch.Diff) == 0 {
			b.WriteString(st.ok.Render("✓ The mapping already had these rules: nothing changed.") + "\n")
		} else {
			b.WriteString(st.ok.Render(fmt.Sprintf("✓ The dataflow now uses version %d of its mapping set", ch.NewVersion)) +
				st.subtle.Render(fmt.Sprintf(" (was %d).", ch.OldVersion)) + "\n\n")
			b.WriteString(strings.Join(p.diffLines(ch.Diff), "\n") + "\n")
		}
		if len(ch.Concurrent) > 0 {
			b.WriteString("\n" + st.warn.Render("! Meanwhile someone else changed this dataflow; their change was kept:") + "\n")
			for _, fc := range ch.Concurrent {
				b.WriteString("  " + fieldChangeText(fc) + "\n")
			}
		}
	case mapConflict:
		ce := p.conflict
		b.WriteString(st.warn.Render("! Someone else changed this dataflow's mapping while you were editing it.") + "\n\n")
		for _, fc := range ce.Changes {
			b.WriteString("  " + fieldChangeText(fc) + "\n")
		}
		b.WriteString("\n" + c.para(fmt.Sprintf("Nothing of theirs was overwritten: the dataflow still uses their mapping. Your rules are saved as version %d of mapping set %s but are not in use.",
			ce.Version, clean(ce.MappingSetID))) + "\n\n")
		b.WriteString(c.para("Press enter to read the dataflow again and compare your rules with theirs before you decide; esc keeps theirs."))
	case mapFailed:
		return c.errText(p.err) + "\n\nPress r to try again."
	}
	return p.scroll.view(b.String(), c.bodyHeight())
}

// fieldChangeText is one concurrent change for people.
func fieldChangeText(fc flow.FieldChange) string {
	return clean(fc.Field) + ": " + fmt.Sprintf("%q → %q", clean(fc.Before), clean(fc.After))
}

func (p *mappingPage) help() []key.Binding {
	k := p.m.c.keys
	switch p.phase {
	case mapEditing:
		return p.step.help()
	case mapDiff:
		b := []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "edit again"))}
		if len(p.diff) > 0 {
			b = append(b, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save and apply")))
		}
		return p.scroll.help(k, b)
	case mapApplied:
		return p.scroll.help(k, []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "menu"))})
	case mapConflict:
		return p.scroll.help(k, []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "compare with theirs"))})
	case mapFailed:
		return []key.Binding{k.Retry}
	}
	return nil
}
