package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(newSendTestCmd(g)) })
}

// syncBudget is how many events one send-test run asks to validate synchronously. Adobe (and the local
// platform, which copies it) allow 60 syncValidation requests per minute per inlet; staying below that
// leaves room for a second run in the same minute, and the rest of an --all run goes asynchronously.
const syncBudget = 50

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

func newSendTestCmd(g *Factory) *cobra.Command {
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
		RunE: func(cmd *cobra.Command, _ []string) error { return runSendTest(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Events, "event", nil, "send the sample for this `object.metric` (e.g. email.sent; repeatable; a bare object type sends its usual sample)")
	f.BoolVar(&o.All, "all", false, "send every sample event cioaep has (one per object type and metric)")
	f.BoolVar(&o.Sync, "sync", false, "ask Adobe to validate each record before answering (syncValidation; development sandboxes only)")
	f.StringVar(&o.DataDir, "data", "", "the local platform's data `dir`, where send-test looks for the mapped records (default the one cioaep --local uses)")
	f.DurationVar(&o.Wait, "wait", defaultRecordWait, "how long to wait for the mapped records on the local platform")
	return cmd
}

// sendTestResult is what happened to one event; --json prints one per line.
type sendTestResult struct {
	Event  string `json:"event"` // object.metric
	OK     bool   `json:"ok"`
	Status int    `json:"status,omitempty"` // HTTP status; 0 when no reply arrived
	Millis int64  `json:"ms"`
	Reason string `json:"reason,omitempty"` // for people: why it failed, or what was checked
	// Problems are what a refusal says is wrong, one line per field (flow.ReadReply).
	Problems []string `json:"problems,omitempty"`
	// Reply is the endpoint's answer to a refused event, whole (a JSON string when it was not JSON).
	Reply json.RawMessage `json:"reply,omitempty"`
	// SyncValidation says the inlet validated the record before answering.
	SyncValidation bool `json:"syncValidation"`
	// Record is the mapped XDM record as the local platform stored it.
	Record json.RawMessage `json:"record,omitempty"`

	eventID string // the sample's event_id, to find its record
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

	dataDir := firstOf(o.DataDir, filepath.Join(paths.DataDir, "local"))
	localProfile := g.UsesLocalPlatform(prof)
	endpoint, isLocal, stop, err := sendTestTarget(ctx, g.LocalAddr, localProfile, res.WebhookURL, dataDir)
	if err != nil {
		return err
	}
	defer stop()

	batch := testBatch{
		Endpoint: endpoint, Local: isLocal, DataDir: dataDir, DatasetID: res.DatasetID,
		Key:  signingKey(ctx, creds.NewSecrets(paths), g.Profile, g.IO.ErrOut),
		Sync: isLocal || o.Sync, Wait: o.Wait, Notes: g.IO.ErrOut,
	}
	if !batch.Sync {
		fmt.Fprintln(g.IO.ErrOut, "Sending without syncValidation (Adobe allows it only in development sandboxes): a 200 means received, not yet validated. Add --sync in a development sandbox.")
	}
	fmt.Fprintf(g.IO.ErrOut, "Sending %s to %s\n", plural(len(samples), "test event"), safetext.Line(endpoint))
	results, err := batch.send(ctx, samples)
	if err != nil {
		return err
	}
	return printSendTest(g, results)
}

// testBatch is one round of test events to one endpoint, shared by send-test and the wizard's "send a
// test event now", so both sign, rate-limit and check records the same way.
type testBatch struct {
	Endpoint string
	// Local says the endpoint is a local platform whose event log under DataDir can be read, so each
	// accepted event is followed to its mapped record in DatasetID (for up to Wait).
	Local     bool
	DataDir   string
	DatasetID string
	Key       []byte // the Customer.io signing key; nil signs with an empty key
	// Sync asks for syncValidation on the first syncBudget events (the inlet allows 60 a minute).
	Sync  bool
	Wait  time.Duration
	Notes io.Writer // where a problem that does not stop the batch is told
}

// send posts every sample in order and returns one result per sample.
func (b testBatch) send(ctx context.Context, samples []assets.SampleEvent) ([]sendTestResult, error) {
	var evlog *local.EventLog
	var after int64
	if b.Local {
		var err error
		// Remember where the event log stood, so only this run's records count.
		if evlog, err = local.OpenEventLog(b.DataDir); err != nil {
			fmt.Fprintf(b.Notes, "Cannot check the mapped records: %v\n", err)
		} else {
			defer evlog.Close()
			if after, err = lastSeq(ctx, evlog); err != nil {
				return nil, err
			}
		}
	}
	sender := &cio.Sender{Key: b.Key}
	results := make([]sendTestResult, len(samples))
	for i, s := range samples {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		sender.SyncValidation = b.Sync && i < syncBudget
		results[i] = sendOne(ctx, sender, b.Endpoint, s)
	}
	if evlog != nil {
		if err := awaitRecords(ctx, evlog, after, b.DatasetID, results, b.Wait); err != nil {
			return nil, err
		}
	}
	return results, nil
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
// the local platform gets one running first (the same way --local does) and the URL is moved to wherever
// it listens now, because the local platform's address is found afresh on each run. Any other URL on
// this machine is asked whether it is a local platform (for `cioaep local serve` reached through
// CIOAEP_PLATFORM_URL), so that the records can be checked there too.
func sendTestTarget(ctx context.Context, localAddr string, localProfile bool, webhook, dataDir string) (endpoint string, isLocal bool, stop func(), err error) {
	stop = func() {}
	if localProfile && os.Getenv(aep.EnvPlatformURL) == "" {
		base, s, err := ensureLocalPlatform(ctx, localAddr, dataDir)
		if err != nil {
			return "", false, stop, fmt.Errorf("start the local platform: %w", err)
		}
		u, err := rebase(webhook, base)
		if err != nil {
			s()
			return "", false, stop, err
		}
		return u, true, s, nil
	}
	return webhook, servedLocally(ctx, webhook), stop, nil
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

// servedLocally reports whether endpoint is on this machine and answers as cioaep's local platform.
// Other hosts are not asked: Adobe's inlet has no such endpoint and the request would be noise in its logs.
func servedLocally(ctx context.Context, endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return false
	}
	return isLocalPlatform(ctx, u.Scheme+"://"+u.Host)
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

// sendOne posts one sample. A 429 to a syncValidation request means the per-minute budget is used up
// (perhaps by an earlier run): the event is sent again without it rather than counted as a failure.
func sendOne(ctx context.Context, s *cio.Sender, endpoint string, sample assets.SampleEvent) sendTestResult {
	r := sendTestResult{Event: sample.ObjectType + "." + sample.Metric, SyncValidation: s.SyncValidation}
	if ev, err := cio.DecodeEvent(sample.Body); err == nil {
		r.eventID = ev.EventID
	}
	reply, err := s.Send(ctx, endpoint, sample.Body)
	if err == nil && reply.Status == http.StatusTooManyRequests && s.SyncValidation {
		async := *s
		async.SyncValidation = false
		reply, err = async.Send(ctx, endpoint, sample.Body)
		r.SyncValidation = false
	}
	r.Status, r.Millis = reply.Status, reply.Duration.Milliseconds()
	switch {
	case err != nil:
		r.Reason = err.Error()
	case reply.OK():
		r.OK = true
		if r.SyncValidation {
			r.Reason = "accepted and validated"
		} else {
			r.Reason = "accepted"
		}
	default:
		rr := flow.ReadReply(reply.Status, reply.Reply)
		r.Reason, r.Problems, r.Reply = rr.Summary, rr.Lines()[1:], replyJSON(reply.Reply)
	}
	return r
}

// replyJSON keeps an answer for --json: as it came when it is JSON, else as a JSON string.
func replyJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// lastSeq is the newest event's sequence number in the log, so later reads see only this run's events.
func lastSeq(ctx context.Context, log *local.EventLog) (int64, error) {
	var after int64
	for {
		page, err := log.Events(ctx, local.EventFilter{After: after, Limit: 1000})
		if err != nil {
			return 0, fmt.Errorf("read the local platform's events: %w", err)
		}
		if len(page) == 0 {
			return after, nil
		}
		after = page[len(page)-1].Seq
	}
}

// awaitRecords waits, up to wait, until every accepted event of results has its record (or its failure)
// in the local platform's dataset, and fills in Record or the reason it failed. Records are matched by
// the sample's event_id, which the Customer.io mapping carries; what stays unmatched is paired with the
// remaining records in arrival order, since send-test sends one event at a time.
func awaitRecords(ctx context.Context, log *local.EventLog, after int64, datasetID string, results []sendTestResult, wait time.Duration) error {
	pending := 0
	for _, r := range results {
		if r.OK {
			pending++
		}
	}
	deadline := time.Now().Add(wait)
	var events []local.Event
	for pending > 0 {
		page, err := log.Events(ctx, local.EventFilter{DatasetID: datasetID, After: after})
		if err != nil {
			return fmt.Errorf("read the local platform's events: %w", err)
		}
		events = append(events, page...)
		if len(page) > 0 {
			after = page[len(page)-1].Seq
		}
		if len(events) >= pending || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	matchRecords(results, events, wait)
	return nil
}

// matchRecords pairs results with events (see awaitRecords) and marks what has no record as failed.
func matchRecords(results []sendTestResult, events []local.Event, wait time.Duration) {
	used := make([]bool, len(events))
	matched := make([]bool, len(results))
	for i := range results {
		if !results[i].OK || results[i].eventID == "" {
			continue
		}
		needle := `"` + results[i].eventID + `"`
		for j, e := range events {
			if !used[j] && (strings.Contains(string(e.Record), needle) || strings.Contains(string(e.Raw), needle)) {
				used[j], matched[i] = true, true
				applyEvent(&results[i], e)
				break
			}
		}
	}
	next := 0
	for i := range results {
		if !results[i].OK || matched[i] {
			continue
		}
		for next < len(events) && used[next] {
			next++
		}
		if next == len(events) {
			results[i].OK = false
			results[i].Reason = fmt.Sprintf("accepted, but no record reached the dataset within %s", wait)
			continue
		}
		used[next] = true
		applyEvent(&results[i], events[next])
	}
}

func applyEvent(r *sendTestResult, e local.Event) {
	if e.Failed {
		r.OK = false
		r.Reason = "accepted, then failed: " + safetext.Line(e.Reason)
		return
	}
	r.Record = e.Record
	if r.SyncValidation {
		r.Reason = "validated; record in dataset " + e.DatasetID
	} else {
		r.Reason = "record in dataset " + e.DatasetID
	}
}

// printSendTest prints one line per event (or one JSON object per line with --json) and a summary on
// stderr; any failure exits 1.
func printSendTest(g *Factory, results []sendTestResult) error {
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
