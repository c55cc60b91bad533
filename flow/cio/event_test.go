package cio

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeEventSpecExample(t *testing.T) {
	t.Parallel()
	ev, err := DecodeEvent(readBody(t, "spec-email-sent.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventID != "01E4C4CT6YDC7Y5M7FE1GWWPQJ" || ev.ObjectType != "email" || ev.Metric != "sent" || ev.Timestamp != 1613063089 {
		t.Fatalf("decoded %+v", ev)
	}
	if ev.Data["recipient"] != "test@example.com" || ev.Payload["data"].(map[string]any)["delivery_id"] != "RPILAgUBcRhIBqSfeiIwdIYJKxTY" {
		t.Fatalf("data = %v", ev.Data)
	}
}

func TestDecodeEventAcceptsUnknownTypesAndWholeFloats(t *testing.T) {
	t.Parallel()
	ev, err := DecodeEvent([]byte(`{"event_id":"x","object_type":"carrier_pigeon","metric":"landed","timestamp":1613063089.0,"data":{}}`))
	if err != nil || ev.ObjectType != "carrier_pigeon" || ev.Timestamp != 1613063089 {
		t.Fatalf("DecodeEvent = %+v, %v", ev, err)
	}
}

func TestDecodeEventErrors(t *testing.T) {
	t.Parallel()
	valid := map[string]any{"event_id": "01E4C4CT6YDC7Y5M7FE1GWWPQJ", "object_type": "email", "metric": "sent", "timestamp": 1613063089, "data": map[string]any{}}
	with := func(key string, value any) string {
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		if value == nil {
			delete(m, key)
		} else {
			m[key] = value
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct{ name, body, want string }{
		{"empty", "", "not JSON"},
		{"garbage", "event_id=1", "not JSON"},
		{"truncated", `{"event_id":`, "not JSON"},
		{"array", `[` + with("metric", "sent") + `]`, "JSON array"},
		{"string", `"hello"`, "expected a JSON object"},
		{"null", `null`, "found null"},
		{"missing event_id", with("event_id", nil), "not a Customer.io event: missing event_id"},
		{"missing object_type", with("object_type", nil), "not a Customer.io event: missing object_type"},
		{"missing metric", with("metric", nil), "not a Customer.io event: missing metric"},
		{"missing timestamp", with("timestamp", nil), "not a Customer.io event: missing timestamp"},
		{"missing data", with("data", nil), "not a Customer.io event: missing data"},
		{"numeric metric", with("metric", 3), "metric must be a non-empty string"},
		{"empty object_type", with("object_type", ""), "object_type must be a non-empty string"},
		{"timestamp as text", with("timestamp", "1613063089"), `timestamp must be a positive whole number of Unix seconds, got "1613063089"`},
		{"fractional timestamp", with("timestamp", 1613063089.5), "whole number"},
		{"negative timestamp", with("timestamp", -5), "positive"},
		{"milliseconds", with("timestamp", int64(1613063089000)), "looks like milliseconds; Customer.io sends Unix seconds (1613063089)"},
		{"data array", with("data", []int{1}), "data must be an object"},
		{"data null", strings.Replace(with("data", map[string]any{}), `"data":{}`, `"data":null`, 1), "data must be an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeEvent([]byte(c.body))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("DecodeEvent(%s) = %v, want an error containing %q", c.body, err, c.want)
			}
		})
	}
}

// FuzzDecodeEvent checks that DecodeEvent never panics and that whatever it accepts survives a round trip
// through encoding/json with the same five keys, so a sample loaded in the wizard is what gets sent.
func FuzzDecodeEvent(f *testing.F) {
	f.Add(readBody(f, "spec-email-sent.json"))
	f.Add(readBody(f, "pretty-utf8-newline.json"))
	f.Add([]byte(`{"event_id":"a","object_type":"b","metric":"c","timestamp":1e9,"data":{}}`))
	f.Add([]byte(`[{"event_id":"a"}]`))
	f.Add([]byte(`{"timestamp":99999999999.9}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := DecodeEvent(body)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\x1b\r") {
				t.Fatalf("error carries control characters: %q", err)
			}
			return
		}
		if ev.Timestamp <= 0 || ev.Timestamp >= millisecondsFrom || ev.EventID == "" || ev.ObjectType == "" || ev.Metric == "" || ev.Data == nil {
			t.Fatalf("accepted an incomplete event: %+v", ev)
		}
		again, err := json.Marshal(ev.Payload)
		if err != nil {
			t.Fatal(err)
		}
		ev2, err := DecodeEvent(again)
		if err != nil {
			t.Fatalf("re-encoded event rejected: %v", err)
		}
		if ev2.EventID != ev.EventID || ev2.ObjectType != ev.ObjectType || ev2.Metric != ev.Metric || ev2.Timestamp != ev.Timestamp {
			t.Fatalf("round trip changed the event: %+v → %+v", ev, ev2)
		}
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	body := readBody(b, "spec-email-sent.json")
	for b.Loop() {
		if _, err := DecodeEvent(body); err != nil {
			b.Fatal(err)
		}
	}
}
