package local

import (
	"encoding/json"
	"testing"
	"time"
)

// TestEventAppendJSON: the hand-written line is the very object json.Marshal makes of an event, for
// escapes, non-ASCII text, an event received over several lines, and events with and without a record.
func TestEventAppendJSON(t *testing.T) {
	at := time.UnixMilli(1613063089123).UTC()
	cases := []Event{
		{Seq: 1, XactionID: "1:2:3", Sandbox: "prod", DatasetID: "ds", FlowID: "f", Received: at, Record: json.RawMessage(`{"_id":"a","n":1}`)},
		{Seq: 2, XactionID: "x", Sandbox: "dev", DatasetID: "ds", FlowID: "f", Received: at, Failed: true,
			Reason: "bad <field> & \"quote\" \\ tab\t line\n ctrl\x01 é 漢 \u2028 end",
			Raw:    json.RawMessage("{\n  \"a\": \"<b>\",\n  \"c\": [1, 2]\n}")},
		{Seq: 3, Received: time.UnixMilli(0).UTC(), Failed: true, Reason: "x"},
	}
	for _, e := range cases {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("event %d:\n got %s\nwant %s", e.Seq, got, want)
		}
	}
}
