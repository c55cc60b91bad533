package flow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
)

// TestExplain checks every failure Apply can end with reads as what happened, then what to do.
func TestExplain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"service down", &StepError{Step: StepFlow, Op: "create the dataflow", Err: &aep.Error{Status: 503, Method: "POST", URL: "/flows"}},
			[]string{"create the dataflow", "re-running setup resumes"}},
		{"token refused", &StepError{Step: StepTenant, Op: "read the organisation's tenant id", Err: &aep.Error{Status: 401, Code: "401013"}},
			[]string{"tenant id", "organization id"}},
		{"unknown outcome", &StepError{Step: StepSource, Op: "create the source connection", Err: fmt.Errorf("POST: %w", aep.ErrAmbiguous)},
			[]string{"source connection", "finds what exists by name"}},
		{"plain failure", &StepError{Step: StepMapping, Op: "create the mapping set", Err: errors.New("disk full")},
			[]string{"disk full", "creates nothing twice"}},
		{"mandatory", &StepError{Step: StepValidate, Op: "check the mapping", Err: &MissingMandatoryError{Paths: []string{"_acme.cio.email"}}},
			[]string{"_acme.cio.email", "--mapping"}},
		{"interrupted", fmt.Errorf("apply: %w", context.Canceled), []string{"Stopped", "again"}},
	}
	for _, c := range cases {
		got := Explain(c.err)
		if lines := strings.Count(got, "\n"); lines > 1 {
			t.Errorf("%s: %d lines: %q", c.name, lines+1, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
	}
	if Explain(nil) != "" {
		t.Error("Explain(nil) is not empty")
	}
}
