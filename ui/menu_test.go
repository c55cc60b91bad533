package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/cio/ciotest"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// menuWorld is the real engine (flow.Session over aep.Client) against the real local platform over
// HTTP, with a hook that lets a test act as another client just before a request reaches the platform.
type menuWorld struct {
	base     string
	platform *local.Platform
	session  *flow.Session
	stateDir string
	// hook sees every request first; it answers it itself by returning true.
	hook   atomic.Pointer[func(http.ResponseWriter, *http.Request) bool]
	copied atomic.Pointer[string]
	// moveWebhook, when set, is Deps.MoveWebhook (a Customer.io workspace the profile manages).
	moveWebhook func(ctx context.Context, oldURL, newURL string) (WebhookMove, error)
	cio         *ciotest.AppAPI
}

func newMenuWorld(t testing.TB) *menuWorld {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &menuWorld{base: "http://" + ln.Addr().String(), stateDir: t.TempDir()}
	w.platform, err = local.Open(local.Config{DataDir: t.TempDir(), BaseURL: w.base})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if h := w.hook.Load(); h != nil && (*h)(rw, r) {
			return
		}
		w.platform.ServeHTTP(rw, r)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); _ = w.platform.Close() })
	w.session = flow.NewSession(w.client(), w.stateDir)
	return w
}

// client is a client of the platform: the session's, or another one acting as a second user.
func (w *menuWorld) client() *aep.Client {
	return aep.New(aep.Config{PlatformURL: w.base, IMSURL: w.base, OrgID: local.OrgID, ClientID: "cioaep-local",
		ClientSecret: "cioaep-local-secret", Scopes: aep.DefaultScopes, Sandbox: "prod"})
}

// setUp creates the profile's dataflow the way the wizard does, for email and SMS events.
func (w *menuWorld) setUp(t testing.TB) flow.Result {
	t.Helper()
	res, err := w.session.Apply(context.Background(), flow.Plan{ID: "ab12cd", Profile: "default", Sandbox: "prod",
		Events:      []string{"email", "sms"},
		Destination: flow.Destination{Kind: flow.NewSchema, DatasetName: "Customer.io events"},
		Name:        "Customer.io → AEP", Description: "set up by a test"}, nil)
	if err != nil {
		t.Fatalf("setting up the dataflow: %v", err)
	}
	return res
}

func (w *menuWorld) deps() Deps {
	var samples []Sample
	for _, s := range assets.Samples() {
		samples = append(samples, Sample{ObjectType: s.ObjectType, Metric: s.Metric, Body: s.Body})
	}
	return Deps{
		Profile: "default", StateDir: w.stateDir, Local: true, Samples: samples,
		Prefill: func(context.Context, Platform) (Credentials, error) {
			return Credentials{OrgID: local.OrgID, ClientID: "cioaep-local", ClientSecret: "cioaep-local-secret", Scopes: aep.DefaultScopes}, nil
		},
		Connect: func(context.Context, Platform, Credentials) (Engine, error) { return w.session, nil },
		Save:    func(context.Context, Platform, Credentials, string) (string, error) { return "", nil },
		Copy: func(text string) CopyResult {
			w.copied.Store(&text)
			return CopyResult{OK: true, Message: "Copied through your terminal (OSC 52)."}
		},
		MoveWebhook: w.moveWebhook,
	}
}

const menuAppKey = "menu-app-key-1b2c3d"

// manageWebhook gives the profile a Customer.io workspace (the App API stand-in, over HTTP) whose
// reporting webhook posts to endpoint ("" for none), and a MoveWebhook that moves it the way cmd does,
// through cio.AppAPI.MoveWebhook. ui cannot import cmd; cmd's own tests cover its wording.
func (w *menuWorld) manageWebhook(t testing.TB, endpoint string) {
	w.cio = ciotest.New(t, menuAppKey)
	w.cio.Add(cio.Webhook{Name: "Warehouse", Endpoint: "https://example.com/hook", Events: []string{"email_opened"}})
	if endpoint != "" {
		w.cio.Add(cio.Webhook{Name: "Adobe Experience Platform (cioaep ab12cd)", Endpoint: endpoint, Events: []string{"email_sent", "sms_sent"}})
	}
	api := cio.NewAppAPI(menuAppKey, "us", w.cio.Client())
	w.moveWebhook = func(ctx context.Context, oldURL, newURL string) (WebhookMove, error) {
		h, _, err := api.MoveWebhook(ctx, oldURL, newURL, nil)
		switch {
		case errors.Is(err, cio.ErrNoWebhook):
			return WebhookMove{Managed: true, Message: "No reporting webhook in the Customer.io US workspace posted to the old URL, so cioaep changed nothing there: point yours at the new URL by hand."}, nil
		case err != nil:
			return WebhookMove{Managed: true}, err
		}
		return WebhookMove{Managed: true, Moved: true, Message: fmt.Sprintf("Customer.io webhook %d (%q, US workspace) now posts to the new URL, with the same %d events.", h.ID, h.Name, len(h.Events))}, nil
	}
}

