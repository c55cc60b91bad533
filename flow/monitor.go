package flow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// The monitor answers "is my data arriving, and what is failing?" for the profile's dataflow: per-minute
// counts over the last hour from Observability Insights, the flow's state and last run from Flow Service,
// and, on the local platform, counts by Customer.io object type and the newest events with the reason
// each failed (Adobe reports neither through an API).

// Refresh intervals. Adobe documents no rate limit for Flow Service reads or Observability Insights, and
// its metrics come in minute buckets, so refreshing more often than every 15 s would only add load;
// the local platform counts every event the moment it is stored, so it may be asked every second.
const (
	MinIntervalAdobe     = 15 * time.Second
	DefaultIntervalAdobe = 30 * time.Second
	MinIntervalLocal     = time.Second
	DefaultIntervalLocal = 2 * time.Second
	// MaxBackoff caps the wait between refreshes while the platform cannot be reached.
	MaxBackoff = 5 * time.Minute
	// DefaultQuietAfter is how long without an event before the monitor warns.
	DefaultQuietAfter = 15 * time.Minute
	// MonitorWindow is the span of the per-minute series.
	MonitorWindow = time.Hour
)

// MonitorOptions configure a refresh.
type MonitorOptions struct {
	// Local says the platform is cioaep's local one, which also reports events by type.
	Local bool
	// QuietAfter is how long without an event before Quiet is set; 0 means DefaultQuietAfter.
	QuietAfter time.Duration
	// LastEvents is how many recent events to list; 0 means 8.
	LastEvents int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// MinuteCount is one minute of the window.
type MinuteCount struct {
	Minute   time.Time `json:"minute"`
	Received int64     `json:"received"`
	Ingested int64     `json:"ingested"`
	Failed   int64     `json:"failed"`
}

// Counts are records ingested and failed.
type Counts struct {
	Ingested int64 `json:"ingested"`
	Failed   int64 `json:"failed"`
}

// TypeMetricCount counts one Customer.io object type and metric (email sent, push opened, …).
type TypeMetricCount struct {
	ObjectType string `json:"objectType"`
	Metric     string `json:"metric"`
	Counts
}

// EventLine is one recent event.
type EventLine struct {
	Time       time.Time `json:"time"`
	ObjectType string    `json:"objectType"`
	Metric     string    `json:"metric"`
	Accepted   bool      `json:"accepted"`
	Reason     string    `json:"reason"` // one line; "" when accepted
}

// LastRun is the newest Flow Service run.
type LastRun struct {
	Status  string    `json:"status"`
	Started time.Time `json:"started"`
	Errors  []string  `json:"errors"`
}

// Snapshot is the dataflow's activity at one refresh. Its JSON form is `cioaep watch --json`'s line.
type Snapshot struct {
	Time     time.Time `json:"time"`
	FlowID   string    `json:"flowId"`
	FlowName string    `json:"flowName"`
	State    string    `json:"state"` // "enabled", "disabled", or "none" when the profile has no dataflow
	Dataset  string    `json:"dataset"`
	// Received, Ingested and Failed are totals over the window.
	Received     int64             `json:"received"`
	Ingested     int64             `json:"ingested"`
	Failed       int64             `json:"failed"`
	PerMinute    []MinuteCount     `json:"perMinute"`
	ByType       map[string]Counts `json:"byType"`
	ByTypeMetric []TypeMetricCount `json:"byTypeMetric"`
	LastRun      *LastRun          `json:"lastRun"`
	LastEventAt  *time.Time        `json:"lastEventAt"`
	LastEvents   []EventLine       `json:"lastEvents"`
	Alerts       []string          `json:"alerts"` // alert rules subscribed (local platform)
	Quiet        bool              `json:"quiet"`  // nothing arrived for longer than the threshold
	QuietAfter   int64             `json:"quietAfterSeconds"`
	Stale        bool              `json:"stale"`                // the last refresh failed; the figures are older
	StaleSince   *time.Time        `json:"staleSince,omitempty"` // when refreshing started failing
	Error        string            `json:"error,omitempty"`      // why the last refresh failed
	Notes        []string          `json:"notes"`                // what the platform could not tell
}

// Monitor reads the profile's dataflow activity once. A profile without a dataflow gets a snapshot with
// State "none" and a note, not an error; an error means the platform could not be asked.
func (s *Session) Monitor(ctx context.Context, o MonitorOptions) (Snapshot, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	quiet := o.QuietAfter
	if quiet <= 0 {
		quiet = DefaultQuietAfter
	}
	limit := o.LastEvents
	if limit <= 0 {
		limit = 8
	}
	at := now().UTC()
	snap := Snapshot{Time: at, State: "none", ByType: map[string]Counts{}, ByTypeMetric: []TypeMetricCount{},
		LastEvents: []EventLine{}, Alerts: []string{}, Notes: []string{}, QuietAfter: int64(quiet / time.Second)}
	snap.PerMinute = emptyMinutes(at)
	df, found, gone, err := s.Current(ctx)
	if err != nil {
		return snap, err
	}
	if !found {
		note := "no dataflow yet: run cioaep setup"
		if gone != "" {
			note = fmt.Sprintf("the dataflow %s this profile set up no longer exists: run cioaep setup", gone)
		}
		snap.Notes = append(snap.Notes, note)
		return snap, nil
	}
	snap.FlowID, snap.FlowName, snap.State, snap.Dataset = df.ID, df.Name, df.State, df.DatasetName
	if len(df.Runs) > 0 {
		r := df.Runs[0]
		snap.LastRun = &LastRun{Status: r.Status, Started: r.Started, Errors: append([]string{}, r.Errors...)}
	}
	c := s.Client(df.Sandbox)
	if err := fillMinutes(ctx, c, df, &snap); err != nil {
		return snap, err
	}
	if o.Local {
		since := snap.PerMinute[0].Minute
		act, err := c.LocalActivity(ctx, df.ID, since, limit)
		if err != nil {
			return snap, fmt.Errorf("read the dataflow's recent events: %w", err)
		}
		fillActivity(act, &snap)
	} else {
		snap.Notes = append(snap.Notes, "Adobe reports counts per dataset only: by event type and the last events are shown on the local platform; on Adobe see the dataflow's monitoring page")
	}
	if snap.LastEventAt == nil {
		for i := len(snap.PerMinute) - 1; i >= 0; i-- {
			if m := snap.PerMinute[i]; m.Received > 0 {
				t := m.Minute
				snap.LastEventAt = &t
				break
			}
		}
	}
	if snap.LastEventAt == nil && !df.LastActivity().IsZero() {
		t := df.LastActivity()
		snap.LastEventAt = &t
	}
	snap.Quiet = snap.State == "enabled" && (snap.LastEventAt == nil || at.Sub(*snap.LastEventAt) > quiet)
	return snap, nil
}

// emptyMinutes is the window's sixty minutes, oldest first, the last one holding at.
func emptyMinutes(at time.Time) []MinuteCount {
	n := int(MonitorWindow / time.Minute)
	last := at.Truncate(time.Minute)
	out := make([]MinuteCount, n)
	for i := range out {
		out[i].Minute = last.Add(-time.Duration(n-1-i) * time.Minute)
	}
	return out
}

// fillMinutes asks Observability Insights for the window's per-minute counts of the flow's dataset and
// inlet. When the platform refuses the failed-records metric (it is not in metrics.md's list), it asks
// again without it and takes the failed total from the flow's runs.
func fillMinutes(ctx context.Context, c *aep.Client, df Dataflow, snap *Snapshot) error {
	start := snap.PerMinute[0].Minute
	end := snap.Time
	metric := func(name, filter, id string) aep.MetricQuery {
		return aep.MetricQuery{Name: name, Aggregator: "sum", Downsample: "sum",
			Filters: []aep.MetricFilter{{Name: filter, Value: id}}}
	}
	var queries []aep.MetricQuery
	if df.DatasetID != "" {
		queries = append(queries, metric(aep.MetricRecordSuccess, "dataSetId", df.DatasetID), metric(aep.MetricRecordFailed, "dataSetId", df.DatasetID))
	}
	inlet := aep.InletID(df.InletURL)
	if inlet != "" {
		queries = append(queries, metric(aep.MetricInletReceived, "inletId", inlet))
	}
	if len(queries) == 0 {
		snap.Notes = append(snap.Notes, "the dataflow has neither a dataset nor an endpoint yet, so there is nothing to count")
		return nil
	}
	req := aep.MetricsRequest{Start: aep.MetricTime(start), End: aep.MetricTime(end), Granularity: aep.Minute, Metrics: queries}
	resp, err := c.Metrics(ctx, req)
	var apiErr *aep.Error
	if errors.As(err, &apiErr) && apiErr.Status == 400 && df.DatasetID != "" {
		req.Metrics = append(queries[:1:1], queries[2:]...)
		resp, err = c.Metrics(ctx, req)
		if err == nil {
			snap.Notes = append(snap.Notes, "Observability Insights refused the failed-records metric: failed is the total of the flow's runs")
		}
	}
	if err != nil {
		return fmt.Errorf("read the dataflow's metrics: %w", err)
	}
	index := map[time.Time]int{}
	for i, m := range snap.PerMinute {
		index[m.Minute] = i
	}
	add := func(name string, set func(*MinuteCount, int64)) bool {
		pts, ok := resp.Series(name)
		for _, p := range pts {
			if i, in := index[p.At.Truncate(time.Minute)]; in {
				set(&snap.PerMinute[i], int64(p.Value))
			}
		}
		return ok
	}
	add(aep.MetricRecordSuccess, func(m *MinuteCount, v int64) { m.Ingested += v })
	failedOK := add(aep.MetricRecordFailed, func(m *MinuteCount, v int64) { m.Failed += v })
	receivedOK := add(aep.MetricInletReceived, func(m *MinuteCount, v int64) { m.Received += v })
	for i := range snap.PerMinute {
		m := &snap.PerMinute[i]
		if !receivedOK {
			m.Received = m.Ingested + m.Failed
		}
		snap.Received += m.Received
		snap.Ingested += m.Ingested
		snap.Failed += m.Failed
	}
	if !failedOK {
		for _, r := range df.Runs {
			if !r.Started.Before(start) {
				snap.Failed += r.Failed
			}
		}
	}
	return nil
}

// fillActivity copies the local platform's counts by type and newest events into snap.
func fillActivity(act aep.Activity, snap *Snapshot) {
	for _, b := range act.ByType {
		typ := cmp.Or(b.ObjectType, "(unknown)")
		c := snap.ByType[typ]
		c.Ingested += b.Ingested
		c.Failed += b.Failed
		snap.ByType[typ] = c
		snap.ByTypeMetric = append(snap.ByTypeMetric, TypeMetricCount{ObjectType: typ, Metric: cmp.Or(b.Metric, "(unknown)"),
			Counts: Counts{Ingested: b.Ingested, Failed: b.Failed}})
	}
	// Failures first, then the busiest, so a short table shows what matters.
	sort.SliceStable(snap.ByTypeMetric, func(i, j int) bool {
		a, b := snap.ByTypeMetric[i], snap.ByTypeMetric[j]
		if a.Failed != b.Failed {
			return a.Failed > b.Failed
		}
		if a.Ingested != b.Ingested {
			return a.Ingested > b.Ingested
		}
		if a.ObjectType != b.ObjectType {
			return a.ObjectType < b.ObjectType
		}
		return a.Metric < b.Metric
	})
	for _, e := range act.Events {
		snap.LastEvents = append(snap.LastEvents, EventLine{Time: e.Time.UTC(), ObjectType: cmp.Or(e.ObjectType, "(unknown)"),
			Metric: cmp.Or(e.Metric, "(unknown)"), Accepted: e.Accepted, Reason: oneLine(e.Reason)})
	}
	if len(snap.LastEvents) > 0 {
		t := snap.LastEvents[0].Time
		snap.LastEventAt = &t
	}
	for _, a := range act.Alerts {
		snap.Alerts = append(snap.Alerts, a.Rules...)
	}
}

// oneLine keeps the first line of a reason and bounds its length, for a list row.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}

// Watch is the monitor's memory between refreshes: the last good figures, since when refreshing has
// failed, and how long to wait before the next try. It is a value; Observe returns the next one.
type Watch struct {
	// Interval is the wait between refreshes that succeed.
	Interval time.Duration
	Last     Snapshot // the last figures shown (kept while refreshing fails)
	Have     bool     // Last holds a snapshot that came from the platform
	Failures int      // refreshes failed in a row
	Since    time.Time
}

// Observe records one refresh's outcome: a success replaces the figures; a failure keeps the last ones,
// marks them stale with the reason and since when, and lengthens the wait.
func (w Watch) Observe(snap Snapshot, err error, now time.Time) Watch {
	if err == nil {
		w.Last, w.Have, w.Failures, w.Since = snap, true, 0, time.Time{}
		return w
	}
	if w.Failures == 0 {
		w.Since = now.UTC()
	}
	w.Failures++
	if !w.Have {
		w.Last = snap // the empty window and whatever was learnt before the failure
	}
	since := w.Since
	w.Last.Stale, w.Last.StaleSince, w.Last.Error = true, &since, err.Error()
	return w
}

// Delay is how long to wait before the next refresh: the interval, doubled for each failure in a row up
// to MaxBackoff.
func (w Watch) Delay() time.Duration {
	d := w.Interval
	for i := 0; i < w.Failures && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// CheckInterval refuses an interval below the platform's floor, with what to do instead.
func CheckInterval(d time.Duration, local bool) error {
	floor := MinIntervalAdobe
	if local {
		floor = MinIntervalLocal
	}
	if d < floor {
		return fmt.Errorf("--interval %s is shorter than %s, the shortest this platform is asked at; use --interval %s or more", d, floor, floor)
	}
	return nil
}

// AlertsOnlyInUI is what setup's Destination step says about alerts, beside AlertsGuideURL: Adobe's UI
// tutorial offers dataflow alerts at this step, but Adobe documents no API to subscribe to them.
const AlertsOnlyInUI = "Alerts: Adobe lets you subscribe to this dataflow's alerts (a failed or delayed run) " +
	"only in its UI, not through its API. Once the dataflow exists, subscribe under Alerts in Experience Platform:"

// AlertsGuideURL is Adobe's guide to subscribing to alerts in its UI.
const AlertsGuideURL = aep.AlertsGuideURL

// DevConsoleURL is where Adobe I/O Events registrations are made (help/observability/alerts/subscribe.md).
const DevConsoleURL = "https://www.adobe.com/go/devs_console_ui"

// SubscribeAlerts subscribes the profile's dataflow to its run alerts (a run that fails or succeeds).
// Adobe documents no API for alert subscriptions, only its UI and Developer Console, so on Adobe it
// subscribes nothing and returns the steps and links for people; the local platform records the
// subscription. The sentence it returns says which happened.
func (s *Session) SubscribeAlerts(ctx context.Context, local bool) (string, error) {
	if !local {
		return "Adobe offers no API to subscribe to alerts, so cioaep cannot do it for you. In Experience Platform: " +
			"Alerts → Browse → the ellipsis (…) next to a Sources rule such as \"Sources Ingestion Error Rate Exceeded\" or \"Sources Flow Run Delay\" → Subscribe (" +
			aep.AlertsGuideURL + "). For a webhook instead of e-mail, register the events \"Experience Platform Source's Flow Run Failure\" " +
			"and \"… Success\" in Adobe Developer Console (" + DevConsoleURL + ").", nil
	}
	df, found, _, err := s.Current(ctx)
	if err != nil {
		return "", err
	}
	if !found {
		return "", errors.New("no dataflow to subscribe to: run cioaep setup first")
	}
	sub, err := s.Client(df.Sandbox).SubscribeAlertsLocal(ctx, aep.AlertSubscription{FlowID: df.ID, Rules: aep.AlertRules})
	if err != nil {
		return "", fmt.Errorf("subscribe to the dataflow's alerts: %w", err)
	}
	return fmt.Sprintf("Subscribed to %s for dataflow %s (recorded by the local platform).", strings.Join(sub.Rules, " and "), df.ID), nil
}

// LastHour reads df's per-minute counts over the last hour (Observability Insights), for status; only
// Time, the totals, PerMinute and Notes are set.
func (s *Session) LastHour(ctx context.Context, df Dataflow) (Snapshot, error) {
	snap := Snapshot{Time: time.Now().UTC(), Notes: []string{}}
	snap.PerMinute = emptyMinutes(snap.Time)
	err := fillMinutes(ctx, s.Client(df.Sandbox), df, &snap)
	return snap, err
}
