package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/cioaep/cioaep/flow"
)

// Minimum terminal size the steps are laid out for; below it the wizard asks for a larger window.
const (
	minWidth  = 60
	minHeight = 16
)

// common is the one value every step shares, as soft-serve's components share theirs: styles, keys,
// size, the context, the dependencies and the choices made so far. Steps write their choice into it only
// when the user moves on, so going back never loses anything.
type common struct {
	ctx    context.Context
	deps   Deps
	st     styles
	keys   keyMap
	spin   spinner.Model
	width  int
	height int

	platform Platform
	engine   Engine
	// engineGen counts engines, so a step can tell that what it loaded came from an older connection.
	engineGen int
	plan      flow.Plan
	// samples are the events the mapping is built from: the embedded samples of the chosen object types
	// plus any file the user loaded.
	samples []map[string]any
	planned []flow.PlannedStep
	result  flow.Result

	// inline is set while the program is out of the alternate screen, below the lines in printed (a URL,
	// a command) that printOut wrote for the terminal to wrap; screens are then drawn compact.
	inline  bool
	printed []string
	// shownURL is the last webhook URL printed whole (printURL); it stays in the scrollback.
	shownURL string
	// footExtra is how many lines the key help takes beyond one, when it wraps on a narrow window.
	footExtra int
	// showAll is set while the full help (?) is open.
	showAll bool

	tickets int
	// forward is set by a step that is finished; the wizard moves on before handling the next message,
	// so a second enter typed quickly lands on the new step instead of finishing the old one twice.
	forward bool
}

// advance asks the wizard to move to the next step once the current message is handled.
func (c *common) advance() tea.Cmd {
	c.forward = true
	return nil
}

// ticket numbers an async request; a reply carrying an older ticket than the step expects is dropped,
// so a slow answer for a sandbox the user has since left is never drawn.
func (c *common) ticket() int {
	c.tickets++
	return c.tickets
}

// bodyWidth and bodyHeight are the room a step has between the header and the help line.
func (c *common) bodyWidth() int { return max(c.width-2, 10) }

func (c *common) bodyHeight() int {
	h := c.height - 4 - c.footExtra // header, rule, the blank line above the help, the help
	if c.inline {
		h -= c.printedRows()
	}
	return max(h, 3)
}

// fit cuts a line to w cells so a long value never wraps and breaks the layout.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// errText renders an engine error for people: flow.Explain says what happened and what to do.
// It keeps the explanation's line break and wraps to the body width, so the advice is never cut off.
func (c *common) errText(err error) string {
	return c.mark(c.st.err, "✗", cleanBlock(flow.Explain(err)))
}

// mark renders a status line: a symbol (✗ ✓ !) then prose wrapped to the body width, the wrapped
// lines hanging under the text rather than the symbol, so a long error or hint is read whole, never
// cut with "…".
func (c *common) mark(style lipgloss.Style, symbol, text string) string {
	body := lipgloss.NewStyle().Width(max(c.bodyWidth()-2-lipgloss.Width(symbol)-1, 10)).Render(text)
	lines := strings.Split(body, "\n")
	pad := strings.Repeat(" ", lipgloss.Width(symbol)+1)
	for i, l := range lines {
		l = strings.TrimRight(l, " ")
		if i == 0 {
			lines[i] = style.Render(symbol + " " + l)
		} else {
			lines[i] = style.Render(pad + l)
		}
	}
	return strings.Join(lines, "\n")
}

// hang is a table row whose last column is prose: lead (the columns before it, padded), then text
// wrapped to the room left in w cells, its further lines indented to the same column.
func hang(lead, text string, w int, style lipgloss.Style) string {
	col := lipgloss.Width(lead)
	lines := wrapLines(text, w-col)
	for i, l := range lines {
		if i > 0 {
			lead = strings.Repeat(" ", col)
		}
		lines[i] = lead + style.Render(l)
	}
	return strings.Join(lines, "\n")
}

// busy renders the spinner and a label.
func (c *common) busy(label string) string {
	return c.spin.View() + " " + label
}

