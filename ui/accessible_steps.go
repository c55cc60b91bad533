package ui

import (
	"strconv"
	"strings"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// The accessible mode's later steps: destination, mapping, review, create and done.

func (a *accessible) destination() error {
	a.heading(5, "Destination")
	def := destDefaults
	kinds := make([]string, len(kindOrder))
	defKind := 0
	for i, k := range kindOrder {
		kinds[i] = kindLabels[k]
		if k == def.Kind {
			defKind = i
		}
	}
	kind, err := a.choose("Where should Customer.io events land?", kinds, defKind)
	if err != nil {
		return err
	}
	d := flow.Destination{Kind: kindOrder[kind]}
	switch d.Kind {
	case flow.ExistingDataset:
		var all []flow.Dataset
		if err := a.retry("Loading datasets", func() error {
			all = nil
			return a.e.Datasets(a.ctx, a.plan.Sandbox, func(p []flow.Dataset) { all = append(all, p...) })
		}); err != nil {
			return err
		}
		i, err := a.search("dataset", len(all), func(i int) string { return all[i].Name })
		if err != nil {
			return err
		}
		d.DatasetID, d.SchemaID = all[i].ID, all[i].SchemaID
	case flow.NewDataset:
		var all []flow.Schema
		if err := a.retry("Loading schemas", func() error {
			all = nil
			return a.e.Schemas(a.ctx, a.plan.Sandbox, func(p []flow.Schema) { all = append(all, p...) })
		}); err != nil {
			return err
		}
		i, err := a.search("schema", len(all), func(i int) string { return all[i].Title })
		if err != nil {
			return err
		}
		d.SchemaID = all[i].ID
	}
	a.say("%s", flow.NameTagNote)
	if d.Kind != flow.ExistingDataset {
		if d.DatasetName, err = a.ask("Dataset name", def.DatasetName); err != nil {
			return err
		}
		if d.DatasetDescription, err = a.ask("Dataset description", def.DatasetDescription); err != nil {
			return err
		}
	}
	a.plan.Destination = d
	a.say("%s\n%s", flow.AlertsOnlyInUI, flow.AlertsGuideURL)
	o := &a.plan.Options
	if d.Kind != flow.ExistingDataset { // an existing dataset keeps its own Profile setting
		if o.ProfileEnabled, err = a.yes("Enable for Profile? (this cannot be undone: the schema can then never be disabled or deleted)", def.Profile); err != nil {
			return err
		}
	}
	if o.ErrorDiagnostics, err = a.yes("Error diagnostics?", def.Diagnostics); err != nil {
		return err
	}
	partial, err := a.yes("Partial ingestion?", def.Partial)
	for err == nil && partial {
		var v string
		if v, err = a.ask("Partial ingestion threshold in percent (1-100)", def.Threshold); err != nil {
			break
		}
		if n, perr := strconv.Atoi(v); perr == nil && n >= 1 && n <= 100 {
			o.PartialIngestionPercent = n
			break
		}
		a.say("Please answer with a whole number from 1 to 100.")
	}
	if err != nil {
		return err
	}
	if a.plan.Name, err = a.ask("Dataflow name", def.FlowName); err != nil {
		return err
	}
	a.plan.Description, err = a.ask("Dataflow description", def.FlowDescription)
	return err
}

// search picks one of n named items: long lists are narrowed by typing part of a name first.
func (a *accessible) search(what string, n int, name func(int) string) (int, error) {
	if n == 0 {
		a.say("This sandbox has no %s.", what)
		return 0, ErrQuit
	}
	for {
		q, err := a.ask("Type part of the "+what+" name to narrow the list (enter lists all)", "")
		if err != nil {
			return 0, err
		}
		var idx []int
		var names []string
		for i := 0; i < n && len(idx) < 30; i++ {
			if strings.Contains(strings.ToLower(name(i)), strings.ToLower(q)) {
				idx, names = append(idx, i), append(names, name(i))
			}
		}
		if len(idx) == 0 {
			a.say("No %s matches %q.", what, clean(q))
			continue
		}
		names = append(names, "(search again)")
		c, err := a.choose("Choose the "+what, names, 0)
		if err != nil {
			return 0, err
		}
		if c < len(idx) {
			return idx[c], nil
		}
	}
}

func (a *accessible) mapping() error {
	a.heading(6, "Mapping")
	var rules []dataprep.Rule
	if err := a.retry("Suggesting a mapping", func() (err error) {
		rules, err = a.e.SuggestMapping(a.ctx, a.plan, a.samples)
		return err
	}); err != nil {
		return err
	}
	for {
		a.plan.Mapping = rules
		var checks []flow.RuleCheck
		if err := a.retry("Checking the mapping", func() (err error) {
			checks, err = a.e.ValidateMapping(a.ctx, a.plan)
			return err
		}); err != nil {
			return err
		}
		bad := 0
		for i, c := range checks {
			verdict := "ok"
			if !c.OK {
				verdict, bad = "FAILED: "+strings.Join(c.Errors, "; "), bad+1
			}
			a.say("  %d) %s ← %s  (%s)", i+1, clean(c.Rule.Destination), sourceText(c.Rule), clean(verdict))
		}
		rejected := 0
		if bad == 0 { // what ingestion will check: every sample through the mapping and XDM validation
			var v flow.SampleVerdicts
			if err := a.retry("Checking the sample events", func() (err error) {
				v, err = a.e.CheckSamples(a.ctx, a.plan, a.samples)
				return err
			}); err != nil {
				return err
			}
			rejected = len(v.Samples) - v.Accepted()
			a.say("%d of %d samples accepted.", v.Accepted(), len(v.Samples))
			for _, sv := range v.Samples {
				for _, p := range sv.Problems {
					a.say("  rejected %s: %s", clean(sv.Event), clean(p.String()))
				}
			}
		}
		v, err := a.ask("Enter a row number to change it, n for a new row, or press enter to accept", "")
		if err != nil {
			return err
		}
		if v == "" && bad == 0 && rejected == 0 {
			return nil
		}
		if v == "" && bad > 0 {
			a.say("%s failed the check: change them first.", plural(bad, "row", "rows"))
			continue
		}
		if v == "" {
			a.say("Ingestion would reject %s: change the rules that fill the fields named above.", plural(rejected, "sample event", "sample events"))
			continue
		}
		if rules, err = a.editRule(rules, v); err != nil {
			return err
		}
	}
}

// editRule changes row v (or adds one for "n"). Sources are typed: a field path as is, "=expr" for an
// expression, and a double-quoted text for a constant; an empty source removes the row.
func (a *accessible) editRule(rules []dataprep.Rule, v string) ([]dataprep.Rule, error) {
	rules = append([]dataprep.Rule(nil), rules...)
	r, i := dataprep.Rule{}, len(rules)
	if v != "n" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > len(rules) {
			a.say("There is no row %q.", v)
			return rules, nil
		}
		i, r = n-1, rules[n-1]
	} else {
		var err error
		if r.Destination, err = a.ask("Target field path", ""); err != nil {
			return rules, err
		}
	}
	src, err := a.ask("Source: a field path, =expression, or \"constant\"; empty removes the row", "")
	if err != nil {
		return rules, err
	}
	switch {
	case src == "":
		if i < len(rules) {
			rules = append(rules[:i], rules[i+1:]...)
		}
		return rules, nil
	case strings.HasPrefix(src, "="):
		r.SourceType, r.Source = dataprep.Expression, strings.TrimSpace(src[1:])
	case len(src) >= 2 && strings.HasPrefix(src, `"`) && strings.HasSuffix(src, `"`):
		r.SourceType, r.Source = dataprep.Static, src[1:len(src)-1]
	default:
		r.SourceType, r.Source = dataprep.Attribute, src
	}
	if i == len(rules) {
		return append(rules, r), nil
	}
	rules[i] = r
	return rules, nil
}

