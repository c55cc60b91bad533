package creds

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds/credstest"
)

// The messages go-keyring returns without a usable Secret Service, as testing.md lists them. The two
// "failed to unlock" messages are verbatim what go-keyring v0.2.8 returned from gnome-keyring: with the
// login keyring locked (Secret Service Lock call, no display for the unlock prompt), and with no login
// keyring at all. A locked keychain is Locked, not "no keychain": unlocking it is the way on.
func TestClassifyGoKeyringErrors(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]struct {
		status KeychainStatus
		cause  string
	}{
		`exec: "dbus-launch": executable file not found in $PATH`:                                        {NoKeychain, "no D-Bus session bus"},
		`dbus: couldn't determine address of session bus`:                                                {NoKeychain, "no D-Bus session bus"},
		`The name org.freedesktop.secrets was not provided by any .service files`:                        {NoKeychain, "no Secret Service"},
		`dial unix /run/user/0/bus: connect: no such file or directory`:                                  {NoKeychain, "points at nothing"},
		`failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'`:                 {NoKeychain, "no default keyring"},
		`Object does not exist at path “/org/freedesktop/secrets/collection/login”`:                      {NoKeychain, "no default keyring"},
		`failed to unlock correct collection '/org/freedesktop/secrets/collection/login'`:                {Locked, "no unlock prompt"},
		`User interaction is not allowed.`:                                                               {Locked, "no unlock prompt"},
		`org.freedesktop.DBus.Error.AccessDenied: Rejected send message, 2 matched rules; type="method"`: {Denied, "AccessDenied"},
	} {
		p := classify(errors.New(msg))
		if p.Status != want.status || !strings.Contains(p.Cause, want.cause) || p.Explanation == "" {
			t.Errorf("classify(%q) = %+v, want %s with cause containing %q", msg, p, want.status, want.cause)
		}
	}
	if p := classify(errors.New(`failed to unlock correct collection '/org/freedesktop/secrets/collection/login'`)); !p.Unlockable() || p.Summary() != "the OS keychain is locked" {
		t.Errorf("a locked keychain reads %q, unlockable %v", p.Summary(), p.Unlockable())
	}
}

// A locked keychain is not a missing secret: Get says the keychain is locked, so the caller can say
// "unlock it" rather than "not found".
func TestLockedKeychainIsNotNotFound(t *testing.T) {
	mem := credstest.NewMemKeychain()
	mem.Fail(errors.New(`failed to unlock correct collection '/org/freedesktop/secrets/collection/login'`))
	s := NewSecrets(testPaths(t), WithKeychain(mem, time.Second))
	_, _, err := s.Get(context.Background(), "default", ClientSecret)
	var ke *KeychainError
	if !errors.As(err, &ke) || ke.Probe.Status != Locked || errors.Is(err, ErrNotStored) {
		t.Fatalf("Get on a locked keychain = %v, want a Locked KeychainError", err)
	}
	if p := s.Probe(context.Background()); p.Status != Locked || p.Status.String() != "locked" {
		t.Errorf("Probe on a locked keychain = %+v", p)
	}
}

func TestProbe(t *testing.T) {
	mem := credstest.NewMemKeychain()
	s := NewSecrets(testPaths(t), WithKeychain(mem, time.Second))
	if p := s.Probe(context.Background()); p.Status != Usable {
		t.Fatalf("Probe on a working keychain = %+v", p)
	}
	mem.Fail(errors.New(`The name org.freedesktop.secrets was not provided by any .service files`))
	p := s.Probe(context.Background())
	if p.Status != NoKeychain || p.Cause != "no Secret Service on the session bus" {
		t.Fatalf("Probe without a Secret Service = %+v", p)
	}
	if p.Status.String() != "no keychain here" {
		t.Errorf("status string = %q", p.Status)
	}
}

// A keychain that never answers (locked, waiting for an unlock prompt nobody sees) must give "timed
// out" instead of hanging; later calls must not wait again while that call is still stuck; once it
// returns, the keychain is used again.
func TestStuckKeychainTimesOut(t *testing.T) {
	stuck := credstest.NewStuckKeychain()
	t.Cleanup(stuck.Release)
	s := NewSecrets(testPaths(t), WithKeychain(stuck, 100*time.Millisecond))

	p := within(t, 5*time.Second, func() Probe { return s.Probe(context.Background()) })
	if p.Status != TimedOut || p.Explanation == "" {
		t.Fatalf("Probe on a stuck keychain = %+v", p)
	}
	var ke *KeychainError
	setErr := within(t, 5*time.Second, func() error {
		_, err := s.Set(context.Background(), "default", ClientSecret, "sentinel-secret", false)
		return err
	})
	if !errors.As(setErr, &ke) || ke.Probe.Status != TimedOut {
		t.Fatalf("Set on a stuck keychain = %v, want a timed-out KeychainError", setErr)
	}
	if n := stuck.Calls(); n != 1 {
		t.Errorf("the stuck keychain was called %d times, want 1: later calls should fail at once", n)
	}

	stuck.Release()
	deadline := time.Now().Add(5 * time.Second)
	for s.Probe(context.Background()).Status != Usable {
		if time.Now().After(deadline) {
			t.Fatal("the keychain stayed marked as stuck after its call returned")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestKeychainCallHonoursContext(t *testing.T) {
	stuck := credstest.NewStuckKeychain()
	defer stuck.Release()
	s := NewSecrets(testPaths(t), WithKeychain(stuck, time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := within(t, 5*time.Second, func() error {
		_, _, err := s.Get(ctx, "default", CIOSigningKey)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context = %v", err)
	}
}

// within runs fn and fails the test if it has not returned after limit: the bound that tells a
// hang apart from a slow answer, not a performance assertion.
func within[T any](t *testing.T, limit time.Duration, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(limit):
		t.Fatalf("still blocked after %s", limit)
		panic("unreachable")
	}
}
