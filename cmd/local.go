package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdLocal(g)) })
}

// localDefaultAddr is where `local serve` listens and where `cioaep --local` looks for a running one.
const localDefaultAddr = "127.0.0.1:8790"

// EnvLocalAddr moves the address --local uses and `local serve` listens on (127.0.0.1:0 gives --local a
// private platform on a free port).
const EnvLocalAddr = "CIOAEP_LOCAL_ADDR"

// NewCmdLocal builds local and its subcommands.
func NewCmdLocal(g *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "local",
		Short: "Run the embedded local platform, or list what it ingested",
		Long: `The local platform answers like Adobe Experience Platform (IMS, sandboxes, Schema Registry, Catalog,
Flow Service, Data Prep and the streaming inlet) from a SQLite file, so you can practise and develop
without an Adobe account. Point any client at it with CIOAEP_PLATFORM_URL and CIOAEP_IMS_URL.`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(NewCmdLocalServe(g, nil), NewCmdLocalEvents(g, nil))
	return c
}

// localServeOptions are `local serve`'s flags.
type localServeOptions struct {
	addr, dataDir       string
	requireSignature    bool
	signingKeyEnv       string
	clientID, secretEnv string
	inletRate           int
}

// NewCmdLocalServe builds local serve; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdLocalServe(g *Factory, runF func(context.Context, *localServeOptions) error) *cobra.Command {
	o := &localServeOptions{}
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the local platform until interrupted",
		Example: `  cioaep local serve
  CIOAEP_PLATFORM_URL=http://127.0.0.1:8790 CIOAEP_IMS_URL=http://127.0.0.1:8790 cioaep setup …
  CIOAEP_SIGNING_KEY=… cioaep local serve --require-signature`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runLocalServe(cmd.Context(), g, *o)
		},
	}
	f := c.Flags()
	// Where --local looks for a running platform is where serve listens, so CIOAEP_LOCAL_ADDR moves both.
	f.StringVar(&o.addr, "addr", firstOf(g.LocalAddr, localDefaultAddr), "`host:port` to listen on (port 0 picks a free one; default "+EnvLocalAddr+", else "+localDefaultAddr+")")
	f.StringVar(&o.dataDir, "data", g.LocalDataDir(), "`directory` holding the platform's SQLite file")
	f.BoolVar(&o.requireSignature, "require-signature", false, "refuse inlet events without a valid Customer.io X-CIO-Signature")
	f.StringVar(&o.signingKeyEnv, "signing-key-env", "CIOAEP_SIGNING_KEY", "environment `variable` holding the Customer.io signing key")
	f.StringVar(&o.clientID, "client-id", "", "accept only this client `id` at IMS (with the secret from --client-secret-env)")
	f.StringVar(&o.secretEnv, "client-secret-env", "CIOAEP_LOCAL_CLIENT_SECRET", "environment `variable` holding the only secret IMS accepts with --client-id")
	f.IntVar(&o.inletRate, "inlet-rate", 0, "requests per second one inlet accepts before answering 429 (default Adobe's 1000)")
	return c
}

