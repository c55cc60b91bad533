package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

const setupTestSecret = "setup-test-secret"

// setupWorld is a local platform served over real HTTP behind a hook that sees every Platform call,
// and XDG directories of its own, so a test runs `cioaep setup` against it like a user would against
// Adobe with CIOAEP_PLATFORM_URL set.
type setupWorld struct {
	root     string
	url      string
	platform *local.Platform

	mu     sync.Mutex
	calls  []string
	onCall func(n int, w http.ResponseWriter, r *http.Request) bool // true: handled (the call was sabotaged)
}

func newSetupWorld(t *testing.T) *setupWorld {
	t.Helper()
	w := &setupWorld{root: t.TempDir()}
	p, err := local.Open(local.Config{DataDir: filepath.Join(w.root, "platform")})
	if err != nil {
		t.Fatal(err)
	}
	w.platform = p
	srv := httptest.NewServer(http.HandlerFunc(w.serve))
	p.SetBaseURL(srv.URL)
	w.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return w
}

func (w *setupWorld) serve(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/ims/token/v3" && !strings.HasPrefix(r.URL.Path, "/collection/") {
		w.mu.Lock()
		w.calls = append(w.calls, r.Method+" "+r.URL.Path)
		n, hook := len(w.calls), w.onCall
		w.mu.Unlock()
		if hook != nil && hook(n, rw, r) {
			return
		}
	}
	w.platform.ServeHTTP(rw, r)
}

func (w *setupWorld) reset(hook func(int, http.ResponseWriter, *http.Request) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls, w.onCall = nil, hook
}

func (w *setupWorld) callLog() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.calls...)
}

// env is the environment cioaep runs with in this world.
func (w *setupWorld) env() map[string]string {
	return map[string]string{
		"XDG_CONFIG_HOME":     filepath.Join(w.root, "config"),
		"XDG_STATE_HOME":      filepath.Join(w.root, "state"),
		"XDG_DATA_HOME":       filepath.Join(w.root, "data"),
		"HOME":                w.root,
		aep.EnvPlatformURL:    w.url,
		aep.EnvIMSURL:         w.url,
		creds.EnvClientSecret: setupTestSecret,
	}
}

type setupRun struct {
	code           int
	stdout, stderr string
}

// run executes a cioaep command line in process.
func (w *setupWorld) run(t *testing.T, args ...string) setupRun {
	t.Helper()
	for k, v := range w.env() {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}
	code := Run(context.Background(), g, args)
	return setupRun{code, out.String(), errb.String()}
}

// census counts the Customer.io resources the platform holds, over its API.
func (w *setupWorld) census(t *testing.T) map[string]int {
	t.Helper()
	ctx := context.Background()
	c := aep.New(aep.Config{PlatformURL: w.url, IMSURL: w.url, OrgID: local.OrgID, ClientID: "census", ClientSecret: "census", Sandbox: "prod"})
	n := map[string]int{}
	tagged := func(s string) bool { return strings.Contains(s, "(cioaep ") }
	scs, err := c.SourceConnections(ctx, "connectionSpec.id=="+aep.CustomerIOConnectionSpecID)
	setupMust(t, err)
	n[flow.KindSource] = len(scs)
	tcs, err := c.TargetConnections(ctx)
	setupMust(t, err)
	for _, x := range tcs {
		if tagged(x.Name) {
			n[flow.KindTarget]++
		}
	}
	fs, err := c.Flows(ctx)
	setupMust(t, err)
	for _, x := range fs {
		if tagged(x.Name) {
			n[flow.KindFlow]++
		}
	}
	setupMust(t, c.Datasets(ctx, func(ds []aep.Dataset) error {
		for _, d := range ds {
			if tagged(d.Name) {
				n[flow.KindDataset]++
			}
		}
		return nil
	}))
	setupMust(t, c.Schemas(ctx, func(refs []aep.SchemaRef) error {
		for _, r := range refs {
			if tagged(r.Title) {
				n[flow.KindSchema]++
			}
		}
		return nil
	}))
	sets, err := c.FindMappingSets(ctx, "")
	setupMust(t, err)
	for _, ms := range sets {
		if tagged(ms.Name) {
			n[flow.KindMapping]++
		}
	}
	return n
}

