package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/cioaep/cioaep/flow"
)

func TestMain(m *testing.M) {
	if os.Getenv(ptyHelperEnv) != "" {
		os.Exit(ptyHelper())
	}
	// Golden views must not depend on the terminal running the tests.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// sizes are the terminal sizes every step's golden view is recorded at.
var sizes = [][2]int{{80, 24}, {120, 40}}

func newWorld() *fakeWorld { return &fakeWorld{engine: newFakeEngine()} }

// testWizard builds the model with a spinner that never moves, so golden views are stable.
func testWizard(deps Deps) *wizard {
	w := newWizard(context.Background(), deps)
	w.c.plan.ID = "ab12cd"
	w.c.spin.Spinner = spinner.Spinner{Frames: []string{"~"}, FPS: time.Hour}
	return w
}

// driver sends keys to a running wizard and waits for what they should bring on screen.
type driver struct {
	t    *testing.T
	tm   *teatest.TestModel
	keys int
	scr  screen
}

func start(t *testing.T, deps Deps, width, height int) *driver {
	t.Helper()
	tm := teatest.NewTestModel(t, testWizard(deps), teatest.WithInitialTermSize(width, height))
	t.Cleanup(func() { _ = tm.Quit() })
	return &driver{t: t, tm: tm}
}

func (d *driver) wait(s string) {
	d.t.Helper()
	d.scr.wait(d.t, d.tm.Output(), s, 10*time.Second)
}

func (d *driver) press(k tea.KeyType) {
	d.keys++
	d.scr.input()
	d.tm.Send(tea.KeyMsg{Type: k})
}

func (d *driver) typ(s string) {
	d.keys += len(s)
	d.scr.input()
	d.tm.Type(s)
}

// enter presses enter and waits for marker.
func (d *driver) enter(marker string) {
	d.t.Helper()
	d.press(tea.KeyEnter)
	d.wait(marker)
}

// final stops the program and returns the model's last view.
func (d *driver) final() (*wizard, string) {
	d.t.Helper()
	_ = d.tm.Quit()
	w := d.tm.FinalModel(d.t, teatest.WithFinalTimeout(5*time.Second)).(*wizard)
	return w, w.c.withPrinted(w.View())
}

// Markers that show each step has arrived, in order, on the default Adobe path.
var path = []string{
	"accepted these credentials",
	"Production (prod)",
	"Which Customer.io events",
	"Where should Customer.io events land?",
	"rules checked",
	"Source connection",
	"dataflow is ready",
}

// to drives the default path until step n (0 = welcome) has arrived.
func (d *driver) to(n int) {
	d.t.Helper()
	d.wait("cioaep")
	for i := 0; i < n; i++ {
		d.enter(path[i])
	}
}

type scenario struct {
	name  string
	setup func(*fakeWorld)
	drive func(*driver)
}

var scenarios = []scenario{
	{"welcome", nil, func(d *driver) { d.wait("Where should the dataflow live?") }},
	{"credentials", nil, func(d *driver) { d.to(1) }},
	{"credentials_rejected", func(w *fakeWorld) { w.reject = "s3cret" }, func(d *driver) {
		d.wait("cioaep")
		d.enter("rejected")
	}},
	{"sandbox", nil, func(d *driver) { d.to(2) }},
	{"sandbox_empty", func(w *fakeWorld) { w.engine.sandboxes = nil }, func(d *driver) {
		d.to(1)
		d.enter("cannot use any active sandbox")
	}},
	{"sandbox_failed", func(w *fakeWorld) { w.engine.sandboxFails = 1 }, func(d *driver) {
		d.to(1)
		d.enter("503")
	}},
	{"sandbox_retry", func(w *fakeWorld) { w.engine.sandboxFails = 1 }, func(d *driver) {
		d.to(1)
		d.enter("503")
		d.typ("r")
		d.wait("Production (prod)")
	}},
	{"events", nil, func(d *driver) { d.to(3) }},
	{"events_file_missing", nil, func(d *driver) {
		d.to(3)
		d.typ("f")
		d.typ("/no/such/event.json")
		d.enter("does not exist")
	}},
	{"destination", nil, func(d *driver) { d.to(4) }},
	{"destination_existing", nil, func(d *driver) {
		d.to(4)
		d.press(tea.KeyLeft)
		d.wait("Existing dataset")
		d.press(tea.KeyDown)
		d.enter("Web schema")
	}},
	{"destination_filter", nil, func(d *driver) {
		d.to(4)
		d.press(tea.KeyLeft)
		d.press(tea.KeyDown)
		d.enter("of the 2 datasets")
		d.typ("/cust")
		d.wait("1/1 of 2")
	}},
	{"mapping", nil, func(d *driver) { d.to(5) }},
	{"mapping_filter", nil, func(d *driver) {
		d.to(5)
		d.typ("/email")
		d.wait("1 of 7 rows")
	}},
	{"mapping_sample", nil, func(d *driver) {
		d.to(5)
		d.typ("]")
		d.wait("Sample 2 of 3: email.sent")
	}},
	{"mapping_unmapped", nil, func(d *driver) {
		d.to(5)
		d.typ("u")
		d.wait("in 1 of 3 samples")
	}},
	{"mapping_edit", nil, func(d *driver) {
		d.to(5)
		d.typ("e")
		d.wait("Map _id from")
		d.typ("/metr")
		d.wait("┃ metric")
	}},
	{"mapping_invalid", nil, func(d *driver) {
		d.to(5)
		d.typ("e")
		d.press(tea.KeyTab)
		d.wait("[Expression]")
		d.typ("nosuch(x)")
		d.enter("unknown function nosuch")
	}},
	{"mapping_rejected", nil, func(d *driver) {
		// A constant the validator accepts, but not a date-time: ingestion would reject every sample.
		d.to(5)
		d.press(tea.KeyDown)
		d.typ("e")
		d.press(tea.KeyTab)
		d.wait("[Constant]")
		d.press(tea.KeyCtrlU)
		d.typ("not-a-date")
		d.enter("0 of 3 samples accepted")
		d.enter("Ingestion would reject 3 of 3 sample events")
	}},
	{"review", nil, func(d *driver) { d.to(6) }},
	{"review_profile", nil, func(d *driver) {
		d.to(4)
		for range 3 {
			d.press(tea.KeyDown)
		}
		d.typ(" ")
		d.wait("[x] Enable for Profile")
		d.enter("rules checked")
		d.enter("which cannot be")
	}},
	{"create_failed", func(w *fakeWorld) { w.engine.applyFailures = 1 }, func(d *driver) {
		d.to(6)
		d.enter("could not be finished")
	}},
	{"create_retry", func(w *fakeWorld) { w.engine.applyFailures = 1 }, func(d *driver) {
		d.to(6)
		d.enter("could not be finished")
		d.typ("r")
		d.wait("remembers this dataflow")
	}},
	{"done", nil, func(d *driver) {
		d.to(6)
		d.enter("remembers this dataflow")
		d.typ("c")
		d.wait("Copied through")
	}},
}

// TestSteps draws every step and its error states at two terminal sizes and compares them with golden
// files (go test ./ui -update rewrites them).
func TestSteps(t *testing.T) {
	for _, sc := range scenarios {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				world := newWorld()
				if sc.setup != nil {
					sc.setup(world)
				}
				d := start(t, world.deps(false), sz[0], sz[1])
				sc.drive(d)
				_, view := d.final()
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
}

func TestDoneCopiesTheURLAndSavesTheSandbox(t *testing.T) {
	world := newWorld()
	d := start(t, world.deps(false), 100, 30)
	d.to(7)
	d.typ("c")
	d.wait("Copied through")
	w, view := d.final()
	if !w.done || w.c.result.WebhookURL == "" {
		t.Fatalf("wizard did not finish: %q", view)
	}
	world.mu.Lock()
	defer world.mu.Unlock()
	if len(world.copied) != 1 || world.copied[0] != w.c.result.WebhookURL {
		t.Errorf("copied %q, want the webhook URL", world.copied)
	}
	// The credentials came from the profile (nothing to save), then the sandbox is saved once done.
	if want := []string{"/prod"}; fmt.Sprint(world.saved) != fmt.Sprint(want) {
		t.Errorf("saved %q, want %q", world.saved, want)
	}
	if got := w.c.plan.Events; len(got) != len(flow.Catalog) {
		t.Errorf("events %v, want every object type by default", got)
	}
}

// TestLocalDefaultPathKeystrokes counts the keys from launch to the URL on screen with --local.
func TestLocalDefaultPathKeystrokes(t *testing.T) {
	world := newWorld()
	d := start(t, world.deps(true), 100, 30)
	d.wait("--local")
	for _, m := range path {
		d.enter(m)
	}
	w, _ := d.final()
	if !w.done {
		t.Fatal("not done")
	}
	if d.keys > 12 {
		t.Errorf("%d keystrokes from launch to the URL, want at most 12", d.keys)
	}
	t.Logf("launch to URL with --local: %d keystrokes (enter × %d)", d.keys, d.keys)
}

func TestEscGoesBackKeepingChoices(t *testing.T) {
	d := start(t, newWorld().deps(false), 80, 24)
	d.to(4)
	d.press(tea.KeyLeft)
	d.wait("‹ Existing dataset ›")
	d.press(tea.KeyEsc)
	d.wait("Which Customer.io events")
	d.typ(" ") // untick Customer, the highlighted type
	d.press(tea.KeyEsc)
	d.wait("Production (prod)")
	d.enter("Which Customer.io events")
	d.enter("Where should Customer.io events land?")
	w, view := d.final()
	if !strings.Contains(view, "‹ Existing dataset ›") {
		t.Errorf("the destination kind was lost going back and forth:\n%s", view)
	}
	if len(w.c.plan.Events) != len(flow.Catalog)-1 || w.c.plan.Events[0] == "customer" {
		t.Errorf("events %v, want all but customer", w.c.plan.Events)
	}
}

func TestResizeKeepsState(t *testing.T) {
	d := start(t, newWorld().deps(false), 80, 24)
	d.to(4)
	d.press(tea.KeyLeft)
	d.wait("‹ Existing dataset ›")
	d.tm.Send(tea.WindowSizeMsg{Width: 40, Height: 10})
	d.wait("Make the terminal larger")
	d.press(tea.KeyEnter) // ignored while too small
	d.tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.wait("Where should Customer.io events land?")
	w, view := d.final()
	if w.cur != 4 || !strings.Contains(view, "‹ Existing dataset ›") {
		t.Errorf("state changed across a resize (step %d):\n%s", w.cur, view)
	}
}

// TestResizeEveryStepNeverPanics draws each step at 40×10, at the 60×16 minimum and back.
func TestResizeEveryStepNeverPanics(t *testing.T) {
	w := testWizard(newWorld().deps(false))
	for i := range w.steps {
		w.cur = i
		for _, sz := range [][2]int{{40, 10}, {60, 16}, {1, 1}, {120, 40}} {
			w.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			if v := w.View(); sz[0] >= minWidth && sz[1] >= minHeight && lipgloss.Height(v) > sz[1] {
				t.Errorf("step %s at %dx%d is %d lines tall", w.steps[i].title(), sz[0], sz[1], lipgloss.Height(v))
			}
		}
	}
}

// quitWhileCreating drives to Create, whose Apply waits on the world's block, and presses ctrl+c.
func quitWhileCreating(t *testing.T) (*driver, *fakeWorld) {
	world := newWorld()
	world.engine.block = make(chan struct{})
	d := start(t, world.deps(false), 80, 24)
	d.to(6)
	d.enter("running")
	d.press(tea.KeyCtrlC)
	d.wait("Quit while creating?")
	return d, world
}

func TestCtrlCWhileCreatingAsksFirst(t *testing.T) {
	d, _ := quitWhileCreating(t)
	d.typ("n")
	d.wait("ctrl+c quit")
	d.press(tea.KeyCtrlC)
	d.wait("Quit while creating?")
	d.typ("y")
	d.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	w := d.tm.FinalModel(t).(*wizard)
	if w.done || w.c.ctx.Err() == nil {
		t.Errorf("want the wizard stopped and its work cancelled (done=%v)", w.done)
	}
}

// TestQuitQuestionGoesWhenCreationFinishes: asked "quit while creating?" and creation finishing first,
// the done screen does not keep the question, and a quit before the end names
// --local in the command that picks up again.
func TestQuitQuestionGoesWhenCreationFinishes(t *testing.T) {
	d, world := quitWhileCreating(t)
	close(world.engine.block)
	d.wait("In Customer.io")
	w, view := d.final()
	if w.confirm || strings.Contains(view, "Quit while creating?") {
		t.Errorf("the question stayed on the done screen:\n%s", view)
	}

	local := testWizard(newWorld().deps(true))
	if err := local.c.quitErr(); !errors.Is(err, ErrQuit) || !strings.Contains(err.Error(), "run cioaep --local again") {
		t.Errorf("quit with --local says %q", err)
	}
}

// TestEscapeSequencesFromTheAPIAreNotDrawn feeds names carrying OSC 52 (clipboard write), OSC 8 (hidden
// link) and CSI (screen control) sequences and checks none reaches the screen.
func TestEscapeSequencesFromTheAPIAreNotDrawn(t *testing.T) {
	world := newWorld()
	evil := "\x1b]52;c;ZXZpbA==\x07Evil \x1b]8;;https://attacker.example\x1b\\link\x1b]8;;\x1b\\ \x1b[2J\x1b[31mred\u009b31m\u202e"
	world.engine.sandboxes[0].Title = "Prod" + evil
	world.engine.datasets[0].Name = "Web" + evil
	world.engine.schemas[0].Title = "Schema" + evil
	d := start(t, world.deps(false), 120, 40)
	d.to(1)
	d.enter("Prod")
	d.enter("Which Customer.io events")
	d.enter("Where should Customer.io events land?")
	d.press(tea.KeyLeft)
	d.press(tea.KeyDown)
	d.enter("WebEvil")
	_, view := d.final()
	if strings.ContainsAny(view, "\x1b\x07\u009b\u202e") {
		t.Errorf("control characters reached the screen: %q", view)
	}
	for _, want := range []string{"WebEvil link red", "SchemaEvil link red"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks the cleaned text %q:\n%s", want, view)
		}
	}
}

// TestListUsableWhileLoading opens the dataset picker while the second page is held back: the first
// page can be filtered and chosen from at once, and the rest joins the list when it arrives.
func TestListUsableWhileLoading(t *testing.T) {
	world := newWorld()
	world.engine.pageSize = 100
	world.engine.datasets = nil
	for i := range 250 {
		world.engine.datasets = append(world.engine.datasets, flow.Dataset{ID: fmt.Sprint("ds", i), Name: fmt.Sprintf("Dataset %03d", i), SchemaID: "https://ns.adobe.com/acme/schemas/s1"})
	}
	world.engine.pageGate = make(chan struct{})
	d := start(t, world.deps(false), 100, 30)
	d.to(4)
	d.press(tea.KeyLeft)
	d.press(tea.KeyDown)
	d.enter("still loading")
	d.typ("/042")
	d.wait("Dataset 042")
	close(world.engine.pageGate)
	d.press(tea.KeyEsc) // clear the filter
	d.wait("of the 250 datasets")
	d.typ("/242")
	d.wait("Dataset 242")
	d.press(tea.KeyEnter) // leave the filter
	d.press(tea.KeyEnter) // choose
	d.wait("Dataset 242  schema: Web schema")
	w, _ := d.final()
	w.steps[4].(*destinationStep).finish()
	if w.c.plan.Destination.DatasetID != "ds242" {
		t.Errorf("chose %q, want ds242", w.c.plan.Destination.DatasetID)
	}
}

// TestDoneActions runs an action another command contributes to the done screen.
func TestDoneActions(t *testing.T) {
	world := newWorld()
	deps := world.deps(false)
	var got string
	deps.Actions = []Action{{Key: "t", Label: "send a test event", Run: func(_ context.Context, r flow.Result) (string, error) {
		got = r.FlowID
		return "The test event arrived.", nil
	}}}
	d := start(t, deps, 100, 30)
	d.to(6)
	d.enter("t send a test event")
	d.typ("t")
	d.wait("The test event arrived.")
	d.final()
	if got == "" {
		t.Error("the action did not get the result")
	}
}

// TestFastEntersDoNotSkipSteps types two enters at once on the sandbox step: the first moves on, the
// second must be handled by the events step (moving to the destination), never by the sandbox step.
func TestFastEntersDoNotSkipSteps(t *testing.T) {
	w := testWizard(newWorld().deps(false))
	syncDrive(w, tea.WindowSizeMsg{Width: 80, Height: 24}, tea.KeyMsg{Type: tea.KeyEnter})
	syncDrive(w, tea.KeyMsg{Type: tea.KeyEnter})
	if w.cur != 2 {
		t.Fatalf("at step %d, want the sandbox step", w.cur)
	}
	w.Update(tea.KeyMsg{Type: tea.KeyEnter})
	w.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if w.cur != 4 {
		t.Errorf("two enters went to step %d, want 4 (destination)", w.cur)
	}
}

// TestDoneScrollsOnASmallTerminal: at 60×16 the instructions do not fit; the arrow keys reach the end.
func TestDoneScrollsOnASmallTerminal(t *testing.T) {
	w := testWizard(newWorld().deps(false))
	syncDrive(w, tea.WindowSizeMsg{Width: 60, Height: 16})
	for range len(w.steps) - 1 {
		syncDrive(w, tea.KeyMsg{Type: tea.KeyEnter})
	}
	if v := w.View(); !strings.Contains(v, "↓ more") || strings.Contains(v, "Save and Enable") {
		t.Fatalf("want the first part and a more marker:\n%s", v)
	}
	for range 20 {
		syncDrive(w, tea.KeyMsg{Type: tea.KeyDown})
	}
	if v := w.View(); !strings.Contains(v, "cioaep endpoint") || !strings.Contains(v, "↑ more above") {
		t.Errorf("scrolling did not reach the end:\n%s", v)
	}
}
