package local

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// TestRunSummariesSurviveReopenAndBackfill: the run summaries the writer keeps match the events, and a
// database from before they existed (no summaries, no marker) gets the same ones on open.
func TestRunSummariesSurviveReopenAndBackfill(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, Config{DataDir: dir})
	d := localtest.NewDataflow(t, e.base, "prod")
	for _, ev := range []string{
		`{"event_id":"01A","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"a@example.com"}}}`,
		`{"event_id":"01B","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"b@example.com"}}}`,
		`{"event_id":"01C","object_type":"email","metric":"sent","data":{}}`,
	} {
		if st, body := d.Send(t, ev); st != http.StatusOK {
			t.Fatalf("send: %d %s", st, body)
		}
	}
	summary := func(p *Platform) string {
		return string(platformGet(t, p, p.issueToken("bench", time.Now()), flowBase+"/runs?property=flowId=="+d.Flow))
	}
	kept := summary(e.p)
	if want := `"failedRecordCount":1,"inputRecordCount":3,"outputRecordCount":2`; !strings.Contains(kept, want) {
		t.Fatalf("runs %s lack %s", kept, want)
	}
	// A database from before run summaries: drop them and the marker, then open it again.
	if _, err := e.p.st.db.Exec(`DELETE FROM runs; DELETE FROM meta WHERE key = 'runs'`); err != nil {
		t.Fatal(err)
	}
	p2, err := Open(Config{DataDir: filepath.Clean(dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if got := summary(p2); got != kept {
		t.Errorf("backfilled runs\n %s\nwant\n %s", got, kept)
	}
}
