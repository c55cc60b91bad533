package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
)

// authRequireSecretService skips where there is no session bus at all, unless CIOAEP_REQUIRE_KEYRING=1
// (CI starts gnome-keyring and sets it), where a missing keychain fails the test instead.
func authRequireSecretService(t *testing.T) {
	t.Helper()
	if creds.SessionBusAvailable() {
		return
	}
	if os.Getenv("CIOAEP_REQUIRE_KEYRING") == "1" {
		t.Fatal("CIOAEP_REQUIRE_KEYRING=1 but there is no D-Bus session bus: start one with a Secret Service (see .ci/run)")
	}
	t.Skip("no D-Bus session bus: run under dbus-run-session with gnome-keyring (testing.md), or set CIOAEP_REQUIRE_KEYRING=1 to fail")
}

// authCLI runs a command line in-process, exactly as the binary would.
func authCLI(stdin string, args ...string) authResult {
	var out, errb bytes.Buffer
	g := &Factory{IO: &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errb}}
	code := Run(context.Background(), g, args)
	return authResult{code, out.String(), errb.String()}
}

// secretTool asks libsecret's command-line tool, independently of go-keyring, what the keychain holds.
func secretTool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("secret-tool", args...).Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && len(out) == 0) { // lookup exits 1 when nothing matches
		t.Fatalf("secret-tool %v: %v (install libsecret-tools)", args, err)
	}
	return strings.TrimSpace(string(out))
}

// TestAuthRealKeychain runs login --debug, status, status --debug and logout against the real Secret
// Service for two profiles side by side, checking the keychain with secret-tool, and every file under
// the config, state and data dirs (the --debug traces included) and every output for the secrets. It is
// also the start of the leak test (issue 4, item 2): a full local setup run with authCLI and passed to
// check joins the same assertions.
func TestAuthRealKeychain(t *testing.T) {
	authRequireSecretService(t)
	suffix := fmt.Sprintf("%08x", rand.Uint32()) // the keychain may be a real user's: no collisions
	profiles := map[string]string{
		"kc-a-" + suffix: "sentinel-A-" + suffix,
		"kc-b-" + suffix: "sentinel-B-" + suffix,
	}
	clients := map[string]string{}
	for p, secret := range profiles {
		clients["client-"+p] = secret
	}
	w := newAuthWorld(t, clients)
	for p := range profiles {
		t.Cleanup(func() { authCLI("", "auth", "logout", "--all", "--profile", p) })
	}

	var outputs []authResult
	check := func(r authResult, code int, what string) authResult {
		t.Helper()
		outputs = append(outputs, r)
		if r.code != code {
			t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.code, code, r.stdout, r.stderr)
		}
		return r
	}
	for p, secret := range profiles {
		check(authCLI(secret+"\n", "--debug", "auth", "login", "--profile", p, "--org-id", authTestOrgID,
			"--client-id", "client-"+p, "--client-secret-stdin"), 0, "login --debug "+p)
	}
	for p, secret := range profiles {
		if got := secretTool(t, "lookup", "service", creds.Service, "username", p+"/client-secret"); got != secret {
			t.Errorf("secret-tool lookup for %s = %q, want its own secret", p, got)
		}
		r := check(authCLI("", "auth", "status", "--json", "--profile", p), 0, "status "+p)
		var st authStatus
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || !st.Usable || st.SecretLocation != "keychain" {
			t.Errorf("status %s = %s (%v)", p, r.stdout, err)
		}
		check(authCLI("", "--debug", "auth", "status", "--profile", p), 0, "status --debug "+p)
		traces, _ := filepath.Glob(filepath.Join(w.paths.StateDir(p), "debug-*.log"))
		if len(traces) == 0 {
			t.Errorf("--debug wrote no trace under %s", w.paths.StateDir(p))
		}
	}
	config, err := os.ReadFile(w.paths.ConfigFile)
	if err != nil || !bytes.Contains(config, []byte(authTestOrgID)) {
		t.Fatalf("config file: %v\n%s", err, config)
	}

	var a, b string
	for p := range profiles {
		if a == "" {
			a = p
		} else {
			b = p
		}
	}
	check(authCLI("", "auth", "logout", "--profile", a), 0, "logout "+a)
	if got := secretTool(t, "search", "--all", "service", creds.Service, "username", a+"/client-secret"); got != "" {
		t.Errorf("after logout secret-tool still finds %s's secret:\n%s", a, got)
	}
	if got := secretTool(t, "lookup", "service", creds.Service, "username", b+"/client-secret"); got != profiles[b] {
		t.Errorf("logging out %s removed %s's secret", a, b)
	}
	check(authCLI("", "auth", "status", "--profile", a), 1, "status after logout")
	check(authCLI("", "auth", "logout", "--all", "--profile", b), 0, "logout --all "+b)
	if got := secretTool(t, "search", "--all", "service", creds.Service); strings.Contains(got, suffix) {
		t.Errorf("items left in the keychain:\n%s", got)
	}
	for _, secret := range profiles {
		authAssertNoLeak(t, w, secret, outputs...)
	}
}

// TestAuthNoKeychainProcess runs login in a child process whose session bus address points at nothing
// (and, where the machine has no default bus either, with no address at all): go-keyring fails for
// real, and login must exit 1 promptly with the two ways on. A child, because godbus keeps its session
// bus connection for the life of a process.
func TestAuthNoKeychainProcess(t *testing.T) {
	if os.Getenv("CIOAEP_AUTH_CHILD") != "" {
		t.Skip("running as the child")
	}
	w := newAuthWorld(t, map[string]string{"client-a": "sentinel-nokc"})
	buses := map[string]string{"stale address": "unix:path=" + filepath.Join(t.TempDir(), "no-bus")}
	if !authHasDefaultBus() {
		buses["no address"] = ""
	}
	for name, bus := range buses {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestAuthChild$")
			c.Env = append(os.Environ(), "CIOAEP_AUTH_CHILD=1", "DBUS_SESSION_BUS_ADDRESS="+bus)
			c.Stdin = strings.NewReader("sentinel-nokc\n")
			var out, errb bytes.Buffer
			c.Stdout, c.Stderr = &out, &errb
			err := c.Run()
			if ctx.Err() != nil {
				t.Fatal("auth login hung without a keychain")
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("child exit = %v, want 1\n%s", err, errb.String())
			}
			for _, want := range []string{"no usable OS keychain", creds.EnvClientSecret, "--insecure-storage"} {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("message lacks %q:\n%s", want, errb.String())
				}
			}
			authAssertNoLeak(t, w, "sentinel-nokc", authResult{stdout: out.String(), stderr: errb.String()})
		})
	}
}

// TestAuthChild is TestAuthNoKeychainProcess's child: auth login as the binary would run it.
func TestAuthChild(t *testing.T) {
	if os.Getenv("CIOAEP_AUTH_CHILD") == "" {
		t.Skip("only runs as TestAuthNoKeychainProcess's child")
	}
	g := &Factory{IO: &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}}
	os.Exit(Run(context.Background(), g, []string{"auth", "login", "--org-id", authTestOrgID, "--client-id", "client-a", "--client-secret-stdin"}))
}

// authHasDefaultBus reports whether godbus would find a session bus without an address.
func authHasDefaultBus() bool {
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(fmt.Sprintf("/run/user/%d/%s", os.Getuid(), name)); err == nil {
			return true
		}
	}
	return false
}
