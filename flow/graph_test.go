package flow

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestRunGraphOrderAndParallelism checks that a task starts only after its dependencies, that independent
// tasks run at the same time, and that progress sees every task waiting, running and done.
func TestRunGraphOrderAndParallelism(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	var running, peak atomic.Int32
	gate := make(chan struct{})
	arrived := make(chan struct{}, 2)
	work := func(name string, wait bool) func(context.Context) (string, bool, error) {
		return func(context.Context) (string, bool, error) {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			if wait { // b and c must be in flight together for either to finish
				arrived <- struct{}{}
				<-gate
			}
			running.Add(-1)
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return name + "-id", name == "c", nil
		}
	}
	go func() { <-arrived; <-arrived; close(gate) }()
	tasks := []task{
		{name: "a", run: work("a", false)},
		{name: "b", deps: []string{"a"}, run: work("b", true)},
		{name: "c", deps: []string{"a"}, run: work("c", true)},
		{name: "d", deps: []string{"b", "c"}, run: work("d", false)},
	}
	states := map[string][]StepState{}
	err := runGraph(context.Background(), tasks, func(s Step) { states[s.Name] = append(states[s.Name], s.State) })
	if err != nil {
		t.Fatal(err)
	}
	if order[0] != "a" || order[3] != "d" {
		t.Errorf("order %v: a must run first and d last", order)
	}
	if peak.Load() < 2 {
		t.Errorf("b and c never ran at the same time")
	}
	want := map[string][]StepState{
		"a": {StepWaiting, StepRunning, StepDone}, "b": {StepWaiting, StepRunning, StepDone},
		"c": {StepWaiting, StepRunning, StepReused}, "d": {StepWaiting, StepRunning, StepDone},
	}
	for name, w := range want {
		if got := states[name]; len(got) != len(w) || got[0] != w[0] || got[1] != w[1] || got[2] != w[2] {
			t.Errorf("%s went through %v, want %v", name, got, w)
		}
	}
}

// TestRunGraphFailureStopsOnlyDependents checks that a failed task keeps its dependents from starting
// while an independent branch still finishes (so its resource gets journaled), and that the first
// failure is returned.
func TestRunGraphFailureStopsOnlyDependents(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var ranD, ranC atomic.Bool
	tasks := []task{
		{name: "a", run: func(context.Context) (string, bool, error) { return "", false, boom }},
		{name: "b", deps: []string{"a"}, run: func(context.Context) (string, bool, error) { ranD.Store(true); return "", false, nil }},
		{name: "c", run: func(context.Context) (string, bool, error) { ranC.Store(true); return "c", false, nil }},
	}
	var failed []string
	err := runGraph(context.Background(), tasks, func(s Step) {
		if s.State == StepFailed {
			failed = append(failed, s.Name)
		}
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if ranD.Load() {
		t.Error("b ran although a failed")
	}
	if !ranC.Load() {
		t.Error("c, independent of a, did not run")
	}
	if len(failed) != 1 || failed[0] != "a" {
		t.Errorf("failed steps %v, want [a]", failed)
	}
}
