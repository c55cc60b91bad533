package creds

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds/credstest"
)

// errNoBus is what go-keyring returns on a machine without a session bus.
var errNoBus = errors.New(`exec: "dbus-launch": executable file not found in $PATH`)

func TestSecretsSeveralProfilesSideBySide(t *testing.T) {
	paths := testPaths(t)
	mem := credstest.NewMemKeychain()
	s := NewSecrets(paths, WithKeychain(mem, time.Second))
	ctx := context.Background()
	values := map[string]map[Item]string{
		"default": {ClientSecret: "sentinel-default-secret", CIOAppAPIKey: "sentinel-default-cio"},
		"work":    {ClientSecret: "sentinel-work-secret", CIOSigningKey: "sentinel-work-signing"},
	}
	for profile, items := range values {
		for item, v := range items {
			loc, err := s.Set(ctx, profile, item, v, false)
			if err != nil || loc != LocationKeychain {
				t.Fatalf("Set(%s, %s) = %q, %v", profile, item, loc, err)
			}
		}
	}
	for profile, items := range values {
		for item, want := range items {
			got, loc, err := s.Get(ctx, profile, item)
			if err != nil || got != want || loc != LocationKeychain {
				t.Errorf("Get(%s, %s) = %q, %q, %v; want %q from the keychain", profile, item, got, loc, err, want)
			}
		}
	}
	if v, ok := mem.Lookup("cioaep", "work/client-secret"); !ok || v != "sentinel-work-secret" {
		t.Errorf("keychain item for service cioaep, account work/client-secret = %q, %v", v, ok)
	}

	if err := s.Delete(ctx, "default", ClientSecret); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "default", ClientSecret); !errors.Is(err, ErrNotStored) {
		t.Errorf("Get after Delete = %v, want ErrNotStored", err)
	}
	if got, _, err := s.Get(ctx, "work", ClientSecret); err != nil || got != "sentinel-work-secret" {
		t.Errorf("deleting one profile's secret touched another's: %q, %v", got, err)
	}
	if err := s.Delete(ctx, "default", ClientSecret); err != nil {
		t.Errorf("deleting a secret that is not there = %v, want nil", err)
	}
	for _, dir := range []string{paths.ConfigDir(), paths.StateRoot, paths.DataDir} {
		if hits := filesContaining(t, dir, "sentinel"); len(hits) > 0 {
			t.Errorf("secrets written to disk: %v", hits)
		}
	}
}

func TestSecretsEnvironmentWinsForClientSecretOnly(t *testing.T) {
	paths := testPaths(t)
	mem := credstest.NewMemKeychain()
	s := NewSecrets(paths, WithKeychain(mem, time.Second))
	ctx := context.Background()
	if _, err := s.Set(ctx, "default", ClientSecret, "from-keychain", false); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvClientSecret, "from-env")
	got, loc, err := s.Get(ctx, "default", ClientSecret)
	if err != nil || got != "from-env" || loc != LocationEnvironment {
		t.Errorf("Get = %q, %q, %v; want the environment's value", got, loc, err)
	}
	if _, _, err := s.Get(ctx, "default", CIOAppAPIKey); !errors.Is(err, ErrNotStored) {
		t.Errorf("the client secret variable answered for another item: %v", err)
	}
	// The environment works even where there is no keychain at all.
	mem.Fail(errNoBus)
	if got, loc, err := s.Get(ctx, "other", ClientSecret); err != nil || got != "from-env" || loc != LocationEnvironment {
		t.Errorf("Get without keychain = %q, %q, %v", got, loc, err)
	}
}

// Without --insecure-storage, no keychain means an error and nothing on disk.
func TestSecretsNeverFallBackToPlaintextUnasked(t *testing.T) {
	paths := testPaths(t)
	mem := credstest.NewMemKeychain()
	mem.Fail(errNoBus)
	s := NewSecrets(paths, WithKeychain(mem, time.Second))
	ctx := context.Background()
	loc, err := s.Set(ctx, "default", ClientSecret, "sentinel-secret", false)
	var ke *KeychainError
	if !errors.As(err, &ke) || ke.Probe.Status != NoKeychain || ke.Probe.Cause != "no D-Bus session bus" || loc != "" {
		t.Fatalf("Set without keychain = %q, %v; want a no-keychain KeychainError", loc, err)
	}
	if _, err := os.Stat(s.PlaintextPath()); !os.IsNotExist(err) {
		t.Fatalf("plaintext file exists: %v", err)
	}
	if _, _, err := s.Get(ctx, "default", ClientSecret); !errors.As(err, &ke) {
		t.Errorf("Get without keychain = %v, want the KeychainError that says why", err)
	}
	if hits := filesContaining(t, filepath.Dir(paths.ConfigDir()), "sentinel"); len(hits) > 0 {
		t.Errorf("secret written to %v", hits)
	}
}

