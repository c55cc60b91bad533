package creds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// KeychainStatus is what a probe found.
type KeychainStatus int

const (
	Usable     KeychainStatus = iota // the keychain answered
	NoKeychain                       // there is no usable keychain here (no D-Bus, no Secret Service, no or locked collection)
	TimedOut                         // the keychain did not answer in time, typically locked and waiting for a prompt
)

func (s KeychainStatus) String() string {
	switch s {
	case Usable:
		return "usable"
	case NoKeychain:
		return "no keychain here"
	default:
		return "timed out"
	}
}

// Probe describes whether secrets can be kept in the OS keychain here, and if not, why.
type Probe struct {
	Status      KeychainStatus
	Cause       string // short: "no D-Bus session bus", "keychain locked or missing its default collection", …
	Explanation string // one or two plain sentences for people
}

// KeychainError is returned when a keychain call failed because there is no usable keychain, as opposed
// to the secret simply not being there. Probe says what was found.
type KeychainError struct {
	Probe Probe
	Err   error // go-keyring's own error, when there was one
}

func (e *KeychainError) Error() string {
	return fmt.Sprintf("OS keychain: %s: %s", e.Probe.Status, e.Probe.Cause)
}

func (e *KeychainError) Unwrap() error { return e.Err }

func timedOut(d time.Duration) Probe {
	return Probe{
		Status: TimedOut,
		Cause:  fmt.Sprintf("no answer within %s", d),
		Explanation: "The OS keychain did not answer. It is probably locked and waiting for an unlock prompt " +
			"that cannot be shown here (an SSH session, a container).",
	}
}

// classify explains an error from go-keyring other than "not found". go-keyring passes D-Bus errors
// through as strings, so this matches the messages testing.md lists; anything else is still "no keychain
// here", with go-keyring's message as the cause (those come from D-Bus and never contain the secret).
func classify(err error) Probe {
	msg := err.Error()
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	p := Probe{Status: NoKeychain}
	switch {
	case has("dbus-launch", "couldn't determine address of session bus"):
		p.Cause = "no D-Bus session bus"
		p.Explanation = "There is no D-Bus session bus here (common over SSH, in containers and in CI), so the " +
			"Secret Service that holds the keychain cannot be reached."
	case has("not provided by any .service files", "ServiceUnknown"):
		p.Cause = "no Secret Service on the session bus"
		p.Explanation = "The D-Bus session bus has no Secret Service (such as gnome-keyring or KeePassXC) running, " +
			"so there is no keychain to store secrets in."
	case has("no such file or directory", "connection refused"):
		p.Cause = "the D-Bus session bus address points at nothing"
		p.Explanation = "DBUS_SESSION_BUS_ADDRESS names a bus that is no longer there (a stale session), so the " +
			"keychain cannot be reached."
	case has("failed to unlock correct collection", "Object does not exist", "No such object"):
		p.Cause = "keychain locked or missing its default collection"
		p.Explanation = "The Secret Service is running but its default keyring is locked or does not exist, " +
			"and it cannot be unlocked from here."
	default:
		p.Cause = msg
		p.Explanation = "The OS keychain refused the request."
	}
	return p
}

// probeAccount is looked up, never stored, to see whether the keychain answers at all.
const probeAccount = "__probe__"

// probe looks up an account that is never stored: not found means the keychain answered.
func (g *guardedKeychain) probe(ctx context.Context) Probe {
	_, err := g.get(ctx, probeAccount)
	var ke *KeychainError
	switch {
	case err == nil, errors.Is(err, keyring.ErrNotFound):
		return Probe{Status: Usable, Explanation: "The OS keychain answers; secrets are stored there."}
	case errors.As(err, &ke):
		return ke.Probe
	default: // the context ended: say so rather than blame the keychain
		return Probe{Status: TimedOut, Cause: "interrupted", Explanation: "The keychain check was interrupted before the keychain answered."}
	}
}
