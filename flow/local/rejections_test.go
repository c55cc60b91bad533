package local

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// signedPost posts body to url signed with key as Customer.io signs, over real HTTP.
func signedPost(t *testing.T, url, key, body string) resp {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return postInlet(t, url, body, map[string]string{cio.HeaderTimestamp: ts, cio.HeaderSignature: cio.Sign([]byte(key), ts, []byte(body))})
}

// TestInletRejectionsAreListed: every request the inlet refuses (bad JSON, a bad signature, too large, a
// failed syncValidation) is listed with its status and reason among the failed records, in time order,
// bounded in size, and never counted as a record.
func TestInletRejectionsAreListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{SigningKey: "cio-key", KeepRejections: 4})
	d := localtest.NewDataflow(t, e.base, "prod")
	good := `{"event_id":"01HGOOD","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"a@example.com","id":"42"}}}`
	noTime := `{"event_id":"01HNOTIME","object_type":"email","metric":"sent","data":{"identifiers":{"email":"a@example.com","id":"42"}}}`

	steps := []struct {
		name   string
		post   func() resp
		status int
		reason string
	}{
		{"not JSON", func() resp { return signedPost(t, d.WebhookURL(), "cio-key", `{"event_id":`) }, 400, "Invalid JSON"},
		{"bad signature", func() resp { return signedPost(t, d.WebhookURL(), "other-key", good) }, 401, "signature check failed"},
		{"accepted", func() resp { return signedPost(t, d.WebhookURL(), "cio-key", good) }, 200, ""},
		{"fails later", func() resp { return signedPost(t, d.WebhookURL(), "cio-key", noTime) }, 200, ""},
		{"syncValidation", func() resp {
			return signedPost(t, d.WebhookURL()+"&syncValidation=true", "cio-key", strings.Replace(noTime, "01HNOTIME", "01HSYNC", 1))
		}, 400, "timestamp"},
		{"too large", func() resp {
			return signedPost(t, d.WebhookURL(), "cio-key", `{"event_id":"big","pad":"`+strings.Repeat("x", 1<<20)+`"}`)
		}, 413, "larger than 1 MB"},
	}
	for _, s := range steps {
		if r := s.post(); r.status != s.status {
			t.Fatalf("%s: %d %s, want %d", s.name, r.status, r.raw, s.status)
		}
		time.Sleep(2 * time.Millisecond) // distinct arrival times, so the expected order is the only one
	}

	failed, err := e.p.Events(t.Context(), EventFilter{DatasetID: d.Dataset, Failed: true, Rejections: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range failed {
		got = append(got, strconv.Itoa(ev.Status))
	}
	if want := "400 401 0 400 413"; strings.Join(got, " ") != want {
		t.Fatalf("failed listing has statuses %q, want %q (the failed record, status 0, between the refusals)", strings.Join(got, " "), want)
	}
	for i, ev := range failed {
		want := steps[map[int]int{0: 0, 1: 1, 2: 3, 3: 4, 4: 5}[i]]
		if ev.Rejected != (ev.Status != 0) || !strings.Contains(ev.Reason, want.reason) || ev.DatasetID != d.Dataset || ev.FlowID != d.Flow {
			t.Errorf("%s: %+v", want.name, ev)
		}
	}
	big := failed[4]
	if len(big.Raw) != maxRejectionRaw || big.RawBytes <= maxRejectionRaw || !strings.HasPrefix(string(big.Raw), `{"event_id":"big"`) {
		t.Errorf("the 413's body is kept as %d of %d bytes, want the first %d", len(big.Raw), big.RawBytes, maxRejectionRaw)
	}
	if len(failed[0].Reason) > maxRejectionReason {
		t.Errorf("reason of %d bytes", len(failed[0].Reason))
	}

	// Without Rejections, and in the run's counts, only records count: two arrived, one failed.
	records, err := e.p.Events(t.Context(), EventFilter{DatasetID: d.Dataset})
	if err != nil || len(records) != 2 || records[0].Rejected || records[1].Rejected {
		t.Fatalf("records: %v %+v", err, records)
	}

	// Following: past the last of each kind nothing is listed again; a new refusal is.
	var f EventFilter
	f.Failed, f.Rejections = true, true
	for i := range failed {
		f.Seen(&failed[i])
	}
	signedPost(t, d.WebhookURL(), "cio-key", `[1,2]`)
	more, err := e.p.Events(t.Context(), f)
	if err != nil || len(more) != 1 || !more[0].Rejected || more[0].Status != 400 || string(more[0].Raw) != `[1,2]` {
		t.Fatalf("after following: %v %+v", err, more)
	}

	// Limit counts both kinds.
	two, err := e.p.Events(t.Context(), EventFilter{Failed: true, Rejections: true, Limit: 2})
	if err != nil || len(two) != 2 {
		t.Fatalf("limit 2: %v, %d listed", err, len(two))
	}

	// Only the newest KeepRejections are kept: five refusals were made, four stay.
	all, err := e.p.Events(t.Context(), EventFilter{Failed: true, Rejections: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range all {
		if ev.Rejected {
			n++
		}
	}
	if n != 4 || !all[0].Received.Before(all[len(all)-1].Received) {
		t.Errorf("%d rejections kept, want 4, oldest first", n)
	}
}

// TestInletSyncValidationAnswersPerField: a failed syncValidation is answered in the shape Adobe
// documents (help/ingestion/quality/streaming-validation.md): a count of violations whose
// causingExceptions point at each field (flow's TestSendTestEventsOnTheLocalPlatform reads them as one
// line per field; flow imports this package, so the reading is tested there).
func TestInletSyncValidationAnswersPerField(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	bad := postInlet(t, d.WebhookURL()+"&syncValidation=true", `{"event_id":"x","object_type":"email","metric":"sent","data":{"identifiers":{"email":"not an address"}}}`, nil)
	if bad.status != http.StatusBadRequest {
		t.Fatalf("%d %s", bad.status, bad.raw)
	}
	sv, _ := bad.obj["report"].(map[string]any)["cause"].(map[string]any)["_streamingValidation"].([]any)
	if len(sv) != 1 {
		t.Fatalf("_streamingValidation: %s", bad.raw)
	}
	top := sv[0].(map[string]any)
	causes, _ := top["causingExceptions"].([]any)
	if top["pointerToViolation"] != "#" || !strings.HasSuffix(str(top, "message"), "schema violations found") || len(causes) == 0 {
		t.Fatalf("not Adobe's shape: %s", bad.raw)
	}
	if p := str(causes[0], "pointerToViolation"); !strings.HasPrefix(p, "#/") {
		t.Errorf("pointer %q", p)
	}
}

func TestViolationPointer(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{"": "#", "timestamp": "#/timestamp", "_acme.customerio.url": "#/_acme/customerio/url",
		"list[2].c": "#/list/2/c", "a~b": "#/a~0b"} {
		if got := violationPointer(path); got != want {
			t.Errorf("%q → %q, want %q", path, got, want)
		}
	}
}
