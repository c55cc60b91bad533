package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/cioaep/cioaep/flow"
)

// fakeMonitor answers refreshes from a script: each call takes the next answer, the last one repeats.
type fakeMonitor struct {
	mu      sync.Mutex
	answers []monitorAnswer
	calls   int
	alerts  int
}

type monitorAnswer struct {
	snap flow.Snapshot
	err  error
}

func (f *fakeMonitor) Monitor(context.Context, flow.MonitorOptions) (flow.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.answers[min(f.calls, len(f.answers)-1)]
	f.calls++
	return a.snap, a.err
}

func (f *fakeMonitor) SubscribeAlerts(_ context.Context, local bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alerts++
	return fmt.Sprintf("Subscribed to sources_flow_run_failure (local %v).", local), nil
}

func (f *fakeMonitor) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// watchAt is a fixed refresh time, so golden views do not move.
var watchAt = time.Date(2026, 12, 2, 16, 45, 30, 0, time.UTC)

// busySnapshot is an hour of traffic with a rejected event among the newest.
func busySnapshot() flow.Snapshot {
	s := flow.Snapshot{Time: watchAt, FlowID: "0f1e2d3c-aaaa-bbbb-cccc-000000000001", FlowName: "Customer.io events (cioaep ab12cd)",
		State: "enabled", Dataset: "Customer.io events", ByType: map[string]flow.Counts{}, QuietAfter: 900,
		LastRun: &flow.LastRun{Status: "partialSuccess", Started: watchAt.Truncate(time.Hour)}}
	for i := range 60 {
		m := flow.MinuteCount{Minute: watchAt.Truncate(time.Minute).Add(time.Duration(i-59) * time.Minute)}
		if i >= 20 {
			m.Ingested = int64((i * 7) % 23)
			m.Failed = int64(i % 9 / 7)
			m.Received = m.Ingested + m.Failed
		}
		s.PerMinute = append(s.PerMinute, m)
		s.Received, s.Ingested, s.Failed = s.Received+m.Received, s.Ingested+m.Ingested, s.Failed+m.Failed
	}
	for _, b := range []flow.TypeMetricCount{
		{ObjectType: "email", Metric: "delivered", Counts: flow.Counts{Ingested: 120}},
		{ObjectType: "email", Metric: "opened", Counts: flow.Counts{Ingested: 64, Failed: 3}},
		{ObjectType: "email", Metric: "sent", Counts: flow.Counts{Ingested: 130}},
		{ObjectType: "push", Metric: "sent", Counts: flow.Counts{Ingested: 41}},
		{ObjectType: "sms", Metric: "sent", Counts: flow.Counts{Ingested: 22, Failed: 1}},
	} {
		s.ByTypeMetric = append(s.ByTypeMetric, b)
		c := s.ByType[b.ObjectType]
		c.Ingested, c.Failed = c.Ingested+b.Ingested, c.Failed+b.Failed
		s.ByType[b.ObjectType] = c
	}
	for i, e := range []flow.EventLine{
		{ObjectType: "sms", Metric: "sent", Reason: "XDM validation: _id is required and missing"},
		{ObjectType: "email", Metric: "opened", Accepted: true},
		{ObjectType: "email", Metric: "sent", Accepted: true},
		{ObjectType: "push", Metric: "sent", Accepted: true},
		{ObjectType: "email", Metric: "delivered", Accepted: true},
		{ObjectType: "email", Metric: "sent", Accepted: true},
	} {
		e.Time = watchAt.Add(-time.Duration(4+i*3) * time.Second)
		s.LastEvents = append(s.LastEvents, e)
	}
	last := s.LastEvents[0].Time
	s.LastEventAt = &last
	return s
}

// quietSnapshot has had nothing for twenty minutes.
func quietSnapshot() flow.Snapshot {
	s := busySnapshot()
	for i := range s.PerMinute {
		if i >= 40 {
			s.PerMinute[i] = flow.MinuteCount{Minute: s.PerMinute[i].Minute}
		}
	}
	last := watchAt.Add(-20 * time.Minute)
	s.LastEventAt, s.Quiet = &last, true
	for i := range s.LastEvents {
		s.LastEvents[i].Time = last.Add(-time.Duration(i) * time.Second)
	}
	return s
}

func testWatch(mon Monitorer, o WatchOptions) *watchModel {
	m := newWatchModel(context.Background(), Deps{Profile: "default"}, mon, Local, o)
	m.c.spin.Spinner = spinner.Spinner{Frames: []string{"~"}, FPS: time.Hour}
	return m
}

