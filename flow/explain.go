package flow

import (
	"context"
	"errors"
	"strings"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/cio"
)

// Explain turns an error from this package into one or two lines for people: what happened, then what to
// do next.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	what := err.Error()
	var next string
	var mm *MissingMandatoryError
	var cioNet *cio.NetError
	switch {
	case errors.Is(err, context.Canceled):
		return "Stopped. Run the same command again to carry on: cioaep finds what it already made."
	case errors.As(err, &cioNet): // before aep.Hint, which would blame Adobe for Customer.io's silence
		next = cioNet.Hint()
	case errors.As(err, &mm):
		next = "Map these fields in the mapping step (or in the --mapping file), then run again."
	default:
		next = aep.Hint(err)
	}
	var step *StepError
	if next == "" && errors.As(err, &step) {
		next = "Run the same command again: it resumes where it stopped and creates nothing twice."
	}
	if next == "" {
		return what
	}
	return strings.TrimSpace(what) + "\n" + next
}

// StepError says which step of Apply failed and what it was doing.
type StepError struct {
	Step string // a Step* name
	Op   string // "create the source connection", …
	Err  error
}

func (e *StepError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// MissingMandatoryError lists target fields the tutorial requires but the mapping leaves empty.
type MissingMandatoryError struct{ Paths []string }

func (e *MissingMandatoryError) Error() string {
	return "the mapping leaves required fields empty: " + strings.Join(e.Paths, ", ")
}
