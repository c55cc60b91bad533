package local

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"sort"
	"time"
	"unicode/utf8"
)

// A request the inlet refuses (not JSON, a bad signature, too large, a failed syncValidation) never
// becomes an event, yet it is what a person debugging a webhook most needs to see. The inlet keeps the
// newest of them, each with its reason and the start of the body, so `local events --failed` lists them
// beside the records that failed. They live in their own table: the events table feeds the ingestion
// metrics and run summaries, which count records, not refused requests.

// Bounds on what a rejection keeps: the table cannot grow without end however many bad requests arrive,
// and one huge body cannot make a huge row.
const (
	defaultKeepRejections = 1000 // Config.KeepRejections
	maxRejectionReason    = 1 << 10
	maxRejectionRaw       = 4 << 10
)

// rejectionsSQL creates the table (see schemaSQL).
const rejectionsSQL = `
CREATE TABLE IF NOT EXISTS rejections (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sandbox TEXT NOT NULL, dataset_id TEXT NOT NULL, flow_id TEXT NOT NULL, inlet_id TEXT NOT NULL,
  received_ms INTEGER NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL,
  raw_bytes INTEGER NOT NULL, raw TEXT);
`

// rejection is one refused request.
type rejection struct {
	rt       *route
	inletID  string
	received time.Time
	status   int
	reason   string
	raw      []byte // as much of the body as was read
}

// recordRejection stores r and drops the oldest beyond Config.KeepRejections. It runs before the inlet answers,
// so whoever got the refusal finds it listed; it is best effort: a refusal that cannot be stored (the
// platform is closing) is still answered.
func (p *Platform) recordRejection(ctx context.Context, r rejection) {
	if r.status == http.StatusTooManyRequests || r.status >= 500 {
		return // "try again later" is not a verdict on the request, and storing it would add load when there is too much
	}
	ctx = context.WithoutCancel(ctx) // a sender that hung up does not undo the refusal
	tx, err := p.st.db.BeginTx(ctx, nil)
	if err != nil {
		return
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	res, err := tx.ExecContext(ctx, `INSERT INTO rejections (sandbox, dataset_id, flow_id, inlet_id, received_ms, status, reason, raw_bytes, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.rt.sandbox, r.rt.datasetID, r.rt.flowID, r.inletID, r.received.UnixMilli(), r.status,
		cutUTF8(r.reason, maxRejectionReason), len(r.raw), cutUTF8(string(r.raw), maxRejectionRaw))
	if err != nil {
		return
	}
	if last, err := res.LastInsertId(); err == nil && last > int64(p.cfg.KeepRejections) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rejections WHERE seq <= ?`, last-int64(p.cfg.KeepRejections)); err != nil {
			return
		}
	}
	_ = tx.Commit()
}

// cutUTF8 keeps at most n bytes of s without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// readRejections returns the rejections f selects, oldest first. The table is bounded, so they are read
// at once.
func readRejections(ctx context.Context, db *sql.DB, f EventFilter) ([]Event, error) {
	q := `SELECT seq, sandbox, dataset_id, flow_id, received_ms, status, reason, raw_bytes, raw FROM rejections WHERE seq > ?`
	args := []any{f.AfterRejection}
	if f.DatasetID != "" {
		q += ` AND dataset_id = ?`
		args = append(args, f.DatasetID)
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("read inlet rejections: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{Failed: true, Rejected: true}
		var ms int64
		var raw sql.NullString
		if err := rows.Scan(&e.Seq, &e.Sandbox, &e.DatasetID, &e.FlowID, &ms, &e.Status, &e.Reason, &e.RawBytes, &raw); err != nil {
			return nil, fmt.Errorf("read inlet rejections: %w", err)
		}
		e.Received = time.UnixMilli(ms).UTC()
		if raw.String != "" {
			e.Raw = []byte(raw.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read inlet rejections: %w", err)
	}
	// Stable by time, so the merge with events (ordered by arrival) stays in time order too.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Received.Before(out[j].Received) })
	return out, nil
}

// withRejections lists the rejections f selects among the events fn is given, in time order: each
// before the first event that arrived after it, the rest at the end (flush).
func withRejections(ctx context.Context, db *sql.DB, f EventFilter, fn func(*Event) error) (wrapped func(*Event) error, flush func() error, err error) {
	rejs, err := readRejections(ctx, db, f)
	if err != nil {
		return nil, nil, err
	}
	next := 0
	upTo := func(t time.Time, all bool) error {
		for next < len(rejs) && (all || !rejs[next].Received.After(t)) {
			if err := fn(&rejs[next]); err != nil {
				return err
			}
			next++
		}
		return nil
	}
	wrapped = func(e *Event) error {
		if err := upTo(e.Received, false); err != nil {
			return err
		}
		return fn(e)
	}
	return wrapped, func() error { return upTo(time.Time{}, true) }, nil
}
