package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds"
)

// watchKeys are the keys `watch --json` documents (README.md, "cioaep watch").
var watchKeys = []string{"time", "flowId", "flowName", "state", "dataset", "received", "ingested", "failed", "perMinute",
	"byType", "byTypeMetric", "lastRun", "lastEventAt", "lastEvents", "alerts", "quiet", "quietAfterSeconds", "stale", "notes"}

// watch --json --once prints one object with the documented keys, counting what the inlet stored.
func TestWatchJSONOnce(t *testing.T) {
	w := newOpsWorld(t)
	w.setUp(t)
	res, err := lastSetup(creds.DefaultPaths(), "default")
	if err != nil {
		t.Fatal(err)
	}
	postOpsEvent(t, res.WebhookURL, opsEvent)
	postOpsEvent(t, res.WebhookURL, `{"object_type":"push","metric":"sent"}`)
	r := w.mustRun(t, ExitOK, "--local", "watch", "--json", "--once")
	if strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("--once printed %d lines, want one object:\n%s", strings.Count(r.stdout, "\n"), r.stdout)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := slices.Sorted(slices.Values(watchKeys))
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, documented %v", keys, want)
	}
	if got["received"] != 2.0 || got["ingested"] != 1.0 || got["failed"] != 1.0 || got["stale"] != false {
		t.Errorf("totals: %v %v %v stale %v", got["received"], got["ingested"], got["failed"], got["stale"])
	}
	byType, _ := got["byType"].(map[string]any)
	if email, _ := byType["email"].(map[string]any); email["ingested"] != 1.0 {
		t.Errorf("byType: %v", byType)
	}
	events, _ := got["lastEvents"].([]any)
	if len(events) != 2 || events[0].(map[string]any)["accepted"] != false || events[0].(map[string]any)["reason"] == "" {
		t.Errorf("lastEvents: %v", events)
	}
	if pm, _ := got["perMinute"].([]any); len(pm) != 60 {
		t.Errorf("perMinute has %d minutes, want 60", len(pm))
	}
}