// current is the profile's dataflow as the platform has it now.
func (w *menuWorld) current(t *testing.T) (flow.Dataflow, bool) {
	t.Helper()
	df, found, _, err := w.session.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return df, found
}

// testMenu builds the menu with a spinner that never moves, so golden views are stable.
func testMenu(deps Deps, rc Reconfigurer, opts MenuOptions) *menuModel {
	m := newMenu(context.Background(), deps, rc, opts)
	m.c.spin.Spinner = spinner.Spinner{Frames: []string{"~"}, FPS: time.Hour}
	return m
}

// menuDriver sends keys to a running menu and waits for what they should bring on screen.
type menuDriver struct {
	t   *testing.T
	tm  *teatest.TestModel
	scr screen
}

func startMenu(t *testing.T, w *menuWorld, opts MenuOptions, width, height int) *menuDriver {
	t.Helper()
	opts.Platform, opts.Sandbox = Local, "prod"
	tm := teatest.NewTestModel(t, testMenu(w.deps(), w.session, opts), teatest.WithInitialTermSize(width, height))
	t.Cleanup(func() { _ = tm.Quit() })
	return &menuDriver{t: t, tm: tm}
}

func (d *menuDriver) wait(s string) {
	d.t.Helper()
	d.scr.wait(d.t, d.tm.Output(), s, 30*time.Second)
}

func (d *menuDriver) key(k tea.KeyType) { d.scr.input(); d.tm.Send(tea.KeyMsg{Type: k}) }
func (d *menuDriver) typ(s string)      { d.scr.input(); d.tm.Type(s) }

// final stops the program and returns the model and its last view.
func (d *menuDriver) final() (*menuModel, string) {
	d.t.Helper()
	_ = d.tm.Quit()
	m := d.tm.FinalModel(d.t, teatest.WithFinalTimeout(5*time.Second)).(*menuModel)
	c := m.c
	if m.setup != nil {
		c = m.setup.c
	}
	return m, c.withPrinted(m.View())
}

// Platform ids, plan tags, times and durations differ on every run; golden views get them masked with
// characters of the same width so the layout is still compared exactly.
var (
	idLike   = regexp.MustCompile(`[0-9a-fA-F]*[0-9][0-9a-fA-F]*(?:-[0-9a-fA-F]+)+|[0-9a-fA-F]{4,}(?:-[0-9a-fA-F]{4,})+|[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*|[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*[0-9][0-9a-fA-F]*`)
	planTag  = regexp.MustCompile(`cioaep [0-9a-f]{6}\)`)
	tenant   = regexp.MustCompile(`cioaep[0-9a-f]{6}`)
	clock    = regexp.MustCompile(`\d\d:\d\d`)
	duration = regexp.MustCompile(`\d+(\.\d+)?(ms|µs|s)\b`)
	port     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	flowID   = regexp.MustCompile(`flow-id=[0-9a-f-]+`)
	hexLine  = regexp.MustCompile(`(?m)^(\s+)([0-9a-f-]+)$`) // the tail of a wrapped URL
)

func scrub(view string) string {
	mask := func(s string) string { return strings.Repeat("#", len([]rune(s))) }
	view = port.ReplaceAllStringFunc(view, mask)
	view = flowID.ReplaceAllStringFunc(view, func(s string) string { return "flow-id=" + mask(s[len("flow-id="):]) })
	view = hexLine.ReplaceAllStringFunc(view, func(s string) string {
		trimmed := strings.TrimLeft(s, " ")
		return s[:len(s)-len(trimmed)] + mask(trimmed)
	})
	view = planTag.ReplaceAllStringFunc(view, func(s string) string { return "cioaep ######)" })
	view = duration.ReplaceAllStringFunc(view, mask)
	view = tenant.ReplaceAllString(view, "cioaep######")
	view = clock.ReplaceAllStringFunc(view, mask)
	return idLike.ReplaceAllStringFunc(view, func(s string) string {
		if len(s) < 4 {
			return s
		}
		return mask(s)
	})
}

