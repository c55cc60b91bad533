package creds

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds/credstest"
)

// The messages go-keyring returns without a usable Secret Service, as testing.md lists them.
func TestClassifyGoKeyringErrors(t *testing.T) {
	for msg, cause := range map[string]string{
		`exec: "dbus-launch": executable file not found in $PATH`:                                        "no D-Bus session bus",
		`dbus: couldn't determine address of session bus`:                                                "no D-Bus session bus",
		`The name org.freedesktop.secrets was not provided by any .service files`:                        "no Secret Service",
		`dial unix /run/user/0/bus: connect: no such file or directory`:                                  "points at nothing",
		`failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'`:                 "locked or missing",
		`Object does not exist at path “/org/freedesktop/secrets/collection/login”`:                      "locked or missing",
		`org.freedesktop.DBus.Error.AccessDenied: Rejected send message, 2 matched rules; type="method"`: "AccessDenied",
	} {
		p := classify(errors.New(msg))
		if p.Status != NoKeychain || !strings.Contains(p.Cause, cause) || p.Explanation == "" {
			t.Errorf("classify(%q) = %+v, want no keychain with cause containing %q", msg, p, cause)
		}
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
