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
	NoKeychain                       // there is no keychain here (no D-Bus, no Secret Service, no default keyring)
	TimedOut                         // the keychain did not answer in time, typically locked and waiting for a prompt
	Locked                           // the keychain is there but locked, and cannot be unlocked from here
	Denied                           // the keychain (or the bus in front of it) refused this program
)

func (s KeychainStatus) String() string {
	switch s {
	case Usable:
		return "usable"
	case NoKeychain:
		return "no keychain here"
	case Locked:
		return "locked"
	case Denied:
		return "access denied"
	default:
		return "timed out"
	}
}

// Summary says in a few words what is wrong with the keychain, for a sentence such as "cannot read the
// client secret: the OS keychain is locked".
func (p Probe) Summary() string {
	switch p.Status {
	case Usable:
		return "the OS keychain answers"
	case TimedOut:
		return "the OS keychain did not answer"
	case Locked:
		return "the OS keychain is locked"
	case Denied:
		return "the OS keychain refused access to cioaep"
	default:
		return "there is no usable OS keychain here"
	}
}

// Unlockable is true when the keychain exists and unlocking it would make it usable: it is locked, or
// it is waiting for an unlock prompt nobody sees.
func (p Probe) Unlockable() bool { return p.Status == Locked || p.Status == TimedOut }

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
	case has("failed to unlock correct collection '/org/freedesktop/secrets/collection/", "IsLocked",
		"User interaction is not allowed"):
		// go-keyring names the login collection when it exists and the unlock prompt was dismissed or
		// could not be shown; macOS's security tool says the last over SSH with a locked keychain.
		p.Status = Locked
		p.Cause = "no unlock prompt can be shown here"
		p.Explanation = "The keychain exists but is locked, and no unlock prompt can be shown here (an SSH " +
			"session, a container, a desktop session not logged in)."
	case has("failed to unlock correct collection", "Object does not exist", "No such object"):
		// The login collection does not exist, so go-keyring fell back to the default alias, which
		// names no collection or one that stays locked.
		p.Cause = "no default keyring, or it is locked"
		p.Explanation = "The Secret Service is running but has no login keyring, and its default keyring is " +
			"missing or cannot be unlocked from here."
	case has("AccessDenied", "Access denied", "Access is denied", "not authorized", "NotAuthorized"):
		p.Status = Denied
		p.Cause = msg
		p.Explanation = "The keychain, or the D-Bus policy in front of it, refused cioaep (a sandbox, a " +
			"keychain that asks per application and was told no)."
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