// editIDRule changes the first row of the mapping (the Customer.io id, a mandatory target) to an
// expression, through the mapping step.
func editIDRule(d *menuDriver) {
	d.typ("2")
	d.wait("rules checked")
	d.typ("e")
	d.wait("customerio.cio_id from")
	d.key(tea.KeyTab)
	d.wait("[Expression]")
	d.typ(`concat("cio-", event_id)`)
	d.key(tea.KeyEnter)
	d.wait(`ƒ concat("cio-", event_id)`)
	d.wait("rules checked")
	d.key(tea.KeyEnter)
	d.wait("Changes to the mapping")
}

// interceptFirstPatch acts as another client just before the first PATCH of flowID reaches the
// platform: that PATCH then carries a stale etag.
func (w *menuWorld) interceptFirstPatch(flowID string, meanwhile func()) {
	var armed atomic.Bool
	armed.Store(true)
	hook := func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/flows/"+flowID) && armed.CompareAndSwap(true, false) {
			meanwhile()
		}
		return false
	}
	w.hook.Store(&hook)
}

// otherMappingChange makes another client, which read the rules before the user's change, point the flow
// at a new mapping version with its own eventType.
func (w *menuWorld) otherMappingChange(t *testing.T, df flow.Dataflow) func() {
	ctx, other := context.Background(), w.client()
	rules, err := w.session.Rules(ctx, df)
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		for i, r := range rules {
			if r.Destination == "eventType" {
				rules[i] = dataprep.Rule{SourceType: dataprep.Expression, Source: `concat("x.", metric)`, Destination: "eventType"}
			}
		}
		ms, err := other.UpdateMappingSet(ctx, df.MappingSetID, aep.MappingInput{SchemaID: df.SchemaID, Mappings: rules})
		if err != nil {
			t.Errorf("the other client's mapping change: %v", err)
			return
		}
		f, err := other.Flow(ctx, df.ID)
		if err == nil {
			_, err = other.PatchFlow(ctx, df.ID, f.ETag, []aep.PatchOp{{Op: "replace", Path: "/transformations/0",
				Value: aep.Transformation{Name: aep.MappingTransformation, Params: aep.TransformationParams{MappingID: ms.ID, MappingVersion: ms.Version}}}})
		}
		if err != nil {
			t.Errorf("the other client's flow change: %v", err)
		}
	}
}

type menuScenario struct {
	name  string
	setup func(*testing.T, *menuWorld) // nil: the profile's dataflow made by setUp
	opts  MenuOptions
	drive func(*testing.T, *menuWorld, *menuDriver)
	check func(*testing.T, *menuWorld, *menuModel, string)
}

