package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

type credState int

const (
	credLoading credState = iota
	credEditing
	credVerifying
	credVerified
)

const (
	fieldOrg = iota
	fieldClient
	fieldSecret
	fieldScopes
)

// credentialsStep asks for the OAuth credential, checks it live and saves it. A profile that already
// works arrives pre-filled and verified, so a returning user only presses enter.
type credentialsStep struct {
	c        *common
	inputs   [4]textinput.Model
	focus    int
	state    credState
	err      error
	problem  string // an input the user must fix before anything is sent
	note     string // where the secret went
	prefill  Credentials
	loaded   bool
	loadedOn Platform
	ticket   int
}

func newCredentials(c *common) *credentialsStep {
	s := &credentialsStep{c: c}
	s.inputs[fieldOrg] = newInput("0123456789ABCDEF01234567@AdobeOrg", "")
	s.inputs[fieldClient] = newInput("client id (API key)", "")
	s.inputs[fieldSecret] = newInput("client secret", "")
	s.inputs[fieldSecret].EchoMode = textinput.EchoPassword
	s.inputs[fieldSecret].EchoCharacter = '•'
	s.inputs[fieldScopes] = newInput("scopes", flow.DefaultScopes)
	return s
}

func (s *credentialsStep) title() string { return "Credentials" }

func (s *credentialsStep) ownsEsc() bool { return false }

func (s *credentialsStep) enter() tea.Cmd {
	if s.loaded && s.loadedOn == s.c.platform {
		return nil
	}
	s.loaded, s.loadedOn = true, s.c.platform
	s.state, s.err, s.note = credLoading, nil, ""
	s.ticket = s.c.ticket()
	ctx, deps, p := s.c.ctx, s.c.deps, s.c.platform
	return do(s.ticket, func() (Credentials, error) { return deps.Prefill(ctx, p) })
}

func (s *credentialsStep) values() Credentials {
	v := func(i int) string { return strings.TrimSpace(s.inputs[i].Value()) }
	return Credentials{OrgID: v(fieldOrg), ClientID: v(fieldClient), ClientSecret: v(fieldSecret), Scopes: v(fieldScopes)}
}

func (s *credentialsStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg[Credentials]:
		if msg.ticket != s.ticket {
			return nil
		}
		s.prefill = msg.val
		for i, v := range []string{msg.val.OrgID, msg.val.ClientID, msg.val.ClientSecret, msg.val.Scopes} {
			if v != "" {
				// The config file is the user's, but it is text from outside all the same.
				setValue(&s.inputs[i], clean(v))
			}
		}
		s.state = credEditing
		if msg.err != nil {
			s.err = msg.err
		} else if s.values().Complete() {
			return s.verify()
		}
		return s.focusOn(s.firstEmpty())
	case doneMsg[Engine]:
		if msg.ticket != s.ticket {
			return nil
		}
		if msg.err != nil {
			s.state, s.err = credEditing, msg.err
			return s.focusOn(fieldSecret)
		}
		s.c.engine = msg.val
		s.c.engineGen++
		s.state = credVerified
		s.blurAll()
		if v := s.values(); v != s.prefill {
			ctx, deps, p := s.c.ctx, s.c.deps, s.c.platform
			return do(s.ticket, func() (string, error) { return deps.Save(ctx, p, v, "") })
		}
		if s.c.platform == Local {
			s.note = "The local platform needs no account: these are its practice credentials."
		} else {
			s.note = "Using the credentials profile " + fmt.Sprintf("%q", s.c.deps.Profile) + " already has."
		}
	case doneMsg[string]:
		if msg.ticket != s.ticket {
			return nil
		}
		if msg.err != nil {
			s.note = s.c.st.warn.Render("Verified, but not saved: "+clean(msg.err.Error())) + "\nThe wizard goes on; you will be asked again next time."
		} else {
			s.note = strings.TrimSpace("Saved profile " + fmt.Sprintf("%q", s.c.deps.Profile) + ". " + clean(msg.val))
			s.prefill = s.values()
		}
	case tea.KeyMsg:
		return s.key(msg)
	}
	return nil
}

