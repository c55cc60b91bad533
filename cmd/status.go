package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdStatus(g, nil)) })
}

// statusOptions are status's flags and dependencies.
type statusOptions struct {
	// secrets finds the client secret; nil means the OS keychain and the plaintext file. Tests pass one
	// with an in-memory keychain.
	secrets *creds.Secrets
	// timeout bounds the whole command (--timeout).
	timeout time.Duration
}

// statusDefaultTimeout bounds status as a whole: ample for Adobe's usual answers and a few retries,
// short enough that a rate-limited or stalled platform gets a clear message instead of minutes of
// silence (each call alone may otherwise retry for two minutes).
const statusDefaultTimeout = 30 * time.Second

// NewCmdStatus builds status; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdStatus(g *Factory, runF func(context.Context, *statusOptions) error) *cobra.Command {
	o := &statusOptions{}
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the profile, where its secret lives, the dataflow, its endpoint and recent runs",
		Long: `status shows the profile, where the client secret is kept (and warns when that is a plaintext
file), the pipeline from Customer.io to the dataset, the dataflow's state and endpoint, and the record
counts of its recent runs.

It exits 1 when something needs attention: no dataflow, a disabled dataflow, failed records in the recent
runs, or a client secret that cannot be read or is refused. --json prints the same as one JSON object.

While the platform is slow or asks cioaep to wait (429 Too Many Requests), status says so on stderr;
it gives up after --timeout (30s) and says what it was waiting for.`,
		Example: `  cioaep status
  cioaep status --json | jq .dataflow.state`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runStatus(cmd.Context(), g, o)
		},
	}
	c.Flags().DurationVar(&o.timeout, "timeout", statusDefaultTimeout, "give up after this long when the platform is slow or rate limiting (e.g. 2m; 0 means 30s)")
	return c
}

// statusReport is status's --json form. Every field is always present (null or empty when unknown), so
// scripts can rely on the shape; README.md documents each one.
type statusReport struct {
	Profile   string       `json:"profile"`
	Platform  string       `json:"platform"` // "adobe" | "local"
	Sandbox   string       `json:"sandbox"`
	Secret    statusSecret `json:"secret"`
	Dataflow  *statusFlow  `json:"dataflow"` // null when the profile has no dataflow
	Events    []string     `json:"events"`   // recorded Customer.io object types; null when none were recorded
	Runs      []statusRun  `json:"runs"`     // newest first
	Totals    statusTotals `json:"totals"`
	LastHour  *statusHour  `json:"lastHour"` // null when the profile has no dataflow
	Found     []statusFlow `json:"found"`    // Customer.io dataflows reconfigure could adopt, when none is recorded
	Attention []string     `json:"attention"`
	OK        bool         `json:"ok"`
}

type statusSecret struct {
	Location      string `json:"location"` // "environment" | "keychain" | "plaintext file" | "local platform default" | ""
	Plaintext     bool   `json:"plaintext"`
	PlaintextFile string `json:"plaintextFile"`
	Usable        bool   `json:"usable"`
	Problem       string `json:"problem"`
}

type statusFlow struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	State              string `json:"state"`
	PlanID             string `json:"planId"`
	WebhookURL         string `json:"webhookUrl"`
	InletURL           string `json:"inletUrl"`
	SourceConnectionID string `json:"sourceConnectionId"`
	TargetConnectionID string `json:"targetConnectionId"`
	DatasetID          string `json:"datasetId"`
	DatasetName        string `json:"datasetName"`
	SchemaID           string `json:"schemaId"`
	MappingSetID       string `json:"mappingSetId"`
	MappingVersion     int    `json:"mappingVersion"`
	LastActivity       string `json:"lastActivity"` // RFC 3339; "" when no run yet
}

type statusRun struct {
	ID      string   `json:"id"`
	Started string   `json:"started"` // RFC 3339; "" when the platform did not say
	Status  string   `json:"status"`
	Input   int64    `json:"input"`
	Output  int64    `json:"output"`
	Failed  int64    `json:"failed"`
	Errors  []string `json:"errors"`
}

// statusHour is the dataflow's last hour from Observability Insights, as `cioaep watch` shows it.
type statusHour struct {
	Received  int64              `json:"received"`
	Ingested  int64              `json:"ingested"`
	Failed    int64              `json:"failed"`
	PerMinute []flow.MinuteCount `json:"perMinute"` // 60 minutes, oldest first
	Error     string             `json:"error"`     // why the metrics could not be read; "" when they were
}

type statusTotals struct {
	Input  int64 `json:"input"`
	Output int64 `json:"output"`
	Failed int64 `json:"failed"`
}

