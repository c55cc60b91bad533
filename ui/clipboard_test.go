package ui

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// TestCopierSendsOSC52 checks the escape sequence a terminal needs; without a display the native
// clipboard fails here, and the message must say the copy went through the terminal only.
func TestCopierSendsOSC52(t *testing.T) {
	t.Setenv("TERM", "xterm-256color")
	var out bytes.Buffer
	res := Copier(&out, true)("https://example.test/u?x=1")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("https://example.test/u?x=1")) + "\x07"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("wrote %q, want the OSC 52 sequence %q", out.String(), want)
	}
	if !res.OK || !strings.Contains(res.Message, "OSC 52") {
		t.Errorf("result %+v does not say OSC 52 was used", res)
	}
}

func TestCopierWithoutTerminalSaysWhatHappened(t *testing.T) {
	var out bytes.Buffer
	res := Copier(&out, false)("u")
	if out.Len() != 0 {
		t.Errorf("wrote %q to a non-terminal", out.String())
	}
	if res.OK != strings.Contains(res.Message, "system clipboard.") {
		t.Errorf("message %q does not match OK=%v", res.Message, res.OK)
	}
	if !res.OK && !strings.Contains(res.Message, "Nothing could be copied") {
		t.Errorf("message %q does not say nothing was copied", res.Message)
	}
}
