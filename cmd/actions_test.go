package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/creds/credstest"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/cio/ciotest"
	"github.com/cioaep/cioaep/ui"
)

const (
	actAppKey   = "app-key-7c6b5a4d3e2f"
	actWrongKey = "stale-key-0f1e2d3c4b"
	actSignKey  = "signing-key-5e6f7a8b"
)

// script answers an action's questions in order, like a user at the dialog: "" accepts the question's
// default, and running out of answers is esc.
type script struct {
	answers []string
	asked   []string
	said    []string
}

func (s *script) Ask(q ui.Question) (string, error) {
	s.asked = append(s.asked, q.Prompt)
	if len(s.answers) == 0 {
		return "", ui.ErrCanceled
	}
	v := s.answers[0]
	s.answers = s.answers[1:]
	if v == "" {
		v = q.Default
	}
	return v, nil
}

func (s *script) Say(text string) { s.said = append(s.said, text) }

func (s *script) SayTable(header []string, rows [][]string) {
	for _, r := range rows {
		s.said = append(s.said, strings.Join(r, " | "))
	}
}

func (s *script) transcript() string { return strings.Join(s.said, "\n") }

// actWorld is a profile whose setup chose email and SMS under plan ab12cd, with an in-memory keychain.
type actWorld struct {
	paths creds.Paths
	kc    *credstest.MemKeychain
	api   *ciotest.AppAPI
}

func newActWorld(t *testing.T) *actWorld {
	home := t.TempDir()
	w := &actWorld{
		paths: creds.Paths{ConfigFile: filepath.Join(home, "config", "config.json"), StateRoot: filepath.Join(home, "state"), DataDir: filepath.Join(home, "data")},
		kc:    credstest.NewMemKeychain(),
		api:   ciotest.New(t, actAppKey),
	}
	state := w.paths.StateDir("default")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name string, v any) {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(state, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(flow.EventsFile, map[string]any{"events": []string{"email", "sms"}})
	write(flow.JournalFile, map[string]any{"planId": "ab12cd", "sandbox": "prod", "resources": map[string]any{}})
	return w
}

func (w *actWorld) actions(appAPI *http.Client) map[string]ui.Action {
	out := map[string]ui.Action{}
	for _, a := range DoneActions(DoneActionsOptions{Profile: "default", Paths: w.paths, AppAPI: appAPI, LocalData: filepath.Join(w.paths.DataDir, "local"),
		Secrets: creds.NewSecrets(w.paths, creds.WithKeychain(w.kc, time.Second))}) {
		out[a.Key] = a
	}
	return out
}

func (w *actWorld) stored(item creds.Item) (string, bool) {
	return w.kc.Lookup(creds.Service, "default/"+string(item))
}

const actEndpoint = "https://dcs.adobedc.net/collection/abc123?x-adobe-flow-id=f-1"

// TestWebhookActionThroughAPIURL: CIOAEP_CIO_API_URL sends the App API to the stand-in; the webhook gets
// exactly the chosen events, the plan's name, and both keys end up in the keychain.
func TestWebhookActionThroughAPIURL(t *testing.T) {
	w := newActWorld(t)
	t.Setenv(EnvCIOAPIURL, w.api.URL)
	s := &script{answers: []string{actAppKey, "EU", "", actSignKey}}
	msg, err := w.actions(nil)["w"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: actEndpoint})
	if err != nil {
		t.Fatalf("%v\n%s", err, s.transcript())
	}
	if msg != "Reporting webhook created and enabled in Customer.io." {
		t.Errorf("result %q", msg)
	}
	hooks := w.api.Webhooks()
	if len(hooks) != 1 || hooks[0].Name != "Adobe Experience Platform (cioaep ab12cd)" || hooks[0].Endpoint != actEndpoint ||
		!slices.Equal(hooks[0].Events, flow.Subscriptions([]string{"email", "sms"})) || !hooks[0].FullResolution {
		t.Fatalf("webhooks %+v", hooks)
	}
	if k, _ := w.stored(creds.CIOAppAPIKey); k != actAppKey {
		t.Error("the accepted App API key was not stored")
	}
	if k, _ := w.stored(creds.CIOSigningKey); k != actSignKey {
		t.Error("the signing key was not stored")
	}
	tr := s.transcript()
	for _, want := range []string{"Asking Customer.io (127.0.0.1:", "in the EU workspace, subscribed to 23 events (email_drafted, email_attempted, email_sent and 20 more)",
		"Reporting Webhooks → Adobe Experience Platform (cioaep ab12cd)"} {
		if !strings.Contains(tr, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr)
		}
	}
	if strings.Contains(tr, actAppKey) || strings.Contains(tr, actSignKey) {
		t.Error("a key was said")
	}

	// Run again: the stored key is used without asking, and the webhook is updated, not duplicated.
	s = &script{answers: []string{"EU", "", ""}}
	if msg, err := w.actions(nil)["w"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: actEndpoint}); err != nil || !strings.Contains(msg, "updated") {
		t.Fatalf("second run: %q %v", msg, err)
	}
	if slices.Contains(s.asked, "Customer.io App API key") || len(w.api.Webhooks()) != 1 {
		t.Errorf("asked %q; %d webhooks", s.asked, len(w.api.Webhooks()))
	}
}

