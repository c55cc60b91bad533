package flow

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/local"
	"github.com/cioaep/cioaep/flow/safetext"
)

// SyncBudget is how many events one batch asks to validate synchronously. Adobe (and the local platform,
// which copies it) allow 60 syncValidation requests per minute per inlet; staying below that leaves room
// for a second run in the same minute, and the rest of a larger batch goes asynchronously.
const SyncBudget = 50

// TestBatch is one round of signed test events to one endpoint. send-test and the wizard's "send a test
// event now" both run one through SendTestEvents, so both sign, rate-limit and match records the same way.
type TestBatch struct {
	Endpoint string
	// Local says the endpoint is a local platform whose event log under DataDir can be read, so each
	// accepted event is followed to its mapped record in DatasetID (for up to Wait).
	Local     bool
	DataDir   string
	DatasetID string
	Key       []byte // the Customer.io signing key; nil signs with an empty key
	// Sync asks for syncValidation on the first SyncBudget events (the inlet allows 60 a minute).
	Sync  bool
	Wait  time.Duration
	Notes io.Writer // where a problem that does not stop the batch is told; nil discards it
}

// TestResult is what happened to one test event.
type TestResult struct {
	Event  string `json:"event"` // object.metric
	OK     bool   `json:"ok"`
	Status int    `json:"status,omitempty"` // HTTP status; 0 when no reply arrived
	Millis int64  `json:"ms"`
	Reason string `json:"reason,omitempty"` // for people: why it failed, or what was checked
	// Problems are what a refusal says is wrong, one line per field (ReadReply).
	Problems []string `json:"problems,omitempty"`
	// Reply is the endpoint's answer to a refused event, whole (a JSON string when it was not JSON).
	Reply json.RawMessage `json:"reply,omitempty"`
	// SyncValidation says the inlet validated the record before answering.
	SyncValidation bool `json:"syncValidation"`
	// Record is the mapped XDM record as the local platform stored it.
	Record json.RawMessage `json:"record,omitempty"`

	eventID string // the sample's event_id, to find its record
}

// SendTestEvents posts every sample in order, exactly as Customer.io would (one signed JSON object per
// POST), and returns one result per sample. On the local platform it then waits for each accepted event's
// record and reports what it became.
func SendTestEvents(ctx context.Context, b TestBatch, samples []assets.SampleEvent) ([]TestResult, error) {
	notes := cmp.Or[io.Writer](b.Notes, io.Discard)
	var evlog *local.EventLog
	var after int64
	if b.Local {
		var err error
		// Remember where the event log stood, so only this run's records count.
		if evlog, err = local.OpenEventLog(b.DataDir); err != nil {
			fmt.Fprintf(notes, "Cannot check the mapped records: %v\n", err)
		} else {
			defer evlog.Close()
			if after, err = lastSeq(ctx, evlog); err != nil {
				return nil, err
			}
		}
	}
	sender := &cio.Sender{Key: b.Key}
	results := make([]TestResult, len(samples))
	for i, s := range samples {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		sender.SyncValidation = b.Sync && i < SyncBudget
		results[i] = sendOne(ctx, sender, b.Endpoint, s)
	}
	if evlog != nil {
		if err := awaitRecords(ctx, evlog, after, b.DatasetID, results, b.Wait); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// sendOne posts one sample. A 429 to a syncValidation request means the per-minute budget is used up
// (perhaps by an earlier run): the event is sent again without it rather than counted as a failure.
func sendOne(ctx context.Context, s *cio.Sender, endpoint string, sample assets.SampleEvent) TestResult {
	r := TestResult{Event: sample.ObjectType + "." + sample.Metric, SyncValidation: s.SyncValidation}
	if ev, err := cio.DecodeEvent(sample.Body); err == nil {
		r.eventID = ev.EventID
	}
	reply, err := s.Send(ctx, endpoint, sample.Body)
	if err == nil && reply.Status == http.StatusTooManyRequests && s.SyncValidation {
		async := *s
		async.SyncValidation = false
		reply, err = async.Send(ctx, endpoint, sample.Body)
		r.SyncValidation = false
	}
	r.Status, r.Millis = reply.Status, reply.Duration.Milliseconds()
	switch {
	case err != nil:
		r.Reason = err.Error()
	case reply.OK():
		r.OK = true
		if r.SyncValidation {
			r.Reason = "accepted and validated"
		} else {
			r.Reason = "accepted"
		}
	default:
		rr := ReadReply(reply.Status, reply.Reply)
		r.Reason, r.Problems, r.Reply = rr.Summary, rr.Lines()[1:], replyJSON(reply.Reply)
	}
	return r
}

// replyJSON keeps an answer for --json: as it came when it is JSON, else as a JSON string.
func replyJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// lastSeq is the newest event's sequence number in the log, so later reads see only this run's events.
func lastSeq(ctx context.Context, log *local.EventLog) (int64, error) {
	var after int64
	for {
		page, err := log.Events(ctx, local.EventFilter{After: after, Limit: 1000})
		if err != nil {
			return 0, fmt.Errorf("read the local platform's events: %w", err)
		}
		if len(page) == 0 {
			return after, nil
		}
		after = page[len(page)-1].Seq
	}
}

// awaitRecords waits, up to wait, until every accepted event of results has its record (or its failure)
// in the local platform's dataset, and fills in Record or the reason it failed. Records are matched by
// the sample's event_id, which the Customer.io mapping carries; what stays unmatched is paired with the
// remaining records in arrival order, since events are sent one at a time.
func awaitRecords(ctx context.Context, log *local.EventLog, after int64, datasetID string, results []TestResult, wait time.Duration) error {
	pending := 0
	for _, r := range results {
		if r.OK {
			pending++
		}
	}
	deadline := time.Now().Add(wait)
	var events []local.Event
	for pending > 0 {
		page, err := log.Events(ctx, local.EventFilter{DatasetID: datasetID, After: after})
		if err != nil {
			return fmt.Errorf("read the local platform's events: %w", err)
		}
		events = append(events, page...)
		if len(page) > 0 {
			after = page[len(page)-1].Seq
		}
		if len(events) >= pending || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	matchRecords(results, events, wait)
	return nil
}

// matchRecords pairs results with events (see awaitRecords) and marks what has no record as failed.
func matchRecords(results []TestResult, events []local.Event, wait time.Duration) {
	used := make([]bool, len(events))
	matched := make([]bool, len(results))
	for i := range results {
		if !results[i].OK || results[i].eventID == "" {
			continue
		}
		needle := `"` + results[i].eventID + `"`
		for j, e := range events {
			if !used[j] && (strings.Contains(string(e.Record), needle) || strings.Contains(string(e.Raw), needle)) {
				used[j], matched[i] = true, true
				applyEvent(&results[i], e)
				break
			}
		}
	}
	next := 0
	for i := range results {
		if !results[i].OK || matched[i] {
			continue
		}
		for next < len(events) && used[next] {
			next++
		}
		if next == len(events) {
			results[i].OK = false
			results[i].Reason = fmt.Sprintf("accepted, but no record reached the dataset within %s", wait)
			continue
		}
		used[next] = true
		applyEvent(&results[i], events[next])
	}
}

func applyEvent(r *TestResult, e local.Event) {
	if e.Failed {
		r.OK = false
		r.Reason = "accepted, then failed: " + safetext.Line(e.Reason)
		return
	}
	r.Record = e.Record
	if r.SyncValidation {
		r.Reason = "validated; record in dataset " + e.DatasetID
	} else {
		r.Reason = "record in dataset " + e.DatasetID
	}
}
