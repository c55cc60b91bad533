package flow

import (
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
)

// depth is the number of tasks on the longest dependency chain: on a fresh run every task is one round
// trip (a create, a lookup, or several calls sent together), so this is the round trips after the token.
func depth(t *testing.T, tasks []task) int {
	t.Helper()
	byName := map[string]task{}
	for _, tk := range tasks {
		byName[tk.name] = tk
	}
	memo := map[string]int{}
	var d func(name string, seen map[string]bool) int
	d = func(name string, seen map[string]bool) int {
		if v, ok := memo[name]; ok {
			return v
		}
		tk, ok := byName[name]
		if !ok {
			t.Fatalf("a task depends on %q, which is not in the graph", name)
		}
		if seen[name] {
			t.Fatalf("dependency cycle through %q", name)
		}
		seen[name] = true
		best := 0
		for _, dep := range tk.deps {
			best = max(best, d(dep, seen))
		}
		delete(seen, name)
		memo[name] = best + 1
		return best + 1
	}
	deepest := 0
	for _, tk := range tasks {
		deepest = max(deepest, d(tk.name, map[string]bool{}))
	}
	return deepest
}

// TestGraphDepth pins issue 3's round-trip budget structurally: onto an existing dataset whose schema
// the plan knows (the wizard and setup fill it in), 4 (check → connections and mapping set → flow →
// endpoint); the Customer.io schema path, 7. Enabling Profile adds the descriptor → union tag chain
// Platform imposes before a Profile dataset.
func TestGraphDepth(t *testing.T) {
	t.Parallel()
	rules := customerIOMapping("acme")
	cases := []struct {
		name string
		plan Plan
		want int
	}{
		{"existing dataset", Plan{Destination: Destination{Kind: ExistingDataset, DatasetID: "ds", SchemaID: "s"}, Mapping: rules}, 4},
		{"existing dataset, schema unknown", Plan{Destination: Destination{Kind: ExistingDataset, DatasetID: "ds"}, Mapping: rules}, 5},
		{"new dataset on a schema", Plan{Destination: Destination{Kind: NewDataset, SchemaID: "s", DatasetName: "d"}, Mapping: rules}, 5},
		{"Customer.io schema", Plan{Destination: Destination{Kind: NewSchema, DatasetName: "d"}}, 7},
		{"Customer.io schema with Profile", Plan{Destination: Destination{Kind: NewSchema, DatasetName: "d"}, Options: Options{ProfileEnabled: true}}, 9},
	}
	for _, c := range cases {
		s := NewSession(aep.New(aep.Config{}), t.TempDir())
		r, err := s.newRun(c.plan, JournalFile, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := depth(t, r.tasks()); got != c.want {
			t.Errorf("%s: depth %d, want %d", c.name, got, c.want)
		}
	}
}