var menuScenarios = []menuScenario{
	{name: "home", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) { d.wait("What would you like to do?") }},
	{name: "endpoint", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("1")
		d.wait("press c to copy")
		d.typ("c")
		d.wait("Copied through")
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, _ string) {
		if got := w.copied.Load(); got == nil || *got != m.df.WebhookURL() {
			t.Errorf("copied %v, want the webhook URL %s", got, m.df.WebhookURL())
		}
	}},
	{name: "mapping_table", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("2")
		d.wait("rules checked")
		d.typ("]")
		d.wait("Sample 2 of")
	}, check: func(t *testing.T, _ *menuWorld, _ *menuModel, view string) {
		// reconfigure edits with setup's table: the shared prefix once, the sample named, what maps nowhere.
		for _, want := range []string{"Targets starting with . are under", "Sample 2 of", "samples accepted"} {
			if !strings.Contains(view, want) {
				t.Errorf("the mapping page lacks %q", want)
			}
		}
	}},
	{name: "mapping_diff", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		editIDRule(d)
	}, check: func(t *testing.T, _ *menuWorld, _ *menuModel, view string) {
		for _, want := range []string{"customerio.cio_id", "was data.identifiers.cio_id", `now ƒ concat("cio-", event_id)`} {
			if !strings.Contains(view, want) {
				t.Errorf("the diff lacks %q", want)
			}
		}
	}},
	{name: "mapping_applied", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		editIDRule(d)
		d.key(tea.KeyEnter)
		d.wait("now uses version")
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, _ string) {
		df, _ := w.current(t)
		if df.MappingVersion < 1 || m.df.MappingVersion != df.MappingVersion {
			t.Errorf("flow mapping version %d (menu shows %d), want it raised", df.MappingVersion, m.df.MappingVersion)
		}
		body, _ := assets.Sample("email", "sent")
		resp, err := http.Post(df.WebhookURL(), "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		evs, err := w.platform.Events(context.Background(), local.EventFilter{})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %v %v", evs, err)
		}
		var rec map[string]any
		_ = json.Unmarshal(evs[0].Record, &rec)
		found := false
		for k, v := range rec {
			if strings.HasPrefix(k, "_cioaep") {
				found = true
				cio, _ := v.(map[string]any)["customerio"].(map[string]any)
				if id, _ := cio["cio_id"].(string); !strings.HasPrefix(id, "cio-") {
					t.Errorf("an event sent after the change has cio_id %q, want the new rule's cio-…", id)
				}
			}
		}
		if !found {
			t.Errorf("the ingested record has no tenant fields: %s", evs[0].Record)
		}
	}},
	{name: "mapping_conflict", drive: func(t *testing.T, w *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		df, _ := w.current(t)
		w.interceptFirstPatch(df.ID, w.otherMappingChange(t, df))
		editIDRule(d)
		d.key(tea.KeyEnter)
		d.wait("Someone else changed")
	}, check: func(t *testing.T, w *menuWorld, _ *menuModel, view string) {
		df, _ := w.current(t)
		rules, _ := w.session.Rules(context.Background(), df)
		if !strings.Contains(fmt.Sprint(rules), `concat("x.", metric)`) {
			t.Errorf("the other client's rules were overwritten: %v", rules)
		}
		if !strings.Contains(view, "mapping:") {
			t.Errorf("the conflict does not show what the other client changed")
		}
	}},
	{name: "mapping_conflict_compare", drive: func(t *testing.T, w *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		df, _ := w.current(t)
		w.interceptFirstPatch(df.ID, w.otherMappingChange(t, df))
		editIDRule(d)
		d.key(tea.KeyEnter)
		d.wait("Someone else changed")
		d.key(tea.KeyEnter)
		d.wait("compared with the other client's")
		d.key(tea.KeyEnter)
		d.wait("now uses version")
	}, check: func(t *testing.T, w *menuWorld, _ *menuModel, _ string) {
		df, _ := w.current(t)
		rules, _ := w.session.Rules(context.Background(), df)
		if s := fmt.Sprint(rules); !strings.Contains(s, `concat("cio-", event_id)`) || strings.Contains(s, `"x."`) {
			t.Errorf("after reviewing both, the user's rules should be in use: %v", rules)
		}
	}},
	{name: "events", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("3")
		d.wait("Which Customer.io events")
		d.typ(" ") // tick Customer (the highlighted type)
		d.key(tea.KeyDown)
		d.typ(" ") // untick Email
		d.key(tea.KeyDown)
		d.typ(" ") // untick SMS
		d.key(tea.KeyEnter)
		d.wait("Recorded:")
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, view string) {
		if got, _, _ := flow.LoadEvents(w.stateDir); fmt.Sprint(got) != "[customer]" || fmt.Sprint(m.events) != "[customer]" {
			t.Errorf("recorded %v (menu %v), want [customer]", got, m.events)
		}
		for _, want := range []string{"customer_subscribed", "stay empty"} {
			if !strings.Contains(view, want) {
				t.Errorf("the result lacks %q", want)
			}
		}
	}},
	{name: "move_picker", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("4")
		d.wait("Move to")
		d.key(tea.KeyEnter)
		d.key(tea.KeyEnter)
		d.wait("Choose one of the 4 datasets")
		d.typ("/cioaep") // the platform lists datasets in no fixed order: show one
		d.wait("1/1 of 4")
	}},
	{name: "move_same_dataset", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("4")
		d.wait("Move to")
		d.key(tea.KeyEnter)
		d.key(tea.KeyEnter)
		d.wait("Choose one of the")
		d.typ("/cioaep")
		d.wait("1/1 of")
		d.key(tea.KeyEnter) // leave the filter
		d.key(tea.KeyEnter) // choose
		d.wait("already writes to that dataset")
	}},
	{name: "move_review", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		reviewMoveToNewDataset(d)
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, view string) {
		// Enter in the name field reviews the move, as setup's Review does; nothing is made yet.
		if df, _ := w.current(t); df.ID != m.page.(*movePage).old.ID {
			t.Errorf("the profile's dataflow is %s before the move was confirmed", df.ID)
		}
		for _, want := range []string{"Review the move", "create", "Dataflow", "Customer.io events (moved)"} {
			if !strings.Contains(view, want) {
				t.Errorf("the review does not show %q", want)
			}
		}
		if kept, _ := filepath.Glob(filepath.Join(w.stateDir, "journal-*.json")); len(kept) != 0 {
			t.Errorf("reviewing wrote journals: %v", kept)
		}
	}},
	{name: "move_done", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		reviewMoveToNewDataset(d)
		d.key(tea.KeyEnter)
		d.wait("Retire the old dataflow now?")
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, _ string) {
		df, _ := w.current(t)
		if !strings.HasPrefix(df.DatasetName, "Customer.io events (moved)") {
			t.Errorf("the profile's dataflow writes to %q, want the new dataset", df.DatasetName)
		}
		p := m.page.(*movePage)
		if p.result.WebhookURL == p.old.WebhookURL() || p.result.FlowID != df.ID {
			t.Errorf("want a new flow and URL: %+v", p.result)
		}
	}},
	{name: "move_webhook", setup: func(t *testing.T, w *menuWorld) {
		w.manageWebhook(t, w.setUp(t).WebhookURL)
	}, drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		reviewMoveToNewDataset(d)
		d.key(tea.KeyEnter)
		d.wait("now posts to the new URL")
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, view string) {
		p := m.page.(*movePage)
		hooks := w.cio.Webhooks()
		if len(hooks) != 2 || hooks[1].ID != 2 || hooks[1].Endpoint != p.result.WebhookURL || hooks[0].Endpoint != "https://example.com/hook" {
			t.Errorf("webhooks after the move %+v, want webhook 2 at %s and no third", hooks, p.result.WebhookURL)
		}
		if strings.Contains(view, "Replace Webhook Endpoint") {
			t.Error("the manual steps are shown although the webhook moved")
		}
	}},
	{name: "move_webhook_none", setup: func(t *testing.T, w *menuWorld) {
		w.setUp(t)
		w.manageWebhook(t, "")
	}, drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		reviewMoveToNewDataset(d)
		d.key(tea.KeyEnter)
		d.wait("changed nothing there")
	}, check: func(t *testing.T, w *menuWorld, _ *menuModel, view string) {
		if hooks := w.cio.Webhooks(); len(hooks) != 1 {
			t.Errorf("webhooks %+v: a move must not create one", hooks)
		}
		if !strings.Contains(view, "Replace Webhook Endpoint") {
			t.Error("the manual steps are missing although no webhook moved")
		}
	}},
	{name: "move_retired", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		reviewMoveToNewDataset(d)
		d.key(tea.KeyEnter)
		d.wait("Retire the old dataflow now?")
		d.typ("y")
		d.wait("Retired.")
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, _ string) {
		old := m.page.(*movePage).old
		if _, err := w.client().Flow(context.Background(), old.ID); err == nil {
			t.Errorf("the old flow %s still exists after retiring it", old.ID)
		}
	}},
	{name: "disable", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("5")
		d.wait("Disable Customer.io")
		d.typ("y")
		d.wait("Enable the dataflow")
	}, check: func(t *testing.T, w *menuWorld, _ *menuModel, _ string) {
		if df, _ := w.current(t); df.Enabled() {
			t.Error("the flow is still enabled")
		}
	}},
	{name: "disable_refused", setup: func(t *testing.T, w *menuWorld) {
		w.setUp(t)
		w.onFlowAction(func(rw http.ResponseWriter) bool {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusForbidden)
			_, _ = rw.Write([]byte(`{"type":"about:blank","title":"Forbidden","status":403,"detail":"the credential may not manage dataflows"}`))
			return true
		})
	}, drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("5")
		d.wait("Disable Customer.io")
		d.typ("y")
		d.wait("Press r to try again")
	}},
	{name: "delete_review", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("6")
		d.wait("Delete these")
	}, check: func(t *testing.T, w *menuWorld, _ *menuModel, view string) {
		if _, found := w.current(t); !found {
			t.Error("reviewing deleted the dataflow")
		}
		if !strings.Contains(view, "kept with its data") {
			t.Error("the review does not say why the dataset is kept")
		}
	}},
	{name: "delete_done", drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("What would you like to do?")
		d.typ("6")
		d.wait("Delete these")
		d.typ("y")
		d.wait("Deleted.")
	}, check: func(t *testing.T, w *menuWorld, m *menuModel, _ string) {
		if _, found := w.current(t); found || m.df != nil {
			t.Error("the dataflow is still the profile's after deleting it")
		}
		items, err := w.session.PlanTeardown(context.Background(), flow.TeardownOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Action == flow.ActionDelete {
				t.Errorf("teardown would still delete %s %s", it.Kind, it.ID)
			}
		}
	}},
	{name: "adopt", setup: foreignDataflow, drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("Start a new setup")
	}},
	{name: "adopted", setup: foreignDataflow, drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("Start a new setup")
		d.key(tea.KeyDown) // adopting is a choice made on purpose: enter alone starts a new setup
		d.key(tea.KeyEnter)
		d.wait("now manages")
	}, check: func(t *testing.T, w *menuWorld, _ *menuModel, _ string) {
		if df, found := w.current(t); !found || df.Name != "Customer.io dataflow" {
			t.Errorf("the profile did not adopt the dataflow: %+v", df)
		}
	}},
	{name: "none", setup: func(*testing.T, *menuWorld) {}, drive: func(_ *testing.T, _ *menuWorld, d *menuDriver) {
		d.wait("has no Customer.io dataflow yet")
	}},
}

