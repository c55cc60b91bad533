package local

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one event the inlet accepted: either mapped into an XDM record for a dataset, or failed with
// the reason; or, with EventFilter.Rejections, a request the inlet refused (Rejected). `cioaep local
// events` prints these, one JSON object per line.
type Event struct {
	Seq       int64           `json:"seq"` // increasing; pass each event seen to EventFilter.Seen to follow
	XactionID string          `json:"xactionId"`
	Sandbox   string          `json:"sandbox"`
	DatasetID string          `json:"datasetId"`
	FlowID    string          `json:"flowId"`
	Received  time.Time       `json:"received"`
	Failed    bool            `json:"failed"`
	Record    json.RawMessage `json:"record,omitempty"` // the mapped XDM record
	Reason    string          `json:"reason,omitempty"` // why it failed
	Raw       json.RawMessage `json:"raw,omitempty"`    // the event as received; set on failed events
	// Rejected marks a request the inlet refused with Status, so it never became a record. Its Seq counts
	// rejections, apart from events; its Raw is the start of the body, RawBytes long in full.
	Rejected bool `json:"rejected,omitempty"`
	Status   int  `json:"status,omitempty"`
	RawBytes int  `json:"rawBytes,omitempty"`
}

// EventFilter selects events. Zero values select everything.
type EventFilter struct {
	DatasetID string
	Failed    bool  // only failed events
	After     int64 // only events with Seq > After
	Limit     int   // at most this many, oldest first; 0 means no limit
	// Rejections adds the requests the inlet refused, in time order among the events, those with a Seq
	// above AfterRejection.
	Rejections     bool
	AfterRejection int64
}

