package cmd

import (
	"errors"

	"github.com/cioaep/cioaep/creds"
)

// lockProfile takes the profile's lock for a command that changes its dataflow, so that a second setup,
// reconfigure or teardown of the same profile stops with a message naming the first (exit 1) instead of
// creating duplicates or deleting what the first is building. The lock goes with the process.
func lockProfile(g *Factory, command string) (release func(), err error) {
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return nil, usageErr("%v", err)
	}
	l, err := creds.LockProfile(g.paths(), g.Profile, command)
	var busy *creds.BusyError
	if errors.As(err, &busy) {
		return nil, &ExitError{Code: ExitFailed, Err: err}
	}
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}