func TestSecretsInsecureStorageOptIn(t *testing.T) {
	paths := testPaths(t)
	mem := credstest.NewMemKeychain()
	mem.Fail(errNoBus)
	s := NewSecrets(paths, WithKeychain(mem, time.Second))
	ctx := context.Background()

	loc, err := s.Set(ctx, "default", ClientSecret, "sentinel-secret", true)
	if err != nil || loc != LocationPlaintext {
		t.Fatalf("Set with insecure storage = %q, %v", loc, err)
	}
	info, err := os.Stat(s.PlaintextPath())
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 || filepath.Dir(s.PlaintextPath()) != paths.ConfigDir() {
		t.Errorf("plaintext file %s has mode %o; want 0600 in the config dir", s.PlaintextPath(), info.Mode().Perm())
	}
	if got, loc, err := s.Get(ctx, "default", ClientSecret); err != nil || got != "sentinel-secret" || loc != LocationPlaintext {
		t.Errorf("Get = %q, %q, %v", got, loc, err)
	}

	// The keychain comes back: logging in again moves the secret there and leaves no plaintext copy.
	mem.Fail(nil)
	if got, loc, _ := s.Get(ctx, "default", ClientSecret); got != "sentinel-secret" || loc != LocationPlaintext {
		t.Errorf("with the keychain back but empty, Get = %q, %q; want the plaintext copy", got, loc)
	}
	if loc, err := s.Set(ctx, "default", ClientSecret, "sentinel-secret", true); err != nil || loc != LocationKeychain {
		t.Fatalf("Set with a working keychain and the flag = %q, %v; want the keychain", loc, err)
	}
	if _, err := os.Stat(s.PlaintextPath()); !os.IsNotExist(err) {
		t.Errorf("plaintext copy left behind: %v", err)
	}
}

func TestSecretsDeleteRemovesPlaintextWhenKeychainIsDown(t *testing.T) {
	paths := testPaths(t)
	mem := credstest.NewMemKeychain()
	mem.Fail(errNoBus)
	s := NewSecrets(paths, WithKeychain(mem, time.Second))
	ctx := context.Background()
	for _, p := range []string{"a", "b"} {
		if _, err := s.Set(ctx, p, ClientSecret, "sentinel-"+p, true); err != nil {
			t.Fatal(err)
		}
	}
	var ke *KeychainError
	if err := s.Delete(ctx, "a", ClientSecret); !errors.As(err, &ke) {
		t.Errorf("Delete without keychain = %v, want a KeychainError (the keychain could not be checked)", err)
	}
	if hits := filesContaining(t, paths.ConfigDir(), "sentinel-a"); len(hits) > 0 {
		t.Errorf("deleted secret still on disk in %v", hits)
	}
	if got, _, err := s.Get(ctx, "b", ClientSecret); err != nil || got != "sentinel-b" {
		t.Errorf("the other profile's plaintext secret = %q, %v", got, err)
	}
	s.Delete(ctx, "b", ClientSecret)
	if _, err := os.Stat(s.PlaintextPath()); !os.IsNotExist(err) {
		t.Errorf("empty plaintext file left behind: %v", err)
	}
}

func TestSecretsCorruptPlaintextFileIsNamedAndLeftAlone(t *testing.T) {
	paths := testPaths(t)
	mem := credstest.NewMemKeychain()
	mem.Fail(errNoBus)
	s := NewSecrets(paths, WithKeychain(mem, time.Second))
	content := []byte(`{"version":1,"secrets":{"default/client-secret":"sentinel`)
	os.MkdirAll(paths.ConfigDir(), 0o700)
	if err := os.WriteFile(s.PlaintextPath(), content, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Set(context.Background(), "default", ClientSecret, "new", true)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(s.PlaintextPath())) {
		t.Fatalf("Set over a damaged secrets file = %v, want an error naming it", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("sentinel")) {
		t.Errorf("error quotes the file: %v", err)
	}
	if data, _ := os.ReadFile(s.PlaintextPath()); !bytes.Equal(data, content) {
		t.Error("damaged secrets file was rewritten")
	}
}

func TestSecretsRejectBadNames(t *testing.T) {
	s := NewSecrets(testPaths(t), WithKeychain(credstest.NewMemKeychain(), time.Second))
	ctx := context.Background()
	if _, err := s.Set(ctx, "../x", ClientSecret, "v", false); err == nil {
		t.Error("Set accepted a profile name with a slash")
	}
	if _, _, err := s.Get(ctx, "default", Item("password")); err == nil {
		t.Error("Get accepted an unknown item")
	}
	if _, err := s.Set(ctx, "default", ClientSecret, "", false); err == nil {
		t.Error("Set stored an empty secret")
	}
}