// columns places a side pane to the right of main when there is room, else below it.
func (c *common) columns(main, side string, mainWidth int) string {
	if c.bodyWidth() >= mainWidth+30 {
		return lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(mainWidth).Render(main), side)
	}
	return lipgloss.JoinVertical(lipgloss.Left, main, side)
}

// window keeps height lines of a form around line focus, so a form taller than the terminal scrolls
// instead of losing its lower fields.
func window(lines []string, focus, height int) []string {
	if len(lines) <= height || height <= 0 {
		return lines
	}
	start := min(max(focus-height/2, 0), len(lines)-height)
	return lines[start : start+height]
}

// para wraps prose to the body width; text is written as paragraphs, never with hard line breaks, so it
// reads at 60 columns as well as at 200.
func (c *common) para(s string) string {
	return lipgloss.NewStyle().Width(c.bodyWidth() - 1).Render(s)
}

// numbered renders steps as "  1. text", wrapped lines hanging under the text.
func (c *common) numbered(items []string) string {
	style := lipgloss.NewStyle().Width(c.bodyWidth() - 6)
	var b strings.Builder
	for i, it := range items {
		for j, l := range strings.Split(style.Render(it), "\n") {
			prefix := "     "
			if j == 0 {
				prefix = fmt.Sprintf("  %d. ", i+1)
			}
			b.WriteString(prefix + strings.TrimRight(l, " ") + "\n")
		}
	}
	return b.String()
}

// shared handles the messages every top-level model treats alike: the window size, spinner ticks,
// quitting (cancel stops work in flight) and a list's background ranking. ok is false for any other.
func (c *common) shared(msg tea.Msg, cancel func()) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.width, c.height = msg.Width, msg.Height
		return nil, true
	case spinner.TickMsg:
		c.spin, cmd = c.spin.Update(msg)
		return cmd, true
	case quitMsg:
		cancel()
		return tea.Quit, true
	case rankedMsg:
		msg.list.ranked(msg)
		return nil, true
	}
	return nil, false
}

// tooSmall reports whether the window is below what any screen can be drawn in.
func (c *common) tooSmall() bool { return c.width < minWidth || c.height < minHeight }

// frame draws a screen the way every top-level model does: the header (the title on the left), a thin
// rule under it carrying the profile and platform at its right end, the body cut to the window, and the
// foot. Below the minimum size it asks for a larger terminal instead; the caller's state is untouched.
func (c *common) frame(title, body, foot string) string {
	if c.tooSmall() {
		// Wrapped to the window, however small: the sizes must be readable to be of use.
		return lipgloss.NewStyle().Width(max(c.width, 1)).Render(fmt.Sprintf(
			"Make the terminal larger: cioaep needs at least %d×%d, and it is %d×%d now. Nothing is lost; ctrl+c quits.",
			minWidth, minHeight, c.width, c.height))
	}
	header := c.st.title.Render("cioaep")
	if title != "" {
		header += "  " + title
	}
	lines := strings.Split(body, "\n")
	if len(lines) > c.bodyHeight() {
		lines = lines[:c.bodyHeight()]
	}
	for i, l := range lines {
		lines[i] = " " + fit(l, c.bodyWidth())
	}
	body = strings.Join(lines, "\n")
	if !c.inline { // compact below printed text, which would otherwise scroll out of view
		body += strings.Repeat("\n", c.bodyHeight()-len(lines))
	}
	return fit(header, c.width) + "\n" + c.rule() + "\n" + body + "\n" + foot
}

// rule is the thin full-width line under the header, with where the work goes (profile and platform)
// set into its right end, as a frame's legend, so it never competes with the title for room.
func (c *common) rule() string {
	where := "Adobe Experience Platform"
	if c.platform == Local {
		where = "local platform"
	}
	label := " profile " + clean(c.deps.Profile) + " · " + where + " "
	if lipgloss.Width(label)+6 > c.width {
		return c.st.rule.Render(strings.Repeat("─", c.width))
	}
	return c.st.rule.Render(strings.Repeat("─", c.width-lipgloss.Width(label)-2)) + c.st.subtle.Render(label) + c.st.rule.Render("──")
}