// foreignDataflow is a Customer.io dataflow made outside cioaep (Adobe's UI, another machine): the
// profile has no journal.
func foreignDataflow(t *testing.T, w *menuWorld) {
	localtest.NewDataflow(t, w.base, "prod")
}

// TestMenu draws the menu and each of its actions, against the real engine and local platform, at two
// terminal sizes and compares them with golden files (go test ./ui -run TestMenu -update rewrites them).
func TestMenu(t *testing.T) {
	for _, sc := range menuScenarios {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				t.Parallel() // each has its own platform; the wait is on HTTP round trips, not the CPU
				w := newMenuWorld(t)
				if sc.setup != nil {
					sc.setup(t, w)
				} else {
					w.setUp(t)
				}
				d := startMenu(t, w, sc.opts, sz[0], sz[1])
				sc.drive(t, w, d)
				m, view := d.final()
				if sc.check != nil {
					sc.check(t, w, m, view)
				}
				if strings.ContainsAny(view, "\x1b\x07") {
					t.Errorf("escape sequences in the view: %q", view)
				}
				golden.RequireEqual(t, []byte(scrub(view)))
			})
		}
	}
}

// TestMenuStartsSetupWhenNothingIsFound: plain cioaep on a profile with no dataflow, in a sandbox with none,
// goes straight to the setup wizard.
func TestMenuStartsSetupWhenNothingIsFound(t *testing.T) {
	w := newMenuWorld(t)
	d := startMenu(t, w, MenuOptions{SetupWhenNone: true}, 80, 24)
	d.wait("Step 1 of 9")
	m, view := d.final()
	if m.setup == nil || !strings.Contains(view, "Welcome") {
		t.Errorf("want the setup wizard:\n%s", view)
	}
}

