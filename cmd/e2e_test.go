package cmd

// End-to-end tests of the built binary: each test gets its own home (HOME and the three XDG directories),
// its own local platform (`cioaep local serve` on a free port, as a child process) and runs cioaep the way
// a user or a CI job does, as separate processes talking over real HTTP and files.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/local"
)

// e2eBuild builds the binary once per test process; the directory is removed when the process ends.
var e2eBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if e2eBuild.dir != "" {
		os.RemoveAll(e2eBuild.dir)
	}
	os.Exit(code)
}

// e2eBinary returns the path of a freshly built cioaep. Building the module (not this package's test
// binary) is the point: the tests see exactly what `go build` gives a user.
func e2eBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test of the built binary; skipped with -short")
	}
	e2eBuild.once.Do(func() {
		if e2eBuild.dir, e2eBuild.err = os.MkdirTemp("", "cioaep-e2e-"); e2eBuild.err != nil {
			return
		}
		e2eBuild.path = filepath.Join(e2eBuild.dir, "cioaep")
		cmd := exec.Command("go", "build", "-o", e2eBuild.path, "github.com/cioaep/cioaep")
		if out, err := cmd.CombinedOutput(); err != nil {
			e2eBuild.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if e2eBuild.err != nil {
		t.Fatal(e2eBuild.err)
	}
	return e2eBuild.path
}

// e2eEnv is one test's isolated world.
type e2eEnv struct {
	t                         *testing.T
	bin                       string
	home, config, state, data string
	env                       []string // the environment every cioaep process gets
	outputs                   []string // everything any process printed, for the leak test
	mu                        sync.Mutex
}

func newE2E(t *testing.T) *e2eEnv {
	t.Helper()
	e := &e2eEnv{t: t, bin: e2eBinary(t), home: t.TempDir()}
	e.config = filepath.Join(e.home, "config")
	e.state = filepath.Join(e.home, "state")
	e.data = filepath.Join(e.home, "data")
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "HOME" || strings.HasPrefix(name, "XDG_") || strings.HasPrefix(name, "CIOAEP_") || name == "ACCESSIBLE" || name == "TMUX" {
			continue
		}
		e.env = append(e.env, kv)
	}
	// --local starts a private platform on a free port instead of using whatever answers on 8790.
	e.env = append(e.env, "HOME="+e.home, "XDG_CONFIG_HOME="+e.config, "XDG_STATE_HOME="+e.state, "XDG_DATA_HOME="+e.data,
		EnvLocalAddr+"=127.0.0.1:0")
	return e
}

// localData is the local platform's default data directory in this world.
func (e *e2eEnv) localData() string { return filepath.Join(e.data, "cioaep", "local") }

func (e *e2eEnv) record(s ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.outputs = append(e.outputs, s...)
}

type e2eRun struct {
	code           int
	stdout, stderr string
}

// run runs cioaep with args, extra environment and stdin, under a deadline well inside a test's budget.
func (e *e2eEnv) run(stdin string, extraEnv []string, args ...string) e2eRun {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = append(append([]string{}, e.env...), extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := e2eRun{stdout: out.String(), stderr: errb.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		e.t.Fatalf("cioaep %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		e.t.Fatalf("cioaep %s did not finish within 30 s", strings.Join(args, " "))
	}
	e.record(r.stdout, r.stderr)
	return r
}

// must runs and fails the test on a non-zero exit, showing what the command said.
func (e *e2eEnv) must(stdin string, extraEnv []string, args ...string) e2eRun {
	e.t.Helper()
	r := e.run(stdin, extraEnv, args...)
	if r.code != 0 {
		e.t.Fatalf("cioaep %s exited %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// serve starts `cioaep local serve` on a free port with the world's default data directory and points
// CIOAEP_PLATFORM_URL and CIOAEP_IMS_URL of every later command at it. It stops with the test.
func (e *e2eEnv) serve(extraEnv []string, args ...string) string {
	e.t.Helper()
	cmd := exec.Command(e.bin, append([]string{"local", "serve", "--addr", "127.0.0.1:0", "--data", e.localData()}, args...)...)
	cmd.Env = append(append([]string{}, e.env...), extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	var errb lockedE2EBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	rest := make(chan string, 1)
	lines := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, _ := br.ReadString('\n')
		lines <- strings.TrimSpace(line)
		b, _ := io.ReadAll(br)
		rest <- string(b)
	}()
	e.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			e.t.Error("local serve did not stop within 10 s of SIGTERM")
		}
		e.record(<-rest, errb.String())
	})
	var base string
	select {
	case base = <-lines:
	case <-time.After(15 * time.Second):
		e.t.Fatalf("local serve printed no address within 15 s; stderr:\n%s", errb.String())
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		e.t.Fatalf("local serve printed %q, want its base URL; stderr:\n%s", base, errb.String())
	}
	e.env = append(e.env, "CIOAEP_PLATFORM_URL="+base, "CIOAEP_IMS_URL="+base)
	return base
}

// lockedE2EBuffer collects a child's stderr while the test may read it.
type lockedE2EBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedE2EBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedE2EBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// setupArgs is a complete non-interactive setup against the local platform reached through
// CIOAEP_PLATFORM_URL. It does not pass --local: a platform started inside the setup process would be
// gone, with its inlet, when setup exits.
func setupArgs(clientID string, extra ...string) []string {
	return append([]string{"setup", "--non-interactive", "--org-id", local.OrgID, "--client-id", clientID,
		"--new-dataset", "Customer.io events", "--new-schema"}, extra...)
}

// e2eEvents reads `cioaep local events --json`: one event per line.
func e2eEvents(t *testing.T, stdout string) []local.Event {
	t.Helper()
	var out []local.Event
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var ev local.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("local events printed %q: %v", sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

// sampleEventID is the event_id of an embedded sample.
func sampleEventID(t *testing.T, body []byte) string {
	t.Helper()
	ev, err := cio.DecodeEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	return ev.EventID
}

// TestE2ESetupThenSendTestAll is issue 7's third must-show: after a local setup, `send-test --all`
// gets every sample accepted and `local events` lists one mapped record per sample.
func TestE2ESetupThenSendTestAll(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	base := e.serve(nil)
	secret := []string{"CIOAEP_CLIENT_SECRET=e2e-secret"}

	r := e.must("", secret, setupArgs("e2e-client", "--json")...)
	var res struct{ WebhookURL, DatasetID string }
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("setup --json printed %q: %v", r.stdout, err)
	}
	if !strings.HasPrefix(res.WebhookURL, base+"/collection/") || res.DatasetID == "" {
		t.Fatalf("setup result %+v, want an inlet on %s", res, base)
	}
	if ep := e.must("", nil, "endpoint"); ep.stdout != res.WebhookURL+"\n" {
		t.Errorf("endpoint printed %q, want %q", ep.stdout, res.WebhookURL)
	}

	r = e.must("", nil, "send-test", "--all", "--json")
	samples := assets.Samples()
	results := stDecode(t, r.stdout)
	if len(results) != len(samples) {
		t.Fatalf("send-test --all reported %d events, want %d", len(results), len(samples))
	}
	for i, got := range results {
		if want := samples[i].ObjectType + "." + samples[i].Metric; got.Event != want || !got.OK || got.Status != 200 || len(got.Record) == 0 {
			t.Errorf("result %d: %s ok=%v status=%d reason=%q, want %s accepted with its record", i, got.Event, got.OK, got.Status, got.Reason, want)
		}
	}

	events := e2eEvents(t, e.must("", nil, "local", "events", "--json", "--dataset", res.DatasetID).stdout)
	byID := map[string]int{}
	for _, ev := range events {
		if ev.Failed {
			t.Errorf("failed event in the dataset: %s", ev.Reason)
			continue
		}
		byID[stRecordEventID(t, ev.Record)]++
	}
	if len(events) != len(samples) {
		t.Errorf("local events lists %d events, want %d (one per sample)", len(events), len(samples))
	}
	for _, s := range samples {
		if id := sampleEventID(t, s.Body); byID[id] != 1 {
			t.Errorf("%s.%s (event_id %s): %d mapped records, want 1", s.ObjectType, s.Metric, id, byID[id])
		}
	}
}

// e2eSentinel is the recognisable secret of the leak test.
const e2eSentinel = "SENTINEL-7f3a9c-DO-NOT-LEAK"

// TestE2ESecretNeverLeaks is issue 4's second must-show: with a sentinel client secret, run login,
// status, a full local setup and --debug runs; the sentinel must appear in no file under the config,
// state and data directories, in no output, and not in the debug trace.
func TestE2ESecretNeverLeaks(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	// Registered first so that it runs last, after the platform has stopped and its output is in.
	t.Cleanup(func() {
		for i, out := range e.outputs {
			if strings.Contains(out, e2eSentinel) {
				t.Errorf("output %d printed the secret:\n%s", i, out)
			}
		}
		if len(e.outputs) < 20 {
			t.Errorf("only %d outputs were collected; the check would prove little", len(e.outputs))
		}
	})
	// The platform accepts only this client id with the sentinel, so every success below proves the
	// sentinel really travelled to IMS, and the failures prove a wrong one is refused.
	e.serve([]string{"CIOAEP_LOCAL_CLIENT_SECRET=" + e2eSentinel}, "--client-id", "leak-client")
	env := []string{"CIOAEP_CLIENT_SECRET=" + e2eSentinel}
	login := []string{"--org-id", local.OrgID, "--client-id", "leak-client"}

	e.must("", env, append([]string{"auth", "login"}, login...)...)
	e.must("", env, "auth", "status")
	e.must("", env, "auth", "status", "--json")
	e.must("", env, "auth", "status", "--debug")
	e.must("", env, setupArgs("leak-client", "--json")...)
	e.must("", env, setupArgs("leak-client", "--debug")...)                                        // a re-run: reuses, traced
	e.must(e2eSentinel+"\n", nil, setupArgs("leak-client", "--client-secret-stdin", "--debug")...) // stdin, no env
	e.must("", nil, "send-test")
	e.must("", nil, "endpoint", "--json")

	// A wrong secret is refused without being repeated back (the sentinel is its prefix).
	wrong := []string{"CIOAEP_CLIENT_SECRET=" + e2eSentinel + "-WRONG"}
	if r := e.run("", wrong, append([]string{"auth", "login", "--debug"}, login...)...); r.code == 0 {
		t.Errorf("auth login with a wrong secret succeeded:\n%s", r.stderr)
	}
	// Storing a piped secret needs a keychain. Where there is one it goes there (under a profile of its
	// own, removed again); where there is none, login must refuse and store nothing.
	profile := fmt.Sprintf("leak-%08x", rand.Uint32())
	r := e.run(e2eSentinel+"\n", nil, append([]string{"auth", "login", "--profile", profile, "--client-secret-stdin"}, login...)...)
	if probe := keychainStatus(); probe == creds.Usable {
		if r.code != 0 {
			t.Errorf("auth login --client-secret-stdin with a keychain exited %d:\n%s", r.code, r.stderr)
		}
		e.must("", nil, "auth", "status", "--profile", profile)
		e.must("", nil, "auth", "logout", "--all", "--profile", profile)
	} else if r.code != ExitFailed || !strings.Contains(r.stderr, "CIOAEP_CLIENT_SECRET") {
		t.Errorf("auth login --client-secret-stdin without a keychain: exit %d, stderr %q; want 1 and a message offering CIOAEP_CLIENT_SECRET", r.code, r.stderr)
	}

	// The traces exist and hold real traffic, so finding no sentinel in them means something.
	traces, _ := filepath.Glob(filepath.Join(e.state, "cioaep", "default", "debug-*.log"))
	var traced []byte
	for _, p := range traces {
		b, _ := os.ReadFile(p)
		traced = append(traced, b...)
	}
	if !bytes.Contains(traced, []byte("/ims/token")) {
		t.Errorf("the --debug traces %v hold no IMS token request; the leak check of the trace would prove nothing", traces)
	}

	files := 0
	// The config, state and data directories all live under the test's home: one walk covers them
	// and anything a command might have written beside them.
	err := filepath.WalkDir(e.home, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte(e2eSentinel)) {
			t.Errorf("the secret is in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{filepath.Join(e.config, "cioaep", "config.json"), filepath.Join(e.state, "cioaep", "default", "result.json"), e.localData()} {
		if _, err := os.Stat(want); err != nil {
			t.Errorf("expected %s to exist after the runs: %v", want, err)
		}
	}
	t.Logf("checked %d files and %d --debug traces", files, len(traces))
}

// keychainStatus asks the keychain the child processes will use whether it works.
func keychainStatus() creds.KeychainStatus {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return creds.NewSecrets(creds.Paths{ConfigFile: filepath.Join(os.TempDir(), "cioaep-probe", "config.json")}).Probe(ctx).Status
}

// tmuxSession drives a program in a detached tmux session on a private server, so the test never
// touches the user's own tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
}

// newTmux starts command in a w×h session with env. It skips when tmux is missing, unless
// CIOAEP_REQUIRE_TMUX is set (CI), where a missing tmux fails instead.
func newTmux(t *testing.T, env []string, w, h int, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CIOAEP_REQUIRE_TMUX") != "" {
			t.Fatal("CIOAEP_REQUIRE_TMUX is set but tmux is not installed")
		}
		t.Skip("tmux is not installed (set CIOAEP_REQUIRE_TMUX=1 to fail instead)")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("cioaep-e2e-%d-%08x", os.Getpid(), rand.Uint32())}
	args := []string{"-L", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}
	for _, kv := range env {
		args = append(args, "-e", kv)
	}
	cmd := exec.Command("tmux", append(args, command)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

// keys sends tmux key names ("Enter", "q", "C-c").
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", append([]string{"-L", s.socket, "send-keys", "-t", "e2e"}, keys...)...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %v: %v\n%s", keys, err, out)
	}
}

// screen is what the pane shows now.
func (s *tmuxSession) screen() string { return s.capture() }

// joined is what the pane shows with the lines the terminal wrapped joined again: what a mouse selection
// of a wrapped line copies.
func (s *tmuxSession) joined() string { return s.capture("-J") }

func (s *tmuxSession) capture(flags ...string) string {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket, "capture-pane", "-p", "-t", "e2e"}, flags...)...).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// wait polls the pane until it shows text, failing with the last screen after d.
func (s *tmuxSession) wait(text string, d time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		sc := s.screen()
		if strings.Contains(sc, text) {
			return sc
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q within %s; it shows:\n%s", text, d, sc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wizardPath is the default path of `cioaep --local`, as ui/wizard_test.go documents it: one Enter per
// step, and what the screen shows once that Enter has been handled.
var wizardPath = []string{
	"accepted these credentials",            // welcome → credentials, verified
	"Production (prod)",                     // credentials → sandbox
	"Which Customer.io events",              // sandbox → events (all object types ticked)
	"Where should Customer.io events land?", // events → destination (new dataset and schema)
	"rules checked",                         // destination → mapping, validated
	"Source connection",                     // mapping → review
	"dataflow is ready",                     // review → create → done
}

var webhookOnScreen = regexp.MustCompile(`http://127\.0\.0\.1:\d+/collection/[0-9a-f]+\?x-adobe-flow-id=[0-9a-f-]+`)

// TestE2EWizardInTmux is issue 5's second must-show: `cioaep --local` from launch to the done screen with
// keystrokes only; the URL read off the screen accepts a sample event that `cioaep local events` lists.
func TestE2EWizardInTmux(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	env := append(append([]string{}, e.env...), "TERM=xterm-256color")
	tm := newTmux(t, env, 80, 24, fmt.Sprintf("sh -c '%s --local; echo cioaep-exit=$?; sleep 30'", e.bin))

	tm.wait("Welcome", 15*time.Second)
	keys := 0
	for _, next := range wizardPath {
		tm.keys("Enter")
		keys++
		tm.wait(next, 20*time.Second)
	}
	t.Logf("launch to the URL on screen: %d keystrokes", keys)

	// The URL is longer than the window: the terminal wraps it, the program never breaks it, so the line
	// a mouse selects (capture-pane -J) is the URL whole, on the line after the heading.
	url := wholeURL(t, tm)
	if got := len(url); got <= 80 {
		t.Fatalf("the URL is %d characters: this test needs one the terminal has to wrap", got)
	}

	sample, _ := assets.Sample("email", "delivered")
	reply, err := (&cio.Sender{}).Send(context.Background(), url, sample)
	if err != nil || !reply.OK() {
		t.Fatalf("posting a sample to %s: %v %+v", url, err, reply)
	}
	events := e2eEvents(t, e.must("", nil, "local", "events", "--json", "--data", e.localData()).stdout)
	found := 0
	for _, ev := range events {
		if !ev.Failed && stRecordEventID(t, ev.Record) == sampleEventID(t, sample) {
			found++
		}
	}
	if found != 1 {
		t.Errorf("local events lists the posted sample %d times, want once; events: %+v", found, events)
	}

	// Wider or narrower, the URL stays whole.
	tm.resize(120, 40)
	if again := wholeURL(t, tm); again != url {
		t.Errorf("at 120×40 the URL reads %s, want %s", again, url)
	}

	tm.keys("q")
	out := tm.wait("cioaep-exit=", 10*time.Second)
	if !strings.Contains(out, "cioaep-exit=0") {
		t.Errorf("the wizard did not exit 0 after q:\n%s", out)
	}
}

// wholeURL is the webhook URL as a mouse selects it: the whole line below the done screen's heading.
func wholeURL(t *testing.T, tm *tmuxSession) string {
	t.Helper()
	sc := tm.joined()
	_, after, ok := strings.Cut(sc, "Paste this URL into Customer.io:\n")
	line, _, _ := strings.Cut(after, "\n")
	if url := strings.TrimSpace(line); ok && webhookOnScreen.FindString(url) == url {
		return url
	}
	t.Fatalf("the line below the heading is not the whole webhook URL:\n%s", sc)
	return ""
}

// resize changes the window's size, as a person dragging its corner.
func (s *tmuxSession) resize(w, h int) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "-L", s.socket, "resize-window", "-t", "e2e", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux resize-window: %v\n%s", err, out)
	}
}
