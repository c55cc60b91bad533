package cmd

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/creds/credstest"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/cio/ciotest"
	"github.com/cioaep/cioaep/ui"
)

const moveAppKey = "app-key-move-4d5e6f7a"

// webhookMoveWorld is a set-up profile whose Customer.io workspace (the App API stand-in, reached through
// CIOAEP_CIO_API_URL) has the reporting webhook for the profile's endpoint and one unrelated webhook.
type webhookMoveWorld struct {
	*opsWorld
	first   flow.Result
	api     *ciotest.AppAPI
	kc      *credstest.MemKeychain
	secrets *creds.Secrets
	hook    cio.Webhook // posts to the first endpoint
	other   cio.Webhook
}

func newWebhookMoveWorld(t *testing.T) *webhookMoveWorld {
	w := &webhookMoveWorld{opsWorld: newOpsWorld(t), api: ciotest.New(t, moveAppKey), kc: credstest.NewMemKeychain()}
	w.setUp(t)
	res, err := lastSetup(creds.DefaultPaths(), "default")
	if err != nil {
		t.Fatal(err)
	}
	w.first = res
	w.secrets = creds.NewSecrets(creds.DefaultPaths(), creds.WithKeychain(w.kc, time.Second))
	t.Setenv(EnvCIOAPIURL, w.api.URL)
	w.other = w.api.Add(cio.Webhook{Name: "Warehouse", Endpoint: "https://example.com/hook", Events: []string{"email_opened"}})
	w.hook = w.api.Add(cio.Webhook{Name: "Adobe Experience Platform (cioaep ab12cd)", Endpoint: res.WebhookURL,
		Events: []string{"email_sent", "sms_sent"}, FullResolution: true})
	return w
}

func (w *webhookMoveWorld) reconfigure(o reconfigureOptions) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	g := &Factory{Profile: "default", IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}
	o.nonInteractive, o.secrets = true, w.secrets
	err = runReconfigure(context.Background(), g, &o)
	return out.String(), errb.String(), err
}

