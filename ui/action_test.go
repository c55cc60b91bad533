package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/cioaep/cioaep/flow"
)

// recorder keeps every byte the program drew, for "never on screen" checks.
type recorder struct {
	d   *driver
	all bytes.Buffer
}

func (r *recorder) wait(s string) {
	r.d.t.Helper()
	teatest.WaitFor(r.d.t, io.TeeReader(r.d.tm.Output(), &r.all), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// atDone starts the fake-engine wizard with actions and waits for the done screen.
func atDone(t *testing.T, actions ...Action) *recorder {
	deps := newWorld().deps(false)
	deps.Actions = actions
	d := start(t, deps, 100, 30)
	d.to(6)
	d.enter("remembers this dataflow")
	return &recorder{d: d}
}

// TestActionDialogAsksEveryKindOfQuestion answers a text field with a default, a masked secret, a choice
// and an optional field, then goes back to the URL.
func TestActionDialogAsksEveryKindOfQuestion(t *testing.T) {
	const secret = "s3cr3t-app-key-value"
	var (
		mu  sync.Mutex
		got []string
	)
	run := func(ctx context.Context, _ flow.Result) (string, error) {
		Say(ctx, "Starting.")
		for _, q := range []Question{
			{Prompt: "Name", Default: "cioaep"},
			{Prompt: "Key", Secret: true},
			{Prompt: "Region", Choices: []string{"US", "EU"}, Default: "US"},
			{Prompt: "Extra", Optional: true},
		} {
			v, err := Ask(ctx, q)
			if err != nil {
				return "", err
			}
			mu.Lock()
			got = append(got, v)
			mu.Unlock()
		}
		SayTable(ctx, []string{"event", "reason"}, [][]string{{"email.sent", "accepted"}})
		return "All answered.", nil
	}
	r := atDone(t, Action{Key: "a", Label: "ask things", Run: run})
	r.d.typ("a")
	r.wait("Name")
	r.d.typ("-x")
	r.d.press(tea.KeyEnter)
	r.wait("Key")
	r.d.press(tea.KeyEnter) // a required field refuses an empty answer
	r.wait("Type a value, or press esc to stop.")
	r.d.typ(secret)
	r.d.press(tea.KeyEnter)
	r.wait("‹ US ›")
	r.d.press(tea.KeyRight)
	r.wait("‹ EU ›")
	r.d.press(tea.KeyEnter)
	r.wait("Extra")
	r.d.press(tea.KeyEnter)
	r.wait("All answered.")
	w, view := r.d.final()
	for _, want := range []string{"Name: cioaep-x", "Key: •••••••• (hidden)", "Region: EU", "Extra: (skipped)", "email.sent  accepted", "enter back to the URL"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, "|") != "cioaep-x|"+secret+"|EU|" {
		t.Errorf("answers %q", got)
	}
	rest, _ := io.ReadAll(r.d.tm.FinalOutput(t))
	if bytes.Contains(append(r.all.Bytes(), rest...), []byte(secret)) {
		t.Error("the secret was drawn")
	}
	d := w.steps[len(w.steps)-1].(*doneStep)
	if d.dialog.input.Value() != "" {
		t.Error("the secret stayed in the text field after it was answered")
	}
}

// TestActionDialogEscStops: esc at a question stops the action, enter goes back to the URL, whose screen
// says what happened.
func TestActionDialogEscStops(t *testing.T) {
	errc := make(chan error, 1)
	r := atDone(t, Action{Key: "w", Label: "make the webhook", Run: func(ctx context.Context, _ flow.Result) (string, error) {
		_, err := Ask(ctx, Question{Prompt: "App API key", Secret: true})
		errc <- err
		return "", err
	}})
	r.d.typ("w")
	r.wait("App API key")
	r.d.press(tea.KeyEsc)
	r.wait("cancelled")
	r.d.press(tea.KeyEnter)
	r.wait("In Customer.io:")
	_, view := r.d.final()
	if err := <-errc; !errors.Is(err, ErrCanceled) {
		t.Errorf("Ask returned %v, want ErrCanceled", err)
	}
	if !strings.Contains(view, "✗ cancelled: nothing more was changed") {
		t.Errorf("the done screen does not say the action stopped:\n%s", view)
	}
}

// TestActionDialogEscWhileWorking cancels the action's context; a second action can run afterwards.
func TestActionDialogEscWhileWorking(t *testing.T) {
	stopped := make(chan error, 1)
	r := atDone(t, Action{Key: "t", Label: "send", Run: func(ctx context.Context, _ flow.Result) (string, error) {
		Say(ctx, "Sending…")
		<-ctx.Done()
		stopped <- ctx.Err()
		return "", ctx.Err()
	}})
	r.d.typ("t")
	r.wait("Sending…")
	r.d.press(tea.KeyEsc)
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the action saw %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("esc did not stop the action")
	}
	r.wait("enter back to the URL")
	r.d.press(tea.KeyEnter)
	r.wait("✗ cancelled")
	r.d.typ("t")
	r.wait("Sending…")
	r.d.final()
}

func TestAskOutsideTheDialog(t *testing.T) {
	if _, err := Ask(context.Background(), Question{Prompt: "x"}); !errors.Is(err, ErrNoDialog) {
		t.Errorf("Ask without a dialog = %v", err)
	}
	Say(context.Background(), "nobody listens") // must not block or panic
	SayTable(context.Background(), nil, [][]string{{"a"}})
}

type scriptAsker struct {
	answers []string
	said    []string
}

func (s *scriptAsker) Ask(q Question) (string, error) {
	if len(s.answers) == 0 {
		return "", ErrCanceled
	}
	v := s.answers[0]
	s.answers = s.answers[1:]
	return v, nil
}
func (s *scriptAsker) Say(text string) { s.said = append(s.said, text) }
func (s *scriptAsker) SayTable(h []string, rows [][]string) {
	s.said = append(s.said, strings.Join(tableLines(h, rows, 80), "\n"))
}

func TestWithAsker(t *testing.T) {
	a := &scriptAsker{answers: []string{"one"}}
	ctx := WithAsker(context.Background(), a)
	if v, err := Ask(ctx, Question{Prompt: "first"}); v != "one" || err != nil {
		t.Errorf("Ask = %q, %v", v, err)
	}
	if _, err := Ask(ctx, Question{Prompt: "second"}); !errors.Is(err, ErrCanceled) {
		t.Errorf("Ask past the script = %v", err)
	}
	Say(ctx, "hello")
	if len(a.said) != 1 || a.said[0] != "hello" {
		t.Errorf("said %q", a.said)
	}
}

func TestTableLines(t *testing.T) {
	got := tableLines([]string{"", "event", "reason"}, [][]string{
		{"✓", "email.sent", "accepted"},
		{"✗", "customer.subscribed", "the record failed: \x1b[31mred\x1b[0m and a very long reason that does not fit"},
	}, 60)
	want := []string{
		"   event                reason",
		"✓  email.sent           accepted",
		"✗  customer.subscribed  the record failed: red and a very l…",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestActionDialogFitsTheSmallestTerminal: a long transcript and an open question at 60×16 stay within
// the screen, the question in view.
func TestActionDialogFitsTheSmallestTerminal(t *testing.T) {
	r := atDone(t, Action{Key: "w", Label: "create the webhook", Run: func(ctx context.Context, _ flow.Result) (string, error) {
		for i := range 12 {
			Say(ctx, strings.Repeat("A long explanation that wraps. ", i%3+1))
		}
		return Ask(ctx, Question{Prompt: "Webhook name", Help: "How the webhook is listed.", Default: "cioaep"})
	}})
	r.d.tm.Send(tea.WindowSizeMsg{Width: 60, Height: 16})
	r.d.typ("w")
	r.wait("Webhook name")
	_, view := r.d.final()
	if h := terminalRows(view, 60); h > 16 {
		t.Errorf("%d rows at 60×16:\n%s", h, view)
	}
	for _, l := range strings.Split(view, "\n") {
		if lipgloss.Width(l) > 60 && !strings.HasPrefix(l, "http") { // the printed URL is wrapped by the terminal
			t.Errorf("line wider than 60: %q", l)
		}
	}
	if !strings.Contains(view, "┃ cioaep") || !strings.Contains(view, "↑ more above") {
		t.Errorf("the open question is not in view:\n%s", view)
	}
}
