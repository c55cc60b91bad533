package ui_test

// These tests drive cmd's real done-screen actions on the wizard's screen: against a real local platform
// over HTTP (the wizard's own engine made the dataflow) and a Customer.io App API stand-in. They live in
// an external test package because cmd imports ui.

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/cmd"
	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/creds/credstest"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/cio/ciotest"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/ui"
)

const (
	appKey     = "cio-app-key-9f8e7d6c5b4a" // what the stand-in accepts
	wrongKey   = "cio-wrong-key-1a2b3c4d5e"
	signingKey = "cio-signing-key-0a1b2c3d"
)

// actionWorld is one user's machine: XDG paths in a temporary home, an in-memory keychain, a local
// platform serving over real HTTP from the data directory, and the App API stand-in.
type actionWorld struct {
	home     string
	paths    creds.Paths
	kc       *credstest.MemKeychain
	platform *local.Platform
	api      *ciotest.AppAPI
	deps     ui.Deps
}

func newActionWorld(t *testing.T) *actionWorld {
	t.Helper()
	home := t.TempDir()
	paths := creds.Paths{
		ConfigFile: filepath.Join(home, "config", "cioaep", "config.json"),
		StateRoot:  filepath.Join(home, "state", "cioaep"),
		DataDir:    filepath.Join(home, "data", "cioaep"),
	}
	stateDir, dataDir := paths.StateDir("default"), filepath.Join(paths.DataDir, "local")
	for _, d := range []string{stateDir, dataDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	p, err := local.Open(local.Config{DataDir: dataDir, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); _ = p.Close() })

	w := &actionWorld{home: home, paths: paths, kc: credstest.NewMemKeychain(), platform: p, api: ciotest.New(t, appKey)}
	var samples []ui.Sample
	for _, s := range assets.Samples() {
		samples = append(samples, ui.Sample{ObjectType: s.ObjectType, Metric: s.Metric, Body: s.Body})
	}
	w.deps = ui.Deps{
		Profile: "default",
		Local:   true,
		Prefill: func(context.Context, ui.Platform) (ui.Credentials, error) {
			return ui.Credentials{OrgID: local.OrgID, ClientID: "cioaep-local", ClientSecret: "cioaep-local-secret", Scopes: aep.DefaultScopes}, nil
		},
		Connect: func(_ context.Context, _ ui.Platform, c ui.Credentials) (ui.Engine, error) {
			return flow.NewSession(aep.New(aep.Config{PlatformURL: base, IMSURL: base, OrgID: c.OrgID, ClientID: c.ClientID,
				ClientSecret: c.ClientSecret, Scopes: c.Scopes}), stateDir), nil
		},
		Save:    func(context.Context, ui.Platform, ui.Credentials, string) (string, error) { return "", nil },
		Samples: samples,
		Actions: cmd.DoneActions(cmd.DoneActionsOptions{
			Profile: "default", Paths: paths, LocalData: dataDir, AppAPI: w.api.Client(),
			Secrets: creds.NewSecrets(paths, creds.WithKeychain(w.kc, time.Second)),
		}),
	}
	return w
}

func (w *actionWorld) result(t *testing.T) flow.Result {
	t.Helper()
	res, ok, err := flow.LoadResult(w.paths.StateDir("default"))
	if err != nil || !ok {
		t.Fatalf("no setup result: ok=%v err=%v", ok, err)
	}
	return res
}

func (w *actionWorld) stored(item creds.Item) (string, bool) {
	return w.kc.Lookup(creds.Service, "default/"+string(item))
}

// millis makes the time column stable for golden files: it is always four characters and " ms".
var millis = regexp.MustCompile(`[ 0-9]{3}[0-9] ms`)

// scrub replaces what differs between runs (timings, the platform's tenant, the dataset id) in a view.
// The tenant is replaced by text of the same length, so records cut to the width stay the same.
func scrub(view string, res flow.Result, tenant string) string {
	view = millis.ReplaceAllString(view, "   N ms")
	if tenant != "" {
		view = strings.ReplaceAll(view, tenant, "tenant"+strings.Repeat("x", max(len(tenant)-6, 0)))
	}
	view = strings.ReplaceAll(view, res.WebhookURL, "<webhook url>")
	return strings.ReplaceAll(view, res.DatasetID, "<dataset id>")
}

