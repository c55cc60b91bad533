package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/creds/credstest"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

// doctorSecret is the one client secret the test platform's IMS accepts for doctorClientID.
const (
	doctorClientID = "doctor-client"
	doctorSecret   = "doctor-sentinel-secret"
)

// doctorWorld is one test's machine: XDG directories of its own, a local platform over real HTTP that
// knows exactly one client id and secret, an in-memory keychain behind the secrets, and a switch that
// makes the Platform answer 403 in the prod sandbox, as Adobe does once a credential loses its role.
type doctorWorld struct {
	paths    creds.Paths
	url      string
	platform *local.Platform
	kc       *credstest.MemKeychain
	denyProd atomic.Bool
}

// newDoctorWorld starts the platform. inletBase, when set, is what the platform puts into inlet URLs
// (a closed port, to make the endpoint unreachable); otherwise inlets are served by the same server.
func newDoctorWorld(t *testing.T, inletBase string) *doctorWorld {
	t.Helper()
	w := &doctorWorld{paths: isolateHome(t), kc: credstest.NewMemKeychain()}
	p, err := local.Open(local.Config{DataDir: filepath.Join(t.TempDir(), "platform"), ClientID: doctorClientID, ClientSecret: doctorSecret})
	if err != nil {
		t.Fatal(err)
	}
	w.platform = p
	srv := httptest.NewServer(http.HandlerFunc(w.serve))
	p.SetBaseURL(firstOf(inletBase, srv.URL))
	w.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	t.Setenv(aep.EnvPlatformURL, srv.URL)
	t.Setenv(aep.EnvIMSURL, srv.URL)
	return w
}

// serve passes everything to the platform, except, while denyProd is set, reads and writes in the prod
// sandbox, which get the Schema Registry's 403 problem body (platform.md: "a 403 from a service usually
// means the credential was not added to a role with access to the sandbox"). The sandbox list stays
// readable, as on Adobe, where it needs no role.
func (w *doctorWorld) serve(rw http.ResponseWriter, r *http.Request) {
	if w.denyProd.Load() && strings.HasPrefix(r.URL.Path, "/data/foundation/") &&
		!strings.HasPrefix(r.URL.Path, "/data/foundation/sandbox-management") && r.Header.Get("x-sandbox-name") == "prod" {
		rw.Header().Set("Content-Type", "application/problem+json")
		rw.WriteHeader(http.StatusForbidden)
		rw.Write([]byte(`{"type":"https://ns.adobe.com/aep/errors/XDM-1014-403","title":"Forbidden","status":403,` +
			`"report":{"detailed-message":"Access denied: the client has no permission for this sandbox"},` +
			// Escape sequences a hostile or broken proxy could add: OSC 52 (clipboard), OSC 8 (link), CSI (clear screen).
			`"detail":"Access denied\u001b]52;c;aGFja2Vk\u0007 \u001b]8;;https://evil.example\u0007here\u001b]8;;\u0007 \u001b[2J"}`))
		return
	}
	w.platform.ServeHTTP(rw, r)
}

// doctorCLI runs a command line in-process, as the binary would.
func doctorCLI(t *testing.T, args ...string) authResult {
	t.Helper()
	var out, errb bytes.Buffer
	g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}
	code := Run(context.Background(), g, args)
	return authResult{code, out.String(), errb.String()}
}

// secrets are the world's secrets: the real config directory, the in-memory keychain.
func (w *doctorWorld) secrets(kc creds.Keychain, timeout time.Duration) *creds.Secrets {
	return creds.NewSecrets(w.paths, creds.WithKeychain(kc, timeout))
}

// setup runs a real non-interactive setup (secret from the environment), then moves the secret into the
// keychain and out of the environment, as after cioaep auth login on a desktop.
func (w *doctorWorld) setup(t *testing.T) flow.Result {
	t.Helper()
	t.Setenv(creds.EnvClientSecret, doctorSecret)
	r := doctorCLI(t, "setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", doctorClientID,
		"--new-dataset", "Customer.io events", "--new-schema")
	if r.code != 0 {
		t.Fatalf("setup exited %d:\n%s", r.code, r.stderr)
	}
	t.Setenv(creds.EnvClientSecret, "")
	if _, err := w.secrets(w.kc, time.Second).Set(context.Background(), "default", creds.ClientSecret, doctorSecret, false); err != nil {
		t.Fatal(err)
	}
	res, ok, err := flow.LoadResult(w.paths.StateDir("default"))
	if err != nil || !ok {
		t.Fatalf("no setup result after setup: %v", err)
	}
	return res
}

