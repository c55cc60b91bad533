package cmd

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileEscape is what an attacking platform hides in the strings it returns: an OSC 52 sequence that
// rewrites the clipboard, a screen clear, and a bidi override that shows text in another order.
const hostileEscape = `\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u202e`

// rewriting returns a hook that passes each Platform call to the local platform and replaces old with
// repl in its answer, as a hostile platform (or a proxy) would.
func (w *setupWorld) rewriting(old, repl string) func(int, http.ResponseWriter, *http.Request) bool {
	return func(_ int, rw http.ResponseWriter, r *http.Request) bool {
		rec := httptest.NewRecorder()
		w.platform.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				rw.Header()[k] = v
			}
		}
		rw.WriteHeader(rec.Code)
		rw.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(old), []byte(repl)))
		return true
	}
}

// wantNoTerminalControl fails when out carries anything a terminal would obey.
func wantNoTerminalControl(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range []string{"\x1b", "\x07", "\u202e", "\u009b", "\u009d"} {
		if strings.Contains(out, c) {
			t.Errorf("%s carries %q:\n%q", what, c, out)
		}
	}
}

// TestHostileInletURLRefused: a platform whose flows carry an inlet URL with OSC 52, a screen clear and a
// bidi override. setup fails with a clear message, prints none of it, and saves no result; status says the
// same; endpoint never sees such a URL.
func TestHostileInletURLRefused(t *testing.T) {
	w := newSetupWorld(t)
	w.reset(w.rewriting(w.url+"/collection/", w.url+"/collection/"+hostileEscape))
	r := w.run(t, setupNewSchemaArgs...)
	if r.code != ExitFailed {
		t.Fatalf("setup exited %d, want %d:\nstdout %q\nstderr %q", r.code, ExitFailed, r.stdout, r.stderr)
	}
	wantNoTerminalControl(t, "setup", r.stdout+r.stderr)
	if !strings.Contains(r.stderr, "inlet URL cioaep refuses") {
		t.Errorf("setup does not say why it stopped:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(w.root, "state", "cioaep", "default", "result.json")); !os.IsNotExist(err) {
		t.Errorf("setup saved a result from a hostile platform (stat: %v)", err)
	}
	for _, args := range [][]string{{"status"}, {"status", "--json"}, {"endpoint"}, {"endpoint", "--json"}} {
		r := w.run(t, args...)
		if r.code == 0 {
			t.Errorf("%v exited 0:\n%s", args, r.stdout)
		}
		wantNoTerminalControl(t, strings.Join(args, " "), r.stdout+r.stderr)
	}
}

// TestHostileNamesSanitised: a platform whose every answer carries escapes and a bidi override in the
// resource names. status prints them without the controls and --json escapes the bidi override.
func TestHostileNamesSanitised(t *testing.T) {
	w := newSetupWorld(t)
	if r := w.run(t, setupNewSchemaArgs...); r.code != 0 {
		t.Fatalf("setup exited %d: %s", r.code, r.stderr)
	}
	w.reset(w.rewriting("(cioaep ", "(cioaep "+hostileEscape))
	text := w.run(t, "status")
	wantNoTerminalControl(t, "status", text.stdout+text.stderr)
	if !strings.Contains(text.stdout+text.stderr, "(cioaep ") {
		t.Errorf("status lost the names:\n%s%s", text.stdout, text.stderr)
	}
	js := w.run(t, "status", "--json")
	wantNoTerminalControl(t, "status --json", js.stdout+js.stderr)
	if !strings.Contains(js.stdout, `\u202e`) {
		t.Errorf("status --json does not show the bidi override escaped:\n%s", js.stdout)
	}
}

// TestSavedHostileResultRefused: a result saved before inlet URLs were checked is refused, not printed.
func TestSavedHostileResultRefused(t *testing.T) {
	w := newSetupWorld(t)
	if r := w.run(t, setupNewSchemaArgs...); r.code != 0 {
		t.Fatalf("setup exited %d: %s", r.code, r.stderr)
	}
	path := filepath.Join(w.root, "state", "cioaep", "default", "result.json")
	data, err := os.ReadFile(path)
	setupMust(t, err)
	data = bytes.ReplaceAll(data, []byte("/collection/"), []byte("/collection/"+hostileEscape))
	setupMust(t, os.WriteFile(path, data, 0o600))
	for _, args := range [][]string{{"endpoint"}, {"endpoint", "--json"}} {
		r := w.run(t, args...)
		wantNoTerminalControl(t, strings.Join(args, " "), r.stdout+r.stderr)
		if r.code == 0 {
			t.Errorf("%v exited 0 on a hostile saved URL: %q", args, r.stdout)
		}
	}
}

// TestLocalServeLoopbackOnly: the local platform gives a token to any credentials, so local serve
// refuses to listen anywhere but on loopback.
func TestLocalServeLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:8790"} {
		code, _, errOut := localRun(context.Background(), "local", "serve", "--addr", addr, "--data", t.TempDir())
		if code != ExitUsage || !strings.Contains(errOut, "loopback only") {
			t.Errorf("--addr %s: exit %d %q", addr, code, errOut)
		}
	}
}