// runStatus gathers the report within --timeout, showing on stderr what the platform keeps it waiting
// for, prints the report, and exits 1 when it lists anything needing attention.
func runStatus(ctx context.Context, g *Factory, o *statusOptions) error {
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return usageErr("%v", err)
	}
	limit := o.timeout
	switch {
	case limit < 0:
		return usageErr("--timeout must be a positive duration, such as 30s or 2m")
	case limit == 0:
		limit = statusDefaultTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	progress := newProgressLine(g.IO.ErrOut, g.IO.IsStderrTTY())
	r, err := gatherStatus(flow.WithProgress(ctx, progress.show), g, o)
	progress.clear()
	if err != nil && parent.Err() == nil && (errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)) {
		return statusTimedOut(limit, progress.last(), err)
	}
	if err != nil {
		return err
	}
	return finishStatus(g, r)
}

// statusTimedOut says that status ran out of time, what it was waiting for, and what to do next.
func statusTimedOut(limit time.Duration, last *flow.Progress, err error) error {
	what := flow.Explain(err)
	var gave *flow.GaveUpError
	if !errors.As(err, &gave) && last != nil {
		what = safetext.Line(last.String()) // the newest thing the platform did, rather than "deadline exceeded"
	}
	return &ExitError{Code: ExitFailed, Err: fmt.Errorf("status stopped after %s, its time limit: %s\n"+
		"Run it again in a few minutes, or give it longer with --timeout (e.g. --timeout 2m)", limit, what)}
}

// progressLine shows flow.Progress on stderr: on a terminal as one line rewritten in place and cleared
// before the report, elsewhere as plain lines, which a CI log keeps.
type progressLine struct {
	mu     sync.Mutex
	w      io.Writer
	width  int // the terminal's columns; 0 when w is no terminal
	drawn  bool
	latest *flow.Progress
}

func newProgressLine(w io.Writer, tty bool) *progressLine {
	p := &progressLine{w: w}
	if f, ok := w.(*os.File); ok && tty {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 1 {
			p.width = cols
		}
	}
	return p
}

func (p *progressLine) show(pr flow.Progress) {
	line := safetext.Line(pr.String())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latest = &pr
	if p.width == 0 {
		fmt.Fprintln(p.w, line)
		return
	}
	if r := []rune(line); len(r) >= p.width { // a wrapped line cannot be rewritten in place
		line = string(r[:p.width-2]) + "…"
	}
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *progressLine) last() *flow.Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latest
}

// gatherStatus builds the report. It reads the secret itself (rather than through Connect) so that an
// unusable secret is reported, with the rest of what is known, instead of ending the command.
func gatherStatus(ctx context.Context, g *Factory, o *statusOptions) (statusReport, error) {
	paths := g.paths()
	r := statusReport{Profile: g.Profile, Platform: creds.PlatformAdobe, Runs: []statusRun{}, Found: []statusFlow{}, Attention: []string{}}
	cfg, err := creds.LoadConfig(paths.ConfigFile)
	if err != nil {
		return r, err
	}
	p, known := cfg.Profile(g.Profile)
	if g.UsesLocalPlatform(p) {
		r.Platform = creds.PlatformLocal
	}
	r.Sandbox = firstOf(p.Sandbox, "prod")
	if !known && r.Platform != creds.PlatformLocal {
		r.Secret.Problem = "no credentials"
		r.Attention = append(r.Attention, fmt.Sprintf("profile %q is not set up: run cioaep setup (or cioaep auth login)", g.Profile))
		return r, nil
	}
	secrets := o.secrets
	if secrets == nil {
		secrets = creds.NewSecrets(paths)
	}
	secret := statusFindSecret(ctx, &r, secrets)
	if r.Secret.Problem != "" {
		r.Attention = append(r.Attention, "the client secret cannot be used: "+r.Secret.Problem)
		return r, nil
	}
	conn, err := g.Connect(ctx, overrides{ClientSecret: secret})
	if err != nil {
		return r, err
	}
	defer conn.Close()
	r.Sandbox = conn.Profile.Sandbox
	if err := authVerifyToken(ctx, conn.Session); err != nil {
		if ctx.Err() != nil {
			return r, err
		}
		r.Secret.Usable, r.Secret.Problem = false, err.Error()
		r.Attention = append(r.Attention, "Adobe refused the credential: "+err.Error())
		return r, nil
	}
	ps, err := conn.Session.Status(ctx)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			return r, err // runStatus says what the deadline cut short
		}
		return r, setupFailed(ctx, err)
	}
	r.fill(ps)
	if ps.Dataflow != nil {
		// The per-minute counts are a view on the same data: when they cannot be read, status says why
		// and still reports the rest, rather than failing.
		h, err := conn.Session.LastHour(ctx, *ps.Dataflow)
		r.LastHour = &statusHour{Received: h.Received, Ingested: h.Ingested, Failed: h.Failed, PerMinute: h.PerMinute}
		if err != nil {
			r.LastHour.Error = flow.Explain(err)
		}
	}
	return r, nil
}