func (a *accessible) review() error {
	a.heading(7, "Review")
	a.say("Customer.io → streaming endpoint → mapping (%d rules) → dataset", len(a.plan.Mapping))
	var steps []flow.PlannedStep
	if err := a.retry("Working out what exists", func() (err error) {
		steps, err = a.e.Review(a.ctx, a.plan)
		return err
	}); err != nil {
		return err
	}
	for _, s := range steps {
		a.say("  %s %s: %s", s.Action, clean(s.Name), clean(s.Detail))
	}
	ok, err := a.yes("Create the dataflow now?", true)
	if err == nil && !ok {
		err = ErrQuit
	}
	return err
}

func (a *accessible) create() (flow.Result, error) {
	a.heading(8, "Create")
	for {
		res, err := a.e.Apply(a.ctx, a.plan, func(s flow.Step) {
			switch s.State {
			case flow.StepDone, flow.StepReused, flow.StepFailed:
				a.say("  %s: %s (%s)", clean(s.Name), s.Outcome(), s.Elapsed.Round(1e6))
			}
		})
		if err == nil {
			return res, nil
		}
		a.say("The dataflow could not be finished: %s", clean(flow.Explain(err)))
		if again, yerr := a.yes("Retry from where it stopped? (No quits; the next run resumes.)", true); yerr != nil || !again {
			return flow.Result{}, ErrQuit
		}
	}
}

func (a *accessible) done(res flow.Result) {
	a.heading(9, "Done")
	if _, err := a.deps.Save(a.ctx, a.p, Credentials{}, a.plan.Sandbox); err != nil {
		a.say("The profile was not updated: %s", clean(err.Error()))
	}
	a.say("The dataflow is ready. Paste this URL into Customer.io:\n\n%s\n", clean(res.WebhookURL))
	var labels []string
	for _, e := range a.plan.Events {
		if o, ok := flow.LookupObjectType(e); ok {
			labels = append(labels, o.Label)
		}
	}
	for i, l := range []string{
		"Open Data & Integrations → Integrations → Reporting Webhooks.",
		"Click Add Reporting Webhook and give it a name.",
		"Paste the URL into Webhook Endpoint.",
		"Tick the same events: " + strings.Join(labels, ", ") + ".",
		"Click Save and Enable Webhook.",
	} {
		a.say("%d. %s", i+1, l)
	}
	a.say("Adobe asks for about five minutes after creating a dataflow before data flows.")
	a.next(res)
}
