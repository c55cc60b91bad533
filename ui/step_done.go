package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// doneStep shows the webhook URL in full, copies it on request and says how to paste it into Customer.io.
// Other commands add keys to it through Deps.Actions (send a test event, create the webhook for me).
type doneStep struct {
	c        *common
	saved    string // what happened to the profile
	savedOK  bool
	copied   *CopyResult
	actNote  string
	acting   bool
	scroll   scroller
	saving   bool // the profile is being written; quitting waits for it
	leaving  bool // q was pressed while saving
	saveTick int
	copyTick int
	actTick  int
	dialog   *actionDialog // the running or last finished action, while it is on screen
	watch    *watchPage    // the monitor, while m has it on screen (esc closes it)
}

func newDone(c *common) *doneStep { return &doneStep{c: c} }

func (s *doneStep) title() string { return "Done" }

func (s *doneStep) ownsEsc() bool { return true }

// ownTitle is the monitor's own header while m shows it: the setup steps are behind the user by then.
func (s *doneStep) ownTitle() string {
	if s.watch != nil {
		return s.watch.title()
	}
	return ""
}

// enter remembers the sandbox in the profile, so status, endpoint and send-test work without flags.
func (s *doneStep) enter() tea.Cmd {
	s.saveTick, s.saving = s.c.ticket(), true
	ctx, deps, p, sandbox := s.c.ctx, s.c.deps, s.c.platform, s.c.plan.Sandbox
	return tea.Batch(s.printURL(), do(s.saveTick, func() (string, error) { return deps.Save(ctx, p, Credentials{}, sandbox) }))
}

// printURL prints the webhook URL above the screen, whole, for the terminal to wrap (see printOut).
func (s *doneStep) printURL() tea.Cmd {
	return s.c.printURL(s.c.st.ok.Render("✓ The dataflow is ready.")+" Paste this URL into Customer.io:", s.c.result.WebhookURL)
}

func (s *doneStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[string]:
		switch msg.ticket {
		case s.saveTick:
			s.saving = false
			if s.leaving {
				return quit
			}
			if msg.err != nil {
				s.saved = s.c.st.warn.Render("The profile was not updated: " + clean(msg.err.Error()))
			} else {
				s.savedOK = true
				s.saved = "Profile " + fmt.Sprintf("%q", s.c.deps.Profile) + " remembers this dataflow; these show it again:"
			}
		case s.actTick:
			s.acting = false
			if s.dialog.open() {
				s.dialog.finish(msg.val, msg.err)
			}
			if msg.err != nil {
				s.actNote = s.c.st.err.Render("✗ " + clean(flow.Explain(msg.err)))
			} else {
				s.actNote = s.c.st.ok.Render("✓ ") + clean(msg.val)
			}
		}
	case actionMsg:
		if s.dialog.open() {
			return s.dialog.update(msg)
		}
	case doneMsg[CopyResult]:
		if msg.ticket == s.copyTick {
			s.copied = &msg.val
		}
	case tea.KeyMsg:
		return s.key(msg)
	case watchTickMsg, watchResultMsg, watchAlertMsg:
		if s.watch != nil {
			return s.watch.update(msg)
		}
	}
	return nil
}

// monitorKey opens the monitor on the new dataflow (when the engine can watch one).
var monitorKey = key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "monitor"))

func (s *doneStep) key(msg tea.KeyMsg) tea.Cmd {
	k := s.c.keys
	if s.dialog.open() {
		cmd, closed := s.dialog.key(msg)
		if closed {
			s.dialog = nil
		}
		return cmd
	}
	if s.watch != nil {
		if key.Matches(msg, k.Back) {
			s.watch = nil
			return nil
		}
		return s.watch.update(msg)
	}
	if s.scroll.key(msg, k) {
		return nil
	}
	if mon, ok := s.c.engine.(Monitorer); ok && key.Matches(msg, monitorKey) && !s.acting {
		s.watch = newWatchPage(s.c, mon, s.c.deps.Watch)
		return s.watch.start()
	}
	switch {
	case key.Matches(msg, k.QuitDone), msg.Type == tea.KeyEnter:
		if s.saving {
			s.leaving = true
			return nil
		}
		return quit
	case key.Matches(msg, k.Copy):
		s.copyTick = s.c.ticket()
		url, cp := s.c.result.WebhookURL, s.c.deps.Copy
		return do(s.copyTick, func() (CopyResult, error) {
			if cp == nil {
				return CopyResult{Message: "Nothing could be copied here: select the URL with the mouse."}, nil
			}
			return cp(url), nil
		})
	}
	for _, a := range s.c.deps.Actions {
		if msg.String() == a.Key && !s.acting {
			s.acting, s.actNote = true, ""
			s.actTick = s.c.ticket()
			s.dialog = newActionDialog(s.c, a, s.actTick)
			return s.dialog.start(a.Run, s.c.result)
		}
	}
	return nil
}

func (s *doneStep) view() string {
	if s.dialog.open() {
		return s.dialog.view()
	}
	if s.watch != nil {
		return s.watch.view()
	}
	st := s.c.st
	var b strings.Builder
	b.WriteString(s.c.para(copyLine(st, s.copied, "The webhook URL is printed whole above: select it, or press c to copy it.")) + "\n\n")
	var labels []string
	for _, e := range s.c.plan.Events {
		if o, ok := flow.LookupObjectType(e); ok {
			labels = append(labels, o.Label)
		}
	}
	b.WriteString("In Customer.io:\n")
	b.WriteString(s.c.numbered([]string{
		"Open Data & Integrations → Integrations → Reporting Webhooks.",
		"Click Add Reporting Webhook and give it a name.",
		"Paste the URL into Webhook Endpoint.",
		"Tick the same events: " + strings.Join(labels, ", ") + ".",
		"Click Save and Enable Webhook.",
	}))
	b.WriteString("\n" + st.subtle.Render(s.c.para("Adobe asks for about five minutes after creating a dataflow before data flows; Customer.io's Activity Logs show each delivery.")) + "\n")
	if s.saved != "" {
		b.WriteString(st.subtle.Render(s.c.para(s.saved)) + "\n")
		if s.savedOK {
			// a command on a line of its own, so the window's width never breaks it
			b.WriteString("  " + s.c.command("status") + "\n  " + s.c.command("endpoint") + "\n")
		}
	}
	if s.acting {
		b.WriteString(s.c.busy("working…") + "\n")
	} else if s.actNote != "" {
		b.WriteString(s.actNote + "\n")
	}
	return s.scroll.view(b.String(), s.c.bodyHeight())
}

// copyLine says how the last copy went, or how to copy.
func copyLine(st styles, copied *CopyResult, hint string) string {
	switch {
	case copied == nil:
		return st.subtle.Render(hint)
	case copied.OK:
		return st.ok.Render("✓ ") + clean(copied.Message)
	default:
		return st.warn.Render("! ") + clean(copied.Message)
	}
}

func (s *doneStep) help() []key.Binding {
	if s.dialog.open() {
		return s.dialog.help()
	}
	if s.watch != nil {
		return append(s.watch.help(), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")))
	}
	return s.scroll.help(s.c.keys, doneKeys(s.c.keys, s.c.deps, s.c.engine))
}
