package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// TestLocalEventsFailedListsRejections: requests the local inlet refused are listed by `local events
// --failed` beside the records that failed, with the status, the reason and the start of the request,
// sanitised for the terminal; --json marks them rejected.
func TestLocalEventsFailedListsRejections(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, _, stop := localServeInProcess(t, dir)
	d := localtest.NewDataflow(t, base, "prod")
	if st, body := d.Send(t, `{"event_id":"01BAD","object_type":"email","metric":"sent","data":{}}`); st != 200 {
		t.Fatalf("broken event: %d %s", st, body)
	}
	if st, _ := d.Send(t, "{\"event_id\": \"\x1b]52;c;ZXZpbA==\x07hostile\""); st != 400 {
		t.Fatalf("bad JSON answered %d", st)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}

	code, out, _ := localRun(context.Background(), "local", "events", "--data", dir, "--failed")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || !strings.Contains(lines[0], "FAILED") || !strings.Contains(lines[2], "REFUSED 400  Invalid JSON") {
		t.Fatalf("events --failed: exit %d\n%s", code, out)
	}
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) || !strings.Contains(lines[3], "hostile") {
		t.Errorf("the refused request is not shown sanitised: %q", lines[3])
	}

	code, out, _ = localRun(context.Background(), "local", "events", "--data", dir, "--failed", "--json")
	jl := strings.Split(strings.TrimSpace(out), "\n")
	var rej struct {
		Rejected bool   `json:"rejected"`
		Status   int    `json:"status"`
		Reason   string `json:"reason"`
		Dataset  string `json:"datasetId"`
	}
	if code != 0 || len(jl) != 2 || json.Unmarshal([]byte(jl[1]), &rej) != nil || !rej.Rejected || rej.Status != 400 || rej.Dataset != d.Dataset || !strings.Contains(rej.Reason, "not a JSON object") {
		t.Errorf("events --failed --json: exit %d\n%s", code, out)
	}

	// Without --failed the listing is what was ingested: the refused request is no event.
	code, out, _ = localRun(context.Background(), "local", "events", "--data", dir, "--json")
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 || strings.Contains(out, "rejected") {
		t.Errorf("events: exit %d\n%s", code, out)
	}
}
