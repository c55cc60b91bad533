package ui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/creack/pty"
)

// syncDrive runs the wizard without a program: it feeds msgs to Update and runs the commands they
// return until nothing is left, skipping spinner ticks. Benchmarks use it to reach a step quickly.
func syncDrive(w *wizard, msgs ...tea.Msg) {
	queue := append([]tea.Msg(nil), msgs...)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		_, cmd := w.Update(msg)
		queue = append(queue, runCmd(cmd)...)
	}
}

func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch m := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, runCmd(c)...)
		}
		return out
	case tea.QuitMsg:
		return nil
	default:
		if fmt.Sprintf("%T", m) == "spinner.TickMsg" {
			return nil
		}
		return []tea.Msg{m}
	}
}

// BenchmarkView draws each step at 120×40, as it stands at the end of the default path; the budget is
// 1 ms per frame.
func BenchmarkView(b *testing.B) {
	w := testWizard(newWorld().deps(false))
	syncDrive(w, tea.WindowSizeMsg{Width: 120, Height: 40})
	for range len(w.steps) - 1 {
		syncDrive(w, tea.KeyMsg{Type: tea.KeyEnter})
	}
	if !w.done {
		b.Fatalf("driving the default path stopped at step %d", w.cur)
	}
	for i, s := range w.steps {
		w.cur = i
		b.Run(s.title(), func(b *testing.B) {
			for b.Loop() {
				_ = w.View()
			}
		})
	}
}

// BenchmarkFilter10k types a query into the filter of a 10,000-row list; each op is one keystroke and
// everything it sets off: the filter, the fuzzy ranking (run in a command when more than rankLimit rows
// match, applied here as the program would) and the frame drawn after it.
func BenchmarkFilter10k(b *testing.B) {
	l := bigList()
	query := "cust email 12"
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		k := n % (len(query) + 1)
		if k == 0 {
			l.setQuery("")
			continue
		}
		if cmd := l.setQuery(query[:k]); cmd != nil {
			l.ranked(cmd().(rankedMsg))
		}
		_ = l.view(118, 30)
	}
}

// BenchmarkRank10k is the ranking that runs off the keystroke path when a query matches more than
// rankLimit rows (here every one of 10,000).
func BenchmarkRank10k(b *testing.B) {
	l := bigList()
	all := indexRange(0, len(l.items))
	for b.Loop() {
		rank("c", l.search, all)
	}
}

// bigList is a 10,000-row list like a large organisation's datasets.
func bigList() *pickList {
	w := testWizard(newWorld().deps(false))
	l := newPickList(w.c, false)
	for i := range 10000 {
		l.add(listItem{title: fmt.Sprintf("Dataset %05d customer events %s", i, []string{"web", "email", "mobile", "crm"}[i%4]),
			detail: fmt.Sprintf("schema: Schema %d", i%37)})
	}
	return l
}

const ptyHelperEnv = "CIOAEP_UI_PTY_HELPER"

// ptyHelper is the program the launch benchmark starts: the test binary, re-run as the wizard.
func ptyHelper() int {
	_, _ = Run(context.Background(), newWorld().deps(false), os.Stdin, os.Stdout)
	return 0
}

// BenchmarkLaunchToFirstFrame builds the cioaep binary once, then starts it in a pseudo-terminal with a
// home of its own, as a user would type cioaep, and times each launch until the wizard's first frame
// has been drawn. It reports the median launch; the budget is 50 ms.
func BenchmarkLaunchToFirstFrame(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "cioaep")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		b.Fatalf("build cioaep: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "CIOAEP_CLIENT_SECRET=", "CIOAEP_PLATFORM_URL=", "CIOAEP_IMS_URL="}
	var took []time.Duration
	for b.Loop() {
		_, t := ptyFirstFrame(b, exec.Command(bin), env...)
		took = append(took, t)
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
}

// TestNoColor draws the first frame through a pty with and without NO_COLOR: colours without it (so the
// check can fail), none with it.
func TestNoColor(t *testing.T) {
	if frame, _ := firstFrame(t); !sgrColour.Match(frame) {
		t.Fatalf("expected colour without NO_COLOR: %q", frame)
	}
	if frame, _ := firstFrame(t, "NO_COLOR=1"); sgrColour.Match(frame) {
		t.Errorf("colour drawn under NO_COLOR: %q", frame)
	}
}

// sgrColour matches any SGR sequence that sets a foreground or background colour (16, 256 or true colour).
var sgrColour = regexp.MustCompile(`\x1b\[[0-9;]*\b([34][0-8]|9[0-7]|10[0-7])(;[0-9;]*)?m`)

// firstFrame runs the wizard (this test binary, re-run as ptyHelper) in a pseudo-terminal and returns
// everything it wrote up to its first frame and how long that took.
func firstFrame(tb testing.TB, env ...string) ([]byte, time.Duration) {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return ptyFirstFrame(tb, exec.Command(exe, "-test.run=^$"), append([]string{ptyHelperEnv + "=1"}, env...)...)
}

// ptyFirstFrame starts cmd in a pseudo-terminal and returns everything it wrote up to the wizard's first
// frame and how long that took. Bubble Tea v1 asks the terminal for its background colour in its
// package init (OSC 11, then a cursor position report); it answers both as any terminal would, since a
// pty nobody answers makes termenv wait out its 5 s timeout.
func ptyFirstFrame(tb testing.TB, cmd *exec.Cmd, env ...string) ([]byte, time.Duration) {
	tb.Helper()
	// termenv treats any CI variable as "not a terminal" and drops colour; this child has a real pty.
	base := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CI=") })
	cmd.Env = append(append(base, "TERM=xterm-256color"), env...)
	t0 := time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = f.Close()
	}()
	var seen bytes.Buffer
	buf := make([]byte, 4096)
	answered := false
	for !bytes.Contains(seen.Bytes(), []byte("Step 1 of 9")) {
		n, err := f.Read(buf)
		if err != nil {
			tb.Fatalf("no first frame: %v (%q)", err, seen.String())
		}
		seen.Write(buf[:n])
		if !answered && bytes.Contains(seen.Bytes(), []byte("\x1b[6n")) {
			answered = true
			_, _ = f.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[1;1R"))
		}
	}
	return seen.Bytes(), time.Since(t0)
}