// client talks to the world's platform with the good credential.
func (w *doctorWorld) client() *aep.Client {
	return aep.New(aep.Config{PlatformURL: w.url, IMSURL: w.url, OrgID: local.OrgID, ClientID: doctorClientID, ClientSecret: doctorSecret})
}

// doctorResult is one doctor run: exit code, output, and the --json checks by name.
type doctorResult struct {
	authResult
	checks []doctorCheck
	byName map[string]doctorCheck
}

// runDoctorTest runs doctor --json with kc behind the secrets, and checks the output's shape: one entry
// per check, in the documented order, each problem with a fix, and the exit code matching the problems.
func runDoctorTest(t *testing.T, kc creds.Keychain, timeout time.Duration, paths creds.Paths) doctorResult {
	t.Helper()
	return runDoctorDeps(t, doctorDeps{secrets: creds.NewSecrets(paths, creds.WithKeychain(kc, timeout)), endpoint: doctorHTTPClient()})
}

func runDoctorDeps(t *testing.T, deps doctorDeps) doctorResult {
	t.Helper()
	r := authRun(t, "default", "", func(g *Factory) error {
		g.JSON = true
		return runDoctor(context.Background(), g, deps)
	})
	res := doctorResult{authResult: r, byName: map[string]doctorCheck{}}
	if err := json.Unmarshal([]byte(r.stdout), &res.checks); err != nil {
		t.Fatalf("doctor --json printed %q (stderr %q): %v", r.stdout, r.stderr, err)
	}
	order := []string{"keychain", "profile", "token", "sandbox", "flow", "endpoint"}
	if len(res.checks) != len(order) {
		t.Fatalf("doctor ran %d checks, want %d: %+v", len(res.checks), len(order), res.checks)
	}
	problems := 0
	for i, c := range res.checks {
		if c.Check != order[i] {
			t.Errorf("check %d is %q, want %q", i, c.Check, order[i])
		}
		if !c.OK && !c.Skipped {
			problems++
			if c.Problem == "" || c.Fix == "" {
				t.Errorf("check %s failed without a problem and a fix: %+v", c.Check, c)
			}
		}
		res.byName[c.Check] = c
		for _, text := range []string{c.Detail, c.Problem, c.Fix} {
			if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("check %s carries a control character: %q", c.Check, text)
			}
		}
	}
	if want := map[bool]int{true: ExitFailed, false: ExitOK}[problems > 0]; r.code != want {
		t.Errorf("exit %d with %d problems, want %d", r.code, problems, want)
	}
	if strings.Contains(r.stdout+r.stderr, doctorSecret) {
		t.Errorf("doctor printed the client secret:\n%s\n%s", r.stdout, r.stderr)
	}
	return res
}

func (w *doctorWorld) doctor(t *testing.T) doctorResult {
	t.Helper()
	return runDoctorTest(t, w.kc, time.Second, w.paths)
}

// expect asserts the outcome of every check: "ok", "skip" or a substring the problem must contain, plus
// substrings the fix must contain.
func (r doctorResult) expect(t *testing.T, want map[string]string, fixHas map[string][]string) {
	t.Helper()
	for name, w := range want {
		c := r.byName[name]
		switch w {
		case "ok":
			if !c.OK {
				t.Errorf("%s: want ok, got %+v", name, c)
			}
		case "skip":
			if !c.Skipped || c.OK {
				t.Errorf("%s: want skipped, got %+v", name, c)
			}
		default:
			if c.OK || c.Skipped || !strings.Contains(c.Problem, w) {
				t.Errorf("%s: want a problem containing %q, got %+v", name, w, c)
			}
		}
	}
	for name, subs := range fixHas {
		for _, s := range subs {
			if !strings.Contains(r.byName[name].Fix, s) {
				t.Errorf("%s: fix lacks %q: %q", name, s, r.byName[name].Fix)
			}
		}
	}
}

var doctorAllOK = map[string]string{"keychain": "ok", "profile": "ok", "token": "ok", "sandbox": "ok", "flow": "ok", "endpoint": "ok"}

