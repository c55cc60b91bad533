package assets_test

import (
	"testing"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/flow"
)

// TestOneSamplePerCatalogEntry keeps the samples and flow.Catalog in step: send-test and the mapping
// suggestions rely on finding exactly one sample for every event a user can subscribe to.
func TestOneSamplePerCatalogEntry(t *testing.T) {
	t.Parallel()
	want := map[[2]string]bool{}
	for _, o := range flow.Catalog {
		for _, m := range o.Metrics {
			want[[2]string{o.Name, m}] = true
			if _, ok := assets.Sample(o.Name, m); !ok {
				t.Errorf("no sample for %s %s", o.Name, m)
			}
		}
	}
	seen := map[[2]string]bool{}
	for _, s := range assets.Samples() {
		key := [2]string{s.ObjectType, s.Metric}
		if !want[key] {
			t.Errorf("sample %s %s is not in flow.Catalog", s.ObjectType, s.Metric)
		}
		if seen[key] {
			t.Errorf("two samples for %s %s", s.ObjectType, s.Metric)
		}
		seen[key] = true
	}
	if len(seen) != len(want) {
		t.Errorf("%d samples for %d catalogue entries", len(seen), len(want))
	}
}
