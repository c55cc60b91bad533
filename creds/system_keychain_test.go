package creds

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// requireSecretService skips the test where there is no session bus at all, unless
// CIOAEP_REQUIRE_KEYRING=1 (CI), where a missing keychain is a failure.
func requireSecretService(t *testing.T) {
	t.Helper()
	if SessionBusAvailable() {
		return
	}
	if os.Getenv("CIOAEP_REQUIRE_KEYRING") == "1" {
		t.Fatal("CIOAEP_REQUIRE_KEYRING=1 but there is no D-Bus session bus: start one with a Secret Service (see .ci/run)")
	}
	t.Skip("no D-Bus session bus: run under dbus-run-session with gnome-keyring (testing.md), or set CIOAEP_REQUIRE_KEYRING=1 to fail")
}

// TestSystemKeychain stores, reads and deletes through the real Secret Service, and checks with
// secret-tool, independently of go-keyring, that the item has the attributes the design names.
func TestSystemKeychain(t *testing.T) {
	requireSecretService(t)
	s := NewSecrets(testPaths(t))
	ctx := context.Background()
	if p := s.Probe(ctx); p.Status != Usable {
		t.Fatalf("Probe = %+v: the Secret Service on this bus is not usable", p)
	}
	profile := "creds-test-" + strings.ReplaceAll(t.Name(), "/", "-")
	const secret = "sentinel-system-keychain-7f3a"
	t.Cleanup(func() { s.Delete(context.Background(), profile, ClientSecret) })

	if loc, err := s.Set(ctx, profile, ClientSecret, secret, false); err != nil || loc != LocationKeychain {
		t.Fatalf("Set = %q, %v", loc, err)
	}
	if got, loc, err := s.Get(ctx, profile, ClientSecret); err != nil || got != secret || loc != LocationKeychain {
		t.Fatalf("Get = %q, %q, %v", got, loc, err)
	}
	if got := secretTool(t, "lookup", "service", Service, "username", profile+"/client-secret"); got != secret {
		t.Fatalf("secret-tool lookup = %q, want the stored secret", got)
	}
	if _, err := s.Set(ctx, profile, ClientSecret, secret+"-2", false); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Get(ctx, profile, ClientSecret); got != secret+"-2" {
		t.Fatalf("after a second Set, Get = %q: the value was not replaced", got)
	}
	if err := s.Delete(ctx, profile, ClientSecret); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, profile, ClientSecret); !errors.Is(err, ErrNotStored) {
		t.Fatalf("Get after Delete = %v", err)
	}
	if got := secretTool(t, "search", "--all", "service", Service, "username", profile+"/client-secret"); got != "" {
		t.Fatalf("secret-tool still finds the item:\n%s", got)
	}
}

// secretTool runs libsecret's command-line tool, which CI installs next to gnome-keyring.
func secretTool(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Fatal("secret-tool is missing: install libsecret-tools")
	}
	out, err := exec.Command("secret-tool", args...).Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && len(out) == 0) { // lookup exits 1 when nothing matches
		t.Fatalf("secret-tool %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}
