package cmd

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
)

// adobeValidationReply is the failed syncValidation answer of help/ingestion/quality/streaming-validation.md.
const adobeValidationReply = `{"type":"http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet","status":400,
"title":"Invalid XDM Message Format","report":{"message":"inletId: [6aca7aa2d87ebd6b2780ca5724d94324a14475f140a2b69373dd5c714430dfd4] imsOrgId: [7BF122A65C5B3FE40A494026@AdobeOrg] Message is invalid",
"cause":{"_streamingValidation":[{"schemaLocation":"#","pointerToViolation":"#","causingExceptions":[
{"schemaLocation":"#","pointerToViolation":"#","causingExceptions":[],"keyword":"additionalProperties","message":"extraneous key [workEmail] is not permitted"},
{"schemaLocation":"#/properties/_id","pointerToViolation":"#/_id","causingExceptions":[],"keyword":"type","message":"expected type: String, found: Long"}],
"message":"2 schema violations found"}]}}}`

// TestSendTestReadsARefusalPerField: Adobe's refusal reads as one line per field, never as cut JSON,
// and --json carries those lines and the whole answer.
func TestSendTestReadsARefusalPerField(t *testing.T) {
	paths := isolateHome(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, adobeValidationReply)
	}))
	t.Cleanup(srv.Close)
	stWriteResult(t, paths, flow.Result{WebhookURL: srv.URL + "/collection/abc?x-adobe-flow-id=f-1", FlowID: "f-1", DatasetID: "d-1"})

	r := stRun(t, "send-test", "--event", "email.sent", "--sync")
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want 1:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"400", "Invalid XDM Message Format\n", "    `workEmail`: is not a field of this schema\n", "    `_id`: expected type: String, found: Long\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "{") || strings.Contains(r.stdout, "inletId") {
		t.Errorf("stdout shows the raw answer:\n%s", r.stdout)
	}

	r = stRun(t, "send-test", "--event", "email.sent", "--sync", "--json")
	results := stDecode(t, r.stdout)
	if len(results) != 1 {
		t.Fatalf("results: %s", r.stdout)
	}
	got := results[0]
	if got.Reason != "Invalid XDM Message Format" || len(got.Problems) != 2 || got.Problems[1] != "`_id`: expected type: String, found: Long" {
		t.Errorf("json result %+v", got)
	}
	var whole, sent any
	_ = json.Unmarshal([]byte(adobeValidationReply), &sent)
	if err := json.Unmarshal(got.Reply, &whole); err != nil || !jsonEqual(whole, sent) {
		t.Errorf("reply in --json is not the whole answer: %v %s", err, got.Reply)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