// runLocalServe listens, prints the base URL on stdout, and serves until SIGINT or SIGTERM, then lets
// in-flight requests finish and closes the database.
func runLocalServe(ctx context.Context, g *Factory, o localServeOptions) error {
	cfg := local.Config{DataDir: o.dataDir, InletRate: o.inletRate}
	if o.requireSignature {
		cfg.SigningKey = os.Getenv(o.signingKeyEnv)
		if cfg.SigningKey == "" {
			return usageErr("--require-signature needs the Customer.io signing key in $%s", o.signingKeyEnv)
		}
	}
	if o.clientID != "" {
		cfg.ClientID, cfg.ClientSecret = o.clientID, os.Getenv(o.secretEnv)
		if cfg.ClientSecret == "" {
			return usageErr("--client-id needs the client secret in $%s", o.secretEnv)
		}
	}
	// Any client id and secret get a token here, so the platform must not be reachable from the network.
	if host, _, err := net.SplitHostPort(o.addr); err != nil || !flow.IsLoopback(host) {
		return usageErr("--addr %s: the local platform listens on loopback only (127.0.0.1, ::1 or localhost), because it gives a token to any credentials", o.addr)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another local platform running? pick another --addr)", o.addr, err)
	}
	base := "http://" + ln.Addr().String()
	cfg.BaseURL = base
	p, err := local.Open(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := local.NewServer(p, local.DefaultServerLimits)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(local.Listener(ln, local.DefaultServerLimits)) }()
	if w := local.DataDirWarning(o.dataDir); w != "" {
		fmt.Fprintln(g.IO.ErrOut, w)
	}

	fmt.Fprintln(g.IO.Out, base)
	fmt.Fprintf(g.IO.ErrOut, "Local platform listening on %s (data in %s, tenant %s).\n", base, o.dataDir, p.TenantID())
	fmt.Fprintf(g.IO.ErrOut, "Use it with: CIOAEP_PLATFORM_URL=%s CIOAEP_IMS_URL=%s, or run `cioaep --local`. Ctrl-C stops it.\n", base, base)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-done:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if err := p.Close(); err != nil && serveErr == nil {
		serveErr = fmt.Errorf("close the local platform's database: %w", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	fmt.Fprintln(g.IO.ErrOut, "Local platform stopped.")
	return nil
}

// localEventsOptions are `local events`' flags.
type localEventsOptions struct {
	dataDir, dataset string
	failed, follow   bool
}

// NewCmdLocalEvents builds local events; runF, when not nil, replaces the run.
func NewCmdLocalEvents(g *Factory, runF func(context.Context, *localEventsOptions) error) *cobra.Command {
	o := &localEventsOptions{}
	c := &cobra.Command{
		Use:   "events",
		Short: "List the events the local platform ingested",
		Long: `Lists ingested events, oldest first: the dataset, when it arrived, and the mapped XDM record, or for a
failed event the reason and the event as received. With --json, one JSON object per line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runLocalEvents(cmd.Context(), g, *o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.dataDir, "data", g.LocalDataDir(), "`directory` of the local platform")
	f.StringVar(&o.dataset, "dataset", "", "only events for this dataset `id`")
	f.BoolVar(&o.failed, "failed", false, "only events that failed mapping or validation, and the requests the inlet refused")
	f.BoolVar(&o.follow, "follow", false, "keep printing new events until interrupted")
	return c
}

// localFollowInterval is how often --follow looks for new events.
const localFollowInterval = 300 * time.Millisecond

func runLocalEvents(ctx context.Context, g *Factory, o localEventsOptions) error {
	events, err := local.OpenEventLog(o.dataDir)
	if err != nil {
		return err
	}
	defer events.Close()
	// Events stream from the database to a buffer, so a log of any length takes constant memory and
	// few writes; --follow flushes after each look.
	out := bufio.NewWriterSize(g.IO.Out, 64<<10)
	filter := local.EventFilter{DatasetID: o.dataset, Failed: o.failed, Rejections: o.failed}
	var line []byte
	for {
		err := events.Each(ctx, filter, func(e *local.Event) error {
			filter.Seen(e)
			if g.JSON {
				line = append(e.AppendJSON(line[:0]), '\n')
				_, err := out.Write(line)
				return err
			}
			return printLocalEvent(out, e)
		})
		if ferr := out.Flush(); err == nil {
			err = ferr
		}
		if err != nil {
			if o.follow && ctx.Err() != nil {
				return nil
			}
			return err
		}
		if !o.follow {
			if filter.After == 0 && filter.AfterRejection == 0 && !g.JSON {
				fmt.Fprintln(g.IO.ErrOut, "No events yet. Send one with `cioaep send-test`, or POST to the webhook URL.")
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(localFollowInterval):
		}
	}
}

// printLocalEvent writes one event as one line for people (a failed one with the event under it). What
// came from the network is sanitised: a body may carry escape sequences.
func printLocalEvent(w io.Writer, e *local.Event) error {
	when := e.Received.Local().Format("2006-01-02 15:04:05")
	if e.Rejected {
		raw := safetext.Line(string(e.Raw))
		if len(e.Raw) < e.RawBytes {
			raw += fmt.Sprintf(" … (the first %d of %d bytes)", len(e.Raw), e.RawBytes)
		}
		_, err := fmt.Fprintf(w, "%s  dataset %s  REFUSED %d  %s\n    request: %s\n", when, e.DatasetID, e.Status, safetext.Line(e.Reason), raw)
		return err
	}
	if e.Failed {
		_, err := fmt.Fprintf(w, "%s  dataset %s  FAILED  %s\n    event: %s\n", when, e.DatasetID, safetext.Line(e.Reason), safetext.Line(string(e.Raw)))
		return err
	}
	_, err := fmt.Fprintf(w, "%s  dataset %s  ok  %s\n", when, e.DatasetID, e.Record)
	return err
}
