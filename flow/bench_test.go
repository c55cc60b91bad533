package flow_test

import (
	"context"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow"
)

// benchLatency is added to every request, as a slow link to Adobe would.
const benchLatency = 100 * time.Millisecond

// BenchmarkApplyExistingDataset reports sequential round trips (wall time / latency) for a dataflow onto
// an existing dataset, token excluded. Issue 3's budget: 4.
func BenchmarkApplyExistingDataset(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	base, err := e.session(b.TempDir()).Apply(ctx, newSchemaPlan(), nil)
	must(b, err)
	plan := flow.Plan{Sandbox: "prod", Destination: flow.Destination{Kind: flow.ExistingDataset, DatasetID: base.DatasetID, SchemaID: base.SchemaID}}
	plan.Mapping, err = e.session(b.TempDir()).SuggestMapping(ctx, plan, nil)
	must(b, err)
	benchApply(b, e, plan)
}

// BenchmarkApplyNewSchema reports round trips for the Customer.io schema path. Budget: 7.
func BenchmarkApplyNewSchema(b *testing.B) {
	benchApply(b, newEnv(b), newSchemaPlan())
}

func benchApply(b *testing.B, e *env, plan flow.Plan) {
	ctx := context.Background()
	e.wire.latency = benchLatency
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		s := flow.NewSession(e.client(), b.TempDir())
		c := s.Client("")
		_, err := c.Token(ctx) // the budget starts after the token
		must(b, err)
		b.StartTimer()
		start := time.Now()
		if _, err := s.Apply(ctx, plan, nil); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(benchLatency), "roundtrips/op")
}
