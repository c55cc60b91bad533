package ui

// This file lends the wizard's test driver to the external ui_test package, whose tests run the real
// done-screen actions from cmd (which imports ui, so package ui's own tests cannot import it).

import (
	"bytes"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// Driver is the wizard test driver for ui_test. It keeps every byte drawn after the done screen came up,
// so a test can check what never reached the terminal.
type Driver struct {
	d   *driver
	all bytes.Buffer
}

// StartLocalToDone starts the wizard with deps (a --local run against a real local platform), takes the
// default path and returns once the done screen is up.
func StartLocalToDone(t *testing.T, deps Deps, width, height int) *Driver {
	t.Helper()
	d := start(t, deps, width, height)
	d.wait("--local")
	for _, m := range []string{"accepted these credentials", "(prod)", "Which Customer.io events",
		"Where should Customer.io events land?", "rules checked", "Source connection", "remembers this dataflow"} {
		d.enter(m)
	}
	return &Driver{d: d}
}

// Wait waits until s has been drawn.
func (x *Driver) Wait(s string) {
	x.d.t.Helper()
	teatest.WaitFor(x.d.t, io.TeeReader(x.d.tm.Output(), &x.all), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// Type types s.
func (x *Driver) Type(s string) { x.d.typ(s) }

// Press presses one key.
func (x *Driver) Press(k tea.KeyType) { x.d.press(k) }

// Final stops the wizard and returns its last view and every byte it wrote to the terminal.
func (x *Driver) Final() (view string, output []byte) {
	x.d.t.Helper()
	_, v := x.d.final()
	rest, _ := io.ReadAll(x.d.tm.FinalOutput(x.d.t))
	x.all.Write(rest)
	return v, x.all.Bytes()
}
