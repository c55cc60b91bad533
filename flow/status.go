package flow

import (
	"context"
	"fmt"
)

// PipelineStatus is the platform side of `cioaep status`: the profile's dataflow as it is now, and what
// needs the user's attention. The command adds the profile and the secret's whereabouts.
type PipelineStatus struct {
	Sandbox  string
	Dataflow *Dataflow // nil when the profile has no dataflow
	// Gone is the id of the dataflow the journal names when the platform no longer has it.
	Gone string
	// Found lists the sandbox's Customer.io dataflows when the profile has none recorded (another
	// machine set it up): reconfigure can adopt one.
	Found  []Dataflow
	Events []string // the recorded Customer.io object types; nil when none were recorded
	// Attention lists, for people, what is wrong; empty means all is well.
	Attention []string
}

// Totals adds up the record counts of the recent runs.
func (p PipelineStatus) Totals() (input, output, failed int64) {
	if p.Dataflow == nil {
		return 0, 0, 0
	}
	for _, r := range p.Dataflow.Runs {
		input, output, failed = input+r.Input, output+r.Output, failed+r.Failed
	}
	return input, output, failed
}

// Status reads the profile's dataflow, its recent runs and the recorded event types, and says what needs
// attention: no dataflow, a disabled flow, an endpoint not yet provisioned, a missing dataset, or records
// that failed in the recent runs.
func (s *Session) Status(ctx context.Context) (PipelineStatus, error) {
	st := PipelineStatus{Sandbox: s.c.Sandbox()}
	events, _, err := LoadEvents(s.stateDir)
	if err != nil {
		return st, err
	}
	st.Events = events
	df, found, gone, err := s.Current(ctx)
	if err != nil {
		return st, err
	}
	st.Gone = gone
	if !found {
		if st.Found, err = s.Discover(ctx, ""); err != nil {
			return st, err
		}
		switch {
		case gone != "":
			st.Attention = append(st.Attention, fmt.Sprintf("the dataflow %s this profile set up no longer exists: run cioaep setup", gone))
		case len(st.Found) > 0:
			st.Attention = append(st.Attention, fmt.Sprintf("no dataflow recorded for this profile, but the sandbox has %d Customer.io dataflow(s): run cioaep reconfigure to adopt one", len(st.Found)))
		default:
			st.Attention = append(st.Attention, "no dataflow yet: run cioaep setup")
		}
		return st, nil
	}
	st.Dataflow, st.Sandbox = &df, df.Sandbox
	if !df.Enabled() {
		st.Attention = append(st.Attention, "the dataflow is disabled, so the endpoint refuses events: cioaep reconfigure --non-interactive --enable")
	}
	if df.InletURL == "" {
		st.Attention = append(st.Attention, "Flow Service has not provisioned the endpoint yet: check again in a few minutes")
	}
	if df.DatasetID != "" && df.DatasetName == "" {
		st.Attention = append(st.Attention, fmt.Sprintf("the dataset %s no longer exists: move the dataflow with cioaep reconfigure --non-interactive --new-dataset NAME", df.DatasetID))
	}
	if _, _, failed := st.Totals(); failed > 0 {
		st.Attention = append(st.Attention, fmt.Sprintf("%d record(s) failed in the recent runs: check the mapping against the schema (Adobe: the dataset's failed batches; local: cioaep local events --failed)", failed))
	}
	return st, nil
}
