package cio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Event is one Customer.io reporting-webhook event: the five keys every event carries, plus the whole
// object for mapping previews and suggestions.
type Event struct {
	EventID    string
	ObjectType string
	Metric     string
	Timestamp  int64 // Unix seconds
	Data       map[string]any
	// Payload is the whole event decoded the way encoding/json decodes into map[string]any (numbers are
	// float64), which is the form the mapping code reads. Data is the same map as Payload["data"].
	Payload map[string]any
}

// millisecondsFrom is a Unix timestamp that, read as seconds, lies in the year 5138: anything from it on was
// almost certainly written in milliseconds, a common mistake in hand-made sample files.
const millisecondsFrom = 100_000_000_000

// DecodeEvent reads one event as Customer.io sends it (one JSON object, no envelope) and checks the keys
// every event has: event_id, object_type and metric as non-empty strings, timestamp as a whole number of
// Unix seconds (as JSON Schema's "integer", 1613063089.0 counts) and data as an object. It does not reject
// unknown object types or metrics, because Customer.io adds them over time (WhatsApp arrived after Adobe's
// list) and they flow through unchanged. The errors are written for someone who picked a JSON file in the
// wizard.
func DecodeEvent(body []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev.Payload); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch trimmed := bytes.TrimSpace(body); {
		case !errors.As(err, &typeErr):
			return Event{}, fmt.Errorf("not JSON: %w", err)
		case trimmed[0] == '[':
			return Event{}, errors.New("not a Customer.io event: this is a JSON array, but Customer.io sends one event object per request; keep one event in the file")
		default:
			return Event{}, errors.New(`not a Customer.io event: expected a JSON object like {"event_id":…,"object_type":…,"metric":…,"timestamp":…,"data":{…}}`)
		}
	}
	if ev.Payload == nil {
		return Event{}, errors.New("not a Customer.io event: expected a JSON object, found null")
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"event_id", &ev.EventID}, {"object_type", &ev.ObjectType}, {"metric", &ev.Metric}} {
		v, ok := ev.Payload[f.key]
		if !ok {
			return Event{}, fmt.Errorf("not a Customer.io event: missing %s", f.key)
		}
		if *f.dst, _ = v.(string); *f.dst == "" {
			return Event{}, fmt.Errorf("not a Customer.io event: %s must be a non-empty string", f.key)
		}
	}
	v, ok := ev.Payload["timestamp"]
	if !ok {
		return Event{}, errors.New("not a Customer.io event: missing timestamp")
	}
	ts, isNumber := v.(float64)
	switch {
	case !isNumber || ts <= 0 || ts != math.Trunc(ts):
		return Event{}, fmt.Errorf("not a Customer.io event: timestamp must be a positive whole number of Unix seconds, got %s", describe(v))
	case ts >= millisecondsFrom:
		return Event{}, fmt.Errorf("not a Customer.io event: timestamp %.0f looks like milliseconds; Customer.io sends Unix seconds (%.0f)", ts, math.Floor(ts/1000))
	}
	ev.Timestamp = int64(ts)
	if _, ok := ev.Payload["data"]; !ok {
		return Event{}, errors.New("not a Customer.io event: missing data")
	}
	if ev.Data, _ = ev.Payload["data"].(map[string]any); ev.Data == nil {
		return Event{}, errors.New("not a Customer.io event: data must be an object")
	}
	return ev, nil
}

// describe shows a decoded JSON value briefly and safely in an error.
func describe(v any) string {
	b, _ := json.Marshal(v) // v came from json.Unmarshal, so it always encodes
	return summarize(b, 40)
}
