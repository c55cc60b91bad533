package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// The inlet answers 200 only once an event is durable, and a durable SQLite commit costs an fsync. One
// fsync per event caps throughput at the disk's sync rate, so a single writer goroutine takes every
// event that arrived while the previous commit was syncing and commits them together (group commit).
// Each sender waits for the commit of its own batch, so nobody is told "200" before their event is on
// disk, and a batch costs one fsync however many senders share it.

// maxBatch bounds a transaction so one huge burst cannot make early senders wait for late ones.
const maxBatch = 512

// eventRow is one ingested event, mapped or failed.
type eventRow struct {
	XactionID  string
	Sandbox    string
	DatasetID  string
	FlowID     string
	InletID    string
	ReceivedMs int64
	Failed     bool
	Record     []byte // the mapped XDM record; nil when failed
	Raw        []byte // the event as received; stored only when it failed
	Reason     string // why it failed, for people
}

type writeReq struct {
	row  eventRow
	done chan error
}

// errClosed is returned to senders once the platform is shutting down.
var errClosed = errors.New("local platform is shutting down")

type batchWriter struct {
	db     *sql.DB
	insert *sql.Stmt // prepared once; database/sql re-binds it to each transaction's connection
	runs   *sql.Stmt // adds a batch's counts to its runs' summaries
	reqs   chan writeReq
	wg     sync.WaitGroup
	mu     sync.RWMutex // held for reading while sending, so close cannot race a send
	closed bool
}

func newBatchWriter(db *sql.DB) (*batchWriter, error) {
	insert, err := db.Prepare(`INSERT INTO events (xaction_id, sandbox, dataset_id, flow_id, inlet_id, received_ms, failed, raw_bytes, record, raw, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("local platform: prepare the event writer: %w", err)
	}
	runs, err := db.Prepare(`INSERT INTO runs (sandbox, flow_id, hour, total, failed, first_ms, last_ms, in_bytes, out_bytes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sandbox, flow_id, hour) DO UPDATE SET
		total = total + excluded.total, failed = failed + excluded.failed,
		first_ms = MIN(first_ms, excluded.first_ms), last_ms = MAX(last_ms, excluded.last_ms),
		in_bytes = in_bytes + excluded.in_bytes, out_bytes = out_bytes + excluded.out_bytes`)
	if err != nil {
		insert.Close()
		return nil, fmt.Errorf("local platform: prepare the event writer: %w", err)
	}
	bw := &batchWriter{db: db, insert: insert, runs: runs, reqs: make(chan writeReq, 4*maxBatch)}
	bw.wg.Add(1)
	go bw.run()
	return bw, nil
}

// write queues one event and waits until the transaction holding it has committed (or failed).
func (bw *batchWriter) write(ctx context.Context, row eventRow) error {
	req := writeReq{row: row, done: make(chan error, 1)}
	bw.mu.RLock()
	if bw.closed {
		bw.mu.RUnlock()
		return errClosed
	}
	select {
	case bw.reqs <- req:
	case <-ctx.Done():
		bw.mu.RUnlock()
		return ctx.Err()
	}
	bw.mu.RUnlock()
	// Once queued the event will be committed even if the sender gives up, so wait for the outcome:
	// answering early could report a failure for an event that is in fact stored.
	return <-req.done
}

// close commits whatever is queued and stops the writer.
func (bw *batchWriter) close() {
	bw.mu.Lock()
	if bw.closed {
		bw.mu.Unlock()
		return
	}
	bw.closed = true
	close(bw.reqs)
	bw.mu.Unlock()
	bw.wg.Wait()
	bw.insert.Close()
	bw.runs.Close()
}

func (bw *batchWriter) run() {
	defer bw.wg.Done()
	batch := make([]writeReq, 0, maxBatch)
	for first := range bw.reqs {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case req, ok := <-bw.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, req)
			default:
				break fill
			}
		}
		err := bw.commit(batch)
		for _, req := range batch {
			req.done <- err
		}
	}
}

// commit writes a batch in one transaction.
func (bw *batchWriter) commit(batch []writeReq) error {
	tx, err := bw.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	stmt := tx.Stmt(bw.insert)
	type runKey struct {
		sandbox, flow string
		hour          int64
	}
	type runSum struct{ total, failed, first, last, in, out int64 }
	runs := map[runKey]*runSum{}
	for _, req := range batch {
		r := req.row
		var record, raw any
		if r.Failed {
			raw = string(r.Raw)
		} else {
			record = string(r.Record)
		}
		if _, err := stmt.Exec(r.XactionID, r.Sandbox, r.DatasetID, r.FlowID, r.InletID, r.ReceivedMs, r.Failed, len(r.Raw), record, raw, r.Reason); err != nil {
			return err
		}
		k := runKey{r.Sandbox, r.FlowID, r.ReceivedMs / 3600000}
		sum := runs[k]
		if sum == nil {
			sum = &runSum{first: r.ReceivedMs, last: r.ReceivedMs}
			runs[k] = sum
		}
		sum.total++
		if r.Failed {
			sum.failed++
		}
		sum.first, sum.last = min(sum.first, r.ReceivedMs), max(sum.last, r.ReceivedMs)
		sum.in += int64(len(r.Raw))
		sum.out += int64(len(r.Record))
	}
	upsert := tx.Stmt(bw.runs)
	for k, sum := range runs {
		if _, err := upsert.Exec(k.sandbox, k.flow, k.hour, sum.total, sum.failed, sum.first, sum.last, sum.in, sum.out); err != nil {
			return err
		}
	}
	return tx.Commit()
}