// statusFindSecret records where the client secret lives and returns it ("" for the local platform's
// default, which connect fills in). A problem is left in r.Secret.Problem.
func statusFindSecret(ctx context.Context, r *statusReport, secrets *creds.Secrets) string {
	secret, loc, err := secrets.Get(ctx, r.Profile, creds.ClientSecret)
	var ke *creds.KeychainError
	switch {
	case err == nil:
	case r.Platform == creds.PlatformLocal && (errors.As(err, &ke) || errors.Is(err, creds.ErrNotStored)):
		secret, loc = "", locationLocalDefault
	case errors.As(err, &ke):
		r.Secret.Problem = authNoKeychain("cannot read the client secret", ke.Probe)
		return ""
	case errors.Is(err, creds.ErrNotStored):
		r.Secret.Problem = fmt.Sprintf("no client secret is stored for profile %q: run cioaep auth login, or set %s", r.Profile, creds.EnvClientSecret)
		return ""
	default:
		r.Secret.Problem = err.Error()
		return ""
	}
	r.Secret.Location, r.Secret.Usable = string(loc), true
	if loc == creds.LocationPlaintext {
		r.Secret.Plaintext, r.Secret.PlaintextFile = true, secrets.PlaintextPath()
	}
	return secret
}

// fill copies the pipeline's state into the report.
func (r *statusReport) fill(ps flow.PipelineStatus) {
	r.Sandbox, r.Events = ps.Sandbox, ps.Events
	r.Attention = append(r.Attention, ps.Attention...)
	for _, df := range ps.Found {
		r.Found = append(r.Found, statusFlowOf(df))
	}
	if ps.Dataflow == nil {
		return
	}
	f := statusFlowOf(*ps.Dataflow)
	r.Dataflow = &f
	for _, run := range ps.Dataflow.Runs {
		r.Runs = append(r.Runs, statusRun{ID: run.ID, Started: rfc3339(run.Started), Status: run.Status,
			Input: run.Input, Output: run.Output, Failed: run.Failed, Errors: append([]string{}, run.Errors...)})
	}
	r.Totals.Input, r.Totals.Output, r.Totals.Failed = ps.Totals()
}

