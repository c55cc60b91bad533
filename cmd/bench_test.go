package cmd

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// benchRTT is the stand-in's round trip. It only has to dwarf the platform's own time per request so
// that requests that depend on each other never overlap; the figure reported is a count, not a time.
const benchRTT = 100 * time.Millisecond

// BenchmarkSetupExistingDataset runs `cioaep setup --non-interactive --dataset ID` (mapping suggested
// from the schema, validated, applied) in process against the local platform behind a stand-in that
// charges a round trip per request and two more per new connection. It reports the round trips on the
// critical path after the token (budget 6) and the requests made.
func BenchmarkSetupExistingDataset(b *testing.B) {
	stand, base := benchWorld(b)
	d := localtest.NewDataflow(b, base, "prod")
	benchSetup(b, stand, "--dataset", d.Dataset)
}

// BenchmarkSetupNewSchema runs `cioaep setup --non-interactive --new-dataset NAME --new-schema` the same
// way: field group, schema, descriptor, dataset, connections, mapping set, flow. Budget 8 (the graph's
// depth is 7).
func BenchmarkSetupNewSchema(b *testing.B) {
	stand, _ := benchWorld(b)
	benchSetup(b, stand, "--new-dataset", "Customer.io events", "--new-schema")
}

// benchWorld starts a local platform behind the stand-in and points cioaep at it, with its own files.
func benchWorld(b *testing.B) (*localtest.StandIn, string) {
	home := b.TempDir()
	b.Setenv("HOME", home)
	b.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	b.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	b.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	p, err := local.Open(local.Config{DataDir: filepath.Join(home, "platform")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	stand := localtest.NewStandIn(b, p, benchRTT)
	p.SetBaseURL(stand.URL)
	b.Setenv(aep.EnvPlatformURL, stand.URL)
	b.Setenv(aep.EnvIMSURL, stand.URL)
	b.Setenv(creds.EnvClientSecret, flow.LocalClientSecret)
	return stand, stand.URL
}

func benchSetup(b *testing.B, stand *localtest.StandIn, dest ...string) {
	var trips, reqs int
	n := 0
	for b.Loop() {
		stand.Reset()
		args := append([]string{"setup", "--local", "--non-interactive", "--json", "--profile", fmt.Sprintf("bench%d", n)}, dest...)
		var errOut strings.Builder
		g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut}}
		if code := Run(context.Background(), g, args); code != ExitOK {
			b.Fatalf("setup exited %d: %s", code, errOut.String())
		}
		t, r := stand.CriticalPath("/ims/token/v3")
		if n == 0 && testing.Verbose() { // -v shows the first run's requests: start, end (ms), cost, path
			ex := stand.Exchanges()
			for _, e := range ex {
				b.Logf("%5d %5d %d %s", e.Start.Sub(ex[0].Start).Milliseconds(), e.End.Sub(ex[0].Start).Milliseconds(), e.Cost, e.Path)
			}
		}
		trips += t
		reqs += r
		n++
	}
	b.ReportMetric(float64(trips)/float64(n), "roundtrips/op")
	b.ReportMetric(float64(reqs)/float64(n), "requests/op")
}
