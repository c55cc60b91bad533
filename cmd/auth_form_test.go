//go:build linux

package cmd

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/creds/credstest"
)

// TestAuthLoginFormMasksSecret types the values into login's form on a real pseudo-terminal (the
// accessible, line-by-line form, which is deterministic to drive) and checks that the terminal never
// echoed the secret while the other answers were echoed as usual.
func TestAuthLoginFormMasksSecret(t *testing.T) {
	const secret = "sentinel-typed-secret"
	w := newAuthWorld(t, map[string]string{"client-a": secret})
	mem := credstest.NewMemKeychain()
	deps := w.deps(mem, time.Second)
	deps.interactive = true

	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptm.Close()
	defer tty.Close()
	var screen lockedBuffer // what the terminal shows: the echo of typed lines
	go io.Copy(&screen, ptm)

	var prompts lockedBuffer
	g := &Factory{Profile: "default", Accessible: true, IO: &IOStreams{In: tty, Out: &prompts, ErrOut: &prompts}}
	done := make(chan error, 1)
	go func() { done <- runAuthLogin(context.Background(), g, deps, authLoginOptions{}) }()

	typeLine := func(prompt, line string, echoOff bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(prompts.String(), prompt) || (echoOff && ttyEchoes(t, tty)) {
			if time.Now().After(deadline) && strings.Contains(prompts.String(), prompt) {
				t.Fatalf("the terminal still echoes at the %q prompt: typing would show the secret", prompt)
			}
			if time.Now().After(deadline) {
				t.Fatalf("the form never asked %q; it showed:\n%s", prompt, prompts.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		ptm.Write([]byte(line + "\r"))
	}
	typeLine("Organization ID", authTestOrgID, false)
	typeLine("Client ID", "client-a", false)
	typeLine("Client secret", secret, true)
	typeLine("Scopes", "openid,AdobeID", false)
	typeLine("Sandbox", "", false)

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("login through the form: %v\n%s", err, prompts.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("login through the form did not finish; it showed:\n%s", prompts.String())
	}
	if v, _ := mem.Lookup(creds.Service, "default/client-secret"); v != secret {
		t.Errorf("keychain holds %q", v)
	}
	shown := screen.String()
	if !strings.Contains(shown, "client-a") {
		t.Errorf("the terminal did not echo ordinary answers, so this test cannot see echo:\n%q", shown)
	}
	if strings.Contains(shown+prompts.String(), secret) {
		t.Errorf("the secret was shown:\n%q", shown)
	}
}

// ttyEchoes reports whether the terminal still echoes input; the password prompt turns echo off.
func ttyEchoes(t *testing.T, tty interface{ Fd() uintptr }) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// lockedBuffer is a bytes.Buffer shared between the form and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
