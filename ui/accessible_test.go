package ui

import (
	"context"
	"strings"
	"testing"
)

func runAccessible(t *testing.T, world *fakeWorld, local bool, input string) (string, error) {
	t.Helper()
	var out strings.Builder
	res, err := RunAccessible(context.Background(), world.deps(local), Prompter{In: strings.NewReader(input), Out: &out})
	if err == nil && res.WebhookURL == "" {
		t.Error("no webhook URL in the result")
	}
	return out.String(), err
}

// TestAccessibleDefaultPath answers every prompt with its default (enter) and ends with the URL.
func TestAccessibleDefaultPath(t *testing.T) {
	out, err := runAccessible(t, newWorld(), true, strings.Repeat("\n", 14))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"Step 1 of 9: Welcome", "Step 9 of 9: Done", "https://dcs.adobedc.net/collection/", "Save and Enable Webhook"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, '\x1b') {
		t.Errorf("accessible output has escape sequences: %q", out)
	}
}

// TestAccessibleRejectedSecretThenRetries types a wrong secret first, then the right one, picks an
// existing dataset by searching, and survives a failed apply by retrying.
func TestAccessibleRejectedSecretThenRetries(t *testing.T) {
	world := newWorld()
	world.reject = "s3cret"
	world.engine.sandboxFails = 1
	world.engine.applyFailures = 1
	input := strings.Join([]string{
		"1",                 // Adobe
		"", "", "right", "", // org, client, new secret, scopes
		"",          // use them
		"y",         // sandboxes failed: try again
		"2",         // dev sandbox
		"2,email",   // events by number and by name
		"/no/file",  // a sample that cannot be read
		"",          // skip
		"3",         // existing dataset
		"cust", "1", // search, choose
		"", "", "", "", // diagnostics, partial, name, description (an existing dataset keeps its Profile setting)
		"2", "=nosuch(x)", // break row 2
		"",              // refused: a row failed
		"2", "event_id", // a source the validator accepts, but not a date-time
		"",                                                              // refused: ingestion would reject the sample
		"2", `=dformat(timestamp * 1000, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`, // fix it
		"",  // accept
		"",  // create
		"y", // retry the failed apply
	}, "\n") + "\n"
	out, err := runAccessible(t, world, false, input)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"rejected", "Loading sandboxes failed", "cannot read /no/file", "1 row failed the check", "0 of 1 samples accepted", "rejected email.sent: timestamp: want a date-time",
		"Ingestion would reject 1 sample event", "1 of 1 samples accepted",
		"could not be finished", "Saved profile \"default\"", "https://dcs.adobedc.net/"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAccessibleInputEnds(t *testing.T) {
	_, err := runAccessible(t, newWorld(), true, "\n")
	if err != errInputEnded {
		t.Errorf("err = %v, want errInputEnded", err)
	}
}
