package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/creds/credstest"
)

const authTestOrgID = "0123456789ABCDEF01234567@AdobeOrg"

// authWorld is one test's isolated machine: XDG directories under a temporary directory, no CIOAEP_*
// variables from the outside, and an IMS (real HTTP) that knows a set of client id → secret pairs.
type authWorld struct {
	paths   creds.Paths
	root    string
	ims     *httptest.Server
	tokens  atomic.Int32 // tokens IMS handed out
	clients map[string]string
}

func newAuthWorld(t *testing.T, clients map[string]string) *authWorld {
	t.Helper()
	w := &authWorld{root: t.TempDir(), clients: clients}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(w.root, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(w.root, "state"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(w.root, "data"))
	t.Setenv(creds.EnvClientSecret, "")
	t.Setenv("CIOAEP_PLATFORM_URL", "")
	w.ims = httptest.NewServer(http.HandlerFunc(w.token))
	t.Cleanup(w.ims.Close)
	t.Setenv("CIOAEP_IMS_URL", w.ims.URL)
	w.paths = creds.DefaultPaths()
	return w
}

// token answers like IMS's OAuth Server-to-Server endpoint, including its invalid_client error.
func (w *authWorld) token(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/ims/token/v3" || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		http.Error(rw, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	want, ok := w.clients[r.PostForm.Get("client_id")]
	if !ok || want != r.PostForm.Get("client_secret") {
		rw.WriteHeader(http.StatusUnauthorized)
		rw.Write([]byte(`{"error":"invalid_client","error_description":"invalid client_secret parameter"}`))
		return
	}
	w.tokens.Add(1)
	json.NewEncoder(rw).Encode(map[string]any{"access_token": "token-for-" + r.PostForm.Get("client_id"), "token_type": "bearer", "expires_in": 86399})
}

// deps are the real paths with the given keychain behind the secrets.
func (w *authWorld) deps(kc creds.Keychain, timeout time.Duration) authDeps {
	return authDeps{secrets: creds.NewSecrets(w.paths, creds.WithKeychain(kc, timeout))}
}

// authResult is what a command printed and how it ended.
type authResult struct {
	code           int
	stdout, stderr string
}

// run calls fn (one of the runAuth* functions) the way cmd.Run would and maps its error to an exit code.
func authRun(t *testing.T, profile, stdin string, fn func(g *Factory) error) authResult {
	t.Helper()
	var out, errb bytes.Buffer
	g := &Factory{Profile: profile, IO: &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errb}}
	err := fn(g)
	code := ExitOK
	if err != nil {
		code = ExitFailed
		var ee *ExitError
		if errors.As(err, &ee) {
			code = ee.Code
		}
		if ee == nil || ee.Err != nil {
			errb.WriteString("cioaep: " + err.Error() + "\n")
		}
	}
	return authResult{code, out.String(), errb.String()}
}

func authLogin(t *testing.T, deps authDeps, profile, clientID, secret string, extra ...func(*authLoginOptions)) authResult {
	t.Helper()
	o := authLoginOptions{orgID: authTestOrgID, clientID: clientID, secretStdin: true}
	for _, f := range extra {
		f(&o)
	}
	return authRun(t, profile, secret+"\n", func(g *Factory) error { return runAuthLogin(context.Background(), g, deps, o) })
}

func authCheck(t *testing.T, deps authDeps, profile string) (authResult, authStatus) {
	t.Helper()
	r := authRun(t, profile, "", func(g *Factory) error {
		g.JSON = true
		return runAuthStatus(context.Background(), g, deps)
	})
	var st authStatus
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("auth status --json printed %q: %v", r.stdout, err)
	}
	return r, st
}

