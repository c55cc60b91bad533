package creds

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keychain service name every cioaep secret is stored under.
const Service = "cioaep"

// DefaultKeychainTimeout bounds each keychain call. A healthy Secret Service answers in milliseconds;
// a locked one may wait for an unlock prompt that nobody sees over SSH, forever.
const DefaultKeychainTimeout = 3 * time.Second

// Keychain is the part of go-keyring cioaep uses. It is an interface so that tests can put a fake behind
// Secrets (an in-memory one, or one that never answers to exercise the timeout).
type Keychain interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// SystemKeychain is the OS keychain through go-keyring: the Secret Service over D-Bus on Linux, the
// Keychain on macOS, the Credential Manager on Windows. Without a session bus it answers
// errNoSessionBus itself instead of letting godbus run dbus-launch.
type SystemKeychain struct{}

// errNoSessionBus reads like godbus's own message so that classify treats both alike.
var errNoSessionBus = errors.New("dbus: couldn't determine address of session bus")

// Get reads a secret; keyring.ErrNotFound when there is none.
func (SystemKeychain) Get(service, user string) (string, error) {
	if !SessionBusAvailable() {
		return "", errNoSessionBus
	}
	return keyring.Get(service, user)
}

// Set stores a secret, replacing any previous value.
func (SystemKeychain) Set(service, user, password string) error {
	if !SessionBusAvailable() {
		return errNoSessionBus
	}
	return keyring.Set(service, user, password)
}

// Delete removes a secret; keyring.ErrNotFound when there was none.
func (SystemKeychain) Delete(service, user string) error {
	if !SessionBusAvailable() {
		return errNoSessionBus
	}
	return keyring.Delete(service, user)
}

// guardedKeychain runs every call in its own goroutine under a timeout. A call that times out is left
// running (a D-Bus call go-keyring has made cannot be cancelled), and while it is still outstanding every
// later call fails at once: a keychain that hangs will hang again, and the user should not wait once per
// secret. When the abandoned call finally returns (someone unlocked the keyring), calls go through again.
type guardedKeychain struct {
	kc        Keychain
	timeout   time.Duration
	abandoned atomic.Int32 // calls that timed out and have not returned yet
}

// call runs fn under the timeout and the context, whichever ends first, and turns errors that mean
// "no usable keychain" into a *KeychainError.
func (g *guardedKeychain) call(ctx context.Context, fn func() (string, error)) (string, error) {
	if g.abandoned.Load() > 0 {
		return "", &KeychainError{Probe: timedOut(g.timeout)}
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	timer := time.NewTimer(g.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil && !errors.Is(r.err, keyring.ErrNotFound) && !errors.Is(r.err, keyring.ErrSetDataTooBig) {
			return "", &KeychainError{Probe: classify(r.err), Err: r.err}
		}
		return r.v, r.err
	case <-timer.C:
		g.abandoned.Add(1)
		go func() {
			<-done
			g.abandoned.Add(-1)
		}()
		return "", &KeychainError{Probe: timedOut(g.timeout)}
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (g *guardedKeychain) get(ctx context.Context, account string) (string, error) {
	return g.call(ctx, func() (string, error) { return g.kc.Get(Service, account) })
}

func (g *guardedKeychain) set(ctx context.Context, account, value string) error {
	_, err := g.call(ctx, func() (string, error) { return "", g.kc.Set(Service, account, value) })
	return err
}

func (g *guardedKeychain) delete(ctx context.Context, account string) error {
	_, err := g.call(ctx, func() (string, error) { return "", g.kc.Delete(Service, account) })
	return err
}
