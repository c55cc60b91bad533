package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// keyMap holds every binding once, so the help line and the handlers cannot disagree.
type keyMap struct {
	Next, Back, Quit, Move, Up, Down, Left, Right, Tab, Toggle, All, Filter, ClearFilter,
	Edit, Clear, File, Copy, Retry, QuitDone, Yes, No key.Binding
	// Help shows every key of the screen (bubbles' ShowAll). In a text field ? is typed like any other
	// character, so there HelpField (f1, the key terminals have long kept for help) does it instead.
	Help, HelpField key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Next:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:        key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Move:        key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")),
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:        key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "change")),
		Right:       key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "change")),
		Tab:         key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		Toggle:      key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space", "toggle")),
		All:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all/none")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Edit:        key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Clear:       key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "unmap")),
		File:        key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "load sample file")),
		Copy:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy URL")),
		Retry:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		QuitDone:    key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Yes:         key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:          key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		HelpField:   key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "help")),
	}
}

// textKeys are what a text field does with the keys bubbles' textinput knows, for the full help.
var textKeys = []key.Binding{
	key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "move the cursor")),
	key.NewBinding(key.WithKeys("home", "ctrl+a"), key.WithHelp("home/ctrl+a", "to the start")),
	key.NewBinding(key.WithKeys("end", "ctrl+e"), key.WithHelp("end/ctrl+e", "to the end")),
	key.NewBinding(key.WithKeys("ctrl+w"), key.WithHelp("ctrl+w", "delete a word")),
	key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "delete to the start")),
	key.NewBinding(key.WithKeys("ctrl+k"), key.WithHelp("ctrl+k", "delete to the end")),
	key.NewBinding(key.WithKeys("ctrl+v"), key.WithHelp("ctrl+v", "paste")),
}

// typer is a screen with text fields: typing says one has the keyboard now, so printable keys (? too)
// are text. A screen without it types only while it owns esc (a filter, an editor is open).
type typer interface{ typing() bool }

func typingIn(screen any) bool {
	if t, ok := screen.(typer); ok {
		return t.typing()
	}
	o, ok := screen.(interface{ ownsEsc() bool })
	return ok && o.ownsEsc()
}

// helpKey opens and closes the full help: ? (f1 while typing) opens it; ?, f1 or esc closes it. It
// reports whether it used the key; any other key works as usual with the help open.
func (c *common) helpKey(msg tea.KeyMsg, typing bool) bool {
	asked := key.Matches(msg, c.keys.HelpField) || !typing && key.Matches(msg, c.keys.Help)
	switch {
	case c.showAll && (asked || msg.Type == tea.KeyEsc):
		c.showAll = false
	case asked:
		c.showAll = true
	default:
		return false
	}
	return true
}

// footHelp is a screen's foot: the short help line, or the full help itself. The short line ends with
// the key for the full help when that fits on the lines it takes anyway: on a narrow window a row of
// the screen is worth more than the hint, and ? works whether it is shown or not.
func (c *common) footHelp(bindings []key.Binding, typing bool) string {
	open := c.keys.Help
	if typing {
		open = c.keys.HelpField
	}
	if c.showAll {
		return c.fullHelp(bindings, typing)
	}
	short := c.keyHelp(bindings)
	lines := c.footExtra
	if with := c.keyHelp(append(bindings, open)); c.footExtra == lines {
		return with
	}
	c.footExtra = lines
	return short
}

// fullHelp lists every key of the screen in columns, as bubbles' help does with ShowAll: the screen's
// own keys, the ones that work everywhere, and a text field's while one has the keyboard. Columns that
// do not fit side by side are stacked; nothing is cut.
func (c *common) fullHelp(bindings []key.Binding, typing bool) string {
	h := help.New()
	h.FullSeparator = "    "
	h.Styles = help.Styles{FullKey: c.st.key, FullDesc: c.st.subtle, FullSeparator: c.st.subtle}
	close := key.NewBinding(key.WithKeys("?"), key.WithHelp("? / esc", "close this help"))
	if typing {
		close = key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1 / esc", "close this help"))
	}
	var screen []key.Binding
	seen := map[string]bool{}
	for _, b := range bindings {
		if b.Enabled() && b.Help().Key != "" && !seen[b.Help().Key] {
			seen[b.Help().Key] = true
			screen = append(screen, b)
		}
	}
	everywhere := []key.Binding{close}
	if !seen["ctrl+c"] {
		everywhere = append(everywhere, c.keys.Quit)
	}
	groups := [][]key.Binding{screen, everywhere}
	if typing {
		groups = append(groups, textKeys)
	}
	title := c.st.boxTitle.Render("All keys")
	body := h.FullHelpView(groups)
	if lipgloss.Width(body) > c.width-1 {
		body = ""
		for i, g := range groups {
			if i > 0 {
				body += "\n"
			}
			body += h.FullHelpView([][]key.Binding{g})
		}
	}
	out := title + "\n" + body
	c.footExtra = lipgloss.Height(out) - 1
	return out
}

// The screens with text fields say when one has the keyboard (typer), so ? is typed there. They are
// listed here together: this is the whole answer to "where is ? a character".

func (s *credentialsStep) typing() bool { return s.state == credEditing }

func (s *destinationStep) typing() bool {
	switch {
	case s.picking == rowDataset:
		return s.datasets.filtering
	case s.picking == rowSchema:
		return s.schemas.filtering
	}
	_, field := s.inputs[s.focused()]
	return field
}

func (s *eventsStep) typing() bool  { return s.asking || s.list.filtering }
func (s *sandboxStep) typing() bool { return s.list.filtering }
func (s *welcomeStep) typing() bool { return s.choice.filtering }
func (s *createStep) typing() bool  { return false }

// typing is true while the done screen's dialog asks for text (not a choice).
func (s *doneStep) typing() bool {
	return s.dialog.open() && s.dialog.ask != nil && len(s.dialog.ask.q.Choices) == 0
}

func (p *homePage) typing() bool   { return p.list.filtering }
func (p *eventsPage) typing() bool { return p.state == loadIdle && p.step.typing() }

// typing is true while the new dataset's name field has the keyboard.
func (p *movePage) typing() bool {
	switch {
	case p.phase != moveChoose:
		return false
	case p.dst.picking != 0:
		return p.dst.typing()
	}
	return p.newDS && p.row == 1
}
