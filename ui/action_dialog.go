package ui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// actionDialog is the done screen's panel for one running Action: it replaces the instructions while the
// action asks its questions and shows its progress, and keeps the outcome on screen until the user goes
// back with enter or esc. Its states are running → asking ↔ running → finished.
type actionDialog struct {
	c      *common
	label  string
	ticket int
	cancel context.CancelFunc

	entries []sayMsg // what the action said and what the user answered, in order
	ask     *askMsg  // the open question, if any
	input   textinput.Model
	choice  int
	warn    string // why enter was refused

	canceling bool
	finished  bool
	result    string
	err       error
	scroll    scroller
	follow    bool // keep the newest lines in view until the user scrolls
	details   bool // the entries said as details are shown (d)
}

// detailsKey shows and hides what the action said as details (a platform's whole answer).
var detailsKey = key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "details"))

func newActionDialog(c *common, a Action, ticket int) *actionDialog {
	return &actionDialog{c: c, label: a.Label, ticket: ticket, follow: true}
}

// start runs the action against the wizard's result.
func (d *actionDialog) start(run func(context.Context, flow.Result) (string, error), res flow.Result) tea.Cmd {
	ctx, cancel := context.WithCancel(d.c.ctx)
	d.cancel = cancel
	return runAction(d.c.ctx, ctx, d.ticket, func(ctx context.Context) (string, error) { return run(ctx, res) })
}

// open reports whether the dialog is on screen (nil-safe, so the done step can ask before any action ran).
func (d *actionDialog) open() bool { return d != nil }

func (d *actionDialog) update(msg actionMsg) tea.Cmd {
	if msg.ticket != d.ticket {
		return nil
	}
	switch p := msg.part.(type) {
	case askMsg:
		d.ask, d.warn = &p, ""
		d.input = newInput("", p.q.Default)
		if p.q.Secret {
			d.input.EchoMode = textinput.EchoPassword
			d.input.EchoCharacter = '•'
		}
		focusEnd(&d.input)
		d.choice = 0
		for i, c := range p.q.Choices {
			if c == p.q.Default {
				d.choice = i
			}
		}
	case sayMsg:
		d.entries = append(d.entries, p)
	}
	d.follow = true
	return msg.next
}

// finish records the action's outcome.
func (d *actionDialog) finish(val string, err error) {
	d.finished, d.result, d.err, d.ask, d.follow = true, val, err, nil, true
	d.cancel()
}

// key handles every key while the dialog is open; closing it is the caller's business when it returns
// closeDialog.
func (d *actionDialog) key(msg tea.KeyMsg) (cmd tea.Cmd, closed bool) {
	k := d.c.keys
	if d.ask == nil && d.scroll.key(msg, k) {
		d.follow = false
		return nil, false
	}
	if d.ask == nil && key.Matches(msg, detailsKey) && d.hasDetails() {
		d.details = !d.details
		return nil, false
	}
	switch {
	case d.finished:
		if msg.Type == tea.KeyEnter || msg.Type == tea.KeyEsc || key.Matches(msg, k.QuitDone) {
			return nil, true
		}
	case d.ask != nil:
		return d.answer(msg), false
	case msg.Type == tea.KeyEsc && !d.canceling:
		d.canceling = true
		d.cancel()
	}
	return nil, false
}

// answer edits or submits the open question.
func (d *actionDialog) answer(msg tea.KeyMsg) tea.Cmd {
	q := d.ask.q
	reply := func(a answer) tea.Cmd {
		ch := d.ask.reply
		d.ask = nil
		d.input.SetValue("") // a secret must not linger in the model
		// The channel has room for this one answer, so the command never blocks.
		return func() tea.Msg { ch <- a; return nil }
	}
	switch {
	case msg.Type == tea.KeyEsc:
		return reply(answer{err: ErrCanceled})
	case msg.Type == tea.KeyEnter:
		v := strings.TrimSpace(d.input.Value())
		if len(q.Choices) > 0 {
			v = q.Choices[d.choice]
		}
		if v == "" && !q.Optional {
			d.warn = "Type a value, or press esc to stop."
			return nil
		}
		shown := v
		switch {
		case q.Secret && v != "":
			shown = "•••••••• (hidden)"
		case v == "":
			shown = "(skipped)"
		}
		d.entries = append(d.entries, sayMsg{text: q.Prompt + ": " + shown})
		return reply(answer{value: v})
	case len(q.Choices) > 0:
		switch msg.String() {
		case "left", "h", "up", "k", "shift+tab":
			d.choice = (d.choice + len(q.Choices) - 1) % len(q.Choices)
		case "right", "l", "down", "j", "tab", " ":
			d.choice = (d.choice + 1) % len(q.Choices)
		}
		return nil
	}
	d.warn = ""
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return cmd
}

