package cmd

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

// wizardEnvFor gives a test its own XDG directories.
func wizardEnvFor(t *testing.T) string {
	root := t.TempDir()
	t.Setenv("HOME", root)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(root, "state"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "data"))
	return root
}

// TestWizardWithoutTerminal: cioaep on a pipe exits 2 and prints the non-interactive command instead.
func TestWizardWithoutTerminal(t *testing.T) {
	wizardEnvFor(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"cioaep setup --non-interactive --org-id <ORG_ID>@AdobeOrg --client-id <CLIENT_ID> --sandbox prod", "CIOAEP_CLIENT_SECRET=<secret>", "--new-schema"}},
		{[]string{"--local", "--profile", "practice"}, []string{"cioaep setup --non-interactive --local --profile practice --events all"}},
		{[]string{"setup"}, []string{"cioaep setup --non-interactive"}},
	} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}, tc.args)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, ExitUsage)
		}
		for _, w := range tc.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, w, errb.String())
			}
		}
	}
}

// TestWizardAccessibleAgainstPlatform answers the plain prompts with their defaults against a local
// platform reached the way Adobe would be (CIOAEP_PLATFORM_URL), with a saved profile and the secret in
// the environment, and ends with the URL and the sandbox saved.
func TestWizardAccessibleAgainstPlatform(t *testing.T) {
	root := wizardEnvFor(t)
	p, err := local.Open(local.Config{DataDir: filepath.Join(root, "platform")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	p.SetBaseURL(srv.URL)
	t.Cleanup(func() { srv.Close(); p.Close() })
	t.Setenv(aep.EnvPlatformURL, srv.URL)
	t.Setenv(aep.EnvIMSURL, srv.URL)
	t.Setenv(creds.EnvClientSecret, "any-secret")

	paths := creds.DefaultPaths()
	cfg, err := creds.LoadConfig(paths.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Put(creds.Profile{Name: "default", OrgID: local.OrgID, ClientID: "cioaep-local", Scopes: aep.DefaultScopes, Platform: creds.PlatformAdobe})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}

	var out, errb bytes.Buffer
	g := &Factory{IO: &IOStreams{In: strings.NewReader(strings.Repeat("\n", 15)), Out: &out, ErrOut: &errb}}
	if code := Run(context.Background(), g, []string{"--accessible"}); code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if strings.Count(out.String(), srv.URL+"/collection/") != 1 {
		t.Errorf("the webhook URL is not printed once:\n%s", out.String())
	}
	cfg, _ = creds.LoadConfig(paths.ConfigFile)
	if prof, _ := cfg.Profile("default"); prof.Sandbox != "prod" {
		t.Errorf("profile sandbox %q, want prod", prof.Sandbox)
	}
}

// TestLoadSampleEvent checks the messages the events step shows for a file the user picked.
func TestLoadSampleEvent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "missing.json does not exist"},
		{write("notjson.json", "hello"), "not JSON"},
		{write("array.json", `[{"event_id":"x"}]`), "not a Customer.io event"},
		{write("noid.json", `{"object_type":"email","metric":"sent","timestamp":1,"data":{}}`), "missing event_id"},
	} {
		if _, err := flow.ReadEventFile(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", filepath.Base(tc.path), err, tc.want)
		}
	}
	ev, err := flow.ReadEventFile(write("ok.json", `{"event_id":"01E4","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"id":"42"}}}`))
	if err != nil || ev["metric"] != "sent" {
		t.Errorf("a good event: %v %v", ev, err)
	}
}

// TestE2EDumbTerminalGetsPlainPrompts: TERM=dumb cannot draw the full-screen wizard, so cioaep asks with
// plain prompts there, as with --accessible, rather than refusing or drawing escape sequences.
func TestE2EDumbTerminalGetsPlainPrompts(t *testing.T) {
	e := newE2E(t)
	r := e.run("", []string{"TERM=dumb"}, "--local")
	if !strings.Contains(r.stdout, "Step 1 of 9: Welcome") || strings.ContainsRune(r.stdout, '\x1b') {
		t.Errorf("TERM=dumb: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
