package ui

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
)

// parityActions are done-screen actions as cmd adds them, which record that they ran.
func parityActions(ran *[]string) []Action {
	act := func(k, label string) Action {
		return Action{Key: k, Label: label, Run: func(ctx context.Context, _ flow.Result) (string, error) {
			*ran = append(*ran, label)
			v, err := Ask(ctx, Question{Prompt: "Region", Choices: []string{"US", "EU"}, Default: "US"})
			return "asked and got " + v, err
		}}
	}
	return []Action{act("t", "send test event"), act("w", "create the webhook")}
}

// TestModesOfferTheSameChoicesAndDefaults accepts every default in the full-screen wizard and in
// --accessible and compares what each would create, and the choices each offers once the URL is shown.
func TestModesOfferTheSameChoicesAndDefaults(t *testing.T) {
	var ran []string
	full := newWorld()
	deps := full.deps(false)
	deps.Actions = parityActions(&ran)
	d := start(t, deps, 120, 40)
	d.to(6)
	d.enter("remembers this dataflow")
	w, _ := d.final()
	var fullDone []string
	for _, b := range w.steps[len(w.steps)-1].help() {
		fullDone = append(fullDone, b.Help().Desc)
	}

	acc := newWorld()
	deps = acc.deps(false)
	deps.Actions = parityActions(&ran)
	var out strings.Builder
	// Enter at every prompt; at the end, "What next?" runs the first action (2), answers its question
	// with the default, then quits with the default.
	input := strings.Repeat("\n", 15) + "2\n\n\n"
	if _, err := RunAccessible(context.Background(), deps, Prompter{In: strings.NewReader(input), Out: &out}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	menu := text[strings.LastIndex(text, "Save and Enable Webhook"):]
	menu = menu[:strings.Index(menu, "What next?")]
	var accDone []string
	for _, m := range regexp.MustCompile(`(?m)^  \d+\) (.+)$`).FindAllStringSubmatch(menu, -1) {
		accDone = append(accDone, m[1])
	}

	fp, ap := full.engine.applied, acc.engine.applied
	fp.ID, ap.ID = "", ""
	if !reflect.DeepEqual(fp, ap) {
		t.Errorf("accepting every default creates different dataflows:\nfull screen %+v\naccessible  %+v", fp, ap)
	}
	if fp.Options.ErrorDiagnostics || fp.Options.PartialIngestionPercent != 0 || fp.Options.ProfileEnabled {
		t.Errorf("the defaults turn options on: %+v", fp.Options)
	}
	if !slices.Equal(fullDone, accDone) || len(accDone) < 4 {
		t.Errorf("after the URL the full screen offers %q, accessible %q", fullDone, accDone)
	}
	if !strings.Contains(text, flow.NameTagNote) {
		t.Errorf("accessible does not explain the name suffix where names are asked:\n%s", text)
	}
	if !strings.Contains(text, "asked and got US") || !slices.Equal(ran, []string{"send test event"}) {
		t.Errorf("the accessible menu did not run the action with its question (ran %q):\n%s", ran, text)
	}
}