// stepsTitle says where the wizard is: "Step 5 of 9" and a breadcrumb of every step (finished ones
// dimmed, the current one highlighted) when it fits in width cells, else a progress bar and the step's
// title. Names are never cut: the shorter form is chosen instead. The words "Step 5 of 9" are always
// there, so the place reads without colour too.
func (c *common) stepsTitle(names []string, cur int, title string, width int) string {
	st := c.st
	step := fmt.Sprintf("Step %d of %d", cur+1, len(names))
	crumbs := make([]string, len(names))
	for i, n := range names {
		switch {
		case i < cur:
			crumbs[i] = st.crumbDone.Render(n)
		case i == cur:
			crumbs[i] = st.crumbNow.Render(n)
		default:
			crumbs[i] = st.crumbNext.Render(n)
		}
	}
	if full := step + "  " + strings.Join(crumbs, st.subtle.Render(" › ")); lipgloss.Width(full) <= width {
		return full
	}
	// Box-drawing glyphs are in every terminal font; heavy for the steps reached, light for the rest.
	bar := st.accent.Render(strings.Repeat("━━", cur+1)) + st.rule.Render(strings.Repeat("──", len(names)-cur-1))
	return bar + "  " + step + " · " + title
}

// keyHelp is the help line: the keys in order, then ctrl+c unless a key already says "quit" (one quit
// hint), wrapped between keys onto more lines when the window is narrow instead of cut with "…". It
// records how many lines it took, so the body gives up that room; call it before drawing the body.
func (c *common) keyHelp(bindings []key.Binding) string {
	if !slices.ContainsFunc(bindings, func(b key.Binding) bool { return b.Help().Desc == "quit" }) {
		bindings = append(bindings, c.keys.Quit)
	}
	sep := c.st.subtle.Render(" · ")
	var lines []string
	cur := ""
	for _, b := range bindings {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		item := c.st.key.Render(b.Help().Key) + " " + c.st.subtle.Render(b.Help().Desc)
		switch {
		case cur == "":
			cur = item
		case lipgloss.Width(cur)+lipgloss.Width(sep)+lipgloss.Width(item) > c.width-1:
			lines, cur = append(lines, cur), item
		default:
			cur += sep + item
		}
	}
	lines = append(lines, cur)
	c.footExtra = len(lines) - 1
	return strings.Join(lines, "\n")
}

// plural counts things in words: "1 rule", "2 rules".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// enterFirst orders key help so the key that moves on comes first: a narrow help line never cuts it off.
func enterFirst(bindings []key.Binding) []key.Binding {
	return slices.SortedStableFunc(slices.Values(bindings), func(a, b key.Binding) int {
		return boolInt(!slices.Contains(a.Keys(), "enter")) - boolInt(!slices.Contains(b.Keys(), "enter"))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runProgram runs a top-level model (what names it in errors) full screen. A user who quits or an
// interrupt gives ErrQuit.
func runProgram(ctx context.Context, what string, m tea.Model, in io.Reader, out io.Writer) error {
	// 120 frames a second halves the wait for the first frame and for each key's echo against the default 60.
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out), tea.WithAltScreen(), tea.WithFPS(120))
	if _, err := p.Run(); err != nil {
		if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
			return ErrQuit
		}
		return fmt.Errorf("the %s stopped: %w", what, err)
	}
	return nil
}

// quitKey handles ctrl+c and the answer to "quit while busy?" the same way for every top-level model.
// confirm is the model's "asking" state; busy says whether quitting now could leave work half done.
// handled is false for any other key, and for every key while the window is too small to act on.
func (c *common) quitKey(msg tea.KeyMsg, confirm *bool, busy func() bool) (cmd tea.Cmd, handled bool) {
	k := c.keys
	if *confirm {
		switch {
		case key.Matches(msg, k.Yes), key.Matches(msg, k.Quit):
			return quit, true
		case key.Matches(msg, k.No):
			*confirm = false
		}
		return nil, true
	}
	if key.Matches(msg, k.Quit) {
		if busy() {
			*confirm = true
			return nil, true
		}
		return quit, true
	}
	return nil, c.tooSmall()
}
