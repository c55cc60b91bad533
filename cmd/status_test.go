package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/creds/credstest"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

// opsWorld is a local platform over real HTTP and XDG directories of its own, for the status, teardown
// and reconfigure commands: cioaep runs against it as against Adobe with CIOAEP_PLATFORM_URL set.
type opsWorld struct {
	root, url string
	platform  *local.Platform
}

const opsSecret = "ops-test-secret"

func newOpsWorld(t *testing.T) *opsWorld {
	t.Helper()
	w := &opsWorld{root: t.TempDir()}
	p, err := local.Open(local.Config{DataDir: filepath.Join(w.root, "platform")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	p.SetBaseURL(srv.URL)
	w.url, w.platform = srv.URL, p
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	for k, v := range map[string]string{
		"XDG_CONFIG_HOME": filepath.Join(w.root, "config"), "XDG_STATE_HOME": filepath.Join(w.root, "state"),
		"XDG_DATA_HOME": filepath.Join(w.root, "data"), "HOME": w.root,
		aep.EnvPlatformURL: w.url, aep.EnvIMSURL: w.url, creds.EnvClientSecret: opsSecret,
	} {
		t.Setenv(k, v)
	}
	// The OS keychain is the developer's own: should it hold an App API key for "default", a move must
	// still never reach the real Customer.io. Tests that exercise the App API point this at a stand-in.
	cio := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected Customer.io App API call: %s %s", r.Method, r.URL.Path)
		rw.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(cio.Close)
	t.Setenv(EnvCIOAPIURL, cio.URL)
	return w
}

type opsRun struct {
	code           int
	stdout, stderr string
}

func (w *opsWorld) run(args ...string) opsRun {
	var out, errb bytes.Buffer
	g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}
	code := Run(context.Background(), g, args)
	return opsRun{code, out.String(), errb.String()}
}

// mustRun runs a command line and fails the test unless it exits with want.
func (w *opsWorld) mustRun(t *testing.T, want int, args ...string) opsRun {
	t.Helper()
	r := w.run(args...)
	if r.code != want {
		t.Fatalf("cioaep %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r
}

// setUp runs non-interactive setup with the Customer.io schema; extra flags replace the destination.
func (w *opsWorld) setUp(t *testing.T, destination ...string) {
	t.Helper()
	if destination == nil {
		destination = []string{"--new-dataset", "Customer.io events", "--new-schema"}
	}
	args := append([]string{"setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", "ops-test"}, destination...)
	w.mustRun(t, ExitOK, args...)
}

func (w *opsWorld) client() *aep.Client {
	return aep.New(aep.Config{PlatformURL: w.url, IMSURL: w.url, OrgID: local.OrgID, ClientID: "ops-test", ClientSecret: opsSecret})
}

// postOpsEvent sends one Customer.io event to the webhook URL.
func postOpsEvent(t *testing.T, webhook, event string) {
	t.Helper()
	res, err := http.Post(webhook, "application/json", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("inlet answered %d", res.StatusCode)
	}
}

const opsEvent = `{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQJ","object_type":"email","metric":"sent","timestamp":1613063089,
 "data":{"identifiers":{"id":"42","email":"ada@example.com","cio_id":"d9c106000001"},"recipient":"ada@example.com"}}`

// statusFields are the documented keys of `status --json`, object by object (README.md, "status --json").
var statusFields = map[string][]string{
	"":         {"profile", "platform", "sandbox", "secret", "dataflow", "events", "runs", "totals", "lastHour", "found", "attention", "ok"},
	"lastHour": {"received", "ingested", "failed", "perMinute", "error"},
	"secret":   {"location", "plaintext", "plaintextFile", "usable", "problem"},
	"dataflow": {"id", "name", "state", "planId", "webhookUrl", "inletUrl", "sourceConnectionId", "targetConnectionId", "datasetId", "datasetName", "schemaId", "mappingSetId", "mappingVersion", "lastActivity"},
	"runs[]":   {"id", "started", "status", "input", "output", "failed", "errors"},
	"totals":   {"input", "output", "failed"},
}

// statusKeys checks that obj has exactly the documented keys.
func statusKeys(t *testing.T, where string, obj any) map[string]any {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("status --json %q is %T, want an object", where, obj)
	}
	got := slices.Sorted(maps.Keys(m))
	want := slices.Sorted(slices.Values(statusFields[where]))
	if !slices.Equal(got, want) {
		t.Errorf("status --json %q has keys %v, documented %v", where, got, want)
	}
	return m
}

func decodeStatus(t *testing.T, stdout string) map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("status --json printed no JSON (%v): %q", err, stdout)
	}
	return statusKeys(t, "", v)
}

