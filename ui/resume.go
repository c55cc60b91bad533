package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/cioaep/cioaep/flow"
)

// The first screen of the wizard (and of --accessible) tells the user about a setup the profile left
// unfinished. flow decides what resuming means (Apply continues the journal's plan because the wizard
// passes no plan id); ui only shows what was made and passes a discard on to flow.

// unfinishedLines says what the unfinished setup made and when, one line each, for both renderings.
func unfinishedLines(u flow.Unfinished, now time.Time) []string {
	when := "at an unknown time"
	if !u.Last.IsZero() {
		when = u.Last.UTC().Format("2006-01-02 15:04 UTC") + " (" + ago(now.Sub(u.Last).Round(time.Second)) + " ago)"
	}
	lines := []string{fmt.Sprintf("An unfinished setup (plan %s, sandbox %s) last changed the platform %s. It created:",
		clean(u.PlanID), clean(u.Sandbox), when)}
	for _, m := range u.Made {
		name := m.Name
		if name == "" {
			name = m.ID
		}
		lines = append(lines, fmt.Sprintf("  • %s %s", kindLabel(m.Kind), clean(name)))
	}
	if len(u.Made) == 0 {
		lines = append(lines, "  • nothing confirmed yet")
	}
	if u.Pending > 0 {
		lines = append(lines, fmt.Sprintf("  and was creating %d more, which a resume looks up by name before creating anything.", u.Pending))
	}
	return lines
}

// discardNote says what discarding does: flow sets the journal aside and deletes nothing, so the
// teardown command is printed for the user to run when they want the resources gone.
func discardNote(profile string) string {
	return "Discarding starts a new setup with new names and deletes nothing: what the unfinished setup made stays on the platform until `" +
		teardownCommand(profile) + "` deletes it."
}

func teardownCommand(profile string) string {
	if profile == "" || profile == "default" {
		return "cioaep teardown"
	}
	return "cioaep teardown --profile " + profile
}

// kindLabel names a journal kind for people.
func kindLabel(kind string) string {
	switch kind {
	case flow.KindFieldGroup:
		return "field group"
	case flow.KindSchema:
		return "schema"
	case flow.KindDescriptor:
		return "identity descriptor"
	case flow.KindProfile:
		return "Profile tag on schema"
	case flow.KindDataset:
		return "dataset"
	case flow.KindSource:
		return "source connection"
	case flow.KindTarget:
		return "target connection"
	case flow.KindMapping:
		return "mapping set"
	case flow.KindFlow:
		return "dataflow"
	}
	return kind
}

// resumeBox is the wizard's rendering: the lines, then the choice.
func (c *common) resumeBox(u flow.Unfinished, discarded bool) string {
	var b strings.Builder
	if discarded {
		b.WriteString(c.st.warn.Render("Discarded the unfinished setup.") + "\n")
		b.WriteString(c.para("Enter starts a new setup. What it made stays on the platform until `"+teardownCommand(c.deps.Profile)+"` deletes it.") + "\n")
		return b.String()
	}
	for i, l := range unfinishedLines(u, time.Now()) {
		if i == 0 {
			b.WriteString(c.st.warn.Render(c.para("! "+l)) + "\n")
			continue
		}
		b.WriteString(fit(l, c.bodyWidth()) + "\n")
	}
	b.WriteString("\n" + c.para("Enter resumes it: what exists is reused and nothing is made twice. Press d to discard it instead. "+discardNote(c.deps.Profile)) + "\n")
	return b.String()
}