func statusFlowOf(df flow.Dataflow) statusFlow {
	return statusFlow{ID: df.ID, Name: df.Name, State: df.State, PlanID: df.PlanID, WebhookURL: df.WebhookURL(),
		InletURL: df.InletURL, SourceConnectionID: df.SourceConnectionID, TargetConnectionID: df.TargetConnectionID,
		DatasetID: df.DatasetID, DatasetName: df.DatasetName, SchemaID: df.SchemaID, MappingSetID: df.MappingSetID,
		MappingVersion: df.MappingVersion, LastActivity: rfc3339(df.LastActivity())}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// finishStatus prints r (JSON on stdout, or text for people) and turns "needs attention" into exit 1
// without repeating what the report already says.
func finishStatus(g *Factory, r statusReport) error {
	r.OK = len(r.Attention) == 0
	if g.JSON {
		if err := authJSON(g.IO.Out, r); err != nil {
			return err
		}
	} else {
		printStatus(results(g), r)
	}
	if !r.OK {
		return silentErr(ExitFailed)
	}
	return nil
}

// printStatus is the text form: a few labelled lines, the pipeline as a small picture, and the runs as a
// bar chart.
func printStatus(w io.Writer, r statusReport) {
	line := func(k, v string) { fmt.Fprintf(w, "%-9s %s\n", k, v) }
	line("profile", fmt.Sprintf("%s (%s, sandbox %s)", r.Profile, r.Platform, r.Sandbox))
	switch {
	case r.Secret.Plaintext:
		line("secret", "PLAINTEXT FILE "+r.Secret.PlaintextFile+" (stored with --insecure-storage; run cioaep auth login once a keychain works here)")
	case r.Secret.Location == string(creds.LocationEnvironment):
		line("secret", "from "+creds.EnvClientSecret+" (not stored)")
	case r.Secret.Location != "":
		line("secret", r.Secret.Location)
	default:
		line("secret", "not usable")
	}
	if r.Dataflow != nil {
		fmt.Fprintln(w)
		printPipeline(w, *r.Dataflow)
		fmt.Fprintln(w)
		events := "not recorded (set them with cioaep reconfigure --non-interactive --events …)"
		if r.Events != nil {
			events = strings.Join(r.Events, ", ")
		}
		line("events", events)
		printRuns(w, r.Runs, r.Totals)
		printLastHour(w, r.LastHour)
	}
	for _, f := range r.Found {
		line("found", fmt.Sprintf("%s %q [%s] → dataset %q", f.ID, f.Name, f.State, f.DatasetName))
	}
	if len(r.Attention) > 0 {
		fmt.Fprintln(w)
		for _, a := range r.Attention {
			fmt.Fprintln(w, "! "+a)
		}
	}
}

// printPipeline draws Customer.io → dataflow → dataset, with the state and the endpoint on the way.
func printPipeline(w io.Writer, f statusFlow) {
	state := "● " + f.State
	if f.State != "enabled" {
		state = "○ " + f.State
	}
	endpoint := f.WebhookURL
	if endpoint == "" {
		endpoint = "(endpoint not provisioned yet)"
	}
	dataset := fmt.Sprintf("%q", f.DatasetName)
	if f.DatasetName == "" {
		dataset = "(missing)"
	}
	fmt.Fprintf(w, "  Customer.io reporting webhook\n")
	fmt.Fprintf(w, "     │  POST %s\n", endpoint)
	fmt.Fprintf(w, "     ▼\n")
	fmt.Fprintf(w, "  dataflow %q  %s\n", f.Name, state)
	fmt.Fprintf(w, "     │  %s · mapping set %s v%d\n", f.ID, f.MappingSetID, f.MappingVersion)
	fmt.Fprintf(w, "     ▼\n")
	fmt.Fprintf(w, "  dataset %s  %s\n", dataset, f.DatasetID)
	fmt.Fprintf(w, "     schema %s\n", f.SchemaID)
}

// chartWidth is the longest bar: it fits an 80-column terminal with the labels and counts.
const chartWidth = 24

// printRuns draws one bar per run, scaled to the busiest: █ records written, ▒ records failed.
func printRuns(w io.Writer, runs []statusRun, t statusTotals) {
	if len(runs) == 0 {
		fmt.Fprintf(w, "%-9s none yet (cioaep send-test sends a sample event)\n", "runs")
		return
	}
	fmt.Fprintf(w, "%-9s newest first; █ written ▒ failed\n", "runs")
	var most int64 = 1
	// Counts right-aligned in columns as wide as their largest figure, the total's included.
	wIn, wOut, wFail := digits(t.Input), digits(t.Output), digits(t.Failed)
	for _, r := range runs {
		most = max(most, r.Input, r.Output+r.Failed)
		wIn, wOut, wFail = max(wIn, digits(r.Input)), max(wOut, digits(r.Output)), max(wFail, digits(r.Failed))
	}
	counts := func(in, out, failed int64) string {
		return fmt.Sprintf("in %*d  out %*d  failed %*d", wIn, in, wOut, out, wFail, failed)
	}
	for _, r := range runs {
		when := r.Started
		if ts, err := time.Parse(time.RFC3339, r.Started); err == nil {
			when = ts.Format("01-02 15:04")
		}
		ok := int(r.Output * chartWidth / most)
		bad := int(r.Failed * chartWidth / most)
		if r.Failed > 0 && bad == 0 {
			bad = 1 // a failure must show, however small
		}
		bar := strings.Repeat("█", ok) + strings.Repeat("▒", bad)
		pad := strings.Repeat(" ", max(0, chartWidth-ok-bad))
		fmt.Fprintf(w, "  %-12s %s%s  %s\n", when, bar, pad, counts(r.Input, r.Output, r.Failed))
	}
	fmt.Fprintf(w, "  %-12s %s  %s\n", "total", strings.Repeat(" ", chartWidth), counts(t.Input, t.Output, t.Failed))
}

// digits is how many characters n takes printed.
func digits(n int64) int { return len(strconv.FormatInt(n, 10)) }

// printLastHour gives the last hour's totals and its newest minutes as numbers, oldest first.
func printLastHour(w io.Writer, h *statusHour) {
	if h == nil {
		return
	}
	if h.Error != "" {
		fmt.Fprintf(w, "%-9s could not be read: %s\n", "last hour", h.Error)
		return
	}
	fmt.Fprintf(w, "%-9s received %d  ingested %d  failed %d (cioaep watch shows them live)\n", "last hour", h.Received, h.Ingested, h.Failed)
	pm := h.PerMinute[max(len(h.PerMinute)-15, 0):]
	var b strings.Builder
	for _, m := range pm {
		fmt.Fprintf(&b, " %d", m.Received)
		if m.Failed > 0 {
			fmt.Fprintf(&b, "(%d✗)", m.Failed)
		}
	}
	fmt.Fprintf(w, "%-9s%s  (received per minute, last %d, oldest first)\n", "", b.String(), len(pm))
}
