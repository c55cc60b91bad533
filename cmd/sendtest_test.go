package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/local"
)

// stRun runs a command line in-process with fresh buffers, as the binary would.
type stResult struct {
	code           int
	stdout, stderr string
}

func stRun(t *testing.T, args ...string) stResult {
	t.Helper()
	var out, errb bytes.Buffer
	g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}
	code := Run(context.Background(), g, args)
	return stResult{code, out.String(), errb.String()}
}

// stLocalPlatform serves a local platform over real HTTP from the default data directory (where
// send-test looks for records) and points CIOAEP_PLATFORM_URL and CIOAEP_IMS_URL at it.
func stLocalPlatform(t *testing.T, paths creds.Paths, cfg local.Config) string {
	t.Helper()
	cfg.DataDir = filepath.Join(paths.DataDir, "local")
	p, err := local.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	p.SetBaseURL(srv.URL)
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	t.Setenv(aep.EnvPlatformURL, srv.URL)
	t.Setenv(aep.EnvIMSURL, srv.URL)
	return srv.URL
}

// stSetup runs a real non-interactive setup against the platform the environment points at.
func stSetup(t *testing.T, paths creds.Paths) flow.Result {
	t.Helper()
	t.Setenv(creds.EnvClientSecret, "st-secret")
	r := stRun(t, "setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", "st-client",
		"--new-dataset", "Customer.io events", "--new-schema")
	if r.code != 0 {
		t.Fatalf("setup exited %d:\n%s", r.code, r.stderr)
	}
	res, ok, err := flow.LoadResult(paths.StateDir("default"))
	if err != nil || !ok {
		t.Fatalf("no setup result after setup: %v", err)
	}
	return res
}