func (w *setupWorld) wantOneOfEach(t *testing.T) {
	t.Helper()
	n := w.census(t)
	for _, k := range []string{flow.KindSource, flow.KindTarget, flow.KindFlow, flow.KindMapping, flow.KindDataset, flow.KindSchema} {
		if n[k] != 1 {
			t.Errorf("platform holds %d %s, want 1 (census %v)", n[k], k, n)
		}
	}
}

func setupMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var setupNewSchemaArgs = []string{"setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", "setup-test",
	"--sandbox", "prod", "--new-dataset", "Customer.io events", "--new-schema"}

// TestSetupNonInteractiveTwice: one of each resource and the webhook URL; again, nothing created and the
// same URL; the profile saved without its secret, so a third run needs no credential flags.
func TestSetupNonInteractiveTwice(t *testing.T) {
	w := newSetupWorld(t)
	first := w.run(t, append(setupNewSchemaArgs, "--json")...)
	if first.code != 0 {
		t.Fatalf("setup exited %d: %s", first.code, first.stderr)
	}
	var res flow.Result
	setupMust(t, json.Unmarshal([]byte(first.stdout), &res))
	if !strings.HasPrefix(res.WebhookURL, w.url+"/collection/") || !strings.HasSuffix(res.WebhookURL, "?x-adobe-flow-id="+res.FlowID) {
		t.Errorf("webhookUrl %q", res.WebhookURL)
	}
	for _, k := range []string{"webhookUrl", "flowId", "inletUrl", "datasetId", "schemaId", "sourceConnectionId", "targetConnectionId", "mappingSetId", "created", "reused"} {
		if !strings.Contains(first.stdout, `"`+k+`"`) {
			t.Errorf("--json lacks %s: %s", k, first.stdout)
		}
	}
	if len(res.Created) != 8 {
		t.Errorf("created %v, want the 8 resources of the Customer.io schema path", res.Created)
	}
	w.wantOneOfEach(t)

	second := w.run(t, setupNewSchemaArgs...)
	if second.code != 0 || strings.TrimSpace(second.stdout) != res.WebhookURL {
		t.Fatalf("second run: exit %d, stdout %q (want %q), stderr %s", second.code, second.stdout, res.WebhookURL, second.stderr)
	}
	if !strings.Contains(second.stderr, "0 created") {
		t.Errorf("second run's summary: %s", second.stderr)
	}
	w.wantOneOfEach(t)

	cfg, err := os.ReadFile(filepath.Join(w.root, "config", "cioaep", "config.json"))
	setupMust(t, err)
	if !strings.Contains(string(cfg), local.OrgID) || strings.Contains(string(cfg), setupTestSecret) {
		t.Errorf("saved profile: %s", cfg)
	}
	third := w.run(t, "setup", "--non-interactive", "--new-dataset", "Customer.io events", "--new-schema")
	if third.code != 0 || strings.TrimSpace(third.stdout) != res.WebhookURL {
		t.Errorf("run on the saved profile: exit %d %q %s", third.code, third.stdout, third.stderr)
	}
	got, ok, err := flow.LoadResult(filepath.Join(w.root, "state", "cioaep", "default"))
	if err != nil || !ok || got.WebhookURL != res.WebhookURL {
		t.Errorf("LoadResult: %+v %v %v", got, ok, err)
	}
}

// TestSetupExistingDatasetSuggestsMapping: --dataset without --mapping takes the name-matched
// suggestion, and a --mapping file is used as given.
func TestSetupExistingDatasetSuggestsMapping(t *testing.T) {
	w := newSetupWorld(t)
	base := w.run(t, append(setupNewSchemaArgs, "--profile", "maker", "--json")...)
	if base.code != 0 {
		t.Fatalf("setup: %s", base.stderr)
	}
	var made flow.Result
	setupMust(t, json.Unmarshal([]byte(base.stdout), &made))

	args := []string{"setup", "--non-interactive", "--profile", "user", "--org-id", local.OrgID, "--client-id", "c", "--dataset", made.DatasetID, "--json"}
	r := w.run(t, args...)
	if r.code != 0 || !strings.Contains(r.stderr, "suggested from the schema") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res flow.Result
	setupMust(t, json.Unmarshal([]byte(r.stdout), &res))
	if res.DatasetID != made.DatasetID || len(res.Created) != 4 {
		t.Errorf("result %+v", res)
	}

	bad := filepath.Join(w.root, "mapping.json")
	setupMust(t, os.WriteFile(bad, []byte(`[{"sourceType":"ATTRIBUTE","source":"metric","destination":"_nope.metric"}]`), 0o600))
	r = w.run(t, "setup", "--non-interactive", "--profile", "other", "--org-id", local.OrgID, "--client-id", "c", "--dataset", made.DatasetID, "--mapping", bad)
	if r.code != ExitFailed || !strings.Contains(r.stderr, "_nope.metric") {
		t.Errorf("a mapping to a missing field: exit %d, %s", r.code, r.stderr)
	}
}

