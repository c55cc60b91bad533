package local

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// cioExamples returns every request-body example of Customer.io's reporting-webhook spec (a copy of
// Customer.io's file in testdata).
func cioExamples(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile("testdata/reporting-webhooks-openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Webhooks map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Examples map[string]struct {
						Value json.RawMessage `json:"value"`
					} `json:"examples"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"webhooks"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for name, ops := range spec.Webhooks {
		for method, op := range ops {
			for _, c := range op.RequestBody.Content {
				for ex, v := range c.Examples {
					out[name+"/"+method+"/"+ex] = v.Value
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("the Customer.io spec has no request-body examples")
	}
	return out
}

// TestCustomerIOExamples sends every example to an inlet: each becomes exactly one mapped record with
// the event's _id and an RFC 3339 timestamp, and a broken event becomes one failed record with a reason.
func TestCustomerIOExamples(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	examples := cioExamples(t)
	type want struct{ id, ts string }
	wants := map[string]want{} // by xactionId
	for name, body := range examples {
		var ev struct {
			EventID   string `json:"event_id"`
			Timestamp int64  `json:"timestamp"`
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := postInlet(t, d.WebhookURL(), string(body), nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, r.status, r.raw)
		}
		wants[str(r.obj, "xactionId")] = want{ev.EventID, time.Unix(ev.Timestamp, 0).UTC().Format("2006-01-02T15:04:05.000Z")}
	}
	broken := `{"event_id":"01BROKEN","object_type":"email","metric":"sent","data":{}}` // no timestamp
	if r := postInlet(t, d.WebhookURL(), broken, nil); r.status != http.StatusOK {
		t.Fatalf("broken event: async inlets accept and fail later, got %d %s", r.status, r.raw)
	}

	mapped, err := e.p.Events(t.Context(), EventFilter{DatasetID: d.Dataset})
	if err != nil {
		t.Fatal(err)
	}
	failed, err := e.p.Events(t.Context(), EventFilter{DatasetID: d.Dataset, Failed: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(mapped) != len(examples)+1 || len(failed) != 1 {
		t.Fatalf("%d events (%d failed) for %d examples + 1 broken", len(mapped), len(failed), len(examples))
	}
	for _, ev := range mapped {
		if ev.Failed {
			continue
		}
		w, ok := wants[ev.XactionID]
		if !ok {
			t.Errorf("unexpected event %s", ev.XactionID)
			continue
		}
		delete(wants, ev.XactionID)
		var rec map[string]any
		if err := json.Unmarshal(ev.Record, &rec); err != nil {
			t.Fatal(err)
		}
		ts, _ := rec["timestamp"].(string)
		if _, err := time.Parse(time.RFC3339, ts); err != nil || ts != w.ts {
			t.Errorf("timestamp %q, want RFC 3339 %q", ts, w.ts)
		}
		if rec["_id"] != w.id {
			t.Errorf("_id %v, want %s", rec["_id"], w.id)
		}
	}
	if len(wants) != 0 {
		t.Errorf("examples without a record: %v", wants)
	}
	f := failed[0]
	if f.Record != nil || !strings.Contains(f.Reason, "timestamp") || !strings.Contains(string(f.Raw), "01BROKEN") {
		t.Errorf("failed record: reason %q raw %s", f.Reason, f.Raw)
	}
}