func (s *credentialsStep) key(msg tea.KeyMsg) tea.Cmd {
	k := s.c.keys
	switch s.state {
	case credLoading, credVerifying:
		return nil
	case credVerified:
		switch {
		case key.Matches(msg, k.Next):
			return s.c.advance()
		case key.Matches(msg, k.Edit):
			s.state = credEditing
			return s.focusOn(fieldOrg)
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Next):
		return s.verify()
	case msg.Type == tea.KeyTab, msg.Type == tea.KeyDown:
		return s.focusOn((s.focus + 1) % len(s.inputs))
	case msg.Type == tea.KeyShiftTab, msg.Type == tea.KeyUp:
		return s.focusOn((s.focus + len(s.inputs) - 1) % len(s.inputs))
	}
	var cmd tea.Cmd
	s.inputs[s.focus], cmd = s.inputs[s.focus].Update(msg)
	s.problem = ""
	return cmd
}

// verify checks the values locally, then asks the platform for a token in a command.
func (s *credentialsStep) verify() tea.Cmd {
	v := s.values()
	if i := s.firstEmpty(); i >= 0 {
		s.problem = []string{"Organization ID", "Client ID", "Client secret", "Scopes"}[i] + " is empty."
		return s.focusOn(i)
	}
	if check := s.c.deps.CheckOrgID; s.c.platform == Adobe && check != nil {
		if _, err := check(v.OrgID); err != nil {
			s.problem = capitalize(err.Error()) + "."
			return s.focusOn(fieldOrg)
		}
	}
	s.problem, s.err, s.note = "", nil, ""
	s.state = credVerifying
	s.blurAll()
	s.ticket = s.c.ticket()
	ctx, deps, p := s.c.ctx, s.c.deps, s.c.platform
	return do(s.ticket, func() (Engine, error) {
		e, err := deps.Connect(ctx, p, v)
		if err != nil {
			return nil, err
		}
		if err := e.Verify(ctx); err != nil {
			return nil, err
		}
		return e, nil
	})
}

func (s *credentialsStep) firstEmpty() int {
	for i := range s.inputs {
		if strings.TrimSpace(s.inputs[i].Value()) == "" {
			return i
		}
	}
	return -1
}

func (s *credentialsStep) focusOn(i int) tea.Cmd {
	if i < 0 {
		i = 0
	}
	s.blurAll()
	s.focus = i
	return focusEnd(&s.inputs[i])
}

func (s *credentialsStep) blurAll() {
	for i := range s.inputs {
		s.inputs[i].Blur()
	}
}

func (s *credentialsStep) view() string {
	st := s.c.st
	var b strings.Builder
	if s.c.platform == Local {
		b.WriteString(s.c.para("The local platform accepts any non-empty values; these are filled in for you.") + "\n\n")
	} else {
		b.WriteString(s.c.para("From Adobe Developer Console → your project → OAuth Server-to-Server credential.") + "\n\n")
	}
	labels := []string{"Organization ID", "Client ID", "Client secret", "Scopes"}
	w := s.c.bodyWidth() - 20
	for i := range s.inputs {
		b.WriteString(st.field(s.state == credEditing && i == s.focus, labels[i], 16) + inputView(&s.inputs[i], w) + "\n")
	}
	b.WriteString("\n")
	switch s.state {
	case credLoading:
		b.WriteString(s.c.busy("Reading profile " + clean(s.c.deps.Profile) + "…"))
	case credVerifying:
		b.WriteString(s.c.busy("Asking for a token to check these credentials…"))
	case credVerified:
		b.WriteString(st.ok.Render("✓ The platform accepted these credentials."))
		if s.note != "" {
			b.WriteString("\n" + s.c.para(s.note))
		}
	case credEditing:
		switch {
		case s.problem != "":
			b.WriteString(s.c.mark(st.err, "✗", s.problem))
		case s.err != nil:
			b.WriteString(s.c.errText(s.err))
		}
	}
	return b.String()
}

func (s *credentialsStep) help() []key.Binding {
	k := s.c.keys
	switch s.state {
	case credVerified:
		return []key.Binding{k.Next, k.Edit}
	case credEditing:
		return []key.Binding{k.Tab, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "verify"))}
	}
	return nil
}
