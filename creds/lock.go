package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// fileLockWait bounds how long a command waits for another to finish writing a shared file: writes take
// milliseconds, so a longer wait means a stuck process, and saying so beats hanging.
const fileLockWait = 10 * time.Second

// lockFile takes the exclusive lock that guards path (config.json, secrets.json) against another cioaep
// writing it at the same time, and returns its release. The lock lives in a file beside path, because
// path itself is replaced on every atomic write and a lock on the old file would guard nothing.
func lockFile(path string) (release func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	l := flock.New(path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), fileLockWait)
	defer cancel()
	ok, err := l.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("another cioaep has been writing %s for %s: wait for it to finish, or stop it", path, fileLockWait)
	}
	return func() { l.Unlock() }, nil
}

// Holder says which command holds a profile's lock.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// BusyError is LockProfile's answer when another command holds the profile.
type BusyError struct {
	Profile string
	Holder  Holder // zero when the holder had not yet written who it is
}

func (e *BusyError) Error() string {
	who := "another cioaep command"
	if e.Holder.PID != 0 {
		who = fmt.Sprintf("%q (pid %d, since %s)", e.Holder.Command, e.Holder.PID, e.Holder.Since.Local().Format("15:04:05"))
	}
	return fmt.Sprintf("profile %q is busy: %s is changing its dataflow. Wait for it to finish (or stop it), then run this again", e.Profile, who)
}

// ProfileLock is a held profile lock; Release gives it back. The operating system releases it too when
// the process ends, however it ends, so a killed setup never leaves the profile locked.
type ProfileLock struct{ l *flock.Flock }

// Release gives the lock back.
func (p *ProfileLock) Release() { p.l.Unlock() }

// LockProfile takes the profile's lock for a command that changes its dataflow (setup, reconfigure,
// teardown), so that two of them cannot create, adopt or delete the same resources at once. It does not
// wait: when another command holds the lock, the answer is a *BusyError naming it.
func LockProfile(paths Paths, profile, command string) (*ProfileLock, error) {
	if err := CheckProfileName(profile); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(paths.StateRoot, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", paths.StateRoot, err)
	}
	path := filepath.Join(paths.StateRoot, profile+".lock")
	l := flock.New(path, flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock profile %q: %w", profile, err)
	}
	if !ok {
		busy := &BusyError{Profile: profile}
		if data, err := os.ReadFile(path); err == nil {
			json.Unmarshal(data, &busy.Holder) // best effort: an empty or half-written file leaves it zero
		}
		return nil, busy
	}
	h := Holder{PID: os.Getpid(), Command: strings.TrimSpace(command), Since: time.Now().UTC().Truncate(time.Second)}
	data, _ := json.Marshal(h)
	// Written in place rather than atomically: the lock is on this file, and only its holder writes it.
	if err := os.WriteFile(path, data, 0o600); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("lock profile %q: %w", profile, err)
	}
	return &ProfileLock{l}, nil
}