// TestMenuAPIStringsAreCleaned gives the dataflow a name carrying OSC 52, OSC 8 and CSI sequences, as
// another client could: the menu and the adopt table draw it without them.
func TestMenuAPIStringsAreCleaned(t *testing.T) {
	evil := "Evil\x1b]52;c;ZXZpbA==\x07 \x1b]8;;https://attacker.example\x1b\\link\x1b]8;;\x1b\\ \x1b[2J\x1b[31mred\u202e"
	for _, adopt := range []bool{false, true} {
		w := newMenuWorld(t)
		if adopt {
			foreignDataflow(t, w)
		} else {
			w.setUp(t)
		}
		ctx, c := context.Background(), w.client()
		dfs, err := w.session.Discover(ctx, "")
		if err != nil || len(dfs) != 1 {
			t.Fatalf("discover: %v %v", dfs, err)
		}
		f, err := c.Flow(ctx, dfs[0].ID)
		if err == nil {
			_, err = c.PatchFlow(ctx, f.ID, f.ETag, []aep.PatchOp{{Op: "replace", Path: "/name", Value: evil}})
		}
		if err != nil {
			t.Fatal(err)
		}
		d := startMenu(t, w, MenuOptions{}, 120, 40)
		d.wait("link red")
		_, view := d.final()
		if strings.ContainsAny(view, "\x1b\x07\u202e") {
			t.Errorf("control characters reached the screen: %q", view)
		}
	}
}