type actionScenario struct {
	name  string
	setup func(t *testing.T, w *actionWorld) // after the done screen is up
	drive func(d *ui.Driver)
	check func(t *testing.T, w *actionWorld, res flow.Result)
}

var actionScenarios = []actionScenario{
	{name: "send_test_local", drive: func(d *ui.Driver) {
		d.Type("t")
		d.Wait("accepted; the records are in the dataset")
	}, check: func(t *testing.T, w *actionWorld, res flow.Result) {
		evs, err := w.platform.Events(context.Background(), local.EventFilter{DatasetID: res.DatasetID})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != len(flow.Catalog) {
			t.Errorf("%d records in the dataset, want one per object type (%d)", len(evs), len(flow.Catalog))
		}
		for _, e := range evs {
			if e.Failed {
				t.Errorf("a test event failed on the platform: %s", e.Reason)
			}
		}
	}},
	{name: "webhook_created", drive: func(d *ui.Driver) {
		d.Type("w")
		d.Wait("Customer.io App API key")
		d.Type(appKey)
		d.Press(tea.KeyEnter)
		d.Wait("Region of the Customer.io workspace")
		d.Press(tea.KeyEnter)
		d.Wait("Webhook name")
		d.Press(tea.KeyEnter)
		d.Wait("Signing key (optional)")
		d.Type(signingKey)
		d.Press(tea.KeyEnter)
		d.Wait("created and enabled")
	}, check: func(t *testing.T, w *actionWorld, res flow.Result) {
		hooks := w.api.Webhooks()
		if len(hooks) != 1 {
			t.Fatalf("%d webhooks, want 1", len(hooks))
		}
		h := hooks[0]
		if h.Endpoint != res.WebhookURL || h.Disabled || h.Name != "Adobe Experience Platform (cioaep ab12cd)" ||
			!slices.Equal(h.Events, flow.Subscriptions(allTypes())) {
			t.Errorf("webhook %+v", h)
		}
		if k, _ := w.stored(creds.CIOAppAPIKey); k != appKey {
			t.Errorf("App API key not stored after Customer.io accepted it")
		}
		if k, _ := w.stored(creds.CIOSigningKey); k != signingKey {
			t.Errorf("signing key not stored")
		}
		for _, h := range w.api.Hosts() {
			if h != "api.customer.io" {
				t.Errorf("asked %s, want the US host", h)
			}
		}
	}},
	{name: "webhook_rejected_key", drive: func(d *ui.Driver) {
		d.Type("w")
		d.Wait("Customer.io App API key")
		d.Type(wrongKey)
		d.Press(tea.KeyEnter)
		d.Wait("Region of the Customer.io workspace")
		d.Press(tea.KeyEnter)
		d.Wait("Webhook name")
		d.Press(tea.KeyEnter)
		d.Wait("Try another key")
	}, check: func(t *testing.T, w *actionWorld, _ flow.Result) {
		if _, ok := w.stored(creds.CIOAppAPIKey); ok {
			t.Error("a rejected key was stored")
		}
		if n := len(w.api.Webhooks()); n != 0 {
			t.Errorf("%d webhooks after a rejected key", n)
		}
	}},
	{name: "webhook_eu", drive: func(d *ui.Driver) {
		d.Type("w")
		d.Wait("Customer.io App API key")
		d.Type(appKey)
		d.Press(tea.KeyEnter)
		d.Wait("Region of the Customer.io workspace")
		d.Press(tea.KeyRight)
		d.Wait("‹ EU ›")
		d.Press(tea.KeyEnter)
		d.Wait("Webhook name")
		d.Press(tea.KeyEnter)
		d.Wait("Signing key (optional)")
		d.Press(tea.KeyEnter) // skip
		d.Wait("created and enabled")
	}, check: func(t *testing.T, w *actionWorld, _ flow.Result) {
		hosts := w.api.Hosts()
		if len(hosts) == 0 {
			t.Fatal("the App API was not asked")
		}
		for _, h := range hosts {
			if h != "api-eu.customer.io" {
				t.Errorf("asked %s, want the EU host", h)
			}
		}
		if _, ok := w.stored(creds.CIOSigningKey); ok {
			t.Error("a skipped signing key was stored")
		}
	}},
	{name: "webhook_updated", setup: func(t *testing.T, w *actionWorld) {
		// The key is stored from an earlier run, and someone made a webhook for this URL by hand.
		if err := w.kc.Set(creds.Service, "default/"+string(creds.CIOAppAPIKey), appKey); err != nil {
			t.Fatal(err)
		}
		w.api.Add(cio.Webhook{Name: "by hand", Endpoint: w.result(t).WebhookURL, Events: []string{"email_sent"}, Disabled: true, WithContent: true})
	}, drive: func(d *ui.Driver) {
		d.Type("w")
		d.Wait("Region of the Customer.io workspace")
		d.Press(tea.KeyEnter)
		d.Wait("Webhook name")
		d.Press(tea.KeyEnter)
		d.Wait("Signing key (optional)")
		d.Press(tea.KeyEnter)
		d.Wait("updated and enabled")
	}, check: func(t *testing.T, w *actionWorld, res flow.Result) {
		hooks := w.api.Webhooks()
		if len(hooks) != 1 {
			t.Fatalf("%d webhooks, want the existing one updated", len(hooks))
		}
		h := hooks[0]
		if h.Disabled || !h.WithContent || h.Name != "Adobe Experience Platform (cioaep ab12cd)" || len(h.Events) != len(flow.Subscriptions(allTypes())) {
			t.Errorf("webhook after update: %+v", h)
		}
	}},
}

