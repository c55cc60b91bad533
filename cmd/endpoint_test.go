package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/ui"
)

// writeTestFile writes data to path, creating its directory private to the user as cioaep does.
func writeTestFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

const epURL = "http://127.0.0.1:8790/collection/0123abcd?x-adobe-flow-id=f-77"

func TestEndpointWithoutSetup(t *testing.T) {
	isolateHome(t)
	r := stRun(t, "endpoint", "--profile", "work")
	if r.code != ExitFailed || r.stdout != "" || !strings.Contains(r.stderr, "no dataflow for profile work yet: run cioaep setup") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestEndpointPrintsTheURLAlone(t *testing.T) {
	paths := isolateHome(t)
	stWriteResult(t, paths, flow.Result{WebhookURL: epURL, FlowID: "f-77", DatasetID: "d-1"})

	r := stRun(t, "endpoint")
	if r.code != 0 || r.stdout != epURL+"\n" || r.stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want the URL alone on stdout", r.code, r.stdout, r.stderr)
	}
	r = stRun(t, "endpoint", "--json")
	var got endpointJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("exit %d, --json output %q: %v", r.code, r.stdout, err)
	}
	if want := (endpointJSON{Profile: "default", WebhookURL: epURL, FlowID: "f-77", DatasetID: "d-1"}); got != want {
		t.Errorf("--json %+v, want %+v", got, want)
	}
}

func TestEndpointCopySaysWhatWorked(t *testing.T) {
	paths := isolateHome(t)
	stWriteResult(t, paths, flow.Result{WebhookURL: epURL})
	var copied []string
	var out, errb bytes.Buffer
	g := &Factory{Profile: "default", JSON: true, IO: &IOStreams{Out: &out, ErrOut: &errb}}
	o := &endpointOptions{Copy: true, copier: func(s string) ui.CopyResult {
		copied = append(copied, s)
		return ui.CopyResult{OK: true, Message: "Copied to the system clipboard."}
	}}
	if err := runEndpoint(context.Background(), g, o); err != nil {
		t.Fatal(err)
	}
	if len(copied) != 1 || copied[0] != epURL {
		t.Errorf("copied %q, want the URL once", copied)
	}
	if errb.String() != "Copied to the system clipboard.\n" {
		t.Errorf("stderr %q, want the copier's message", errb.String())
	}
	var got endpointJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Copied != "Copied to the system clipboard." || got.WebhookURL != epURL {
		t.Errorf("--json %q (%v), want the URL and what was copied", out.String(), err)
	}
}

// TestEndpointCopyOSC52OnATerminal gives the command a real terminal as stderr: the URL must arrive there
// as an OSC 52 sequence, stdout must hold the URL alone, and the message must say what worked.
func TestEndpointCopyOSC52OnATerminal(t *testing.T) {
	paths := isolateHome(t)
	t.Setenv("TERM", "xterm-256color")
	t.Setenv("TMUX", "") // termenv wraps OSC 52 differently inside tmux
	stWriteResult(t, paths, flow.Result{WebhookURL: epURL})
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	defer ptmx.Close()
	seen := make(chan string, 1)
	go func() {
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, ptmx) // ends when tty is closed
		seen <- buf.String()
	}()
	var out bytes.Buffer
	g := &Factory{Profile: "default", IO: &IOStreams{Out: &out, ErrOut: tty}}
	err = runEndpoint(context.Background(), g, &endpointOptions{Copy: true})
	tty.Close()
	if err != nil {
		t.Fatal(err)
	}
	var screen string
	select {
	case screen = <-seen:
	case <-time.After(5 * time.Second):
		t.Fatal("the terminal never closed")
	}
	if want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(epURL)); !strings.Contains(screen, want) {
		t.Errorf("the terminal received %q, want an OSC 52 sequence carrying the URL", screen)
	}
	if !strings.Contains(screen, "OSC 52") {
		t.Errorf("the message does not say OSC 52 was used: %q", screen)
	}
	if out.String() != epURL+"\n" {
		t.Errorf("stdout %q, want the URL alone", out.String())
	}
}
