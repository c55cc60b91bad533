package flow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/local/localtest"
)

// TestSendTestEventsOnTheLocalPlatform sends a sample and a broken event, signed and validated
// synchronously, to a local platform this process starts: the sample is followed to its mapped record,
// and the refusal, answered in the shape Adobe documents for syncValidation, is read as one line per field.
func TestSendTestEventsOnTheLocalPlatform(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base, stop, err := flow.LocalPlatform(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	d := localtest.NewDataflow(t, base, "prod")
	good, ok := assets.Sample("email", "sent")
	if !ok {
		t.Fatal("no email.sent sample")
	}
	bad := assets.SampleEvent{ObjectType: "email", Metric: "broken",
		Body: []byte(`{"event_id":"x","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":{"not":"a string"}}}}`)}
	results, err := flow.SendTestEvents(ctx, flow.TestBatch{Endpoint: d.WebhookURL(), Local: true, DataDir: dir, DatasetID: d.Dataset,
		Sync: true, Wait: 5 * time.Second}, []assets.SampleEvent{{ObjectType: "email", Metric: "sent", Body: good}, bad})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; !r.OK || !r.SyncValidation || len(r.Record) == 0 || !strings.Contains(r.Reason, "record in dataset "+d.Dataset) {
		t.Errorf("the sample: %+v, want accepted, validated and its record found", r)
	}
	r := results[1]
	if r.OK || r.Status != 400 || r.Reason != "Invalid XDM Message Format" || len(r.Reply) == 0 {
		t.Errorf("the broken event: %+v, want refused with the inlet's summary and its answer kept", r)
	}
	found := false
	for _, p := range r.Problems {
		found = found || (strings.HasPrefix(p, "`_") && strings.HasSuffix(p, ".customerio.email`: want a string, got an object"))
	}
	if !found {
		t.Errorf("problems %q, want one line naming the email field", r.Problems)
	}
}
