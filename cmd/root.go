// Package cmd holds cioaep's cobra commands. Commands stay thin: they parse flags, build dependencies and
// call into flow/ or ui/.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/flow/safetext"
)

// Exit codes, as the design card states them.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitMissing     = 3
	ExitInterrupted = 130
)

// ExitError carries an exit code and a message for people. The message is printed once, on stderr.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// usageErr, missingErr and failed build ExitErrors with the right code.
func usageErr(format string, a ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, a...)}
}

func missingErr(flag string) error {
	return &ExitError{Code: ExitMissing, Err: fmt.Errorf("missing value: %s is required in non-interactive mode", flag)}
}

// silentErr exits with code without printing anything more: the command has already said what happened.
func silentErr(code int) error { return &ExitError{Code: code} }

// NewRoot builds the command tree around g. Tests call it with their own writers.
func NewRoot(g *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "cioaep",
		Short: "Connect Customer.io reporting webhooks to an Adobe Experience Platform dataflow",
		Long: `cioaep walks you through connecting Customer.io to Adobe Experience Platform: credentials, sandbox,
schema and dataset, field mapping, dataflow, and the webhook URL to paste into Customer.io.
Run it with --local to practise against the embedded local platform, with no Adobe account.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
	}
	root.SetIn(g.IO.In)
	root.SetOut(g.IO.Out)
	root.SetErr(g.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &ExitError{Code: ExitUsage, Err: err} })

	pf := root.PersistentFlags()
	pf.StringVar(&g.Profile, "profile", "default", "profile `name` in the config file")
	pf.BoolVar(&g.Local, "local", false, "use the embedded local platform instead of Adobe's")
	pf.BoolVar(&g.JSON, "json", false, "print results as JSON on stdout")
	// A dumb terminal cannot draw the full-screen wizard (no cursor movement, no alternate screen): it gets
	// the plain prompts too.
	pf.BoolVar(&g.Accessible, "accessible", os.Getenv("ACCESSIBLE") != "" || os.Getenv("TERM") == "dumb",
		"plain line prompts instead of the full-screen wizard (or ACCESSIBLE=1, or TERM=dumb)")
	pf.BoolVar(&g.Debug, "debug", false, "write an HTTP trace, secrets redacted, to a file in the state dir")

	for _, add := range commands {
		add(root, g)
	}
	return root
}

// commands lists the constructors that add subcommands; each command file registers itself in init.
var commands []func(root *cobra.Command, g *Factory)

func register(add func(root *cobra.Command, g *Factory)) { commands = append(commands, add) }

// Execute runs the command line and returns the process exit code.
func Execute() int {
	g := NewFactory()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return Run(ctx, g, os.Args[1:])
}

// Run executes args against a fresh command tree and maps the outcome to an exit code.
func Run(ctx context.Context, g *Factory, args []string) int {
	root := NewRoot(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitFailed
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
		if ee.Err == nil {
			return code
		}
	} else if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		code = ExitInterrupted
	} else if isUsage(err) {
		code = ExitUsage
	}
	fmt.Fprintf(g.IO.ErrOut, "cioaep: %s\n", safetext.Block(err.Error()))
	return code
}
