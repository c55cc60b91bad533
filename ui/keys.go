package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap holds every binding once, so the help line and the handlers cannot disagree.
type keyMap struct {
	Next, Back, Quit, Move, Up, Down, Left, Right, Tab, Toggle, All, Filter, ClearFilter,
	Edit, Clear, File, Copy, Retry, QuitDone, Yes, No key.Binding
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
	}
}
