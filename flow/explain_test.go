package flow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/cio"
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

// TestExplainBlamesCustomerIO: a Customer.io App API call that times out or whose host does not exist
// says so, naming Customer.io and the region, never "Adobe" or CIOAEP_PLATFORM_URL.
func TestExplainBlamesCustomerIO(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	api := cio.NewAppAPI("key", "us", &http.Client{Timeout: 50 * time.Millisecond})
	api.BaseURL = slow.URL
	_, err := api.List(context.Background())
	got := Explain(err)
	if !strings.Contains(got, "Customer.io (127.0.0.1:") || !strings.Contains(got, "did not answer in time") || strings.Contains(got, "Adobe") {
		t.Errorf("timeout explained as %q", got)
	}

	// The resolver's answer for a host that does not exist, without depending on this machine's DNS.
	noHost := &http.Client{Transport: &http.Transport{DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}}}
	api = cio.NewAppAPI("key", "us", noHost)
	api.BaseURL = "https://cioaep-test.invalid"
	_, err = api.List(context.Background())
	got = Explain(err)
	if !strings.Contains(got, "cioaep-test.invalid cannot be found") || !strings.Contains(got, "region") || strings.Contains(got, "CIOAEP_PLATFORM_URL") {
		t.Errorf("unknown host explained as %q", got)
	}
}
