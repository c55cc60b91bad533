package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
)

// TestWebhookURLPrintedOnce: the done step records the URL it printed; the menu prints the URL when
// it ends only if neither it nor the setup it ran printed it already.
func TestWebhookURLPrintedOnce(t *testing.T) {
	d := start(t, newWorld().deps(false), 100, 30)
	d.to(6)
	d.enter("remembers this dataflow")
	w, _ := d.final()
	if w.c.shownURL == "" || w.c.shownURL != w.c.result.WebhookURL {
		t.Fatalf("the done step did not record the URL it printed: %q vs %q", w.c.shownURL, w.c.result.WebhookURL)
	}

	df := flow.Dataflow{ID: "f-1", Name: "Customer.io → AEP", InletURL: "https://dcs.adobedc.net/collection/abc"}
	url := df.WebhookURL()
	cases := []struct {
		name  string
		shown string
		setup *wizard
		want  int
	}{
		{"menu that never showed it", "", nil, 1},
		{"menu that printed it (endpoint)", url, nil, 0},
		{"setup run from the menu", "", w, 0},
	}
	for _, c := range cases {
		m := testMenu(Deps{Profile: "default"}, nil, MenuOptions{})
		m.df, m.c.shownURL, m.setup = &df, c.shown, c.setup
		var out bytes.Buffer
		res, err := m.leave(&out)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n := strings.Count(out.String(), res.WebhookURL); n != c.want || res.WebhookURL == "" {
			t.Errorf("%s: the URL printed %d times, want %d:\n%s", c.name, n, c.want, out.String())
		}
	}
}
