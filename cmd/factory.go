package cmd

import (
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/cioaep/cioaep/creds"
)

// Factory is built once by the root command and handed to every command, as in cli/cli: the global
// flags, the IO streams with their terminal facts, the profile's paths and secret store, and Connect,
// which gives a connected flow.Session for Adobe or the local platform. Commands ask it instead of each
// finding these out their own way; tests fill in what they need (IO, Paths, LocalAddr).
type Factory struct {
	Profile    string
	Local      bool
	JSON       bool
	Accessible bool
	Debug      bool

	// LocalAddr is where --local looks for a running local platform and starts one when none answers:
	// CIOAEP_LOCAL_ADDR, else 127.0.0.1:8790. Empty (what tests leave it) starts one in this process on
	// a free loopback port and never adopts a platform someone else runs, so no test depends on what
	// listens on the machine.
	LocalAddr string

	// LocalData is the data directory of a local platform this process starts; "" means LocalDataDir's
	// default. send-test --data sets it, so the platform it starts is the one whose records it reads.
	LocalData string

	IO *IOStreams

	// Paths are where cioaep keeps its files; zero means the XDG defaults, resolved on first use.
	Paths creds.Paths
}

// NewFactory is the Factory of a real run: the process's streams and the environment's addresses.
func NewFactory() *Factory {
	return &Factory{IO: &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr},
		LocalAddr: firstOf(os.Getenv(EnvLocalAddr), localDefaultAddr)}
}

// paths returns the configured paths, resolving the defaults once.
func (f *Factory) paths() creds.Paths {
	if f.Paths == (creds.Paths{}) {
		f.Paths = creds.DefaultPaths()
	}
	return f.Paths
}

// Secrets is the profile secret store (keychain, environment, opt-in plaintext file).
func (f *Factory) Secrets() *creds.Secrets { return creds.NewSecrets(f.paths()) }

// StateDir is the profile's state directory: journal, result, locks, debug traces.
func (f *Factory) StateDir() string { return f.paths().StateDir(f.Profile) }

// LocalDataDir is the local platform's default data directory.
func (f *Factory) LocalDataDir() string {
	if f.LocalData != "" {
		return f.LocalData
	}
	return filepath.Join(f.paths().DataDir, "local")
}

// config loads the config file.
func (f *Factory) config() (*creds.Config, error) { return creds.LoadConfig(f.paths().ConfigFile) }

// UsesLocalPlatform is the one rule for "is this the local platform?": --local, or a profile that was set
// up against it.
func (f *Factory) UsesLocalPlatform(p creds.Profile) bool {
	return f.Local || p.Platform == creds.PlatformLocal
}

// IOStreams are the standard streams, with the terminal checks every command needs in one place.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// IsStdinTTY, IsStdoutTTY and IsStderrTTY report whether each stream is a terminal (tests pass buffers,
// which are not).
func (s *IOStreams) IsStdinTTY() bool  { return isTerminal(s.In) }
func (s *IOStreams) IsStdoutTTY() bool { return isTerminal(s.Out) }
func (s *IOStreams) IsStderrTTY() bool { return isTerminal(s.ErrOut) }

// CanPrompt says the full-screen wizard and prompts may run: both input and output are a terminal.
func (s *IOStreams) CanPrompt() bool { return s.IsStdinTTY() && s.IsStdoutTTY() }

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