// Must-show 5: every documented status --json field is there with the right value, and the exit code is
// 1 exactly when something needs attention.
func TestStatusJSONFieldsAndExitCodes(t *testing.T) {
	w := newOpsWorld(t)
	r := w.mustRun(t, ExitFailed, "status", "--json")
	st := decodeStatus(t, r.stdout)
	if st["ok"] != false || st["dataflow"] != nil || !strings.Contains(r.stdout, "not set up") {
		t.Errorf("status before setup = %s", r.stdout)
	}

	w.setUp(t)
	res, err := lastSetup(creds.DefaultPaths(), "default")
	if err != nil {
		t.Fatal(err)
	}
	postOpsEvent(t, res.WebhookURL, opsEvent)
	r = w.mustRun(t, ExitOK, "status", "--json")
	st = decodeStatus(t, r.stdout)
	secret := statusKeys(t, "secret", st["secret"])
	df := statusKeys(t, "dataflow", st["dataflow"])
	totals := statusKeys(t, "totals", st["totals"])
	hour := statusKeys(t, "lastHour", st["lastHour"])
	if pm, _ := hour["perMinute"].([]any); len(pm) != 60 || hour["received"] != 1.0 || hour["ingested"] != 1.0 || hour["error"] != "" {
		t.Errorf("lastHour = %v, want the one event in 60 minutes", hour)
	}
	runs, _ := st["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("runs = %v, want the one run of the event sent", st["runs"])
	}
	run := statusKeys(t, "runs[]", runs[0])
	for what, got := range map[string][2]any{
		"profile":             {st["profile"], "default"},
		"platform":            {st["platform"], "adobe"},
		"sandbox":             {st["sandbox"], "prod"},
		"ok":                  {st["ok"], true},
		"secret.location":     {secret["location"], "environment"},
		"secret.plaintext":    {secret["plaintext"], false},
		"secret.usable":       {secret["usable"], true},
		"secret.problem":      {secret["problem"], ""},
		"dataflow.id":         {df["id"], res.FlowID},
		"dataflow.state":      {df["state"], "enabled"},
		"dataflow.webhookUrl": {df["webhookUrl"], res.WebhookURL},
		"dataflow.inletUrl":   {df["inletUrl"], res.InletURL},
		"dataflow.datasetId":  {df["datasetId"], res.DatasetID},
		"dataflow.schemaId":   {df["schemaId"], res.SchemaID},
		"dataflow.source":     {df["sourceConnectionId"], res.SourceConnectionID},
		"dataflow.target":     {df["targetConnectionId"], res.TargetConnectionID},
		"dataflow.mapping":    {df["mappingSetId"], res.MappingSetID},
		"dataflow.version":    {df["mappingVersion"], 0.0},
		"runs[0].input":       {run["input"], 1.0},
		"runs[0].output":      {run["output"], 1.0},
		"runs[0].failed":      {run["failed"], 0.0},
		"runs[0].status":      {run["status"], "success"},
		"totals.input":        {totals["input"], 1.0},
		"totals.failed":       {totals["failed"], 0.0},
	} {
		if got[0] != got[1] {
			t.Errorf("status --json %s = %v, want %v", what, got[0], got[1])
		}
	}
	if name, _ := df["name"].(string); !strings.Contains(name, "(cioaep "+df["planId"].(string)+")") {
		t.Errorf("dataflow.name %q does not carry dataflow.planId %q", name, df["planId"])
	}
	if _, err := time.Parse(time.RFC3339, df["lastActivity"].(string)); err != nil {
		t.Errorf("dataflow.lastActivity: %v", err)
	}
	if _, err := time.Parse(time.RFC3339, run["started"].(string)); err != nil {
		t.Errorf("runs[0].started: %v", err)
	}
	if ev, _ := st["events"].([]any); len(ev) != len(flow.Catalog) {
		t.Errorf("events of a profile set up with --events all: %v, want every object type", st["events"])
	}
	if a, _ := st["attention"].([]any); len(a) != 0 || len(st["found"].([]any)) != 0 {
		t.Errorf("events/attention/found of a healthy, freshly set up profile: %v / %v / %v", st["events"], st["attention"], st["found"])
	}

	w.mustRun(t, ExitOK, "reconfigure", "--non-interactive", "--disable", "--events", "email,sms")
	r = w.mustRun(t, ExitFailed, "status", "--json")
	st = decodeStatus(t, r.stdout)
	if ev, _ := st["events"].([]any); len(ev) != 2 || !strings.Contains(r.stdout, "disabled") || st["ok"] != false {
		t.Errorf("status of a disabled flow = %s", r.stdout)
	}
	text := w.mustRun(t, ExitFailed, "status")
	for _, want := range []string{"Customer.io reporting webhook", "○ disabled", res.WebhookURL, "█", "! the dataflow is disabled"} {
		if !strings.Contains(text.stdout, want) { // on stdout, so cioaep status | less shows it
			t.Errorf("status text on stdout lacks %q:\n%s", want, text.stdout)
		}
	}
}

