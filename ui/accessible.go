package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cioaep/cioaep/flow"
)

// Prompter is the accessible mode's terminal: plain lines in and out, no cursor movement, no redraws, so
// screen readers and braille displays read every prompt once and in order.
type Prompter struct {
	In  io.Reader
	Out io.Writer
	// ReadSecret reads the client secret without echo; nil reads it as a plain line (not a terminal).
	ReadSecret func() (string, error)
}

// accessible runs the same nine steps as the wizard as questions and answers.
type accessible struct {
	ctx  context.Context
	deps Deps
	in   *bufio.Scanner
	out  io.Writer
	pr   Prompter
	plan flow.Plan
	e    Engine
	p    Platform
	// samples feed the mapping suggestion, as on the wizard's events step.
	samples []map[string]any
}

// errInputEnded is what a closed stdin means mid-setup.
var errInputEnded = errors.New("the input ended before setup finished: run cioaep again to pick up where you left off")

// RunAccessible asks for everything with plain line prompts and returns the dataflow it made.
func RunAccessible(ctx context.Context, deps Deps, pr Prompter) (flow.Result, error) {
	a := &accessible{ctx: ctx, deps: deps, in: bufio.NewScanner(pr.In), out: pr.Out, pr: pr,
		plan: flow.Plan{Profile: deps.Profile}}
	a.say("cioaep connects Customer.io reporting webhooks to Adobe Experience Platform.")
	for _, step := range []func() error{a.welcome, a.credentials, a.sandbox, a.events, a.destination, a.mapping, a.review} {
		if err := step(); err != nil {
			return flow.Result{}, err
		}
	}
	res, err := a.create()
	if err != nil {
		return flow.Result{}, err
	}
	a.done(res)
	return res, nil
}

func (a *accessible) say(format string, args ...any) { fmt.Fprintf(a.out, format+"\n", args...) }

func (a *accessible) heading(n int, title string) { a.say("\nStep %d of 9: %s", n, title) }

// ask prints a prompt with its default and returns the answer, or the default for an empty line.
func (a *accessible) ask(prompt, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(a.out, "%s [%s]: ", prompt, clean(def))
	} else {
		fmt.Fprintf(a.out, "%s: ", prompt)
	}
	if !a.in.Scan() {
		return "", errInputEnded
	}
	if v := strings.TrimSpace(a.in.Text()); v != "" {
		return v, nil
	}
	return def, nil
}

