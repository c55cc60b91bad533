package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// monitoringEngine is the fake engine that can also watch the dataflow it made.
type monitoringEngine struct {
	*fakeEngine
	*fakeMonitor
}

// TestDoneMonitor: m on the done screen shows the monitor under its own header, with the per-minute
// chart at 80×24 too, where the URL printed above leaves it about nine rows.
func TestDoneMonitor(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			world := newWorld()
			deps := world.deps(false)
			connect := deps.Connect
			deps.Connect = func(ctx context.Context, p Platform, c Credentials) (Engine, error) {
				e, err := connect(ctx, p, c)
				if f, ok := e.(*fakeEngine); ok {
					return monitoringEngine{f, &fakeMonitor{answers: []monitorAnswer{{snap: busySnapshot()}}}}, err
				}
				return e, err
			}
			d := start(t, deps, sz[0], sz[1])
			d.to(6)
			d.enter("remembers this dataflow")
			d.typ("m")
			d.wait("By type")
			_, view := d.final()
			header := strings.SplitN(view[strings.Index(view, "cioaep  "):], "\n", 2)[0]
			if !strings.Contains(header, "Monitor") || strings.Contains(header, "Step 9") {
				t.Errorf("header %q, want the monitor's own", header)
			}
			if !strings.Contains(view, "┤") {
				t.Errorf("no chart:\n%s", view)
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}