// TestWatch draws the monitor at 80×24 and 120×40 (and below 80 columns, where charts become numbers)
// and compares each with a golden file (go test ./ui -run TestWatch -update rewrites them).
func TestWatch(t *testing.T) {
	down := errors.New("POST http://127.0.0.1:8790/data/infrastructure/observability/insights/metrics: connection refused")
	scenarios := []struct {
		name    string
		answers []monitorAnswer
		want    string
		sizes   [][2]int
	}{
		{"busy", []monitorAnswer{{snap: busySnapshot()}}, "Last events", sizes},
		{"quiet", []monitorAnswer{{snap: quietSnapshot()}}, "nothing arrived for over", sizes},
		{"unreachable", []monitorAnswer{{snap: busySnapshot()}, {err: down}}, "cannot refresh since", sizes},
		{"narrow", []monitorAnswer{{snap: busySnapshot()}}, "per minute, last", [][2]int{{70, 24}}},
	}
	for _, sc := range scenarios {
		for _, sz := range sc.sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				mon := &fakeMonitor{answers: sc.answers}
				tm := teatest.NewTestModel(t, testWatch(mon, WatchOptions{Interval: 10 * time.Millisecond}), teatest.WithInitialTermSize(sz[0], sz[1]))
				var scr screen
				scr.wait(t, tm.Output(), sc.want, 10*time.Second)
				_ = tm.Quit()
				m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*watchModel)
				view := m.View()
				if sc.name == "unreachable" {
					// The figures of the last good refresh stay on screen with the failure's time.
					view = m.View()
					if !strings.Contains(view, fmt.Sprintf("received %d", busySnapshot().Received)) {
						t.Errorf("the last figures are gone:\n%s", view)
					}
					view = regexpClock(view)
				}
				if strings.ContainsAny(view, "\x1b\x07") {
					t.Errorf("escape sequences in the view: %q", view)
				}
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
}

// regexpClock masks the failure's wall-clock time and the back-off, which depend on when the test ran.
func regexpClock(view string) string {
	i := strings.Index(view, "cannot refresh since ")
	if i < 0 {
		return view
	}
	j := i + len("cannot refresh since ")
	view = view[:j] + "##:##:##" + view[j+8:]
	k := strings.Index(view, "retrying every ")
	if k >= 0 {
		end := k + len("retrying every ")
		stop := end
		for stop < len(view) && view[stop] != '\n' && view[stop] != ' ' {
			stop++
		}
		view = view[:end] + strings.Repeat("#", stop-end) + view[stop:]
	}
	return view
}

// With the platform unreachable the monitor keeps the figures, says since when it cannot refresh, and
// recovers by itself once the platform answers again, with no key pressed.
func TestWatchRecovers(t *testing.T) {
	fresh := busySnapshot()
	fresh.Received, fresh.Time = 999, watchAt.Add(time.Minute)
	mon := &fakeMonitor{answers: []monitorAnswer{{snap: busySnapshot()}, {err: errors.New("connection refused")},
		{err: errors.New("connection refused")}, {snap: fresh}}}
	tm := teatest.NewTestModel(t, testWatch(mon, WatchOptions{Interval: 5 * time.Millisecond}), teatest.WithInitialTermSize(120, 40))
	var scr screen
	scr.wait(t, tm.Output(), "cannot refresh since", 10*time.Second)
	scr.wait(t, tm.Output(), "received 999", 10*time.Second)
	_ = tm.Quit()
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*watchModel)
	if v := m.View(); strings.Contains(v, "cannot refresh") || m.page.w.Failures != 0 {
		t.Errorf("after recovery the warning stays:\n%s", v)
	}
	if mon.count() < 4 {
		t.Errorf("refreshes = %d, want at least 4", mon.count())
	}
}

// a subscribes to alerts; r refreshes at once; + and - move the quiet threshold.
func TestWatchKeys(t *testing.T) {
	snap := busySnapshot()
	sevenAgo := watchAt.Add(-7 * time.Minute) // quiet for a 5 minute threshold, not for the default 15
	snap.LastEventAt = &sevenAgo
	mon := &fakeMonitor{answers: []monitorAnswer{{snap: snap}}}
	tm := teatest.NewTestModel(t, testWatch(mon, WatchOptions{Interval: time.Hour}), teatest.WithInitialTermSize(120, 40))
	var scr screen
	scr.wait(t, tm.Output(), "Last events", 10*time.Second)
	scr.input()
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a")})
	scr.wait(t, tm.Output(), "Subscribed to sources_flow_run_failure (local true)", 10*time.Second)
	before := mon.count()
	scr.input()
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
	for deadline := time.Now().Add(10 * time.Second); mon.count() <= before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("r did not refresh")
		}
	}
	scr.input()
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("-")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("-")})
	scr.wait(t, tm.Output(), "nothing arrived for over 5m", 10*time.Second)
	_ = tm.Quit()
	tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
}

// Accessible mode and pipes get the same figures as plain sentences.
func TestWatchText(t *testing.T) {
	var b bytes.Buffer
	WatchText(&b, busySnapshot())
	out := b.String()
	for _, want := range []string{"Dataflow Customer.io events (cioaep ab12cd)", "Last hour: received", "Type email opened: ingested 64, failed 3.",
		"sms sent rejected: XDM validation: _id is required and missing.", "Received per minute, last 10 minutes"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}
