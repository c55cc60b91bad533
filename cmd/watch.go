package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/ui"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdWatch(g, nil)) })
}

// watchOptions are watch's flags.
type watchOptions struct {
	Interval   time.Duration // 0: the platform's default
	QuietAfter time.Duration
	Once       bool
}

// NewCmdWatch builds watch; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdWatch(g *Factory, runF func(context.Context, *watchOptions) error) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch the dataflow live: records received, ingested and failed per minute, by type, last events",
		Long: `watch shows, refreshed on a timer, what the profile's dataflow received over the last hour: records
received, ingested and failed per minute as charts and in total, the counts by Customer.io object type and
metric, the newest events (accepted, or the reason they were rejected), the dataflow's state and last run,
and a warning when nothing has arrived for longer than --quiet-after.

The numbers come from Flow Service runs and Observability Insights metrics. Adobe reports counts per
dataset only; the counts by type and the newest events come from the local platform. While the platform
cannot be reached the last figures stay, marked with since when, and the wait between tries doubles (up to
5 minutes) until it answers again. Keys: r refresh now, a subscribe to alerts, +/- quiet threshold, q quit.

--json prints one JSON object per refresh (newline-delimited): time, state, received, ingested, failed,
perMinute, byType, byTypeMetric, lastEventAt, lastEvents, stale, and more; --once prints one and exits.
Accessible mode, and output that is not a terminal, print the same figures as plain lines.`,
		Example: `  cioaep watch
  cioaep --local watch --quiet-after 5m
  cioaep watch --json --once | jq .byType`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.QuietAfter <= 0 {
				return usageErr("--quiet-after must be positive, such as 15m")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runWatch(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.Interval, "interval", 0, "time between refreshes (default 30s on Adobe, at least 15s; 2s on the local platform)")
	f.DurationVar(&o.QuietAfter, "quiet-after", flow.DefaultQuietAfter, "warn when nothing has arrived for longer than this")
	f.BoolVar(&o.Once, "once", false, "refresh once, print, and exit (1 when the platform could not be read)")
	return cmd
}

// runWatch connects, then shows the monitor full screen, or prints each refresh as JSON or plain lines.
func runWatch(ctx context.Context, g *Factory, o *watchOptions) error {
	conn, err := g.Connect(ctx, overrides{})
	if err != nil {
		return err
	}
	defer conn.Close()
	local := conn.Session.Local()
	interval := o.Interval
	if interval == 0 {
		interval = flow.DefaultIntervalAdobe
		if local {
			interval = flow.DefaultIntervalLocal
		}
	}
	if err := flow.CheckInterval(interval, local); err != nil {
		return usageErr("%v", err)
	}
	platform := ui.Adobe
	if local {
		platform = ui.Local
	}
	if !g.JSON && !o.Once && !g.Accessible && g.IO.CanPrompt() {
		return ui.RunWatch(ctx, ui.Deps{Profile: g.Profile, Local: local}, conn.Session, platform,
			ui.WatchOptions{Interval: interval, QuietAfter: o.QuietAfter}, g.IO.In, g.IO.Out)
	}
	print := func(s flow.Snapshot) error {
		ui.WatchText(g.IO.Out, s)
		_, err := io.WriteString(g.IO.Out, "\n")
		return err
	}
	if g.JSON {
		enc := json.NewEncoder(g.IO.Out)
		print = func(s flow.Snapshot) error { return enc.Encode(s) }
	}
	return watchLoop(ctx, conn.Session, flow.MonitorOptions{Local: local, QuietAfter: o.QuietAfter}, interval, o.Once, print)
}

// watchLoop refreshes until ctx ends, printing each snapshot; with once it prints one and returns, failed
// when the platform could not be read.
func watchLoop(ctx context.Context, m ui.Monitorer, opts flow.MonitorOptions, interval time.Duration, once bool, print func(flow.Snapshot) error) error {
	w := flow.Watch{Interval: interval}
	for {
		snap, err := m.Monitor(ctx, opts)
		if ctx.Err() != nil {
			return nil // interrupted: the last line printed stands
		}
		w = w.Observe(snap, err, time.Now())
		if perr := print(w.Last); perr != nil {
			return perr
		}
		if once {
			if err != nil {
				return &ExitError{Code: ExitFailed, Err: errors.New(flow.Explain(err))}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.Delay()):
		}
	}
}
