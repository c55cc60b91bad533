package local

import (
	"encoding/json"
	"fmt"
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

// TestEachAcrossChunks: the event log is read in chunks; every event comes once, in order, and the
// filter's After, Failed and Limit hold across chunk boundaries.
func TestEachAcrossChunks(t *testing.T) {
	p, err := Open(Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const n = 2*eventChunk + 300
	done := make(chan error, n)
	for i := range n {
		go func() {
			row := eventRow{XactionID: fmt.Sprint(i), Sandbox: "prod", DatasetID: "ds", FlowID: "f", InletID: "in", ReceivedMs: int64(i)}
			if i%3 == 0 {
				row.Failed, row.Raw, row.Reason = true, []byte(fmt.Sprintf(`{"n":%d}`, i)), "bad"
			} else {
				row.Record = []byte(fmt.Sprintf(`{"n":%d}`, i))
			}
			done <- p.writer.write(t.Context(), row)
		}()
	}
	for range n {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	log := &EventLog{db: p.st.db}
	count := func(f EventFilter) (int, bool) {
		var last int64 = f.After
		got, ordered := 0, true
		err := log.Each(t.Context(), f, func(e *Event) error {
			if e.Seq <= last || (e.Failed && len(e.Raw) == 0) || (!e.Failed && len(e.Record) == 0) {
				ordered = false
			}
			last = e.Seq
			got++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, ordered
	}
	for _, c := range []struct {
		f    EventFilter
		want int
	}{
		{EventFilter{}, n},
		{EventFilter{After: eventChunk}, n - eventChunk},
		{EventFilter{Limit: eventChunk + 10}, eventChunk + 10},
		{EventFilter{Failed: true}, (n + 2) / 3},
		{EventFilter{Failed: true, Limit: 5}, 5},
	} {
		if got, ordered := count(c.f); got != c.want || !ordered {
			t.Errorf("%+v: %d events (want %d), in order with their bytes: %v", c.f, got, c.want, ordered)
		}
	}
	all, err := p.Events(t.Context(), EventFilter{})
	payloads := map[string]bool{} // each event's bytes are its own, not overwritten by a later chunk
	for _, e := range all {
		payloads[string(e.Record)+string(e.Raw)] = true
	}
	if err != nil || len(all) != n || len(payloads) != n {
		t.Errorf("Events: %d events, %d distinct payloads, want %d (%v)", len(all), len(payloads), n, err)
	}
}