// reconfigure --non-interactive --new-dataset X --yes with an App API key stored: the webhook that posted
// to the old endpoint now posts to the new one (same id, name and events), no second webhook appears, the
// unrelated one is untouched, the region that worked is remembered, and the old dataflow is retired.
func TestReconfigureMoveUpdatesTheCustomerIOWebhook(t *testing.T) {
	w := newWebhookMoveWorld(t)
	if _, err := w.secrets.Set(context.Background(), "default", creds.CIOAppAPIKey, moveAppKey, false); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := w.reconfigure(reconfigureOptions{newDataset: "Second", yes: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	newURL := strings.TrimSpace(stdout)
	if newURL == "" || newURL == w.first.WebhookURL {
		t.Fatalf("stdout %q: want the new webhook URL", stdout)
	}
	hooks := w.api.Webhooks()
	if len(hooks) != 2 || !reflectHook(hooks[0], w.other) {
		t.Fatalf("webhooks after the move: %+v", hooks)
	}
	want := w.hook
	want.Endpoint = newURL
	if !reflectHook(hooks[1], want) {
		t.Errorf("webhook %d = %+v, want %+v", w.hook.ID, hooks[1], want)
	}
	if !strings.Contains(stderr, "webhook 2 (") || !strings.Contains(stderr, "now posts to the new URL, with the same 2 events") ||
		strings.Contains(stderr, "replace the old URL") || strings.Contains(stderr, moveAppKey) {
		t.Errorf("stderr:\n%s", stderr)
	}
	if _, err := w.client().Flow(context.Background(), w.first.FlowID); !errors.Is(err, aep.ErrNotFound) {
		t.Errorf("with --yes and the webhook moved, the old dataflow should be retired: %v", err)
	}
	cfg, err := creds.LoadConfig(creds.DefaultPaths().ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := cfg.Profile("default"); p.CIORegion != "us" {
		t.Errorf("remembered region %q, want us (the first one tried, which accepted the key)", p.CIORegion)
	}
}

// Without a stored key cioaep does not touch Customer.io: the manual instructions are printed as before.
func TestReconfigureMoveWithoutKeyPrintsInstructions(t *testing.T) {
	w := newWebhookMoveWorld(t)
	stdout, stderr, err := w.reconfigure(reconfigureOptions{newDataset: "Second"})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if n := len(w.api.Hosts()); n != 0 {
		t.Errorf("%d App API requests without a key", n)
	}
	if hooks := w.api.Webhooks(); hooks[1].Endpoint != w.first.WebhookURL {
		t.Errorf("the webhook moved without a key: %+v", hooks)
	}
	if !strings.Contains(stderr, "replace the old URL") || !strings.Contains(stderr, strings.TrimSpace(stdout)) ||
		!strings.Contains(stderr, "--retire "+w.first.FlowID+" --yes") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// A key Customer.io rejects (in both regions) fails the command after the move, without retiring the old
// dataflow despite --yes: Customer.io still posts there, and a deleted endpoint would stall its stream.
func TestReconfigureMoveKeepsTheOldFlowWhenTheWebhookCannotFollow(t *testing.T) {
	w := newWebhookMoveWorld(t)
	if _, err := w.secrets.Set(context.Background(), "default", creds.CIOAppAPIKey, "revoked-key-0a0b0c", false); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := w.reconfigure(reconfigureOptions{newDataset: "Second", yes: true})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitFailed || !strings.Contains(err.Error(), "rejected this App API key") ||
		strings.Contains(err.Error()+stderr, "revoked-key-0a0b0c") {
		t.Fatalf("err = %v\n%s", err, stderr)
	}
	if strings.TrimSpace(stdout) == "" || !strings.Contains(stderr, "keeps running, despite --yes") {
		t.Errorf("stdout %q\nstderr:\n%s", stdout, stderr)
	}
	if _, err := w.client().Flow(context.Background(), w.first.FlowID); err != nil {
		t.Errorf("the old dataflow must keep running while Customer.io posts to it: %v", err)
	}
	if hosts := w.api.Hosts(); len(hosts) != 2 {
		t.Errorf("want one try per region, got %d requests", len(hosts))
	}
}

func reflectHook(a, b cio.Webhook) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Endpoint == b.Endpoint && slices.Equal(a.Events, b.Events) &&
		a.Disabled == b.Disabled && a.FullResolution == b.FullResolution && a.WithContent == b.WithContent
}

// The done screen's w action remembers the workspace's region in the profile (for a later move) and
// offers it as the default next time.
func TestWebhookActionRemembersTheRegion(t *testing.T) {
	w := newActWorld(t)
	t.Setenv(EnvCIOAPIURL, w.api.URL)
	cfg, err := creds.LoadConfig(w.paths.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Put(creds.Profile{Name: "default", OrgID: "org@AdobeOrg", ClientID: "c", Scopes: "openid", Platform: creds.PlatformAdobe})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	region := func() string {
		cfg, err := creds.LoadConfig(w.paths.ConfigFile)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := cfg.Profile("default")
		return p.CIORegion
	}

	s := &script{answers: []string{actAppKey, "EU", "", ""}}
	if _, err := w.actions(nil)["w"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: actEndpoint}); err != nil {
		t.Fatalf("%v\n%s", err, s.transcript())
	}
	if got := region(); got != "eu" {
		t.Fatalf("remembered region %q, want eu", got)
	}
	// "" accepts the offered default: the remembered EU, not US.
	s = &script{answers: []string{"", "", ""}}
	if _, err := w.actions(nil)["w"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: actEndpoint}); err != nil {
		t.Fatalf("%v\n%s", err, s.transcript())
	}
	if !strings.Contains(s.transcript(), "in the EU workspace") || region() != "eu" {
		t.Errorf("second run did not default to EU:\n%s", s.transcript())
	}
}

// A machine without a keychain where no App API key was ever stored: the move says nothing about a key
// (there is none to read), and leaves the manual steps to the caller. A keychain that may hold one but
// cannot be asked says so, without claiming a key is stored.
func TestWebhookMoveWithoutKeychainAndNoKeyWarnsOfNothing(t *testing.T) {
	t.Parallel()
	paths := creds.Paths{ConfigFile: filepath.Join(t.TempDir(), "config.json"), StateRoot: t.TempDir(), DataDir: t.TempDir()}
	for _, tc := range []struct {
		name, keychainErr string
		want              string // "" means no message at all
	}{
		{"no Secret Service", "The name org.freedesktop.secrets was not provided by any .service files", ""},
		{"no D-Bus", `exec: "dbus-launch": executable file not found in $PATH`, ""},
		{"locked", "failed to unlock correct collection '/org/freedesktop/secrets/collection/login'", "could not tell whether"},
		{"locked, no answer", "", "could not tell whether"},
	} {
		var kc creds.Keychain
		if tc.keychainErr == "" {
			stuck := credstest.NewStuckKeychain()
			t.Cleanup(stuck.Release)
			kc = stuck
		} else {
			mem := credstest.NewMemKeychain()
			mem.Fail(errors.New(tc.keychainErr))
			kc = mem
		}
		m := webhookMover{Paths: paths, Profile: "default", Secrets: creds.NewSecrets(paths, creds.WithKeychain(kc, 50*time.Millisecond))}
		mv, err := m.move(context.Background(), "http://127.0.0.1:1/collection/a", "http://127.0.0.1:1/collection/b")
		switch {
		case err != nil || mv.Managed || mv.Moved:
			t.Errorf("%s: %+v %v, want an unmanaged move and no error", tc.name, mv, err)
		case tc.want == "" && mv.Message != "":
			t.Errorf("%s: message %q, want none (no key was ever stored)", tc.name, mv.Message)
		case tc.want != "" && (!strings.Contains(mv.Message, tc.want) || strings.Contains(mv.Message, "stored for this profile could not be read")):
			t.Errorf("%s: message %q, want one saying %q", tc.name, mv.Message, tc.want)
		}
	}
}
