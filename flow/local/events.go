package local

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Event is one event the inlet accepted: either mapped into an XDM record for a dataset, or failed with
// the reason. `cioaep local events` prints these, one JSON object per line.
type Event struct {
	Seq       int64           `json:"seq"` // increasing; pass the last one seen as EventFilter.After to follow
	XactionID string          `json:"xactionId"`
	Sandbox   string          `json:"sandbox"`
	DatasetID string          `json:"datasetId"`
	FlowID    string          `json:"flowId"`
	Received  time.Time       `json:"received"`
	Failed    bool            `json:"failed"`
	Record    json.RawMessage `json:"record,omitempty"` // the mapped XDM record
	Reason    string          `json:"reason,omitempty"` // why it failed
	Raw       json.RawMessage `json:"raw,omitempty"`    // the event as received; set on failed events
}

// EventFilter selects events. Zero values select everything.
type EventFilter struct {
	DatasetID string
	Failed    bool  // only failed events
	After     int64 // only events with Seq > After
	Limit     int   // at most this many, oldest first; 0 means no limit
}

// Events lists ingested events, oldest first.
func (p *Platform) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	return queryEvents(ctx, p.st.db, f)
}

// EventLog reads the events of a platform's data directory without opening the platform, so `cioaep
// local events` can run next to a `local serve` that holds the same file.
type EventLog struct{ db *sql.DB }

// OpenEventLog opens the event store under dataDir for reading.
func OpenEventLog(dataDir string) (*EventLog, error) {
	path := filepath.Join(dataDir, dbFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no local platform data in %s: start one with `cioaep local serve --data %s` (or `cioaep --local`) first", dataDir, dataDir)
	}
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	return &EventLog{db: db}, nil
}

// Events lists events, oldest first.
func (l *EventLog) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	return queryEvents(ctx, l.db, f)
}

// Close releases the database.
func (l *EventLog) Close() error { return l.db.Close() }

func queryEvents(ctx context.Context, db *sql.DB, f EventFilter) ([]Event, error) {
	var where []string
	var args []any
	where = append(where, "seq > ?")
	args = append(args, f.After)
	if f.DatasetID != "" {
		where = append(where, "dataset_id = ?")
		args = append(args, f.DatasetID)
	}
	if f.Failed {
		where = append(where, "failed = 1")
	}
	q := `SELECT seq, xaction_id, sandbox, dataset_id, flow_id, received_ms, failed, record, raw, reason FROM events WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY seq`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var ms int64
		var record, raw sql.NullString
		if err := rows.Scan(&e.Seq, &e.XactionID, &e.Sandbox, &e.DatasetID, &e.FlowID, &ms, &e.Failed, &record, &raw, &e.Reason); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.Received = time.UnixMilli(ms).UTC()
		if record.Valid {
			e.Record = json.RawMessage(record.String)
		}
		if raw.Valid {
			e.Raw = json.RawMessage(raw.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