// TestMenuResizeNeverPanics draws every page at 40×10, at the 60×16 minimum, at 1×1 and back, and checks
// that the layout stays within the window from the minimum up.
func TestMenuResizeNeverPanics(t *testing.T) {
	w := newMenuWorld(t)
	w.setUp(t)
	d := startMenu(t, w, MenuOptions{}, 80, 24)
	d.wait("What would you like to do?")
	m, _ := d.final()
	df := *m.df
	pages := map[string]func() page{
		"home": func() page {
			return newHomePage(m, "a note that is long enough to wrap on a narrow terminal, twice over")
		},
		"endpoint": func() page { return newEndpointPage(m) },
		"events":   func() page { return newEventsPage(m) },
		"move":     func() page { return newMovePage(m) },
		"toggle":   func() page { return newTogglePage(m) },
		"delete": func() page {
			p := newDeletePage(m)
			p.phase, p.items = delReview, []flow.TeardownItem{{Kind: flow.KindFlow, Name: "x", Action: flow.ActionDelete}}
			return p
		},
		"adopt": func() page { return newAdoptPage(m, []flow.Dataflow{df}, "gone-id") },
		"mapping_conflict": func() page {
			p := newMappingPage(m)
			p.phase, p.conflict = mapConflict, &flow.ConflictError{FlowID: df.ID, Changes: []flow.FieldChange{{Field: "mapping", Before: "a v1", After: "a v2"}}, MappingSetID: "a", Version: 3}
			return p
		},
	}
	for name, mk := range pages {
		m.df = &df
		m.page = mk()
		for _, sz := range [][2]int{{40, 10}, {60, 16}, {1, 1}, {120, 40}, {80, 24}} {
			m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			if v := m.View(); sz[0] >= minWidth && sz[1] >= minHeight && lipgloss.Height(v) > sz[1] {
				t.Errorf("%s at %dx%d is %d lines tall", name, sz[0], sz[1], lipgloss.Height(v))
			}
		}
		if m.page == nil {
			t.Errorf("%s: the page was lost across resizes", name)
		}
	}
}

// onFlowAction runs h for POST /flows/<id>/action (enable, disable) instead of the platform, while h
// returns true.
func (w *menuWorld) onFlowAction(h func(http.ResponseWriter) bool) {
	hook := func(rw http.ResponseWriter, r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/action") && h(rw)
	}
	w.hook.Store(&hook)
}

// TestMenuDisableFailsThenRetries: the platform refuses the first disable (a permission the user then
// fixes); the page explains it, and r tries again successfully.
func TestMenuDisableFailsThenRetries(t *testing.T) {
	w := newMenuWorld(t)
	w.setUp(t)
	var calls atomic.Int32
	w.onFlowAction(func(rw http.ResponseWriter) bool {
		if calls.Add(1) > 1 {
			return false
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusForbidden) // not retried by the client, unlike a 503
		_, _ = rw.Write([]byte(`{"type":"about:blank","title":"Forbidden","status":403,"detail":"the credential may not manage dataflows"}`))
		return true
	})
	d := startMenu(t, w, MenuOptions{}, 80, 24)
	d.wait("What would you like to do?")
	d.typ("5")
	d.wait("Disable Customer.io")
	d.typ("y")
	d.wait("Press r to try again")
	if df, _ := w.current(t); !df.Enabled() {
		t.Fatal("the refused disable changed the flow")
	}
	d.typ("r")
	d.wait("Enable the dataflow")
	d.final()
	if df, _ := w.current(t); df.Enabled() {
		t.Error("the retried disable did not land")
	}
}

// TestMenuCtrlCWhileChangingAsksFirst holds a disable at the platform: ctrl+c asks before quitting, n
// carries on, and the change then lands.
func TestMenuCtrlCWhileChangingAsksFirst(t *testing.T) {
	w := newMenuWorld(t)
	w.setUp(t)
	release := make(chan struct{})
	w.onFlowAction(func(http.ResponseWriter) bool {
		<-release
		return false
	})
	d := startMenu(t, w, MenuOptions{}, 80, 24)
	d.wait("What would you like to do?")
	d.typ("5")
	d.wait("Disable Customer.io")
	d.typ("y")
	d.wait("Disabling")
	d.key(tea.KeyCtrlC)
	d.wait("Quit while the dataflow is being changed?")
	d.typ("n")
	d.wait("ctrl+c quit")
	close(release)
	d.wait("Enable the dataflow")
	m, _ := d.final()
	if m.df.Enabled() {
		t.Error("the menu does not show the flow disabled")
	}
}

// TestMenuEscReturnsToTheMenu leaves an action with esc, and the menu can open another.
func TestMenuEscReturnsToTheMenu(t *testing.T) {
	w := newMenuWorld(t)
	w.setUp(t)
	d := startMenu(t, w, MenuOptions{}, 80, 24)
	d.wait("What would you like to do?")
	d.typ("2")
	d.wait("rules checked")
	d.typ("e")
	d.wait("customerio.cio_id from")
	d.key(tea.KeyEsc) // closes the rule editor only
	d.wait("rules checked")
	d.key(tea.KeyEsc)
	d.typ("3")
	d.wait("Which Customer.io events")
	m, view := d.final()
	if _, ok := m.page.(*eventsPage); !ok {
		t.Errorf("esc did not lead back to the menu and on to the events:\n%s", view)
	}
	// The recorded types come ticked.
	if got := m.page.(*eventsPage).step.list.chosenIndexes(); len(got) != 2 {
		t.Errorf("chosen %v, want email and sms", got)
	}
}

