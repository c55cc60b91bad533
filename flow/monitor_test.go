package flow_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow"
)

// The monitor counts what the inlet stored: per minute, in total, by Customer.io object type and metric,
// and lists the newest events with the reason a refused one failed.
func TestMonitorCountsEvents(t *testing.T) {
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	snap, err := s.Monitor(ctx, flow.MonitorOptions{Local: true})
	noErr(t, err)
	if snap.State != "enabled" || snap.Received != 0 || !snap.Quiet || len(snap.PerMinute) != 60 {
		t.Fatalf("before any event: %+v", snap)
	}
	postEvent(t, res.WebhookURL, cioEvent)
	postEvent(t, res.WebhookURL, `{"object_type":"email","metric":"opened"}`) // no event_id: refused by XDM validation
	snap, err = s.Monitor(ctx, flow.MonitorOptions{Local: true})
	noErr(t, err)
	if snap.Received != 2 || snap.Ingested != 1 || snap.Failed != 1 {
		t.Errorf("totals: received %d ingested %d failed %d, want 2/1/1", snap.Received, snap.Ingested, snap.Failed)
	}
	last := snap.PerMinute[len(snap.PerMinute)-1]
	if last.Received+snap.PerMinute[len(snap.PerMinute)-2].Received != 2 {
		t.Errorf("the newest minutes hold %+v", snap.PerMinute[len(snap.PerMinute)-2:])
	}
	if snap.ByType["email"] != (flow.Counts{Ingested: 1, Failed: 1}) || len(snap.ByTypeMetric) != 2 {
		t.Errorf("by type: %+v %+v", snap.ByType, snap.ByTypeMetric)
	}
	if len(snap.LastEvents) != 2 || snap.LastEvents[0].Accepted || snap.LastEvents[0].Metric != "opened" ||
		snap.LastEvents[0].Reason == "" || !snap.LastEvents[1].Accepted {
		t.Errorf("last events, newest first: %+v", snap.LastEvents)
	}
	if snap.LastEventAt == nil || time.Since(*snap.LastEventAt) > time.Minute || snap.Quiet {
		t.Errorf("lastEventAt %v quiet %v", snap.LastEventAt, snap.Quiet)
	}
	if snap.LastRun == nil || snap.LastRun.Status != "partialSuccess" {
		t.Errorf("last run: %+v", snap.LastRun)
	}

	// A threshold in the past of the newest event makes the monitor warn.
	later := func() time.Time { return time.Now().Add(20 * time.Minute) }
	snap, err = s.Monitor(ctx, flow.MonitorOptions{Local: true, QuietAfter: 10 * time.Minute, Now: later})
	noErr(t, err)
	if !snap.Quiet {
		t.Errorf("20 minutes after the last event with a 10 minute threshold: not quiet")
	}
}

// Without a dataflow the monitor says so instead of failing.
func TestMonitorWithoutDataflow(t *testing.T) {
	snap, err := startOps(t).session(t.TempDir()).Monitor(context.Background(), flow.MonitorOptions{})
	noErr(t, err)
	if snap.State != "none" || len(snap.Notes) == 0 || snap.Quiet {
		t.Errorf("snapshot without a dataflow: %+v", snap)
	}
}

// With the platform unreachable the watch keeps the last figures, marks them stale since the first
// failure and waits longer; once the platform answers again the figures are fresh.
func TestWatchKeepsFiguresWhileUnreachable(t *testing.T) {
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	postEvent(t, res.WebhookURL, cioEvent)
	w := flow.Watch{Interval: time.Second}
	snap, err := s.Monitor(ctx, flow.MonitorOptions{Local: true})
	w = w.Observe(snap, err, time.Now())
	if w.Last.Received != 1 || w.Last.Stale {
		t.Fatalf("first refresh: %+v", w.Last)
	}
	down := func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down", http.StatusBadGateway)
		return true
	}
	op.hook.Store(&down)
	failedAt := time.Now()
	for i := range 2 {
		snap, err = s.Monitor(ctx, flow.MonitorOptions{Local: true})
		if err == nil {
			t.Fatal("refresh succeeded with the platform down")
		}
		w = w.Observe(snap, err, failedAt.Add(time.Duration(i)*time.Second))
	}
	if !w.Last.Stale || w.Last.Received != 1 || w.Last.StaleSince == nil || !w.Last.StaleSince.Equal(failedAt.UTC()) || w.Last.Error == "" {
		t.Errorf("while down: stale %v received %d since %v error %q", w.Last.Stale, w.Last.Received, w.Last.StaleSince, w.Last.Error)
	}
	if w.Delay() != 4*time.Second {
		t.Errorf("delay after two failures = %s, want 4s", w.Delay())
	}
	op.hook.Store(nil)
	postEvent(t, res.WebhookURL, cioEvent)
	snap, err = s.Monitor(ctx, flow.MonitorOptions{Local: true})
	w = w.Observe(snap, err, time.Now())
	if w.Last.Stale || w.Last.Received != 2 || w.Delay() != time.Second {
		t.Errorf("after recovery: stale %v received %d delay %s", w.Last.Stale, w.Last.Received, w.Delay())
	}
}

func TestWatchDelayIsCapped(t *testing.T) {
	w := flow.Watch{Interval: 30 * time.Second, Failures: 20}
	if w.Delay() != flow.MaxBackoff {
		t.Errorf("delay = %s, want %s", w.Delay(), flow.MaxBackoff)
	}
	if flow.CheckInterval(time.Second, false) == nil || flow.CheckInterval(time.Second, true) != nil {
		t.Error("interval floors: 1s must be refused on Adobe and allowed locally")
	}
}

// On the local platform a subscription is recorded and the monitor lists it; on Adobe, which has no API
// for it, the answer is where to subscribe by hand.
func TestSubscribeAlerts(t *testing.T) {
	ctx := context.Background()
	op := startOps(t)
	s, _ := op.setUp(t)
	msg, err := s.SubscribeAlerts(ctx, true)
	noErr(t, err)
	snap, err := s.Monitor(ctx, flow.MonitorOptions{Local: true})
	noErr(t, err)
	if len(snap.Alerts) == 0 || !strings.Contains(msg, "sources_flow_run_failure") {
		t.Errorf("after subscribing: %q, alerts %v", msg, snap.Alerts)
	}
	msg, err = s.SubscribeAlerts(ctx, false)
	noErr(t, err)
	if !strings.Contains(msg, "no API") || !strings.Contains(msg, "experienceleague.adobe.com") || !strings.Contains(msg, flow.DevConsoleURL) {
		t.Errorf("on Adobe: %q", msg)
	}
	_, err = startOps(t).session(t.TempDir()).SubscribeAlerts(ctx, true)
	if err == nil || !strings.Contains(err.Error(), "cioaep setup") {
		t.Errorf("without a dataflow: %v", err)
	}
}