func (d *actionDialog) view() string {
	st, w := d.c.st, d.c.bodyWidth()
	var b strings.Builder
	b.WriteString(st.boxTitle.Render(clean(capitalize(d.label))) + "\n\n")
	for _, e := range d.entries {
		if e.details {
			if d.details {
				title, text, _ := strings.Cut(e.text, "\n")
				b.WriteString(st.boxTitle.Render(clean(title)) + "\n" + st.subtle.Render(d.c.para(cleanBlock(text))) + "\n")
			}
			continue
		}
		if e.rows != nil || e.header != nil {
			for i, l := range tableLines(e.header, e.rows, w-2) {
				if i == 0 && e.header != nil {
					l = st.subtle.Render(l)
				}
				b.WriteString("  " + l + "\n")
			}
			continue
		}
		b.WriteString(d.c.para(cleanBlock(e.text)) + "\n")
	}
	switch {
	case d.ask != nil:
		q := d.ask.q
		b.WriteString("\n" + st.selected.Render(clean(q.Prompt)) + "\n")
		if q.Help != "" {
			b.WriteString(st.subtle.Render(d.c.para(clean(q.Help))) + "\n")
		}
		if len(q.Choices) > 0 {
			var opts []string
			for i, c := range q.Choices {
				if i == d.choice {
					opts = append(opts, st.selected.Render("‹ "+clean(c)+" ›"))
				} else {
					opts = append(opts, st.subtle.Render("  "+clean(c)+"  "))
				}
			}
			b.WriteString("  " + strings.Join(opts, " ") + "\n")
		} else {
			b.WriteString(st.focus(true) + inputView(&d.input, w-4) + "\n")
		}
		if d.warn != "" {
			b.WriteString(st.warn.Render(d.warn) + "\n")
		}
	case d.finished && d.err != nil:
		b.WriteString("\n" + d.c.errText(d.err) + "\n")
	case d.finished:
		b.WriteString("\n" + d.c.mark(st.ok, "✓", clean(d.result)) + "\n")
	case d.canceling:
		b.WriteString("\n" + d.c.busy("stopping…") + "\n")
	default:
		b.WriteString("\n" + d.c.busy("working…") + "\n")
	}
	if d.follow {
		d.scroll.offset = 1 << 30 // the scroller clamps it to the last page
	}
	return d.scroll.view(b.String(), d.c.bodyHeight())
}

// hasDetails says whether the action said anything as details.
func (d *actionDialog) hasDetails() bool {
	for _, e := range d.entries {
		if e.details {
			return true
		}
	}
	return false
}

func (d *actionDialog) help() []key.Binding {
	k := d.c.keys
	var extra []key.Binding
	if d.ask == nil && d.hasDetails() {
		label := "show details"
		if d.details {
			label = "hide details"
		}
		extra = append(extra, key.NewBinding(key.WithKeys("d"), key.WithHelp("d", label)))
	}
	switch {
	case d.finished:
		return d.scroll.help(k, append([]key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "back to the URL"))}, extra...))
	case d.ask != nil && len(d.ask.q.Choices) > 0:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
			key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")),
		}
	case d.ask != nil:
		label := "continue"
		if d.ask.q.Optional {
			label = "continue (empty skips)"
		}
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", label)),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")),
		}
	default:
		return d.scroll.help(k, append([]key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop"))}, extra...))
	}
}

// capitalize starts a label ("send a test event now") as a title.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