// BenchmarkMenuView draws the menu and the busiest action pages at 120×40 (issue 5 asks ≤ 1 ms a view).
func BenchmarkMenuView(b *testing.B) {
	w := newMenuWorld(b)
	w.setUp(b)
	m := testMenu(w.deps(), w.session, MenuOptions{Platform: Local, Sandbox: "prod"})
	df, found, _, err := w.session.Current(context.Background())
	if err != nil || !found {
		b.Fatal(err)
	}
	m.df, m.events = &df, []string{"email", "sms"}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	del := newDeletePage(m)
	del.items, _ = w.session.PlanTeardown(context.Background(), flow.TeardownOptions{})
	del.phase = delReview
	for name, p := range map[string]page{"home": newHomePage(m, ""), "endpoint": newEndpointPage(m), "delete": del,
		"adopt": newAdoptPage(m, []flow.Dataflow{df, df, df}, "")} {
		b.Run(name, func(b *testing.B) {
			m.page = p
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// TestMenuAdoptEnterSetsUp: on a profile with no dataflow, enter on the adopt table starts a new setup;
// the other profile's dataflow is adopted only when chosen on purpose.
func TestMenuAdoptEnterSetsUp(t *testing.T) {
	w := newMenuWorld(t)
	foreignDataflow(t, w)
	d := startMenu(t, w, MenuOptions{SetupWhenNone: true}, 80, 24)
	d.wait("Start a new setup")
	d.key(tea.KeyEnter)
	d.wait("Step 1 of 9")
	m, _ := d.final()
	if m.setup == nil {
		t.Error("enter on the adopt table did not start a setup")
	}
	if _, found := w.current(t); found {
		t.Error("enter on the adopt table adopted another profile's dataflow")
	}
}

// TestMenuOffersToResumeAnUnfinishedSetup: a journal left by a setup that never finished sends plain
// cioaep to the wizard, whose first screen says what was made and offers resume (enter) or discard (d).
func TestMenuOffersToResumeAnUnfinishedSetup(t *testing.T) {
	w := newMenuWorld(t)
	w.setUp(t)
	if err := os.Remove(filepath.Join(w.stateDir, flow.ResultFile)); err != nil { // as if killed before the end
		t.Fatal(err)
	}
	d := startMenu(t, w, MenuOptions{SetupWhenNone: true}, 100, 40)
	d.wait("unfinished setup")
	d.wait("cioaep teardown")
	d.typ("d")
	d.wait("Discarded the unfinished setup")
	m, view := d.final()
	if m.setup == nil || !strings.Contains(view, "Welcome") {
		t.Fatalf("want the setup wizard:\n%s", view)
	}
	if _, ok, err := flow.FindUnfinished(w.stateDir); ok || err != nil {
		t.Errorf("after d the setup is still unfinished (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(w.stateDir, "journal-ab12cd.json")); err != nil {
		t.Errorf("the discarded journal was not kept for teardown: %v", err)
	}
}

// 7 in the menu opens the monitor on the profile's dataflow, with the events it received; esc returns.
func TestMenuMonitor(t *testing.T) {
	w := newMenuWorld(t)
	res := w.setUp(t)
	body, _ := assets.Sample("email", "sent")
	resp, err := http.Post(res.WebhookURL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	d := startMenu(t, w, MenuOptions{}, 120, 40)
	d.wait("What would you like to do?")
	d.typ("7")
	d.wait("received 1 ·")
	d.wait("email 1✓")
	d.key(tea.KeyEsc)
	d.wait("What would you like to do?")
	d.final()
}

// reviewMoveToNewDataset drives the menu to the Review of a move to a new dataset on the dataflow's schema.
func reviewMoveToNewDataset(d *menuDriver) {
	d.wait("What would you like to do?")
	d.typ("4")
	d.wait("Move to")
	d.key(tea.KeyRight)
	d.key(tea.KeyDown)
	d.wait("New dataset on this dataflow's schema")
	d.key(tea.KeyEnter)
	d.wait("partial ingestion") // the move's Review, loaded
}
