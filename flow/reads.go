package flow

import (
	"context"
	"encoding/json"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// reads remembers, for one session, the Platform reads that setup asks for more than once: suggesting
// a mapping, checking it and applying the plan each need the dataset, its schema and Data Prep's verdict
// on the rules. Read once, they cost the command one round trip each instead of three. A dataset's
// schema never changes, and a session lasts one command or one wizard run, so nothing here goes stale
// in a way that matters: a resource deleted meanwhile still fails the create that needs it. Only
// successful reads are kept, and concurrent askers share one request.
type reads struct {
	flight singleflight.Group

	mu       sync.Mutex
	datasets map[string]aep.Dataset
	schemas  map[string]map[string]any // xed-full documents; callers only read them
	checks   map[string][]aep.RuleResult
}

// remember returns the value cached under key, or runs fetch once for every concurrent caller and
// caches what it returns when it succeeds.
func remember[T any](r *reads, m *map[string]T, key string, fetch func() (T, error)) (T, error) {
	r.mu.Lock()
	if v, ok := (*m)[key]; ok {
		r.mu.Unlock()
		return v, nil
	}
	r.mu.Unlock()
	v, err, _ := r.flight.Do(key, func() (any, error) {
		v, err := fetch()
		if err != nil {
			return v, err
		}
		r.mu.Lock()
		if *m == nil {
			*m = map[string]T{}
		}
		(*m)[key] = v
		r.mu.Unlock()
		return v, nil
	})
	return v.(T), err
}

// cachedDataset returns a dataset this session has already read, without a request.
func (r *reads) cachedDataset(sandbox, id string) (aep.Dataset, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.datasets[sandbox+"\x00"+id]
	return d, ok
}

// dataset reads a dataset once per session.
func (s *Session) dataset(ctx context.Context, c *aep.Client, id string) (aep.Dataset, error) {
	return remember(&s.reads, &s.reads.datasets, c.Sandbox()+"\x00"+id, func() (aep.Dataset, error) {
		return c.Dataset(ctx, id)
	})
}

// schema reads a schema, fields resolved, once per session.
func (s *Session) schema(ctx context.Context, c *aep.Client, id string) (map[string]any, error) {
	return remember(&s.reads, &s.reads.schemas, "schema\x00"+c.Sandbox()+"\x00"+id, func() (map[string]any, error) {
		return c.Schema(ctx, id)
	})
}

// validateRules asks Data Prep for its verdict on rules against a schema once per session.
func (s *Session) validateRules(ctx context.Context, c *aep.Client, schemaID string, rules []dataprep.Rule) ([]aep.RuleResult, error) {
	key, err := json.Marshal(rules)
	if err != nil {
		return nil, err
	}
	return remember(&s.reads, &s.reads.checks, "check\x00"+c.Sandbox()+"\x00"+schemaID+"\x00"+string(key), func() ([]aep.RuleResult, error) {
		return c.ValidateMappings(ctx, aep.MappingInput{SchemaID: schemaID, Mappings: rules})
	})
}