func allTypes() []string {
	var out []string
	for _, o := range flow.Catalog {
		out = append(out, o.Name)
	}
	return out
}

// TestDoneActionsOnScreen draws each action's outcome at two terminal sizes against golden files
// (go test ./ui -update rewrites them), and checks what it did to the platform, the workspace and the
// keychain. No App API key ever reaches the screen, a file or a message.
func TestDoneActionsOnScreen(t *testing.T) {
	for _, sc := range actionScenarios {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				w := newActionWorld(t)
				d := ui.StartLocalToDone(t, w.deps, sz[0], sz[1])
				res := w.result(t)
				if sc.setup != nil {
					sc.setup(t, w)
				}
				sc.drive(d)
				view, output := d.Final()
				golden.RequireEqual(t, []byte(scrub(view, res, w.platform.TenantID())))
				if sc.check != nil {
					sc.check(t, w, res)
				}
				w.assertNoKeyLeaks(t, output)
			})
		}
	}
}

// TestDoneScreenOffersTheActions: at 80 columns the help line names both keys and still fits.
func TestDoneScreenOffersTheActions(t *testing.T) {
	w := newActionWorld(t)
	view, _ := ui.StartLocalToDone(t, w.deps, 80, 24).Final()
	lines := strings.Split(view, "\n")
	if got := lines[len(lines)-1]; got != "c copy URL · t send test event · w create the webhook · m monitor · q quit" {
		t.Errorf("help line %q", got)
	}
	for _, l := range lines {
		if lipgloss.Width(l) > 80 && !strings.HasPrefix(l, "http") { // the printed URL is wrapped by the terminal
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}

// assertNoKeyLeaks looks for the App API keys (right and wrong) and the signing key in every byte drawn
// and every file under the user's home; the keychain is the only place they may be.
func (w *actionWorld) assertNoKeyLeaks(t *testing.T, output []byte) {
	t.Helper()
	secrets := []string{appKey, wrongKey, signingKey}
	for _, s := range secrets {
		if strings.Contains(string(output), s) {
			t.Errorf("a secret was drawn on the terminal")
		}
	}
	err := filepath.WalkDir(w.home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// m on the done screen opens the monitor on the dataflow just made; a test event sent from the done
// screen shows in it, by type; esc returns to the done screen.
func TestDoneScreenMonitor(t *testing.T) {
	w := newActionWorld(t)
	d := ui.StartLocalToDone(t, w.deps, 120, 40)
	d.Type("m")
	d.Wait("Last hour  received 0")
	d.Press(tea.KeyEsc)
	d.Wait("press c to copy")
	view, _ := d.Final()
	if strings.Contains(view, "Last hour") {
		t.Errorf("esc did not close the monitor:\n%s", view)
	}
}
