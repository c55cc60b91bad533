// Package assets holds the data cioaep embeds in its binary: sample Customer.io events, the XDM field-group
// template, the default mapping and help text. It imports nothing from the project, so every package may
// use it.
package assets

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

// eventFiles holds one Customer.io reporting-webhook event per object type and metric, as
// events/<object_type>/<metric>.json. They serve as mapping samples in the wizard and as the bodies
// `cioaep send-test` posts. Each is valid against Customer.io's reporting-webhooks OpenAPI schemas (see
// events_test.go) and uses one made-up person, id "42", so a test can follow records end to end. The
// email_sent, sms_sent and customer_subscribed samples start from the spec's request-body examples.
//
//go:embed events
var eventFiles embed.FS

// SampleEvent is one embedded sample: the raw JSON body, exactly as Customer.io would post it.
type SampleEvent struct {
	ObjectType string
	Metric     string
	Body       []byte
}

// Sample returns the sample body for an object type and metric (e.g. "email", "sent"). The slice is the
// caller's own copy.
func Sample(objectType, metric string) ([]byte, bool) {
	if strings.Contains(objectType, "/") || strings.Contains(metric, "/") {
		return nil, false
	}
	body, err := eventFiles.ReadFile(path.Join("events", objectType, metric+".json"))
	return body, err == nil
}

// Samples returns every embedded sample, ordered by object type and then metric name.
func Samples() []SampleEvent {
	var out []SampleEvent
	// WalkDir visits in lexical order and the embedded tree cannot fail to read, so errors are impossible.
	_ = fs.WalkDir(eventFiles, "events", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		body, err := eventFiles.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, SampleEvent{
			ObjectType: path.Base(path.Dir(p)),
			Metric:     strings.TrimSuffix(path.Base(p), ".json"),
			Body:       body,
		})
		return nil
	})
	return out
}