func doctorWant(changes map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range doctorAllOK {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

// TestDoctorHealthy is the baseline: after a setup every check passes, doctor exits 0, and the endpoint
// check (a GET) put nothing into the dataset, not even a failed record.
func TestDoctorHealthy(t *testing.T) {
	w := newDoctorWorld(t, "")
	w.setup(t)
	r := w.doctor(t)
	r.expect(t, doctorAllOK, nil)
	events, err := w.platform.Events(context.Background(), local.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 0 {
		t.Errorf("doctor's endpoint check created %d events in the dataset, want none", len(events))
	}

	// The people's form: one line per check, marks first, and a closing verdict.
	var out, errb bytes.Buffer
	g := &Factory{Profile: "default", IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}
	if err := runDoctor(context.Background(), g, doctorDeps{secrets: w.secrets(w.kc, time.Second), endpoint: doctorHTTPClient()}); err != nil {
		t.Fatalf("doctor failed on a healthy setup: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 8 || lines[len(lines)-1] != "No problems found." {
		t.Fatalf("want six ✓ lines, a blank line and the verdict:\n%s", out.String())
	}
	for i, name := range []string{"keychain", "profile", "token", "sandbox", "flow", "endpoint"} {
		if !strings.HasPrefix(lines[i], "✓ "+name+" ") {
			t.Errorf("line %d = %q, want ✓ %s", i, lines[i], name)
		}
	}
}

// TestDoctorNoKeychain: a keychain that hangs (locked, waiting for a prompt nobody sees) and one that
// is not there at all (no D-Bus session bus) are each found and explained, with the two ways on; the
// same machine with CIOAEP_CLIENT_SECRET set is healthy, because then the keychain is not needed.
func TestDoctorNoKeychain(t *testing.T) {
	w := newDoctorWorld(t, "")
	w.setup(t)

	t.Run("locked keychain that never answers", func(t *testing.T) {
		stuck := credstest.NewStuckKeychain()
		t.Cleanup(stuck.Release)
		r := runDoctorTest(t, stuck, 50*time.Millisecond, w.paths)
		r.expect(t, doctorWant(map[string]string{"keychain": "did not answer", "token": "skip", "sandbox": "skip", "flow": "skip"}),
			map[string][]string{"keychain": {"Unlock", creds.EnvClientSecret, "--insecure-storage"}})
	})
	t.Run("no session bus", func(t *testing.T) {
		kc := credstest.NewMemKeychain()
		kc.Fail(errors.New("dbus: couldn't determine address of session bus"))
		r := runDoctorTest(t, kc, time.Second, w.paths)
		r.expect(t, doctorWant(map[string]string{"keychain": "no D-Bus session bus", "token": "skip", "sandbox": "skip", "flow": "skip"}),
			map[string][]string{"keychain": {creds.EnvClientSecret, "--insecure-storage"}})
	})
	t.Run("no session bus but the secret in the environment", func(t *testing.T) {
		t.Setenv(creds.EnvClientSecret, doctorSecret)
		kc := credstest.NewMemKeychain()
		kc.Fail(errors.New("dbus: couldn't determine address of session bus"))
		r := runDoctorTest(t, kc, time.Second, w.paths)
		r.expect(t, doctorAllOK, nil)
		if d := r.byName["keychain"].Detail; !strings.Contains(d, creds.EnvClientSecret) {
			t.Errorf("keychain detail does not say where the secret came from: %q", d)
		}
	})
}

// TestDoctorNoKeychainProcess runs doctor in a child process whose session bus address points at a
// socket that does not exist, so go-keyring fails for real (a child, because godbus keeps its bus
// connection for the life of a process).
func TestDoctorNoKeychainProcess(t *testing.T) {
	if os.Getenv("CIOAEP_DOCTOR_CHILD") != "" {
		t.Skip("running as the child")
	}
	w := newDoctorWorld(t, "")
	w.setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDoctorChild$")
	c.Env = append(os.Environ(), "CIOAEP_DOCTOR_CHILD=1", "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if ctx.Err() != nil {
		t.Fatal("doctor hung without a keychain")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitFailed {
		t.Fatalf("child exit = %v, want %d\n%s", err, ExitFailed, errb.String())
	}
	var checks []doctorCheck
	if err := json.Unmarshal(out.Bytes(), &checks); err != nil || len(checks) != 6 {
		t.Fatalf("child printed %q: %v", out.String(), err)
	}
	kc := checks[0]
	if kc.Check != "keychain" || kc.OK || !strings.Contains(kc.Problem, "points at nothing") || !strings.Contains(kc.Fix, creds.EnvClientSecret) {
		t.Errorf("keychain check = %+v, want a problem about the bus address and a fix naming %s", kc, creds.EnvClientSecret)
	}
}

// TestDoctorChild is TestDoctorNoKeychainProcess's child: doctor as the binary would run it.
func TestDoctorChild(t *testing.T) {
	if os.Getenv("CIOAEP_DOCTOR_CHILD") == "" {
		t.Skip("only runs as TestDoctorNoKeychainProcess's child")
	}
	g := &Factory{IO: &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}}
	os.Exit(Run(context.Background(), g, []string{"doctor", "--json"}))
}

// TestDoctorRejectedSecret: the keychain holds a secret IMS refuses (rotated in Developer Console, say).
// Doctor says IMS rejected it and how to store the current one; it never prints either secret.
func TestDoctorRejectedSecret(t *testing.T) {
	w := newDoctorWorld(t, "")
	w.setup(t)
	const stale = "doctor-stale-secret"
	if _, err := w.secrets(w.kc, time.Second).Set(context.Background(), "default", creds.ClientSecret, stale, false); err != nil {
		t.Fatal(err)
	}
	r := w.doctor(t)
	r.expect(t, doctorWant(map[string]string{"token": "invalid_client", "sandbox": "skip", "flow": "skip"}),
		map[string][]string{"token": {"Retrieve client secret", "cioaep auth login"}})
	if strings.Contains(r.stdout+r.stderr, stale) {
		t.Errorf("doctor printed the rejected secret:\n%s", r.stdout)
	}

	t.Run("from the environment", func(t *testing.T) {
		t.Setenv(creds.EnvClientSecret, stale)
		r := w.doctor(t)
		r.expect(t, doctorWant(map[string]string{"token": "invalid_client", "sandbox": "skip", "flow": "skip"}),
			map[string][]string{"token": {creds.EnvClientSecret + " holds a secret that does not match"}})
	})
}

// TestDoctorNoSandboxAccess: the Platform answers 403 in the profile's sandbox, both ways Adobe does it:
// the gateway's 403025 for a sandbox outside the credential's profile, and a service's 403 once the
// credential's role no longer includes the sandbox. Each fix names the role to change and the sandboxes
// the credential can use instead.
func TestDoctorNoSandboxAccess(t *testing.T) {
	w := newDoctorWorld(t, "")
	w.setup(t)

	t.Run("role lost", func(t *testing.T) {
		w.denyProd.Store(true)
		defer w.denyProd.Store(false)
		r := w.doctor(t)
		r.expect(t, doctorWant(map[string]string{"sandbox": "403", "flow": "skip"}),
			map[string][]string{"sandbox": {"Permissions", "Roles", `"prod"`, "dev", "--sandbox"}})
	})
	t.Run("sandbox outside the credential's profile", func(t *testing.T) {
		cfg, err := creds.LoadConfig(w.paths.ConfigFile)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := cfg.Profile("default")
		p.Sandbox = "staging"
		cfg.Put(p)
		if err := cfg.Save(); err != nil {
			t.Fatal(err)
		}
		r := w.doctor(t)
		r.expect(t, doctorWant(map[string]string{"sandbox": "403025", "flow": "skip"}),
			map[string][]string{"sandbox": {`"staging"`, "prod, dev", "--sandbox"}})
	})
}

// TestDoctorDisabledFlow: someone disabled the dataflow (POST /flows/<id>/action?op=DISABLE); doctor
// finds it and prints a command that enables it. Running that very command makes doctor pass again.
func TestDoctorDisabledFlow(t *testing.T) {
	w := newDoctorWorld(t, "")
	res := w.setup(t)
	ctx := context.Background()
	if _, err := w.client().FlowAction(ctx, res.FlowID, aep.Disable); err != nil {
		t.Fatal(err)
	}
	r := w.doctor(t)
	enable := "cioaep reconfigure --non-interactive --enable --flow " + res.FlowID
	r.expect(t, doctorWant(map[string]string{"flow": "is disabled"}), map[string][]string{"flow": {enable}})
	if !strings.Contains(r.byName["flow"].Problem, res.FlowID) {
		t.Errorf("the problem does not name the dataflow: %q", r.byName["flow"].Problem)
	}

	// Apply the fix as printed. The secret comes from the environment here because reconfigure reads the
	// OS keychain, and this test keeps it in memory.
	t.Setenv(creds.EnvClientSecret, doctorSecret)
	if fix := doctorCLI(t, strings.Fields(strings.TrimPrefix(enable, "cioaep "))...); fix.code != 0 {
		t.Fatalf("the printed fix %q exited %d:\n%s", enable, fix.code, fix.stderr)
	}
	t.Setenv(creds.EnvClientSecret, "")
	w.doctor(t).expect(t, doctorAllOK, nil)

	t.Run("deleted", func(t *testing.T) {
		if err := w.client().DeleteFlow(ctx, res.FlowID); err != nil {
			t.Fatal(err)
		}
		w.doctor(t).expect(t, doctorWant(map[string]string{"flow": "no longer exists"}), map[string][]string{"flow": {"cioaep setup"}})
	})
}

// TestDoctorUnreachableEndpoint: the flow's inlet URL points at a port nothing listens on. Everything
// on the Platform side is fine; the endpoint check says nothing answers there and how to start it.
func TestDoctorUnreachableEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	w := newDoctorWorld(t, closed)
	res := w.setup(t)
	if !strings.HasPrefix(res.WebhookURL, closed) {
		t.Fatalf("webhook URL %s does not use the closed port %s", res.WebhookURL, closed)
	}
	w.doctor(t).expect(t, doctorWant(map[string]string{"endpoint": "nothing is listening"}),
		map[string][]string{"endpoint": {"cioaep local serve"}})

	// The other ways an endpoint fails to answer, each over real loopback connections.
	writeWebhook := func(t *testing.T, u string) {
		t.Helper()
		res.WebhookURL = u + "/collection/x?x-adobe-flow-id=" + res.FlowID
		data, _ := json.Marshal(res)
		if err := os.WriteFile(filepath.Join(w.paths.StateDir("default"), flow.ResultFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("certificate not trusted", func(t *testing.T) {
		tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // self-signed, as behind a TLS-inspecting proxy
		defer tlsSrv.Close()
		writeWebhook(t, tlsSrv.URL)
		w.doctor(t).expect(t, doctorWant(map[string]string{"endpoint": "certificate"}), map[string][]string{"endpoint": {"trust store"}})
	})
	t.Run("no answer", func(t *testing.T) {
		silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts connections, never answers
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		go func() {
			for {
				c, err := silent.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		writeWebhook(t, "http://"+silent.Addr().String())
		client := doctorHTTPClient()
		client.Timeout = 200 * time.Millisecond
		runDoctorDeps(t, doctorDeps{secrets: w.secrets(w.kc, time.Second), endpoint: client}).
			expect(t, doctorWant(map[string]string{"endpoint": "did not answer within 200ms"}), map[string][]string{"endpoint": {"firewall"}})
	})
	t.Run("failing", func(t *testing.T) {
		down := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
			http.Error(rw, "upstream down", http.StatusServiceUnavailable)
		}))
		defer down.Close()
		writeWebhook(t, down.URL)
		w.doctor(t).expect(t, doctorWant(map[string]string{"endpoint": "503"}), map[string][]string{"endpoint": {"retry later"}})
	})
}

// TestDoctorProfileProblems needs no platform: a missing profile, a damaged config file and a malformed
// org id are each named with the way to fix them, and the checks that need a profile are skipped.
func TestDoctorProfileProblems(t *testing.T) {
	paths := isolateHome(t)
	kc := credstest.NewMemKeychain()
	noProfile := map[string]string{"keychain": "ok", "profile": "not in", "token": "skip", "sandbox": "skip", "flow": "no dataflow", "endpoint": "skip"}
	r := runDoctorTest(t, kc, time.Second, paths)
	r.expect(t, noProfile, map[string][]string{"profile": {"cioaep auth login"}, "flow": {"cioaep setup"}})

	cfg, err := creds.LoadConfig(paths.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Put(creds.Profile{Name: "default", OrgID: "not-an-org", ClientID: "c", Scopes: aep.DefaultScopes, Platform: creds.PlatformAdobe})
	cfg.Put(creds.Profile{Name: "stage", OrgID: local.OrgID, ClientID: "c", Scopes: aep.DefaultScopes, Platform: creds.PlatformAdobe})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	r = runDoctorTest(t, kc, time.Second, paths)
	r.expect(t, map[string]string{"profile": "@AdobeOrg", "token": "skip"}, map[string][]string{"profile": {"--org-id"}})

	cfg.Remove("default")
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	r = runDoctorTest(t, kc, time.Second, paths)
	r.expect(t, noProfile, map[string][]string{"profile": {"stage"}})

	if err := os.WriteFile(paths.ConfigFile, []byte(`{"version":1,"profiles":{`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runDoctorTest(t, kc, time.Second, paths)
	r.expect(t, map[string]string{"profile": "damaged", "token": "skip"}, map[string][]string{"profile": {paths.ConfigFile}})
}
