package flow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local"
)

func TestMatchRecordsPairsByEventIDThenArrival(t *testing.T) {
	t.Parallel()
	results := []TestResult{
		{Event: "a", OK: true, eventID: "A"},
		{Event: "b", OK: false, Reason: "refused"},
		{Event: "c", OK: true, eventID: "C"},
		{Event: "d", OK: true, eventID: "D"},
		{Event: "e", OK: true, eventID: "E"},
	}
	events := []local.Event{
		{Seq: 1, DatasetID: "ds", Record: json.RawMessage(`{"x":{"event_id":"C"}}`)},
		{Seq: 2, DatasetID: "ds", Record: json.RawMessage(`{"x":{"other":1}}`)}, // a mapping without event_id
		{Seq: 3, DatasetID: "ds", Failed: true, Reason: "XDM validation failed: y", Raw: json.RawMessage(`{"event_id":"D"}`)},
	}
	matchRecords(results, events, time.Second)
	if string(results[2].Record) != `{"x":{"event_id":"C"}}` || !results[2].OK {
		t.Errorf("c: %+v, want the record with its event_id", results[2])
	}
	if results[3].OK || !strings.Contains(results[3].Reason, "XDM validation failed: y") {
		t.Errorf("d: %+v, want failed with the platform's reason", results[3])
	}
	if string(results[0].Record) != `{"x":{"other":1}}` {
		t.Errorf("a: %+v, want the unmatched record in arrival order", results[0])
	}
	if results[4].OK || !strings.Contains(results[4].Reason, "no record reached the dataset within 1s") {
		t.Errorf("e: %+v, want failed for lack of a record", results[4])
	}
	if results[1].OK || results[1].Reason != "refused" {
		t.Errorf("b changed: %+v", results[1])
	}
}