// TestWebhookActionReplacesARejectedKey: a stored key Customer.io no longer accepts is asked for again,
// with Customer.io's answer on screen; the new key replaces it, and no key appears in any message.
func TestWebhookActionReplacesARejectedKey(t *testing.T) {
	w := newActWorld(t)
	if err := w.kc.Set(creds.Service, "default/"+string(creds.CIOAppAPIKey), actWrongKey); err != nil {
		t.Fatal(err)
	}
	s := &script{answers: []string{"US", "", actAppKey, "US", ""}}
	_, err := w.actions(w.api.Client())["w"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: actEndpoint})
	if err != nil {
		t.Fatalf("%v\n%s", err, s.transcript())
	}
	want := []string{"Region of the Customer.io workspace", "Webhook name", "Customer.io App API key", "Region of the Customer.io workspace", "Signing key (optional)"}
	if !slices.Equal(s.asked, want) {
		t.Errorf("asked %q, want %q", s.asked, want)
	}
	tr := s.transcript()
	if !strings.Contains(tr, "Customer.io rejected this App API key") || strings.Contains(tr, actWrongKey) || strings.Contains(tr, actAppKey) {
		t.Errorf("transcript:\n%s", tr)
	}
	if k, _ := w.stored(creds.CIOAppAPIKey); k != actAppKey {
		t.Error("the new key did not replace the rejected one")
	}

	// Stopping at the second key question returns ErrCanceled and leaves the workspace alone.
	w2 := newActWorld(t)
	s = &script{answers: []string{actWrongKey, "US", ""}}
	_, err = w2.actions(w2.api.Client())["w"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: actEndpoint})
	if !errors.Is(err, ui.ErrCanceled) || strings.Contains(err.Error(), actWrongKey) {
		t.Errorf("err = %v", err)
	}
	if _, ok := w2.stored(creds.CIOAppAPIKey); ok || len(w2.api.Webhooks()) != 0 {
		t.Error("a rejected key was stored or a webhook made")
	}
}

// TestWebhookActionWithoutKeychain: the webhook is still made; the user is told the key was not kept.
func TestWebhookActionWithoutKeychain(t *testing.T) {
	w := newActWorld(t)
	w.kc.Fail(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	s := &script{answers: []string{actAppKey, "US", "", actSignKey}}
	_, err := w.actions(w.api.Client())["w"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: actEndpoint})
	if err != nil {
		t.Fatal(err)
	}
	tr := s.transcript()
	if !strings.Contains(tr, "The App API key was not stored") || !strings.Contains(tr, "The signing key was not stored") ||
		strings.Contains(tr, actAppKey) || strings.Contains(tr, actSignKey) {
		t.Errorf("transcript:\n%s", tr)
	}
	if len(w.api.Webhooks()) != 1 {
		t.Error("no webhook")
	}
}

// inlet is an Adobe-like streaming inlet: it checks each event's Customer.io signature against key,
// accepts email events and refuses SMS ones the way the inlet reports a validation failure.
type inlet struct {
	key   []byte
	mu    sync.Mutex
	sync  []string
	valid []bool
}

func (in *inlet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost { // send-test asks a loopback URL whether it is a local platform
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	err := cio.Verify(in.key, r.Header.Get(cio.HeaderTimestamp), r.Header.Get(cio.HeaderSignature), body, time.Now(), time.Minute)
	in.mu.Lock()
	in.sync = append(in.sync, r.URL.Query().Get("syncValidation"))
	in.valid = append(in.valid, err == nil)
	in.mu.Unlock()
	if ev, _ := cio.DecodeEvent(body); ev.ObjectType == "sms" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"type":"https://ns.adobe.com/aep/errors/XDM-1010-400","title":"Invalid record","report":{"message":"the record is not valid"}}`))
		return
	}
	_, _ = w.Write([]byte(`{"inletId":"abc123","batchId":"b1","receivedTimeMs":1}`))
}

// TestSendTestActionOnAdobe sends one signed sample per chosen type to an Adobe-like inlet: syncValidation
// only when asked, signed with the stored signing key, each result in the table and the failure counted.
func TestSendTestActionOnAdobe(t *testing.T) {
	w := newActWorld(t)
	if err := w.kc.Set(creds.Service, "default/"+string(creds.CIOSigningKey), actSignKey); err != nil {
		t.Fatal(err)
	}
	in := &inlet{key: []byte(actSignKey)}
	srv := httptest.NewServer(in)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		answer, sync string
	}{{"no", ""}, {"yes", "true"}} {
		in.sync, in.valid = nil, nil
		s := &script{answers: []string{tc.answer}}
		_, err := w.actions(nil)["t"].Run(ui.WithAsker(context.Background(), s), flow.Result{WebhookURL: srv.URL + "/collection/abc123?x-adobe-flow-id=f-1"})
		if err == nil || !strings.Contains(err.Error(), "1 of 2 test events failed") {
			t.Fatalf("%s: err = %v\n%s", tc.answer, err, s.transcript())
		}
		tr := s.transcript()
		for _, want := range []string{"Signing with the Customer.io signing key from the keychain.", "✓ | email.sent | 200 |", "✗ | sms.sent | 400 |", "the record is not valid"} {
			if !strings.Contains(tr, want) {
				t.Errorf("%s: transcript lacks %q:\n%s", tc.answer, want, tr)
			}
		}
		if !slices.Equal(in.sync, []string{tc.sync, tc.sync}) || !slices.Equal(in.valid, []bool{true, true}) {
			t.Errorf("%s: syncValidation %q, signatures valid %v", tc.answer, in.sync, in.valid)
		}
	}
}