// stDecode reads send-test's --json output: one object per line.
func stDecode(t *testing.T, stdout string) []flow.TestResult {
	t.Helper()
	var out []flow.TestResult
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r flow.TestResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q is not a result object: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// stRecordEventID digs the Customer.io event_id out of a mapped record, wherever the mapping put it.
func stRecordEventID(t *testing.T, record json.RawMessage) string {
	t.Helper()
	var walk func(v any) string
	walk = func(v any) string {
		if m, ok := v.(map[string]any); ok {
			if id, ok := m["event_id"].(string); ok {
				return id
			}
			for _, c := range m {
				if id := walk(c); id != "" {
					return id
				}
			}
		}
		return ""
	}
	var v any
	if err := json.Unmarshal(record, &v); err != nil {
		t.Fatalf("record is not JSON: %v", err)
	}
	return walk(v)
}

func TestSendTestDefaultSendsOneSamplePerObjectTypeAndShowsTheRecords(t *testing.T) {
	paths := isolateHome(t)
	stLocalPlatform(t, paths, local.Config{})
	res := stSetup(t, paths)

	r := stRun(t, "send-test", "--json")
	if r.code != 0 {
		t.Fatalf("send-test exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	results := stDecode(t, r.stdout)
	if len(results) != len(flow.Catalog) {
		t.Fatalf("%d results, want one per object type (%d)", len(results), len(flow.Catalog))
	}
	for i, got := range results {
		ot := flow.Catalog[i].Name
		if !strings.HasPrefix(got.Event, ot+".") {
			t.Errorf("result %d is %s, want a %s sample", i, got.Event, ot)
		}
		if !got.OK || got.Status != 200 || !got.SyncValidation {
			t.Errorf("%s: ok=%v status=%d sync=%v reason=%q, want accepted with syncValidation", got.Event, got.OK, got.Status, got.SyncValidation, got.Reason)
		}
		objectType, metric, _ := strings.Cut(got.Event, ".")
		body, _ := assets.Sample(objectType, metric)
		ev, err := cio.DecodeEvent(body)
		if err != nil {
			t.Fatal(err)
		}
		if id := stRecordEventID(t, got.Record); id != ev.EventID {
			t.Errorf("%s: the record shown carries event_id %q, want the sample's %q", got.Event, id, ev.EventID)
		}
		if !strings.Contains(got.Reason, res.DatasetID) {
			t.Errorf("%s: reason %q does not name the dataset %s", got.Event, got.Reason, res.DatasetID)
		}
	}
	if !strings.Contains(r.stderr, "signing with an empty key") {
		t.Errorf("stderr does not say the events were signed with an empty key:\n%s", r.stderr)
	}

	// The people's form: one line per event with its status, then the record.
	r = stRun(t, "send-test", "--event", "email.sent")
	if r.code != 0 || !strings.Contains(r.stdout, "✓ email.sent") || !strings.Contains(r.stdout, "200") || !strings.Contains(r.stdout, `{"customerio":{"action_id":42`) {
		t.Errorf("send-test --event email.sent (exit %d):\n%s", r.code, r.stdout)
	}
}

func TestSendTestAllTwiceFallsBackWhenSyncValidationIsUsedUp(t *testing.T) {
	paths := isolateHome(t)
	stLocalPlatform(t, paths, local.Config{})
	stSetup(t, paths)

	first := stRun(t, "send-test", "--all", "--json")
	second := stRun(t, "send-test", "--all", "--json")
	for _, r := range []stResult{first, second} {
		if r.code != 0 {
			t.Fatalf("send-test --all exited %d:\n%s", r.code, r.stderr)
		}
	}
	a, b := stDecode(t, first.stdout), stDecode(t, second.stdout)
	if len(a) != len(assets.Samples()) || len(b) != len(a) {
		t.Fatalf("%d and %d results, want %d (every sample) twice", len(a), len(b), len(assets.Samples()))
	}
	synced := func(rs []flow.TestResult) (n int) {
		for _, r := range rs {
			if !r.OK || len(r.Record) == 0 {
				t.Errorf("%s: ok=%v reason=%q record=%d bytes", r.Event, r.OK, r.Reason, len(r.Record))
			}
			if r.SyncValidation {
				n++
			}
		}
		return n
	}
	// The inlet allows 60 syncValidation requests a minute. The first run asks for flow.SyncBudget of them;
	// the second is refused (429) once the rest are used up and must resend without syncValidation
	// instead of reporting a failure.
	if n := synced(a); n != flow.SyncBudget {
		t.Errorf("first run: %d events validated synchronously, want %d", n, flow.SyncBudget)
	}
	if n := synced(b); n == 0 || n >= flow.SyncBudget {
		t.Errorf("second run: %d events validated synchronously, want some but fewer than %d", n, flow.SyncBudget)
	}

	// `local events` lists every record exactly once per send.
	ev := stRun(t, "local", "events", "--json")
	if n := strings.Count(ev.stdout, "\n"); n != 2*len(a) {
		t.Errorf("local events lists %d events, want %d", n, 2*len(a))
	}
}

func TestSendTestSignatureCheck(t *testing.T) {
	paths := isolateHome(t)
	stLocalPlatform(t, paths, local.Config{SigningKey: "st-signing-key"})
	stSetup(t, paths)

	// No signing key stored: the platform refuses every event, send-test says why and exits 1.
	r := stRun(t, "send-test", "--event", "email.sent", "--event", "sms_delivered", "--json")
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want 1 when every event is refused:\n%s", r.code, r.stderr)
	}
	results := stDecode(t, r.stdout)
	if len(results) != 2 || results[0].Event != "email.sent" || results[1].Event != "sms.delivered" {
		t.Fatalf("results %+v, want email.sent then sms.delivered", results)
	}
	for _, res := range results {
		if res.OK || res.Status != http.StatusUnauthorized || !strings.Contains(res.Reason, "signature") {
			t.Errorf("%s: ok=%v status=%d reason=%q, want refused for its signature", res.Event, res.OK, res.Status, res.Reason)
		}
	}
	if !strings.Contains(r.stderr, "2 of 2 test events failed") {
		t.Errorf("stderr lacks the summary:\n%s", r.stderr)
	}

	// With the signing key stored for the profile (keychain, or the opt-in plaintext file where this
	// machine has no keychain), the same events pass and stderr says where the key came from.
	s := creds.NewSecrets(paths)
	loc, err := s.Set(context.Background(), "default", creds.CIOSigningKey, "st-signing-key", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(context.Background(), "default", creds.CIOSigningKey) })
	r = stRun(t, "send-test", "--event", "email.sent")
	if r.code != 0 {
		t.Fatalf("exit %d with the signing key stored:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "signing key from the "+string(loc)) {
		t.Errorf("stderr does not say the key came from the %s:\n%s", loc, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "st-signing-key") {
		t.Error("the signing key was printed")
	}
}

// stInlet is a stand-in for Adobe's streaming inlet: it records what it receives and answers 200.
type stInlet struct {
	mu       sync.Mutex
	queries  []string
	verified []bool
}

func (s *stInlet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/collection/") {
		http.NotFound(w, r) // Adobe has no /local/health: send-test must not take this for a local platform
		return
	}
	body, _ := io.ReadAll(r.Body)
	ok := cio.Verify(nil, r.Header.Get(cio.HeaderTimestamp), r.Header.Get(cio.HeaderSignature), body, time.Now(), time.Minute) == nil
	s.mu.Lock()
	s.queries = append(s.queries, r.URL.RawQuery)
	s.verified = append(s.verified, ok)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"inletId":"x","xactionId":"1","receivedTimeMs":1,"syncValidation":{"skipped":true}}`)
}

// stWriteResult stores a setup result as setup would, for tests that need a dataflow but not a platform.
func stWriteResult(t *testing.T, paths creds.Paths, res flow.Result) {
	t.Helper()
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	dir := paths.StateDir("default")
	if err := writeTestFile(filepath.Join(dir, flow.ResultFile), data); err != nil {
		t.Fatal(err)
	}
}

func TestSendTestAdobeSyncValidationOnlyWhenAsked(t *testing.T) {
	paths := isolateHome(t)
	inlet := &stInlet{}
	srv := httptest.NewServer(inlet)
	t.Cleanup(srv.Close)
	stWriteResult(t, paths, flow.Result{WebhookURL: srv.URL + "/collection/abc?x-adobe-flow-id=f-1", FlowID: "f-1", DatasetID: "d-1"})

	r := stRun(t, "send-test", "--event", "push.opened")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "without syncValidation") || !strings.Contains(r.stdout, "accepted") {
		t.Errorf("output does not say the event was accepted unvalidated:\n%s\n%s", r.stdout, r.stderr)
	}
	r = stRun(t, "send-test", "--event", "push.opened", "--sync")
	if r.code != 0 {
		t.Fatalf("exit %d with --sync:\n%s", r.code, r.stderr)
	}
	inlet.mu.Lock()
	defer inlet.mu.Unlock()
	want := []string{"x-adobe-flow-id=f-1", "syncValidation=true&x-adobe-flow-id=f-1"}
	if len(inlet.queries) != 2 || inlet.queries[0] != want[0] || inlet.queries[1] != want[1] {
		t.Errorf("queries %q, want %q", inlet.queries, want)
	}
	for i, ok := range inlet.verified {
		if !ok {
			t.Errorf("request %d was not signed as Customer.io signs (empty key)", i)
		}
	}
}

func TestSendTestUsage(t *testing.T) {
	paths := isolateHome(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"send-test"}, ExitFailed, "no dataflow for profile default yet: run cioaep setup"},
		{[]string{"send-test", "--all", "--event", "email.sent"}, ExitUsage, "drop --event"},
		{[]string{"send-test", "--event", "fax.sent"}, ExitUsage, `unknown Customer.io object type "fax"`},
		{[]string{"send-test", "--event", "email.teleported"}, ExitUsage, "the email samples are attempted, bounced"},
	} {
		r := stRun(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	_ = paths
}

func TestLookupSample(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"email.sent":    "email.sent",
		"EMAIL.Sent":    "email.sent",
		"email_opened":  "email.opened",
		"in_app_sent":   "in_app.sent",
		"in-app.sent":   "in_app.sent",
		"in_app":        "in_app.sent",
		"customer":      "customer.subscribed",
		"sms.delivered": "sms.delivered",
	} {
		s, err := lookupSample(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := s.ObjectType + "." + s.Metric; got != want || len(s.Body) == 0 {
			t.Errorf("%q → %s (%d bytes), want %s", in, got, len(s.Body), want)
		}
	}
}
