package flow

import "time"

// StepState is where one step of Apply stands.
type StepState int

const (
	StepWaiting StepState = iota // not started: its dependencies are still running (or one failed)
	StepRunning
	StepDone   // created
	StepReused // found (journal id or name) and kept
	StepFailed
)

func (s StepState) String() string {
	switch s {
	case StepWaiting:
		return "waiting"
	case StepRunning:
		return "running"
	case StepDone:
		return "created"
	case StepReused:
		return "reused"
	case StepFailed:
		return "failed"
	}
	return "unknown"
}

// Outcome says in a word how a finished step ended: "created" or "reused" for a resource, and "done"
// for the steps that only read or check (tenant, mapping check, Profile tag, endpoint).
func (s Step) Outcome() string {
	if s.State == StepDone {
		switch s.Name {
		case StepTenant, StepValidate, StepProfile, StepEndpoint:
			return "done"
		}
	}
	return s.State.String()
}

// Step is one progress event of Apply. Apply reports every step as waiting first, so a UI can draw the
// whole list, then each change as it happens. Events arrive one at a time, never concurrently.
type Step struct {
	Name       string // one of the Step* names below
	State      StepState
	ResourceID string
	Elapsed    time.Duration // since the step started running
	Err        error
}

// Step names, in the order a UI may list them.
const (
	StepTenant     = "Tenant"
	StepFieldGroup = "Field group"
	StepSchema     = "Schema"
	StepDescriptor = "Identity descriptor"
	StepProfile    = "Profile"
	StepDataset    = "Dataset"
	StepValidate   = "Mapping check"
	StepSource     = "Source connection"
	StepTarget     = "Target connection"
	StepMapping    = "Mapping set"
	StepFlow       = "Dataflow"
	StepEndpoint   = "Endpoint"
)