// assertNoLeak fails when needle is in any file under the config, state or data dirs, or in outputs.
func authAssertNoLeak(t *testing.T, w *authWorld, needle string, outputs ...authResult) {
	t.Helper()
	err := filepath.WalkDir(w.root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, []byte(needle)) {
			t.Errorf("the secret is written in %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range outputs {
		if strings.Contains(r.stdout+r.stderr, needle) {
			t.Errorf("the secret is printed:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
		}
	}
}

func TestAuthLoginStatusLogout(t *testing.T) {
	const secret = "sentinel-S3cr3t-login"
	w := newAuthWorld(t, map[string]string{"client-a": secret})
	mem := credstest.NewMemKeychain()
	deps := w.deps(mem, time.Second)

	r := authLogin(t, deps, "default", "client-a", secret, func(o *authLoginOptions) { o.scopes = "openid, AdobeID" })
	if r.code != 0 {
		t.Fatalf("login exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "The client secret is in the OS keychain") {
		t.Errorf("login did not say where the secret went: %s", r.stderr)
	}
	if v, _ := mem.Lookup(creds.Service, "default/client-secret"); v != secret {
		t.Errorf("keychain holds %q", v)
	}
	cfg, err := creds.LoadConfig(w.paths.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.Profile("default")
	if p.OrgID != authTestOrgID || p.ClientID != "client-a" || p.Scopes != "openid,AdobeID" || p.Sandbox != "prod" || p.Platform != "adobe" || p.IMSURL != w.ims.URL {
		t.Errorf("saved profile = %+v", p)
	}

	sr, st := authCheck(t, deps, "default")
	if sr.code != 0 || !st.Usable || st.Token != "ok" || st.SecretLocation != "keychain" || st.Keychain != "usable" {
		t.Errorf("status = exit %d, %+v", sr.code, st)
	}

	dr := authRun(t, "default", "", func(g *Factory) error {
		g.Debug = true
		return runAuthStatus(context.Background(), g, deps)
	})
	if traces, _ := filepath.Glob(filepath.Join(w.paths.StateDir("default"), "debug-*.log")); dr.code != 0 || len(traces) != 1 {
		t.Errorf("status --debug = exit %d, traces %v", dr.code, traces)
	}

	lr := authRun(t, "default", "", func(g *Factory) error { return runAuthLogout(context.Background(), g, deps, false) })
	if lr.code != 0 || mem.Len() != 0 {
		t.Fatalf("logout = exit %d (%s), %d keychain items left", lr.code, lr.stderr, mem.Len())
	}
	sr, st = authCheck(t, deps, "default")
	if sr.code != 1 || st.Usable || st.SecretLocation != "" || !strings.Contains(st.Problem, "auth login") {
		t.Errorf("status after logout = exit %d, %+v", sr.code, st)
	}
	authAssertNoLeak(t, w, secret, r, sr, dr, lr)

	lr = authRun(t, "default", "", func(g *Factory) error { return runAuthLogout(context.Background(), g, deps, true) })
	cfg, _ = creds.LoadConfig(w.paths.ConfigFile)
	if _, ok := cfg.Profile("default"); lr.code != 0 || ok {
		t.Errorf("logout --all = exit %d, profile still there: %v", lr.code, ok)
	}
}

// Adobe rejecting the pair must be said plainly, and nothing may be saved.
func TestAuthLoginRejected(t *testing.T) {
	w := newAuthWorld(t, map[string]string{"client-a": "right-secret"})
	mem := credstest.NewMemKeychain()
	r := authLogin(t, w.deps(mem, time.Second), "default", "client-a", "sentinel-wrong-secret")
	if r.code != 1 || !strings.Contains(r.stderr, "Adobe rejected this client id and secret: check them on the credential page in Developer Console") {
		t.Fatalf("login with a wrong secret = exit %d: %s", r.code, r.stderr)
	}
	if mem.Len() != 0 {
		t.Error("a rejected secret was stored in the keychain")
	}
	if _, err := os.Stat(w.paths.ConfigFile); !os.IsNotExist(err) {
		t.Errorf("a rejected credential was saved to the config: %v", err)
	}
	authAssertNoLeak(t, w, "sentinel-wrong-secret", r)
}

func TestAuthLoginInputChecks(t *testing.T) {
	w := newAuthWorld(t, map[string]string{"client-a": "s"})
	deps := w.deps(credstest.NewMemKeychain(), time.Second)
	for name, tc := range map[string]struct {
		o     authLoginOptions
		stdin string
		code  int
		says  string
	}{
		"missing org id":    {authLoginOptions{clientID: "client-a", secretStdin: true}, "s", ExitMissing, "--org-id"},
		"missing client id": {authLoginOptions{orgID: authTestOrgID, secretStdin: true}, "s", ExitMissing, "--client-id"},
		"missing secret":    {authLoginOptions{orgID: authTestOrgID, clientID: "client-a"}, "", ExitMissing, "--client-secret-stdin"},
		"empty stdin":       {authLoginOptions{orgID: authTestOrgID, clientID: "client-a", secretStdin: true}, "\n", ExitFailed, "stdin was empty"},
		"bad org id":        {authLoginOptions{orgID: "12345@AdobeOrg", clientID: "client-a", secretStdin: true}, "s", ExitUsage, "24 hexadecimal"},
		"bad scopes":        {authLoginOptions{orgID: authTestOrgID, clientID: "client-a", scopes: "openid,,AdobeID", secretStdin: true}, "s", ExitUsage, "--scopes"},
		"secret with space": {authLoginOptions{orgID: authTestOrgID, clientID: "client-a", secretStdin: true}, "two words", ExitUsage, "white space"},
	} {
		t.Run(name, func(t *testing.T) {
			r := authRun(t, "default", tc.stdin, func(g *Factory) error { return runAuthLogin(context.Background(), g, deps, tc.o) })
			if r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, tc.code, tc.says)
			}
		})
	}
	r := authRun(t, "../etc", "s", func(g *Factory) error { return runAuthLogin(context.Background(), g, deps, authLoginOptions{}) })
	if r.code != ExitUsage || !strings.Contains(r.stderr, "profile name") {
		t.Errorf("unsafe profile name: exit %d, %s", r.code, r.stderr)
	}
	if w.tokens.Load() != 0 {
		t.Error("IMS was asked although the input was invalid")
	}
}

// Several profiles side by side, each with its own secret, the one's logout leaving the other.
func TestAuthSeveralProfiles(t *testing.T) {
	w := newAuthWorld(t, map[string]string{"client-a": "sentinel-a", "client-b": "sentinel-b"})
	mem := credstest.NewMemKeychain()
	deps := w.deps(mem, time.Second)
	for _, p := range []struct{ name, client, secret string }{{"default", "client-a", "sentinel-a"}, {"work", "client-b", "sentinel-b"}} {
		if r := authLogin(t, deps, p.name, p.client, p.secret); r.code != 0 {
			t.Fatalf("login %s: %s", p.name, r.stderr)
		}
	}
	for profile, secret := range map[string]string{"default": "sentinel-a", "work": "sentinel-b"} {
		if v, _ := mem.Lookup(creds.Service, profile+"/client-secret"); v != secret {
			t.Errorf("%s's secret = %q, want %q", profile, v, secret)
		}
		// IMS only accepts each client with its own secret, so a usable status proves the right pairing.
		if r, st := authCheck(t, deps, profile); r.code != 0 || !st.Usable {
			t.Errorf("status %s = exit %d, %+v", profile, r.code, st)
		}
	}
	authRun(t, "default", "", func(g *Factory) error { return runAuthLogout(context.Background(), g, deps, true) })
	if r, st := authCheck(t, deps, "work"); r.code != 0 || !st.Usable || st.ClientID != "client-b" {
		t.Errorf("logging out of default broke work: exit %d, %+v", r.code, st)
	}
	if r, _ := authCheck(t, deps, "default"); r.code != 1 {
		t.Errorf("default still usable after logout --all")
	}
}

// A damaged config stops every auth command with an error naming the file, and is never rewritten.
func TestAuthCorruptConfig(t *testing.T) {
	w := newAuthWorld(t, map[string]string{"client-a": "sentinel-a"})
	mem := credstest.NewMemKeychain()
	deps := w.deps(mem, time.Second)
	damaged := []byte(`{"version":1,"profiles":{"default":{"orgId":`)
	os.MkdirAll(w.paths.ConfigDir(), 0o700)
	if err := os.WriteFile(w.paths.ConfigFile, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(g *Factory) error{
		"login": func(g *Factory) error {
			return runAuthLogin(context.Background(), g, deps, authLoginOptions{orgID: authTestOrgID, clientID: "client-a", secretStdin: true})
		},
		"status":       func(g *Factory) error { return runAuthStatus(context.Background(), g, deps) },
		"logout --all": func(g *Factory) error { return runAuthLogout(context.Background(), g, deps, true) },
	} {
		r := authRun(t, "default", "sentinel-a", fn)
		if r.code != 1 || !strings.Contains(r.stderr, w.paths.ConfigFile) {
			t.Errorf("%s with a damaged config: exit %d, %q; want exit 1 naming the file", name, r.code, r.stderr)
		}
	}
	if data, _ := os.ReadFile(w.paths.ConfigFile); !bytes.Equal(data, damaged) {
		t.Error("the damaged config was rewritten")
	}
	if mem.Len() != 0 {
		t.Error("login stored a secret although it could not save the profile")
	}
}

// CIOAEP_CLIENT_SECRET is used and never stored: the keychain is not even asked (this one would hang).
func TestAuthLoginWithEnvironmentSecret(t *testing.T) {
	w := newAuthWorld(t, map[string]string{"client-a": "sentinel-env"})
	stuck := credstest.NewStuckKeychain()
	t.Cleanup(stuck.Release)
	deps := w.deps(stuck, creds.DefaultKeychainTimeout)
	t.Setenv(creds.EnvClientSecret, "sentinel-env")
	r := authRun(t, "ci", "", func(g *Factory) error {
		return runAuthLogin(context.Background(), g, deps, authLoginOptions{orgID: authTestOrgID, clientID: "client-a"})
	})
	if r.code != 0 || !strings.Contains(r.stderr, "was not stored") {
		t.Fatalf("login with the environment's secret: exit %d, %s", r.code, r.stderr)
	}
	if stuck.Calls() != 0 {
		t.Errorf("login asked the keychain %d times", stuck.Calls())
	}
	authAssertNoLeak(t, w, "sentinel-env", r)
}

// A keychain that never answers: login gives up within the timeout with the same advice as a missing
// keychain, instead of hanging.
func TestAuthLoginStuckKeychain(t *testing.T) {
	w := newAuthWorld(t, map[string]string{"client-a": "sentinel-a"})
	stuck := credstest.NewStuckKeychain()
	t.Cleanup(stuck.Release)
	deps := w.deps(stuck, creds.DefaultKeychainTimeout)
	done := make(chan authResult, 1)
	go func() { done <- authLogin(t, deps, "default", "client-a", "sentinel-a") }()
	var r authResult
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("auth login still blocked on the keychain after 5 s")
	}
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	for _, want := range []string{"did not answer", creds.EnvClientSecret, "--insecure-storage"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("message does not mention %q:\n%s", want, r.stderr)
		}
	}
	if w.tokens.Load() != 0 {
		t.Error("IMS was asked although the secret could not be stored")
	}
}

// --insecure-storage on a machine without keychain: plaintext file, flagged by status on every run.
func TestAuthInsecureStorage(t *testing.T) {
	w := newAuthWorld(t, map[string]string{"client-a": "sentinel-plain"})
	mem := credstest.NewMemKeychain()
	mem.Fail(errors.New(`exec: "dbus-launch": executable file not found in $PATH`))
	deps := w.deps(mem, time.Second)

	r := authLogin(t, deps, "default", "client-a", "sentinel-plain")
	if r.code != 1 || !strings.Contains(r.stderr, "no D-Bus session bus") || !strings.Contains(r.stderr, "--insecure-storage") {
		t.Fatalf("login without keychain: exit %d, %s", r.code, r.stderr)
	}
	if w.tokens.Load() != 0 {
		t.Error("IMS was asked although the secret could not be stored")
	}
	r = authLogin(t, deps, "default", "client-a", "sentinel-plain", func(o *authLoginOptions) { o.insecure = true })
	if r.code != 0 || !strings.Contains(r.stderr, "plaintext") {
		t.Fatalf("login --insecure-storage: exit %d, %s", r.code, r.stderr)
	}
	sr, st := authCheck(t, deps, "default")
	if sr.code != 0 || st.SecretLocation != "plaintext file" || st.PlaintextFile != deps.secrets.PlaintextPath() || st.Keychain != "no keychain here" {
		t.Errorf("status = exit %d, %+v", sr.code, st)
	}
	human := authRun(t, "default", "", func(g *Factory) error { return runAuthStatus(context.Background(), g, deps) })
	if !strings.Contains(human.stdout, "WARNING: the client secret is stored unencrypted") || human.stderr != "" {
		t.Errorf("status (on stdout, for a pager) does not flag plaintext storage:\n%s\nstderr: %s", human.stdout, human.stderr)
	}
	lr := authRun(t, "default", "", func(g *Factory) error { return runAuthLogout(context.Background(), g, deps, false) })
	if lr.code != 0 {
		t.Errorf("logout without keychain: exit %d, %s", lr.code, lr.stderr)
	}
	if _, err := os.Stat(deps.secrets.PlaintextPath()); !os.IsNotExist(err) {
		t.Errorf("plaintext file left after logout: %v", err)
	}
}

// --local logs in against the local platform: nothing is required, a given secret is stored like a
// real one, and the profile remembers the platform but not the address, which is found on each run.
func TestAuthLocalPlatform(t *testing.T) {
	w := newAuthWorld(t, nil)
	mem := credstest.NewMemKeychain()
	deps := w.deps(mem, time.Second)
	local := func(fn func(g *Factory) error) func(g *Factory) error {
		return func(g *Factory) error { g.Local = true; return fn(g) }
	}

	r := authRun(t, "practice", "", local(func(g *Factory) error {
		return runAuthLogin(context.Background(), g, deps, authLoginOptions{})
	}))
	if r.code != 0 || !strings.Contains(r.stderr, "default secret") || mem.Len() != 0 {
		t.Fatalf("login --local without values: exit %d, %d items stored\n%s", r.code, mem.Len(), r.stderr)
	}
	r = authRun(t, "practice", "sentinel-local\n", local(func(g *Factory) error {
		return runAuthLogin(context.Background(), g, deps, authLoginOptions{secretStdin: true})
	}))
	if v, _ := mem.Lookup(creds.Service, "practice/client-secret"); r.code != 0 || v != "sentinel-local" {
		t.Fatalf("login --local with a secret: exit %d, keychain %q\n%s", r.code, v, r.stderr)
	}
	cfg, _ := creds.LoadConfig(w.paths.ConfigFile)
	if p, _ := cfg.Profile("practice"); p.Platform != creds.PlatformLocal || p.PlatformURL != "" || p.IMSURL != "" || p.OrgID == "" {
		t.Errorf("saved local profile = %+v", p)
	}
	sr, st := authCheck(t, deps, "practice")
	if sr.code != 0 || !st.Usable || st.SecretLocation != "keychain" {
		t.Errorf("status of the local profile = exit %d, %+v", sr.code, st)
	}
	authAssertNoLeak(t, w, "sentinel-local", r, sr)
}