// TestSetupDryRun lists what would be created and sends nothing but reads and Data Prep's validation.
func TestSetupDryRun(t *testing.T) {
	w := newSetupWorld(t)
	r := w.run(t, append(setupNewSchemaArgs, "--dry-run")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, step := range []string{flow.StepFieldGroup, flow.StepSchema, flow.StepDataset, flow.StepSource, flow.StepTarget, flow.StepMapping, flow.StepFlow} {
		if !strings.Contains(r.stdout, step) {
			t.Errorf("dry run does not mention %s:\n%s", step, r.stdout)
		}
	}
	for _, c := range w.callLog() {
		if !strings.HasPrefix(c, "GET ") && !strings.HasSuffix(c, "/validate") {
			t.Errorf("dry run sent %s", c)
		}
	}
	if n := w.census(t); n[flow.KindSource]+n[flow.KindFlow]+n[flow.KindSchema] != 0 {
		t.Errorf("dry run created %v", n)
	}
}

// TestSetupMissingValues: in non-interactive mode each gap exits 3 and names the flag to add; a
// contradiction is a usage error (2).
func TestSetupMissingValues(t *testing.T) {
	w := newSetupWorld(t)
	cases := []struct {
		args []string
		code int
		flag string
	}{
		{[]string{"setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", "c"}, ExitMissing, "--dataset or --new-dataset"},
		{[]string{"setup", "--non-interactive", "--client-id", "c", "--dataset", "x"}, ExitMissing, "--org-id"},
		{[]string{"setup", "--non-interactive", "--org-id", local.OrgID, "--dataset", "x"}, ExitMissing, "--client-id"},
		{[]string{"setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", "c", "--new-dataset", "n"}, ExitMissing, "--schema or --new-schema"},
		{[]string{"setup", "--non-interactive", "--dataset", "x", "--new-schema"}, ExitUsage, "--dataset"},
		{[]string{"setup", "--non-interactive", "--dataset", "x", "--events", "fax"}, ExitUsage, "fax"},
	}
	for _, c := range cases {
		r := w.run(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.flag) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %s", c.args, r.code, r.stderr, c.code, c.flag)
		}
	}
	t.Setenv(creds.EnvClientSecret, "")
	var out, errb bytes.Buffer
	g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}
	code := Run(context.Background(), g, []string{"setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", "c", "--dataset", "x", "--client-secret-stdin"})
	if code != ExitUsage || !strings.Contains(errb.String(), "stdin was empty") {
		t.Errorf("empty --client-secret-stdin: exit %d %s", code, errb.String())
	}
}

// TestSetupKilledAtEveryCall is issue 3's fault (c): the cioaep process is killed (SIGKILL) right after
// the platform has acted on its k-th call, for every k of a setup. Running setup again then completes
// and the platform holds one of each resource.
func TestSetupKilledAtEveryCall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the cioaep process once per Platform call")
	}
	probe := newSetupWorld(t)
	if r := probe.runProcess(t, nil); r.code != 0 {
		t.Fatalf("a clean setup failed: %s", r.stderr)
	}
	// Every run makes the calls up to the first read of the new flow; how often it then polls for the
	// inlet URL depends on timing, so the kills go up to that first read.
	log := probe.callLog()
	calls := slices.IndexFunc(log, func(c string) bool { return strings.Contains(c, "GET /data/foundation/flowservice/flows/") }) + 1
	if calls < 10 {
		t.Fatalf("a clean setup made only %d Platform calls before reading its flow: %v", calls, log)
	}
	for k := 1; k <= calls; k++ {
		t.Run(fmt.Sprintf("call%d", k), func(t *testing.T) {
			t.Parallel()
			w := newSetupWorld(t)
			killed := w.runProcess(t, &k)
			if killed.code == 0 {
				t.Fatalf("the process survived call %d: %s", k, killed.stderr)
			}
			r := w.runProcess(t, nil)
			if r.code != 0 {
				t.Fatalf("setup after a kill at call %d (%s) failed: %s", k, w.callLog()[min(k, len(w.callLog()))-1], r.stderr)
			}
			w.wantOneOfEach(t)
		})
	}
}