// Seen moves the filter past e, so the next read returns only what came after it (for --follow).
func (f *EventFilter) Seen(e *Event) {
	if e.Rejected {
		f.AfterRejection = e.Seq
	} else {
		f.After = e.Seq
	}
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

// Each calls fn with every event f selects, oldest first, a chunk at a time: memory stays the same however
// many events there are. The event's bytes are reused for later chunks; fn must copy what it keeps.
func (l *EventLog) Each(ctx context.Context, f EventFilter, fn func(*Event) error) error {
	return eachEvent(ctx, l.db, f, fn)
}

// Close releases the database.
func (l *EventLog) Close() error { return l.db.Close() }

func queryEvents(ctx context.Context, db *sql.DB, f EventFilter) ([]Event, error) {
	var out []Event
	err := eachEvent(ctx, db, f, func(e *Event) error {
		c := *e
		c.Record, c.Raw = bytes.Clone(e.Record), bytes.Clone(e.Raw)
		out = append(out, c)
		return nil
	})
	return out, err
}

// eventChunk is how many events eachEvent reads per query. Each chunk is read, its rows released, and
// only then handed out, so a consumer that stalls (a pager, a slow pipe) never holds a read transaction
// open, which would stop the server's checkpoints and let its write-ahead log grow.
const eventChunk = 1024

// errEnough stops eachEvent once a Limit that counts rejections too is reached.
var errEnough = errors.New("enough events")

func eachEvent(ctx context.Context, db *sql.DB, f EventFilter, fn func(*Event) error) error {
	if !f.Rejections {
		return eachRecord(ctx, db, f, fn)
	}
	if f.Limit > 0 {
		left, inner := f.Limit, fn
		fn = func(e *Event) error {
			if left == 0 {
				return errEnough
			}
			left--
			return inner(e)
		}
		f.Limit = 0
	}
	wrapped, flush, err := withRejections(ctx, db, f, fn)
	if err == nil {
		err = eachRecord(ctx, db, f, wrapped)
	}
	if err == nil {
		err = flush()
	}
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}

// eachRecord is eachEvent for the events table alone.
func eachRecord(ctx context.Context, db *sql.DB, f EventFilter, fn func(*Event) error) error {
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
		strings.Join(where, " AND ") + ` ORDER BY seq LIMIT ?`
	args = append(args, 0)
	chunk := make([]Event, 0, eventChunk)
	var arena []byte // the chunk's records and raw events, reused from chunk to chunk
	for left := f.Limit; f.Limit <= 0 || left > 0; {
		n := eventChunk
		if f.Limit > 0 {
			n = min(n, left)
		}
		args[len(args)-1] = n
		var err error
		if chunk, arena, err = readChunk(ctx, db, q, args, chunk[:0], arena[:0]); err != nil {
			return err
		}
		for i := range chunk {
			if err := fn(&chunk[i]); err != nil {
				return err
			}
		}
		if len(chunk) < n {
			return nil
		}
		args[0] = chunk[len(chunk)-1].Seq
		left -= len(chunk)
	}
	return nil
}

// readChunk runs one chunk's query and copies its rows out, the bytes into arena.
func readChunk(ctx context.Context, db *sql.DB, q string, args []any, out []Event, arena []byte) ([]Event, []byte, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, arena, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	type span struct{ record, raw [2]int } // offsets into arena; -1 start for NULL
	var spans []span
	for rows.Next() {
		var e Event
		var ms int64
		var record, raw sql.RawBytes
		if err := rows.Scan(&e.Seq, &e.XactionID, &e.Sandbox, &e.DatasetID, &e.FlowID, &ms, &e.Failed, &record, &raw, &e.Reason); err != nil {
			return nil, arena, fmt.Errorf("read events: %w", err)
		}
		e.Received = time.UnixMilli(ms).UTC()
		sp := span{record: [2]int{-1, 0}, raw: [2]int{-1, 0}}
		if record != nil {
			sp.record = [2]int{len(arena), len(arena) + len(record)}
			arena = append(arena, record...)
		}
		if raw != nil {
			sp.raw = [2]int{len(arena), len(arena) + len(raw)}
			arena = append(arena, raw...)
		}
		out = append(out, e)
		spans = append(spans, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, arena, fmt.Errorf("read events: %w", err)
	}
	// The arena may have moved while it grew: point the events into it only now.
	for i, sp := range spans {
		if sp.record[0] >= 0 {
			out[i].Record = json.RawMessage(arena[sp.record[0]:sp.record[1]:sp.record[1]])
		}
		if sp.raw[0] >= 0 {
			out[i].Raw = json.RawMessage(arena[sp.raw[0]:sp.raw[1]:sp.raw[1]])
		}
	}
	return out, arena, nil
}

// AppendJSON appends the event as one line of JSON, the same object json.Marshal makes of it, without
// reflection or re-validating the record (the store holds it as compact JSON). `local events --json`
// writes hundreds of thousands of these.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = appendField(b, "xactionId", e.XactionID)
	b = appendField(b, "sandbox", e.Sandbox)
	b = appendField(b, "datasetId", e.DatasetID)
	b = appendField(b, "flowId", e.FlowID)
	b = append(b, `,"received":"`...)
	b = e.Received.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","failed":`...)
	b = strconv.AppendBool(b, e.Failed)
	if len(e.Record) > 0 { // written by json.Marshal when the event was ingested: compact, valid JSON
		b = append(append(b, `,"record":`...), e.Record...)
	}
	if e.Reason != "" {
		b = appendField(b, "reason", e.Reason)
	}
	if len(e.Raw) > 0 {
		b = appendRaw(b, "raw", e.Raw)
	}
	if e.Rejected {
		b = append(b, `,"rejected":true,"status":`...)
		b = strconv.AppendInt(b, int64(e.Status), 10)
		if e.RawBytes != 0 {
			b = append(b, `,"rawBytes":`...)
			b = strconv.AppendInt(b, int64(e.RawBytes), 10)
		}
	}
	return append(b, '}')
}

func appendField(b []byte, name, v string) []byte {
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendString(b, v)
}

// appendRaw appends the event as received, compacted (it may span lines) so the output stays one object
// a line, and HTML-escaped as json.Marshal does; if it is not JSON after all, as a string.
func appendRaw(b []byte, name string, raw []byte) []byte {
	b = append(append(append(b, `,"`...), name...), `":`...)
	var compacted bytes.Buffer
	if err := json.Compact(&compacted, raw); err != nil {
		return appendString(b, string(raw))
	}
	out := bytes.NewBuffer(b)
	json.HTMLEscape(out, compacted.Bytes())
	return out.Bytes()
}

// appendString appends s as a JSON string, escaped as encoding/json does (HTML-safe).
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}
