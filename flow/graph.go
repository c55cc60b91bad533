package flow

import (
	"context"
	"errors"
	"sync"
	"time"
)

// task is one node of Apply's dependency graph. run returns the resource id it settled on and whether it
// reused an existing resource.
type task struct {
	name string
	deps []string
	run  func(ctx context.Context) (id string, reused bool, err error)
}

// errSkipped marks a task that never ran because something it needs failed.
var errSkipped = errors.New("skipped")

// runGraph runs every task as soon as all its dependencies are done, so independent calls overlap and the
// wall time is the longest chain, not the sum. A failure does not cancel the other branches: whatever they
// create is journaled, and the re-run has less left to do. Tasks behind a failure are not started.
// progress is called from one goroutine at a time. The error returned is the first failed task's, in
// task order; every failure also reaches progress.
func runGraph(ctx context.Context, tasks []task, progress func(Step)) error {
	var pmu sync.Mutex
	report := func(s Step) {
		if progress == nil {
			return
		}
		pmu.Lock()
		defer pmu.Unlock()
		progress(s)
	}
	done := make(map[string]chan struct{}, len(tasks))
	errs := make(map[string]*error, len(tasks))
	for _, t := range tasks {
		done[t.name] = make(chan struct{})
		errs[t.name] = new(error)
		report(Step{Name: t.name, State: StepWaiting})
	}
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[t.name])
			for _, d := range t.deps {
				<-done[d]
				if *errs[d] != nil {
					*errs[t.name] = errSkipped
					return
				}
			}
			if err := ctx.Err(); err != nil {
				*errs[t.name] = err
				report(Step{Name: t.name, State: StepFailed, Err: err})
				return
			}
			start := time.Now()
			report(Step{Name: t.name, State: StepRunning})
			id, reused, err := t.run(ctx)
			step := Step{Name: t.name, ResourceID: id, Elapsed: time.Since(start), Err: err}
			switch {
			case err != nil:
				*errs[t.name] = err
				step.State = StepFailed
			case reused:
				step.State = StepReused
			default:
				step.State = StepDone
			}
			report(step)
		}()
	}
	wg.Wait()
	for _, t := range tasks {
		if err := *errs[t.name]; err != nil && !errors.Is(err, errSkipped) {
			return err
		}
	}
	return nil
}