// runProcess runs setup as its own process (this test binary, re-executed as cioaep). With killAt set,
// the process is killed once the platform has handled its killAt-th call, before the answer leaves.
func (w *setupWorld) runProcess(t *testing.T, killAt *int) setupRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSetupChild$")
	cmd.Env = append(os.Environ(), "CIOAEP_SETUP_CHILD="+strings.Join(setupNewSchemaArgs, "\x1f"))
	for k, v := range w.env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	started := make(chan struct{})
	w.reset(nil)
	if killAt != nil {
		at := *killAt
		w.reset(func(n int, rw http.ResponseWriter, r *http.Request) bool {
			if n != at {
				return false
			}
			<-started
			w.platform.ServeHTTP(httptest.NewRecorder(), r)
			_ = cmd.Process.Kill()
			if conn, _, err := rw.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return true
		})
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	close(started)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("setup did not finish: %s", errb.String())
	}
	w.mu.Lock()
	w.onCall = nil
	w.mu.Unlock()
	return setupRun{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
}

// TestSetupChild is the cioaep process of TestSetupKilledAtEveryCall.
func TestSetupChild(t *testing.T) {
	args := os.Getenv("CIOAEP_SETUP_CHILD")
	if args == "" {
		t.Skip("only runs as TestSetupKilledAtEveryCall's child")
	}
	g := &Factory{IO: &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}}
	os.Exit(Run(context.Background(), g, strings.Split(args, "\x1f")))
}

// TestSetupLocalNeedsNoCredentials: `cioaep setup --local --non-interactive` works with no org id, client
// id or secret anywhere, and the saved profile sends later runs to the local platform again.
func TestSetupLocalNeedsNoCredentials(t *testing.T) {
	root := t.TempDir()
	for k, v := range map[string]string{"XDG_CONFIG_HOME": filepath.Join(root, "config"), "XDG_STATE_HOME": filepath.Join(root, "state"),
		"XDG_DATA_HOME": filepath.Join(root, "data"), "HOME": root, aep.EnvPlatformURL: "", aep.EnvIMSURL: "", creds.EnvClientSecret: ""} {
		t.Setenv(k, v)
	}
	run := func(args ...string) setupRun {
		var out, errb bytes.Buffer
		code := Run(context.Background(), &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}}, args)
		return setupRun{code, out.String(), errb.String()}
	}
	first := run("setup", "--local", "--non-interactive", "--new-dataset", "Customer.io events", "--new-schema")
	if first.code != 0 || !strings.Contains(first.stdout, "/collection/") {
		t.Fatalf("exit %d, stdout %q, stderr %s", first.code, first.stdout, first.stderr)
	}
	again := run("setup", "--non-interactive", "--new-dataset", "Customer.io events", "--new-schema")
	// Each run starts its own platform on a free port, so only the inlet path and the flow id can match.
	if again.code != 0 || inletOf(again.stdout) != inletOf(first.stdout) {
		t.Errorf("second run on the saved local profile: exit %d %q (first %q) %s", again.code, again.stdout, first.stdout, again.stderr)
	}
}

// inletOf is a webhook URL without its scheme and host: what stays the same for one dataflow when the
// local platform listens on another port.
func inletOf(webhook string) string {
	_, path, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(webhook), "http://"), "/")
	return path
}

// TestNewCmdSetupFlags stops setup before it runs: the flags become options, without a platform or a
// home directory.
func TestNewCmdSetupFlags(t *testing.T) {
	t.Parallel()
	var got *setupOptions
	f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}}
	c := NewCmdSetup(f, func(_ context.Context, o *setupOptions) error { got = o; return nil })
	c.SetArgs([]string{"--non-interactive", "--org-id", "0123456789ABCDEF01234567@AdobeOrg", "--client-id", "c", "--dataset", "ds1", "--events", "email,sms", "--partial-ingestion", "5"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	plan, err := got.plan()
	if err != nil || !got.nonInteractive || got.creds.OrgID != "0123456789ABCDEF01234567@AdobeOrg" || got.creds.ClientID != "c" ||
		plan.Destination.DatasetID != "ds1" || len(plan.Events) != 2 || plan.Options.PartialIngestionPercent != 5 {
		t.Errorf("options = %+v, plan %+v, %v", got, plan, err)
	}
}
