package creds

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds/credstest"
)

// TestConcurrentConfigSavesKeepEveryProfile: like N commands run at once, each loads the config, adds its
// own profile and saves. Every profile must survive: a save re-reads the file under a lock and applies
// only its own changes.
func TestConcurrentConfigSavesKeepEveryProfile(t *testing.T) {
	paths := testPaths(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			c, err := LoadConfig(paths.ConfigFile)
			if err != nil {
				errs <- err
				return
			}
			time.Sleep(time.Millisecond) // let the others load the same old file
			c.Put(Profile{Name: fmt.Sprintf("p%d", i), OrgID: "org@AdobeOrg", ClientID: "id", Platform: PlatformAdobe})
			errs <- c.Save()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadConfig(paths.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Names()); got != n {
		t.Fatalf("config keeps %d of %d profiles: %v", got, n, c.Names())
	}
	// A removal is applied the same way: it drops its own profile and nobody else's.
	c1, _ := LoadConfig(paths.ConfigFile)
	c2, _ := LoadConfig(paths.ConfigFile)
	c1.Remove("p0")
	c2.Put(Profile{Name: "late", OrgID: "org@AdobeOrg", ClientID: "id", Platform: PlatformAdobe})
	if err := c1.Save(); err != nil {
		t.Fatal(err)
	}
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	c, _ = LoadConfig(paths.ConfigFile)
	if _, ok := c.Profile("p0"); ok {
		t.Error("a later save brought back the removed profile p0")
	}
	if _, ok := c.Profile("late"); !ok || len(c.Names()) != n {
		t.Errorf("profiles after remove and put: %v", c.Names())
	}
}

// TestConcurrentPlaintextSecretsKeepEveryEntry: N `auth login --insecure-storage` at once, with no
// usable keychain; every secret must be in secrets.json.
func TestConcurrentPlaintextSecretsKeepEveryEntry(t *testing.T) {
	paths := testPaths(t)
	kc := credstest.NewMemKeychain()
	kc.Fail(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			s := NewSecrets(paths, WithKeychain(kc, time.Second))
			_, err := s.Set(context.Background(), fmt.Sprintf("p%d", i), ClientSecret, fmt.Sprintf("secret-%d", i), true)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := NewSecrets(paths, WithKeychain(kc, time.Second))
	for i := range n {
		v, loc, err := s.Get(context.Background(), fmt.Sprintf("p%d", i), ClientSecret)
		if err != nil || v != fmt.Sprintf("secret-%d", i) || loc != LocationPlaintext {
			t.Errorf("p%d: %q %q %v", i, v, loc, err)
		}
	}
}

// TestLockProfileNamesHolder: while one command holds a profile, a second is refused with who holds it;
// other profiles stay free; after Release the profile can be taken again.
func TestLockProfileNamesHolder(t *testing.T) {
	paths := testPaths(t)
	l, err := LockProfile(paths, "default", "cioaep setup")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockProfile(paths, "default", "cioaep teardown")
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Holder.Command != "cioaep setup" || busy.Holder.PID == 0 || busy.Holder.Since.IsZero() {
		t.Fatalf("second lock: %v (%+v)", err, busy)
	}
	other, err := LockProfile(paths, "other", "cioaep setup")
	if err != nil {
		t.Fatalf("another profile is blocked too: %v", err)
	}
	other.Release()
	l.Release()
	again, err := LockProfile(paths, "default", "cioaep teardown")
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	again.Release()
	if _, err := LockProfile(paths, "../x", "cioaep setup"); err == nil {
		t.Error("a profile name with a path in it was locked")
	}
}
