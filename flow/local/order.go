package local

import (
	"context"
	"strings"
	"sync"
)

// Catalog pages datasets by offset. SQLite answers an OFFSET by stepping through every row it skips,
// so the last page of 100,000 datasets costs a walk of the whole index. The store instead keeps, per kind
// and sandbox, the rowids in creation order, read from the index once and dropped whenever a resource
// of that kind and sandbox is written or deleted; a page is then a slice of it and one lookup by rowid.

// creationOrder caches rowids in creation order per kind and sandbox.
type creationOrder struct {
	mu   sync.Mutex
	gen  uint64 // bumped by every change, so a read that raced one is not kept
	rows map[[2]string][]int64
}

// changed forgets the order of a kind in a sandbox; call it after the write has committed.
func (o *creationOrder) changed(kind, sandbox string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gen++
	delete(o.rows, [2]string{kind, sandbox})
}

// ordered returns the rowids of a kind in a sandbox, oldest first. Callers must not modify the slice.
func (s *store) ordered(ctx context.Context, kind, sandbox string) ([]int64, error) {
	o := &s.order
	key := [2]string{kind, sandbox}
	o.mu.Lock()
	ids, ok := o.rows[key]
	gen := o.gen
	o.mu.Unlock()
	if ok {
		return ids, nil
	}
	ids, err := s.rowids(ctx, `SELECT rowid FROM resources INDEXED BY resources_order WHERE kind = ? AND sandbox = ? ORDER BY created, id`, kind, sandbox)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	if o.gen == gen {
		if o.rows == nil {
			o.rows = map[[2]string][]int64{}
		}
		o.rows[key] = ids
	}
	o.mu.Unlock()
	return ids, nil
}

// rowids runs a query that selects rowids and returns them in order (never nil, so an empty result can
// be cached).
func (s *store) rowids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// byRowids reads the documents of rowids, in that order; rows deleted meanwhile are left out.
func (s *store) byRowids(ctx context.Context, ids []int64) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rowid, doc FROM resources WHERE rowid IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	docs := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		docs[id] = doc
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if d, ok := docs[id]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}
