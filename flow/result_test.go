package flow

import "testing"

// TestWebhookURL: the one builder of the address Customer.io posts to puts the flow id in the query,
// escaped, after any query the inlet URL already has.
func TestWebhookURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[[2]string]string{
		{"https://dcs.adobedc.net/collection/abc", "f-1"}:     "https://dcs.adobedc.net/collection/abc?x-adobe-flow-id=f-1",
		{"https://dcs.adobedc.net/collection/abc?a=1", "f 2"}: "https://dcs.adobedc.net/collection/abc?a=1&x-adobe-flow-id=f+2",
		{"http://127.0.0.1:8790/collection/abc", "f&x=y"}:     "http://127.0.0.1:8790/collection/abc?x-adobe-flow-id=f%26x%3Dy",
	} {
		if got := webhookURL(in[0], in[1]); got != want {
			t.Errorf("webhookURL(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
	df := Dataflow{ID: "f-1", InletURL: "https://dcs.adobedc.net/collection/abc"}
	if r := df.Result(); r.WebhookURL != df.WebhookURL() || r.FlowID != "f-1" || r.Created == nil {
		t.Errorf("Dataflow.Result = %+v", r)
	}
	if (Dataflow{ID: "f-1"}).WebhookURL() != "" {
		t.Error("a dataflow without an inlet has a webhook URL")
	}
}
