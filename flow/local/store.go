package local

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// dbFile is the database's name under the data directory; `cioaep local events` opens the same file.
const dbFile = "platform.db"

// store keeps every Platform resource as a JSON document in one table, keyed by kind, sandbox and id, plus
// the ingested events in their own table. Resources are few and small, so lists filter in Go. Events are
// many and their insert cost bounds the inlet's throughput, so they carry one index (by dataset, for
// `local events --dataset`), xactionIds are unique by construction rather than by index, and the raw
// event is kept only when it failed, which is when people need to see it.
type store struct {
	db    *sql.DB
	order creationOrder // see order.go
}

// schemaSQL creates the tables. WAL lets `local events` read while `local serve` writes; synchronous=FULL
// makes a commit durable before the inlet answers 200.
const schemaSQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL, sandbox TEXT NOT NULL, id TEXT NOT NULL,
  created INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (kind, sandbox, id));
CREATE INDEX IF NOT EXISTS resources_order ON resources (kind, sandbox, created, id);
CREATE INDEX IF NOT EXISTS resources_name ON resources (kind, sandbox, json_extract(doc, '$.name'));
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  xaction_id TEXT NOT NULL,
  sandbox TEXT NOT NULL, dataset_id TEXT NOT NULL, flow_id TEXT NOT NULL, inlet_id TEXT NOT NULL,
  received_ms INTEGER NOT NULL, failed INTEGER NOT NULL, raw_bytes INTEGER NOT NULL,
  record TEXT, raw TEXT, reason TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_dataset ON events (dataset_id, seq);
CREATE TABLE IF NOT EXISTS runs (
  sandbox TEXT NOT NULL, flow_id TEXT NOT NULL, hour INTEGER NOT NULL,
  total INTEGER NOT NULL, failed INTEGER NOT NULL, first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,
  in_bytes INTEGER NOT NULL, out_bytes INTEGER NOT NULL,
  PRIMARY KEY (sandbox, flow_id, hour));
`

// runsBackfill fills the run summaries (see runs.go) from the events of a database written before they
// existed, once; the event writer keeps them from then on.
const runsBackfill = `
DELETE FROM runs;
INSERT INTO runs (sandbox, flow_id, hour, total, failed, first_ms, last_ms, in_bytes, out_bytes)
  SELECT sandbox, flow_id, received_ms / 3600000, COUNT(*), SUM(failed), MIN(received_ms), MAX(received_ms),
         SUM(raw_bytes), SUM(COALESCE(LENGTH(CAST(record AS BLOB)), 0))
  FROM events GROUP BY sandbox, flow_id, received_ms / 3600000;
INSERT INTO meta (key, value) VALUES ('runs', 'kept') ON CONFLICT (key) DO NOTHING;
`

// openStore opens dir/platform.db with the pragmas every connection needs.
func openStore(dir string) (*store, error) {
	if err := secureFiles(dir); err != nil {
		return nil, err
	}
	db, err := openDB(filepath.Join(dir, dbFile))
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(schemaSQL + rejectionsSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("local platform: prepare database: %w", err)
	}
	st := &store{db: db}
	if _, kept, err := st.meta("runs"); err != nil || !kept {
		if err == nil {
			err = st.inTx(runsBackfill)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("local platform: summarise runs: %w", err)
		}
	}
	return st, nil
}

// openDB opens an SQLite file in WAL mode with a busy timeout, so a reader in another process and the
// server's writer wait for each other instead of failing with SQLITE_BUSY.
func openDB(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("local platform: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("local platform: open %s: %w", path, err)
	}
	return db, nil
}

func (s *store) close() error { return s.db.Close() }

// inTx runs statements in one transaction.
func (s *store) inTx(statements string) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if _, err := tx.Exec(statements); err != nil {
		return err
	}
	return tx.Commit()
}

// errNotFound is returned by get when no resource has the id in that sandbox.
var errNotFound = errors.New("not found")

// Resource kinds.
const (
	kindFieldGroup = "fieldgroup"
	kindSchema     = "schema"
	kindDescriptor = "descriptor"
	kindDataset    = "dataset"
	kindSourceConn = "sourceConnection"
	kindTargetConn = "targetConnection"
	kindFlow       = "flow"
	kindMappingSet = "mappingSet"
	kindInlet      = "inlet"
)

// put inserts or replaces a resource document.
func (s *store) put(ctx context.Context, kind, sandbox, id string, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO resources (kind, sandbox, id, created, doc) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, sandbox, id) DO UPDATE SET doc = excluded.doc`, kind, sandbox, id, time.Now().UnixNano(), string(b))
	s.order.changed(kind, sandbox)
	return err
}

// get decodes one resource into out.
func (s *store) get(ctx context.Context, kind, sandbox, id string, out any) error {
	var doc string
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM resources WHERE kind = ? AND sandbox = ? AND id = ?`, kind, sandbox, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(doc), out)
}

// del removes a resource; it reports errNotFound when there was none.
func (s *store) del(ctx context.Context, kind, sandbox, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM resources WHERE kind = ? AND sandbox = ? AND id = ?`, kind, sandbox, id)
	s.order.changed(kind, sandbox)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}

// list returns every document of a kind in a sandbox, oldest first.
func (s *store) list(ctx context.Context, kind, sandbox string) ([]json.RawMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc FROM resources WHERE kind = ? AND sandbox = ? ORDER BY created, id`, kind, sandbox)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		out = append(out, json.RawMessage(doc))
	}
	return out, rows.Err()
}

// page returns up to limit documents of a kind in a sandbox, oldest first, from offset on; with name
// set, only those whose top-level name is exactly it (found through the name index). Neither reads the
// rows it skips, so a page costs the same at the end of 100,000 datasets as at the start.
func (s *store) page(ctx context.Context, kind, sandbox string, name *string, offset, limit int) ([]json.RawMessage, error) {
	var ids []int64
	if name == nil {
		all, err := s.ordered(ctx, kind, sandbox)
		if err != nil {
			return nil, err
		}
		ids = all[min(offset, len(all)):min(offset+limit, len(all))]
	} else {
		var err error
		if ids, err = s.rowids(ctx, `SELECT rowid FROM resources INDEXED BY resources_name
			WHERE kind = ? AND sandbox = ? AND json_extract(doc, '$.name') = ? ORDER BY created, id LIMIT ? OFFSET ?`, kind, sandbox, *name, limit, offset); err != nil {
			return nil, err
		}
	}
	docs, err := s.byRowids(ctx, ids)
	out := make([]json.RawMessage, len(docs))
	for i, d := range docs {
		out[i] = json.RawMessage(d)
	}
	return out, err
}

// meta reads a value from the meta table; ok is false when the key is absent.
func (s *store) meta(key string) (value string, ok bool, err error) {
	err = s.db.QueryRow(`SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}