// The secret's whereabouts: a plaintext file is flagged, and a secret that cannot be read is exit 1.
func TestStatusSecretLocation(t *testing.T) {
	w := newOpsWorld(t)
	w.setUp(t)
	t.Setenv(creds.EnvClientSecret, "")
	kc := credstest.NewMemKeychain()
	kc.Fail(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	secrets := creds.NewSecrets(creds.DefaultPaths(), creds.WithKeychain(kc, time.Second))
	status := func() (map[string]any, error) {
		var out, errb bytes.Buffer
		g := &Factory{Profile: "default", JSON: true, IO: &IOStreams{Out: &out, ErrOut: &errb}}
		err := runStatus(context.Background(), g, &statusOptions{secrets: secrets})
		return decodeStatus(t, out.String()), err
	}

	st, err := status()
	secret := statusKeys(t, "secret", st["secret"])
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitFailed || secret["usable"] != false || !strings.Contains(secret["problem"].(string), "keychain") {
		t.Errorf("with no readable secret: err=%v secret=%v", err, secret)
	}

	if _, err := secrets.Set(context.Background(), "default", creds.ClientSecret, opsSecret, true); err != nil {
		t.Fatal(err)
	}
	st, err = status()
	secret = statusKeys(t, "secret", st["secret"])
	if err != nil || secret["plaintext"] != true || secret["location"] != "plaintext file" || secret["plaintextFile"] != secrets.PlaintextPath() {
		t.Errorf("with a plaintext secret: err=%v secret=%v", err, secret)
	}
	var text bytes.Buffer
	printStatus(&text, statusReport{Profile: "default", Secret: statusSecret{Location: "plaintext file", Plaintext: true, PlaintextFile: secrets.PlaintextPath()}})
	if !strings.Contains(text.String(), "PLAINTEXT FILE") {
		t.Errorf("status text does not flag plaintext storage:\n%s", text.String())
	}
}
