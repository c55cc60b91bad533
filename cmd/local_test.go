package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// localOutput is a bytes.Buffer safe for a command writing while the test reads.
type localOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *localOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *localOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond until it holds or fails the test after a few seconds.
func localWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// serveInProcess runs `cioaep local serve` on a free port until the returned stop is called, which
// reports serve's exit code.
func localServeInProcess(t *testing.T, dir string) (base string, stderr *localOutput, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &localOutput{}, &localOutput{}
	g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}}
	code := make(chan int, 1)
	go func() { code <- Run(ctx, g, []string{"local", "serve", "--addr", "127.0.0.1:0", "--data", dir}) }()
	localWaitFor(t, "the base URL on stdout", func() bool { return strings.HasSuffix(out.String(), "\n") })
	base = strings.TrimSpace(out.String())
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("serve printed %q", base)
	}
	return base, errOut, func() int { cancel(); return <-code }
}

// runCmd runs one command line and returns its exit code and output.
func localRun(ctx context.Context, args ...string) (int, string, string) {
	out, errOut := &localOutput{}, &localOutput{}
	g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}}
	code := Run(ctx, g, args)
	return code, out.String(), errOut.String()
}

// TestLocalServeAndEvents runs the server, ingests a good and a broken event, and lists them the ways
// `local events` offers, including --follow while the server runs.
func TestLocalServeAndEvents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, stderr, stop := localServeInProcess(t, dir)
	d := localtest.NewDataflow(t, base, "prod")
	if st, body := d.Send(t, `{"event_id":"01GOOD","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"a@example.com"}}}`); st != 200 {
		t.Fatalf("good event: %d %s", st, body)
	}
	if st, body := d.Send(t, `{"event_id":"01BAD","object_type":"email","metric":"sent","data":{}}`); st != 200 {
		t.Fatalf("broken event: %d %s", st, body)
	}

	// --follow prints events as they arrive, while the server holds the same SQLite file.
	followCtx, cancelFollow := context.WithCancel(context.Background())
	followOut := &localOutput{}
	followDone := make(chan int, 1)
	go func() {
		g := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: followOut, ErrOut: &localOutput{}}, JSON: true}
		followDone <- Run(followCtx, g, []string{"local", "events", "--data", dir, "--follow", "--json"})
	}()
	localWaitFor(t, "the two stored events", func() bool { return strings.Count(followOut.String(), "\n") == 2 })
	if st, _ := d.Send(t, `{"event_id":"01LATE","object_type":"email","metric":"sent","timestamp":1613063089,"data":{}}`); st != 200 {
		t.Fatal("late event refused")
	}
	localWaitFor(t, "the late event in --follow", func() bool { return strings.Contains(followOut.String(), "01LATE") })
	cancelFollow()
	if code := <-followDone; code != 0 {
		t.Errorf("events --follow exit %d", code)
	}

	if code := stop(); code != 0 || !strings.Contains(stderr.String(), "stopped") {
		t.Fatalf("serve exit %d, stderr %q", code, stderr.String())
	}

	code, out, _ := localRun(context.Background(), "local", "events", "--data", dir, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 {
		t.Fatalf("events --json: exit %d, %d lines:\n%s", code, len(lines), out)
	}
	var first struct {
		DatasetID string          `json:"datasetId"`
		Received  time.Time       `json:"received"`
		Record    json.RawMessage `json:"record"`
		Failed    bool            `json:"failed"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.DatasetID != d.Dataset || first.Failed || first.Received.IsZero() || !strings.Contains(string(first.Record), `"_id":"01GOOD"`) {
		t.Errorf("first event: %v %s", err, lines[0])
	}

	code, out, _ = localRun(context.Background(), "local", "events", "--data", dir, "--failed", "--json")
	var failed struct {
		Reason string          `json:"reason"`
		Raw    json.RawMessage `json:"raw"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &failed); code != 0 || err != nil || !strings.Contains(failed.Reason, "timestamp") || !strings.Contains(string(failed.Raw), "01BAD") {
		t.Errorf("events --failed: exit %d %v %s", code, err, out)
	}

	code, out, _ = localRun(context.Background(), "local", "events", "--data", dir, "--failed")
	if code != 0 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "01BAD") {
		t.Errorf("events for people: exit %d\n%s", code, out)
	}
	code, out, errOut := localRun(context.Background(), "local", "events", "--data", dir, "--dataset", "other")
	if code != 0 || out != "" || !strings.Contains(errOut, "No events") {
		t.Errorf("events for another dataset: exit %d %q %q", code, out, errOut)
	}
}

// TestLocalCommandErrors checks the refusals people meet first.
func TestLocalCommandErrors(t *testing.T) {
	t.Setenv("CIOAEP_SIGNING_KEY", "")
	code, _, errOut := localRun(context.Background(), "local", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--require-signature")
	if code != ExitUsage || !strings.Contains(errOut, "CIOAEP_SIGNING_KEY") {
		t.Errorf("--require-signature without a key: exit %d %q", code, errOut)
	}
	code, _, errOut = localRun(context.Background(), "local", "events", "--data", t.TempDir())
	if code != ExitFailed || !strings.Contains(errOut, "local serve --data") {
		t.Errorf("events without data: exit %d %q", code, errOut)
	}
	base, _, stop := localServeInProcess(t, t.TempDir())
	defer stop()
	code, _, errOut = localRun(context.Background(), "local", "serve", "--addr", strings.TrimPrefix(base, "http://"), "--data", t.TempDir())
	if code != ExitFailed || !strings.Contains(errOut, "another local platform") {
		t.Errorf("busy address: exit %d %q", code, errOut)
	}
}