// choose lists options numbered from 1 and returns the chosen index.
func (a *accessible) choose(prompt string, options []string, def int) (int, error) {
	for i, o := range options {
		a.say("  %d) %s", i+1, clean(o))
	}
	for {
		v, err := a.ask(fmt.Sprintf("%s (1-%d)", prompt, len(options)), strconv.Itoa(def+1))
		if err != nil {
			return 0, err
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
		a.say("Please answer with a number from 1 to %d.", len(options))
	}
}

func (a *accessible) yes(prompt string, def bool) (bool, error) {
	d := "y/N"
	if def {
		d = "Y/n"
	}
	v, err := a.ask(prompt+" ("+d+")", "")
	if err != nil || v == "" {
		return def, err
	}
	return strings.HasPrefix(strings.ToLower(v), "y"), nil
}

func (a *accessible) welcome() error {
	a.heading(1, "Welcome")
	// One line: a screen reader reads a line break as the end of a sentence.
	a.say("You will check credentials, pick a sandbox, the Customer.io events, the dataset, the field mapping, " +
		"then cioaep creates the dataflow and prints the webhook URL to paste into Customer.io.")
	if err := a.resume(); err != nil {
		return err
	}
	if a.deps.Local {
		a.p = Local
		a.say("Platform: the local platform (--local).")
		return nil
	}
	i, err := a.choose("Where should the dataflow live?", []string{"Adobe Experience Platform", "Local platform (practice, no account needed)"}, 0)
	a.p = Platform(i)
	return err
}

// resume is the welcome screen's unfinished-setup choice as a prompt: yes (the default) lets flow
// continue the journal, no sets it aside.
func (a *accessible) resume() error {
	if a.deps.StateDir == "" {
		return nil
	}
	u, ok, err := flow.FindUnfinished(a.deps.StateDir)
	if err != nil || !ok {
		return err
	}
	for _, l := range unfinishedLines(u, time.Now()) {
		a.say("%s", l)
	}
	a.say("%s", discardNote(a.deps.Profile))
	yes, err := a.yes("Resume it? What exists is reused and nothing is made twice", true)
	if err != nil || yes {
		return err
	}
	if err := flow.DiscardUnfinished(a.deps.StateDir); err != nil {
		return err
	}
	a.say("Discarded. A new setup starts; `%s` deletes what the old one made.", teardownCommand(a.deps.Profile))
	return nil
}

func (a *accessible) credentials() error {
	a.heading(2, "Credentials")
	c, err := a.deps.Prefill(a.ctx, a.p)
	if err != nil {
		a.say("The saved profile could not be read: %s", clean(err.Error()))
	}
	prefilled := c
	for {
		if c.Complete() {
			if e, err := a.verify(c); err == nil {
				a.e = e
				if ok, err := a.yes("These credentials work. Use them?", true); err != nil || ok {
					return a.saveCredentials(c, prefilled, err)
				}
			} else {
				a.say("%s", clean(flow.Explain(err)))
			}
		}
		if c, err = a.askCredentials(c); err != nil {
			return err
		}
	}
}

func (a *accessible) verify(c Credentials) (Engine, error) {
	a.say("Checking the credentials…")
	e, err := a.deps.Connect(a.ctx, a.p, c)
	if err != nil {
		return nil, err
	}
	return e, e.Verify(a.ctx)
}

func (a *accessible) saveCredentials(c, prefilled Credentials, err error) error {
	if err != nil || c == prefilled {
		return err
	}
	where, err := a.deps.Save(a.ctx, a.p, c, "")
	if err != nil {
		a.say("Verified, but not saved: %s", clean(err.Error()))
		return nil
	}
	a.say("Saved profile %q. %s", a.deps.Profile, clean(where))
	return nil
}

func (a *accessible) askCredentials(c Credentials) (Credentials, error) {
	var err error
	if c.OrgID, err = a.ask("Organization ID (…@AdobeOrg)", c.OrgID); err != nil {
		return c, err
	}
	if c.ClientID, err = a.ask("Client ID", c.ClientID); err != nil {
		return c, err
	}
	if a.pr.ReadSecret != nil {
		fmt.Fprint(a.out, "Client secret (not shown; enter keeps the saved one): ")
		s, err := a.pr.ReadSecret()
		fmt.Fprintln(a.out)
		if err != nil {
			return c, err
		}
		if s = strings.TrimSpace(s); s != "" {
			c.ClientSecret = s
		}
	} else if s, err := a.ask("Client secret (enter keeps the saved one)", ""); err != nil {
		return c, err
	} else if s != "" {
		c.ClientSecret = s
	}
	if c.Scopes == "" {
		c.Scopes = flow.DefaultScopes
	}
	c.Scopes, err = a.ask("Scopes", c.Scopes)
	if !c.Complete() {
		a.say("Every value is needed.")
	}
	return c, err
}

// retry runs fn until it succeeds or the user declines to try again.
func (a *accessible) retry(what string, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		a.say("%s failed: %s", what, clean(flow.Explain(err)))
		if again, yerr := a.yes("Try again?", true); yerr != nil || !again {
			return ErrQuit
		}
	}
}

func (a *accessible) sandbox() error {
	a.heading(3, "Sandbox")
	var sbs []flow.Sandbox
	if err := a.retry("Loading sandboxes", func() (err error) {
		sbs, err = a.e.Sandboxes(a.ctx)
		if err == nil && len(sbs) == 0 {
			err = errors.New("this credential cannot use any active sandbox: add it to a role with sandbox access in Adobe Admin Console")
		}
		return err
	}); err != nil {
		return err
	}
	var names []string
	def := 0
	for i, s := range sbs {
		names = append(names, s.Title+" ("+s.Name+"), "+s.Type)
		if s.Default {
			def = i
		}
	}
	i, err := a.choose("Sandbox", names, def)
	a.plan.Sandbox = sbs[i].Name
	return err
}

func (a *accessible) events() error {
	a.heading(4, "Customer.io events")
	for i, o := range flow.Catalog {
		a.say("  %d) %s: %s", i+1, o.Label, strings.Join(o.Metrics, ", "))
	}
	for {
		v, err := a.ask("Event types to send: numbers separated by commas, or all", "all")
		if err != nil {
			return err
		}
		if a.plan.Events, err = pickEvents(v); err == nil {
			break
		}
		a.say("%s", err)
	}
	var samples []map[string]any
	for {
		path, err := a.ask("A sample event file to include in the mapping (optional, enter to skip)", "")
		if err != nil {
			return err
		}
		if path == "" {
			break
		}
		ev, err := a.deps.LoadEvent(path)
		if err != nil {
			a.say("%s", clean(err.Error()))
			continue
		}
		samples = append(samples, ev)
		a.say("Loaded.")
		break
	}
	decoded, _ := decodeSamples(a.deps.Samples)
	for _, name := range a.plan.Events {
		samples = append(samples, decoded[name]...)
	}
	a.samples = samples
	return nil
}

// pickEvents reads "all", numbers from the list ("2,3") or object type names ("email,sms").
func pickEvents(v string) ([]string, error) {
	var parts []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if n, err := strconv.Atoi(p); err == nil {
			if n < 1 || n > len(flow.Catalog) {
				return nil, fmt.Errorf("there is no event type %d: use 1 to %d", n, len(flow.Catalog))
			}
			p = flow.Catalog[n-1].Name
		}
		parts = append(parts, p)
	}
	return flow.ParseEvents(strings.Join(parts, ","))
}
