package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
)

// lockedKeyringScript runs in a private D-Bus session (dbus-run-session): it starts gnome-keyring with
// an unlocked login keyring, has auth login store the secret there, locks the keyring with the Secret
// Service's own Lock call, then runs auth status (text and --json) into files in $OUT.
const lockedKeyringScript = `set -eu
echo -n ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
for i in $(seq 1 50); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
  sleep 0.1
done
CIOAEP_LOCKED_CHILD=login "$0" -test.run='^TestAuthLockedChild$' <"$OUT/secret" >"$OUT/login.out" 2>&1
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
set +e
CIOAEP_LOCKED_CHILD=status "$0" -test.run='^TestAuthLockedChild$' >"$OUT/status.out" 2>"$OUT/status.err"
echo $? >"$OUT/status.code"
CIOAEP_LOCKED_CHILD=status-json "$0" -test.run='^TestAuthLockedChild$' >"$OUT/json.out" 2>"$OUT/json.err"
echo $? >"$OUT/json.code"
`

// TestAuthStatusLockedKeychain: with the secret stored in a real gnome-keyring that is then locked,
// auth status says the keychain is locked and how to go on, never that the secret is not found.
func TestAuthStatusLockedKeychain(t *testing.T) {
	if os.Getenv("CIOAEP_LOCKED_CHILD") != "" {
		t.Skip("running as the child")
	}
	for _, tool := range []string{"dbus-run-session", "dbus-send", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CIOAEP_REQUIRE_KEYRING") == "1" {
				t.Fatalf("CIOAEP_REQUIRE_KEYRING=1 but %s is missing (see .ci/run)", tool)
			}
			t.Skipf("%s is missing: install dbus and gnome-keyring (testing.md)", tool)
		}
	}
	w := newAuthWorld(t, map[string]string{"client-a": "sentinel-locked-7d1e"})
	out := t.TempDir()
	setupMust(t, os.WriteFile(filepath.Join(out, "secret"), []byte("sentinel-locked-7d1e\n"), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "dbus-run-session", "--", "bash", "-c", lockedKeyringScript, os.Args[0])
	c.Env = append(os.Environ(), "OUT="+out, "HOME="+t.TempDir(), "DBUS_SESSION_BUS_ADDRESS=")
	var log bytes.Buffer
	c.Stdout, c.Stderr = &log, &log
	if err := c.Run(); err != nil {
		login, _ := os.ReadFile(filepath.Join(out, "login.out"))
		t.Fatalf("the locked-keyring session failed: %v\n%s\nlogin:\n%s", err, log.String(), login)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		setupMust(t, err)
		return string(b)
	}
	text := read("status.out") + read("status.err")
	t.Logf("auth status exited %s%s", read("status.code"), text)
	if code := strings.TrimSpace(read("status.code")); code != "1" {
		t.Errorf("auth status exited %s, want 1", code)
	}
	if strings.Contains(text, "not found") {
		t.Errorf("auth status says the secret is not found while the keychain is only locked:\n%s", text)
	}
	for _, want := range []string{"locked", "Unlock your keychain (e.g. log in to your desktop session)", "--insecure-storage", creds.EnvClientSecret} {
		if !strings.Contains(text, want) {
			t.Errorf("auth status does not say %q", want)
		}
	}
	var st authStatus
	if err := json.Unmarshal([]byte(read("json.out")), &st); err != nil {
		t.Fatalf("auth status --json: %v\n%s%s", err, read("json.out"), read("json.err"))
	}
	if st.Keychain != "locked" || st.Usable || !strings.Contains(st.Problem, "Unlock your keychain") {
		t.Errorf("auth status --json = %+v, want keychain \"locked\" and the way on", st)
	}
	authAssertNoLeak(t, w, "sentinel-locked-7d1e", authResult{stdout: text + read("json.out"), stderr: read("json.err")})
}

// TestAuthLockedChild is TestAuthStatusLockedKeychain's child: auth login or auth status as the binary
// would run them, inside the private D-Bus session.
func TestAuthLockedChild(t *testing.T) {
	which := os.Getenv("CIOAEP_LOCKED_CHILD")
	if which == "" {
		t.Skip("only runs as TestAuthStatusLockedKeychain's child")
	}
	g := &Factory{IO: &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}}
	args := map[string][]string{
		"login":       {"auth", "login", "--org-id", authTestOrgID, "--client-id", "client-a", "--client-secret-stdin"},
		"status":      {"auth", "status"},
		"status-json": {"auth", "status", "--json"},
	}[which]
	os.Exit(Run(context.Background(), g, args))
}
