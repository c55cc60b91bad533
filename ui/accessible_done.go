package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/cioaep/cioaep/flow"
)

// doneKeys are the done screen's choices after the URL, in the order both modes offer them: copy it,
// each action (send test events, create the Customer.io webhook), the monitor when the engine can
// watch, quit. The full-screen done step shows them as keys, the accessible mode as a numbered menu.
func doneKeys(k keyMap, deps Deps, e Engine) []key.Binding {
	b := []key.Binding{k.Copy}
	for _, a := range deps.Actions {
		b = append(b, key.NewBinding(key.WithKeys(a.Key), key.WithHelp(a.Key, a.Label)))
	}
	if _, ok := e.(Monitorer); ok {
		b = append(b, monitorKey)
	}
	return append(b, k.QuitDone)
}

// next offers the done screen's choices until the user quits (the default) or the input ends.
func (a *accessible) next(res flow.Result) {
	keys := doneKeys(newKeyMap(), a.deps, a.e)
	labels := make([]string, len(keys))
	for i, b := range keys {
		labels[i] = b.Help().Desc
	}
	for {
		a.say("")
		i, err := a.choose("What next?", labels, len(labels)-1)
		if err != nil || i == len(labels)-1 {
			return
		}
		switch k := keys[i].Keys()[0]; {
		case k == "c":
			if a.deps.Copy == nil {
				a.say("Nothing could be copied here: select the URL above.")
				continue
			}
			a.say("%s", clean(a.deps.Copy(res.WebhookURL).Message))
		case k == "m":
			snap, err := a.e.(Monitorer).Monitor(a.ctx, flow.MonitorOptions{Local: a.p == Local, QuietAfter: flow.DefaultQuietAfter, LastEvents: 12})
			if err != nil {
				a.say("%s", clean(flow.Explain(err)))
				continue
			}
			WatchText(a.out, snap)
		default:
			for _, act := range a.deps.Actions {
				if act.Key != k {
					continue
				}
				v, err := act.Run(WithAsker(a.ctx, plainAsker{a}), res)
				switch {
				case errors.Is(err, errInputEnded):
					return
				case err != nil:
					a.say("%s", clean(flow.Explain(err)))
				default:
					a.say("%s", clean(v))
				}
			}
		}
	}
}

// plainAsker lets a done-screen action ask and tell through the accessible mode's line prompts.
type plainAsker struct{ a *accessible }

func (p plainAsker) Ask(q Question) (string, error) {
	a := p.a
	if q.Help != "" {
		a.say("%s", clean(q.Help))
	}
	if len(q.Choices) > 0 {
		def := 0
		for i, c := range q.Choices {
			if c == q.Default {
				def = i
			}
		}
		i, err := a.choose(q.Prompt, q.Choices, def)
		if err != nil {
			return "", err
		}
		return q.Choices[i], nil
	}
	prompt := q.Prompt
	if q.Optional {
		prompt += " (enter skips)"
	}
	for {
		var v string
		var err error
		if q.Secret && a.pr.ReadSecret != nil {
			fmt.Fprintf(a.out, "%s (not shown): ", prompt)
			v, err = a.pr.ReadSecret()
			fmt.Fprintln(a.out)
			v = strings.TrimSpace(v)
		} else {
			v, err = a.ask(prompt, q.Default)
		}
		if err != nil || v != "" || q.Optional {
			return v, err
		}
		a.say("A value is needed.")
	}
}

func (p plainAsker) Say(text string) { p.a.say("%s", cleanBlock(text)) }

func (p plainAsker) SayTable(header []string, rows [][]string) {
	for _, l := range tableLines(header, rows, 1<<16) {
		p.a.say("  %s", l)
	}
}

// SayDetails asks before printing: a platform's whole answer is long, and the lines before it already
// name each field.
func (p plainAsker) SayDetails(title, text string) {
	if show, err := p.a.yes(clean(title)+" Show it?", false); err == nil && show {
		p.a.say("%s", cleanBlock(text))
	}
}