// Flags reach the options as given, and --quiet-after must be positive (cli/cli style: runF sees opts).
func TestNewCmdWatchFlags(t *testing.T) {
	t.Parallel()
	var got *watchOptions
	cmd := NewCmdWatch(&Factory{IO: &IOStreams{}}, func(_ context.Context, o *watchOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--interval", "20s", "--quiet-after", "5m", "--once"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Interval != 20*time.Second || got.QuietAfter != 5*time.Minute || !got.Once {
		t.Errorf("options = %+v", got)
	}
	cmd = NewCmdWatch(&Factory{IO: &IOStreams{}}, func(context.Context, *watchOptions) error { t.Error("ran with a bad flag"); return nil })
	cmd.SetArgs([]string{"--quiet-after", "0s"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	var exit *ExitError
	if err := cmd.Execute(); !errors.As(err, &exit) || exit.Code != ExitUsage {
		t.Errorf("--quiet-after 0s: %v, want a usage error", err)
	}
}

// An interval under the platform's floor is a usage error that says what to use.
func TestWatchIntervalFloor(t *testing.T) {
	w := newOpsWorld(t)
	w.setUp(t)
	r := w.mustRun(t, ExitUsage, "--local", "watch", "--once", "--interval", "10ms")
	if !strings.Contains(r.stderr, "--interval 1s") {
		t.Errorf("stderr %q does not say the shortest interval", r.stderr)
	}
}

// startServe runs `cioaep local serve` on addr with the world's data directory and returns its base URL
// and a function that stops it (SIGTERM, then waits).
func startServe(t *testing.T, e *e2eEnv, addr string) (string, func()) {
	t.Helper()
	cmd := exec.Command(e.bin, "local", "serve", "--addr", addr, "--data", e.localData())
	cmd.Env = e.env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(l)
		_, _ = io.Copy(io.Discard, out)
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	t.Cleanup(stop)
	select {
	case base := <-line:
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Fatalf("local serve printed %q", base)
		}
		return base, stop
	case <-time.After(15 * time.Second):
		t.Fatal("local serve printed no address within 15 s")
	}
	return "", stop
}

// TestE2EWatchInTmux is issue 15's must-show, through the real binary in a real terminal: with
// `send-test --all` running in a loop the monitor's counts rise within a refresh, per object type; a
// rejected event shows with its reason; with the platform stopped the figures stay, with since when
// refreshing fails; once it is back the monitor recovers by itself.
func TestE2EWatchInTmux(t *testing.T) {
	e := newE2E(t)
	base, stop := startServe(t, e, "127.0.0.1:0")
	e.env = append(e.env, "CIOAEP_PLATFORM_URL="+base, "CIOAEP_IMS_URL="+base, "CIOAEP_CLIENT_SECRET=e2e-secret")
	r := e.must("", nil, setupArgs("e2e-client", "--json")...)
	var res struct{ WebhookURL string }
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}

	env := append(append([]string{}, e.env...), "TERM=xterm-256color")
	tm := newTmux(t, env, 120, 40, fmt.Sprintf("sh -c '%s --local watch --interval 1s; echo cioaep-exit=$?; sleep 30'", e.bin))
	tm.wait("received 0 ·", 20*time.Second)

	// send-test --all in a loop: every round raises the counts, and each object type shows.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rounds := make(chan int, 100)
	go func() {
		for i := 1; ctx.Err() == nil; i++ {
			cmd := exec.CommandContext(ctx, e.bin, "send-test", "--all", "--json")
			cmd.Env = e.env
			if err := cmd.Run(); err != nil {
				return
			}
			rounds <- i
			time.Sleep(300 * time.Millisecond)
		}
	}()
	<-rounds
	first := waitReceived(t, tm, func(n int) bool { return n > 0 }, "counts above 0")
	<-rounds
	waitReceived(t, tm, func(n int) bool { return n > first }, fmt.Sprintf("counts above %d", first))
	cancel()
	// Every object type send-test sends shows with its count of ingested records.
	for _, typ := range []string{"customer", "email", "in_app", "push", "slack", "sms", "webhook", "whatsapp"} {
		tm.wait(" "+typ+" ", 10*time.Second)
		if !regexp.MustCompile(`By type .*\b` + typ + ` [1-9]\d*✓`).MatchString(tm.screen()) {
			t.Errorf("no count for %s on screen:\n%s", typ, tm.screen())
		}
	}

	// A rejected event appears with its reason.
	resp, err := http.Post(res.WebhookURL, "application/json", strings.NewReader(`{"object_type":"sms","metric":"sent","timestamp":1700000000}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := tm.wait("✗ XDM validation", 20*time.Second)
	if !regexp.MustCompile(`sms sent\s+✗ XDM validation`).MatchString(sc) {
		t.Errorf("the rejected sms event is not listed with its reason:\n%s", sc)
	}

	// The platform stops: the figures stay, and the screen says since when refreshing fails. A send-test
	// cancelled mid-round may still have stored events after the last refresh, so the figure to keep is the
	// platform's own total, once the screen shows it.
	before := storedReceived(t, e)
	waitReceived(t, tm, func(n int) bool { return n == before }, fmt.Sprintf("the stored total %d", before))
	stop()
	sc = tm.wait("cannot refresh since", 30*time.Second)
	if got := waitReceived(t, tm, func(n int) bool { return n >= 0 }, "the totals"); got != before {
		t.Errorf("the figures changed while the platform was down (%d, was %d):\n%s", got, before, sc)
	}
	// It comes back on the same address: the monitor recovers without a key.
	startServe(t, e, strings.TrimPrefix(base, "http://"))
	deadline := time.Now().Add(60 * time.Second)
	for sc := tm.screen(); strings.Contains(sc, "cannot refresh") || receivedOnScreen(t, sc) < 0; sc = tm.screen() {
		if time.Now().After(deadline) {
			t.Fatalf("the monitor did not recover:\n%s", sc)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := waitReceived(t, tm, func(n int) bool { return n >= 0 }, "the totals"); got != before {
		t.Errorf("after recovery received %d, want the %d stored before the stop", got, before)
	}

	// --json --once prints the same totals for scripts.
	if got := storedReceived(t, e); got != before {
		t.Errorf("watch --json --once: received %d, want %d", got, before)
	}
	tm.keys("q")
	if out := tm.wait("cioaep-exit=", 10*time.Second); !strings.Contains(out, "cioaep-exit=0") {
		t.Errorf("watch did not exit 0 after q:\n%s", out)
	}
}

// storedReceived is the received total `watch --json --once` reads from the platform.
func storedReceived(t *testing.T, e *e2eEnv) int {
	t.Helper()
	var snap struct{ Received int }
	if err := json.Unmarshal([]byte(e.must("", nil, "--local", "watch", "--json", "--once").stdout), &snap); err != nil {
		t.Fatalf("watch --json --once: %v", err)
	}
	return snap.Received
}

var receivedRe = regexp.MustCompile(`received (\d+) ·`)

// waitReceived polls the screen until its received total satisfies ok and returns it. A frame caught
// while the terminal redraws shows no total and is read again.
func waitReceived(t *testing.T, tm *tmuxSession, ok func(int) bool, what string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		sc := tm.screen()
		if n := receivedOnScreen(t, sc); n >= 0 && ok(n) {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %s within 30 s:\n%s", what, sc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// receivedOnScreen reads the received total off the monitor's screen.
func receivedOnScreen(t *testing.T, screen string) int {
	t.Helper()
	m := receivedRe.FindStringSubmatch(screen)
	if m == nil {
		return -1
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}
