package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"

	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdSendTest(g, nil)) })
}

// defaultRecordWait bounds how long send-test waits for mapped records on the local platform. The local
// inlet answers only after the write has committed, so a record normally shows up at once; the wait
// covers a platform in another process flushing a little later.
const defaultRecordWait = 10 * time.Second

// sendTestOptions are send-test's flags.
type sendTestOptions struct {
	Events  []string      // --event object.metric (or object), repeatable
	All     bool          // --all: every embedded sample
	Sync    bool          // --sync: ask Adobe for syncValidation (development sandboxes only)
	DataDir string        // --data: the local platform's data directory, to find the mapped records
	Wait    time.Duration // --wait: how long to wait for mapped records on the local platform
}

// NewCmdSendTest builds send-test; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdSendTest(g *Factory, runF func(context.Context, *sendTestOptions) error) *cobra.Command {
	o := &sendTestOptions{}
	cmd := &cobra.Command{
		Use:   "send-test",
		Short: "Send signed sample Customer.io events to the profile's webhook URL",
		Long: `send-test posts sample Customer.io reporting-webhook events to the webhook URL of the profile's last
setup, exactly as Customer.io would (one JSON object per POST, X-CIO-Timestamp and X-CIO-Signature,
a 4 s limit), and shows what the endpoint answered to each. It exits 1 if any event failed.

By default it sends one sample per Customer.io object type. The signature uses the Customer.io signing
key stored for the profile (keychain item cio-signing-key) if there is one.

On the local platform each event is validated synchronously and send-test also waits until the mapped
record is in the dataset and shows it. On Adobe, --sync asks the inlet to validate each record before
answering; Adobe allows that only in development sandboxes, 60 requests a minute.`,
		Example: `  cioaep send-test
  cioaep send-test --event email.sent --event sms.delivered
  cioaep send-test --all --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runSendTest(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Events, "event", nil, "send the sample for this `object.metric` (e.g. email.sent; repeatable; a bare object type sends its usual sample)")
	f.BoolVar(&o.All, "all", false, "send every sample event cioaep has (one per object type and metric)")
	f.BoolVar(&o.Sync, "sync", false, "ask Adobe to validate each record before answering (syncValidation; development sandboxes only)")
	f.StringVar(&o.DataDir, "data", "", "the local platform's data `dir`, where send-test looks for the mapped records (default the one cioaep --local uses)")
	f.DurationVar(&o.Wait, "wait", defaultRecordWait, "how long to wait for the mapped records on the local platform")
	return cmd
}

// runSendTest sends the chosen samples and reports each result; any failure exits 1.
func runSendTest(ctx context.Context, g *Factory, o *sendTestOptions) error {
	paths := g.paths()
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return usageErr("%v", err)
	}
	samples, err := o.samples(paths.StateDir(g.Profile))
	if err != nil {
		return err
	}
	res, err := lastSetup(paths, g.Profile)
	if err != nil {
		return err
	}
	cfg, err := creds.LoadConfig(paths.ConfigFile)
	if err != nil {
		return err
	}
	prof, _ := cfg.Profile(g.Profile)

	dataDir := firstOf(o.DataDir, g.LocalDataDir())
	endpoint, isLocal, stop, err := sendTestTarget(ctx, g, prof, res.WebhookURL, dataDir)
	if err != nil {
		return err
	}
	defer stop()

	batch := flow.TestBatch{
		Endpoint: endpoint, Local: isLocal, DataDir: dataDir, DatasetID: res.DatasetID,
		Key:  signingKey(ctx, creds.NewSecrets(paths), g.Profile, g.IO.ErrOut),
		Sync: isLocal || o.Sync, Wait: o.Wait, Notes: g.IO.ErrOut,
	}
	if !batch.Sync {
		fmt.Fprintln(g.IO.ErrOut, "Sending without syncValidation (Adobe allows it only in development sandboxes): a 200 means received, not yet validated. Add --sync in a development sandbox.")
	}
	fmt.Fprintf(g.IO.ErrOut, "Sending %s to %s\n", plural(len(samples), "test event"), safetext.Line(endpoint))
	results, err := flow.SendTestEvents(ctx, batch, samples)
	if err != nil {
		return err
	}
	return printSendTest(g, results)
}

// samples resolves --event and --all into the sample events to send, in a stable order.
func (o *sendTestOptions) samples(stateDir string) ([]assets.SampleEvent, error) {
	if o.All && len(o.Events) > 0 {
		return nil, usageErr("--all sends every sample: drop --event, or drop --all")
	}
	if o.All {
		return assets.Samples(), nil
	}
	if len(o.Events) == 0 {
		return defaultSamples(subscribedTypes(stateDir)), nil
	}
	var out []assets.SampleEvent
	seen := map[string]bool{}
	for _, name := range o.Events {
		s, err := lookupSample(name)
		if err != nil {
			return nil, err
		}
		if key := s.ObjectType + "." + s.Metric; !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// subscribedTypes are the object types the default run covers: those the profile's setup (or a later
// reconfigure --events) recorded, else every object type, which is also setup's default (--events all).
func subscribedTypes(stateDir string) []string {
	if events, ok, err := flow.LoadEvents(stateDir); err == nil && ok && len(events) > 0 {
		return events
	}
	return allObjectTypes()
}

// allObjectTypes names every Customer.io object type, in the catalogue's order.
func allObjectTypes() []string {
	names := make([]string, len(flow.Catalog))
	for i, o := range flow.Catalog {
		names[i] = o.Name
	}
	return names
}

// usualMetric is the sample sent for a bare object type: the event every channel reports first.
func usualMetric(objectType string) string {
	if objectType == "customer" {
		return "subscribed"
	}
	return "sent"
}

// defaultSamples picks one sample per object type: its usual metric, else its first one with a sample.
func defaultSamples(types []string) []assets.SampleEvent {
	var out []assets.SampleEvent
	for _, t := range types {
		if s, err := lookupSample(t); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// lookupSample reads "email.sent" (or "email_sent", the App API's spelling, or a bare "email").
func lookupSample(name string) (assets.SampleEvent, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	objectType, metric, ok := strings.Cut(n, ".")
	if !ok {
		// The App API's form joins with "_", and in_app has one of its own: match a known type's prefix.
		objectType = n
		for _, o := range flow.Catalog {
			if rest, found := strings.CutPrefix(n, o.Name+"_"); found {
				objectType, metric = o.Name, rest
			}
		}
	}
	if objectType == "in-app" {
		objectType = "in_app"
	}
	ot, known := flow.LookupObjectType(objectType)
	if !known {
		return assets.SampleEvent{}, usageErr("--event %q: unknown Customer.io object type %q; use object.metric with one of %s", name, objectType, strings.Join(allObjectTypes(), ", "))
	}
	candidates := []string{metric}
	if metric == "" {
		candidates = append([]string{usualMetric(objectType)}, ot.Metrics...)
	}
	for _, m := range candidates {
		if body, ok := assets.Sample(objectType, m); ok {
			return assets.SampleEvent{ObjectType: objectType, Metric: m, Body: body}, nil
		}
	}
	var have []string
	for _, s := range assets.Samples() {
		if s.ObjectType == objectType {
			have = append(have, s.Metric)
		}
	}
	return assets.SampleEvent{}, usageErr("--event %q: there is no %s sample for metric %q; the %s samples are %s", name, ot.Label, metric, objectType, strings.Join(have, ", "))
}

// lastSetup reads the profile's last setup result, or says that setup has to run first.
func lastSetup(paths creds.Paths, profile string) (flow.Result, error) {
	res, ok, err := flow.LoadResult(paths.StateDir(profile))
	if err != nil {
		return res, err
	}
	if !ok || res.WebhookURL == "" {
		return res, &ExitError{Code: ExitFailed, Err: fmt.Errorf("no dataflow for profile %s yet: run cioaep setup", profile)}
	}
	return res, nil
}

// sendTestTarget decides where to send and whether that is the local platform. A profile set up against
// the local platform connects the way --local does (which starts one if none runs) and the URL is moved
// to wherever it listens now, because the local platform's address is found afresh on each run. Any other
// URL on this machine is asked whether it is a local platform (for `cioaep local serve` reached through
// CIOAEP_PLATFORM_URL), so that the records can be checked there too.
func sendTestTarget(ctx context.Context, g *Factory, prof creds.Profile, webhook, dataDir string) (endpoint string, isLocal bool, stop func(), err error) {
	stop = func() {}
	if platformURL, _ := flow.URLsFromEnv(); g.UsesLocalPlatform(prof) && platformURL == "" {
		lg := *g
		lg.LocalData = dataDir
		conn, err := lg.Connect(ctx, overrides{})
		if err != nil {
			return "", false, stop, err
		}
		u, err := rebase(webhook, conn.Session.PlatformURL())
		if err != nil {
			conn.Close()
			return "", false, stop, err
		}
		return u, true, conn.Close, nil
	}
	return webhook, flow.ServedLocally(ctx, webhook), stop, nil
}

// rebase moves webhook's scheme and host to base's, keeping the inlet path and the flow id.
func rebase(webhook, base string) (string, error) {
	w, err := url.Parse(webhook)
	if err != nil {
		return "", fmt.Errorf("the saved webhook URL is damaged (%v): run cioaep setup again", err)
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("the local platform's address %q: %w", base, err)
	}
	w.Scheme, w.Host = b.Scheme, b.Host
	return w.String(), nil
}

// signingKey reads the profile's Customer.io signing key and says on w which key signs the events. Without
// one the headers are still sent (signed with an empty key), so the request looks like Customer.io's.
func signingKey(ctx context.Context, secrets *creds.Secrets, profile string, w io.Writer) []byte {
	key, loc, err := secrets.Get(ctx, profile, creds.CIOSigningKey)
	var ke *creds.KeychainError
	switch {
	case err == nil:
		fmt.Fprintf(w, "Signing with the Customer.io signing key from the %s.\n", loc)
		return []byte(key)
	case errors.As(err, &ke):
		fmt.Fprintf(w, "Could not ask the keychain for the Customer.io signing key (%s: %s): signing with an empty key; a receiver that checks signatures will refuse these events.\n", ke.Probe.Status, ke.Probe.Cause)
	default:
		fmt.Fprintf(w, "No Customer.io signing key stored for profile %q (keychain item %s): signing with an empty key; a receiver that checks signatures will refuse these events.\n", profile, creds.CIOSigningKey)
	}
	return nil
}

// printSendTest prints one line per event (or one JSON object per line with --json) and a summary on
// stderr; any failure exits 1.
func printSendTest(g *Factory, results []flow.TestResult) error {
	failed := 0
	enc := json.NewEncoder(g.IO.Out)
	for _, r := range results {
		if !r.OK {
			failed++
		}
		if g.JSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		mark := "✓"
		if !r.OK {
			mark = "✗"
		}
		status := "---"
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		fmt.Fprintf(g.IO.Out, "%s %-34s %s %5d ms  %s\n", mark, r.Event, status, r.Millis, safetext.Line(r.Reason))
		for _, p := range r.Problems {
			fmt.Fprintf(g.IO.Out, "    %s\n", safetext.Line(p))
		}
		if len(r.Record) > 0 {
			fmt.Fprintf(g.IO.Out, "    %s\n", cut(safetext.Line(compactJSON(r.Record)), 160))
		}
	}
	if failed > 0 {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%d of %d test events failed: fix what the reasons say, then run cioaep send-test again", failed, len(results))}
	}
	if len(results) == 1 {
		fmt.Fprintln(g.IO.ErrOut, "The test event was accepted.")
	} else {
		fmt.Fprintf(g.IO.ErrOut, "All %d test events were accepted.\n", len(results))
	}
	return nil
}

// plural is "1 test event" or "8 test events".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// compactJSON is the record on one line with its keys in a stable order and its text as written (no
// \u003c escapes for people to decode).
func compactJSON(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil { // encoding/json sorts map keys
		return string(raw)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// cut shortens s to max runes with an ellipsis, so one record stays on one line.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}
