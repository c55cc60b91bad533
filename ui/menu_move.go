package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// moveEngine lets setup's create step run a move: the step calls Apply and draws its progress, and a
// move is an apply of a new plan that MoveDataset builds from the dataflow.
type moveEngine struct {
	Reconfigurer
	df flow.Dataflow
	to flow.MoveTo
}

func (e moveEngine) Apply(ctx context.Context, _ flow.Plan, progress func(flow.Step)) (flow.Result, error) {
	return e.Reconfigurer.MoveDataset(ctx, e.df, e.to, progress)
}

// Phases of a move.
const (
	moveChoose = iota
	moveRunning
	moveDone
	moveRetiring
	moveRetired
	moveRetireFailed
	moveReview // what the move will create and reuse, before anything is made (as setup's Review)
)

// movePlanned is what ReviewMove answered: the plan the move runs and what it will create or reuse.
type movePlanned struct {
	plan  flow.Plan
	steps []flow.PlannedStep
}

// teardownPart is one resource Retire or Teardown dealt with.
type teardownPart struct {
	item flow.TeardownItem
	err  error
}

// tornDown ends a Retire or Teardown stream.
type tornDown struct{}

// movePage moves the events to another dataset the way Adobe advises: a new dataflow (new connections,
// new endpoint), then Customer.io is pointed at the new URL, then the old dataflow is retired.
type movePage struct {
	m       *menuModel
	phase   int
	newDS   bool // a new dataset on the dataflow's schema, rather than an existing one
	row     int  // 0 the kind, 1 the dataset or name
	name    textinput.Model
	dst     *destinationStep
	chosen  *flow.Dataset
	problem string

	create   *createStep
	review   *reviewStep
	reviewTk int
	to       flow.MoveTo // the destination under review
	old      flow.Dataflow
	result   flow.Result
	copied   *CopyResult
	retired  []teardownPart
	err      error
	ticket   int // the running retire
	copyTk   int
	freshTk  int
	scroll   scroller

	// The Customer.io webhook, pointed at the new URL through Deps.MoveWebhook once the move succeeded.
	hookTk  int
	hooking bool
	hook    *WebhookMove
	hookErr error
}

func newMovePage(m *menuModel) *movePage {
	c := m.c
	c.plan.Sandbox = m.df.Sandbox
	c.engine = m.rc
	c.engineGen++
	dst := newDestination(c)
	dst.kind = flow.ExistingDataset
	// The plan tag is cioaep's, and the new dataset gets its own.
	name, _, _ := strings.Cut(m.df.DatasetName, " (cioaep ")
	if name = strings.TrimSpace(name); name == "" {
		name = "Customer.io events"
	}
	return &movePage{m: m, dst: dst, old: *m.df, name: newInput("new dataset name", clean(name)+" (moved)")}
}

func (p *movePage) title() string { return "Move" }

func (p *movePage) ownsEsc() bool {
	switch p.phase {
	case moveChoose:
		return p.dst.picking != 0
	case moveRunning:
		return p.create.ownsEsc()
	case moveRetiring, moveReview:
		return true
	}
	return false
}

func (p *movePage) busy() bool {
	return (p.phase == moveRunning && p.create.running()) || p.phase == moveRetiring
}

// start loads the datasets in the background, so the picker is ready when the user opens it.
func (p *movePage) start() tea.Cmd { return p.dst.enter() }

func (p *movePage) update(msg tea.Msg) tea.Cmd {
	switch p.phase {
	case moveChoose:
		if k, ok := msg.(tea.KeyMsg); ok {
			return p.chooseKey(k)
		}
		return p.dst.update(msg)
	case moveReview:
		return p.reviewUpdate(msg)
	case moveRunning:
		cmd := p.create.update(msg)
		if p.m.c.forward {
			p.m.c.forward = false
			p.phase, p.result = moveDone, p.m.c.result
			// The new dataflow is the profile's now. Until the platform's full description arrives, the
			// menu knows it from the result.
			r := p.result
			df := flow.Dataflow{ID: r.FlowID, Name: p.old.Name, State: "enabled", Sandbox: p.old.Sandbox, InletURL: r.InletURL,
				DatasetID: r.DatasetID, SchemaID: r.SchemaID, SourceConnectionID: r.SourceConnectionID,
				TargetConnectionID: r.TargetConnectionID, MappingSetID: r.MappingSetID, DatasetName: p.destName()}
			p.m.df = &df
			url := p.m.c.printURL(p.m.c.st.ok.Render("✓ A new dataflow writes to "+p.destName()+".")+" Its webhook URL:", r.WebhookURL)
			return tea.Batch(cmd, url, p.refresh(), p.moveWebhook())
		}
		return cmd
	}
	switch msg := msg.(type) {
	case doneMsg[flow.Dataflow]:
		if msg.ticket == p.freshTk && msg.err == nil {
			df := msg.val
			p.m.df = &df
		}
	case doneMsg[CopyResult]:
		if msg.ticket == p.copyTk {
			p.copied = &msg.val
		}
	case doneMsg[WebhookMove]:
		if msg.ticket == p.hookTk {
			p.hooking, p.hookErr = false, msg.err
			if msg.err == nil {
				p.hook = &msg.val
			}
		}
	case partMsg[teardownPart]:
		if msg.ticket == p.ticket {
			p.retired = append(p.retired, msg.part)
			return msg.next
		}
	case doneMsg[tornDown]:
		if msg.ticket == p.ticket {
			p.phase, p.err = moveRetired, msg.err
			if msg.err != nil {
				p.phase = moveRetireFailed
			}
		}
	case tea.KeyMsg:
		return p.doneKey(msg)
	}
	return nil
}

// moveWebhook points Customer.io's reporting webhook at the new URL, when cmd can (Deps.MoveWebhook is
// set; it answers "not managed" without a stored App API key). It runs at once rather than on a key:
// the user asked for the move, the old dataflow keeps running meanwhile, and until the webhook follows,
// the new dataflow receives nothing.
func (p *movePage) moveWebhook() tea.Cmd {
	mw := p.m.c.deps.MoveWebhook
	if mw == nil {
		return nil
	}
	p.hookTk, p.hooking = p.m.c.ticket(), true
	ctx, from, to := p.m.c.ctx, p.old.WebhookURL(), p.result.WebhookURL
	return do(p.hookTk, func() (WebhookMove, error) { return mw(ctx, from, to) })
}

// refresh reads the new dataflow, which is now the profile's, for the menu.
func (p *movePage) refresh() tea.Cmd {
	p.freshTk = p.m.c.ticket()
	ctx, rc, id, sandbox := p.m.c.ctx, p.m.rc, p.result.FlowID, p.old.Sandbox
	return do(p.freshTk, func() (flow.Dataflow, error) {
		return rc.Refresh(ctx, flow.Dataflow{ID: id, Sandbox: sandbox})
	})
}

func (p *movePage) chooseKey(msg tea.KeyMsg) tea.Cmd {
	k := p.m.c.keys
	if p.dst.picking != 0 {
		cmd := p.dst.update(msg)
		if p.dst.picking == 0 && p.dst.dsChosen >= 0 {
			d := p.dst.dsItems[p.dst.dsChosen]
			p.chosen = &d
			p.problem = p.unfit() // say at once when the dataset cannot take the move
		}
		return cmd
	}
	p.problem = ""
	switch {
	case msg.Type == tea.KeyUp || msg.Type == tea.KeyShiftTab:
		p.row = 0
		p.name.Blur()
	case msg.Type == tea.KeyDown || msg.Type == tea.KeyTab:
		return p.focusRow1()
	case p.row == 0 && (key.Matches(msg, k.Left) || key.Matches(msg, k.Right) || key.Matches(msg, k.Toggle)):
		p.newDS = !p.newDS
	case msg.Type == tea.KeyEnter && p.row == 0:
		return p.focusRow1()
	case msg.Type == tea.KeyEnter:
		return p.submit()
	case p.row == 1 && p.newDS:
		var cmd tea.Cmd
		p.name, cmd = p.name.Update(msg)
		return cmd
	}
	return nil
}

func (p *movePage) focusRow1() tea.Cmd {
	p.row = 1
	if p.newDS {
		return focusEnd(&p.name)
	}
	return nil
}

// submit checks the choice, then starts the move with the create step's progress view.
func (p *movePage) submit() tea.Cmd {
	to := flow.MoveTo{}
	if p.newDS {
		to.NewDatasetName = strings.TrimSpace(p.name.Value())
		if to.NewDatasetName == "" {
			p.problem = "The new dataset needs a name."
			return nil
		}
	} else {
		if p.chosen == nil {
			p.dst.picking = rowDataset
			return nil
		}
		if p.problem = p.unfit(); p.problem != "" {
			return nil
		}
		to.DatasetID = p.chosen.ID
	}
	p.to, p.phase = to, moveReview
	p.review = newReview(p.m.c)
	return p.loadReview()
}

// loadReview asks flow what the move would create and reuse, with read calls only.
func (p *movePage) loadReview() tea.Cmd {
	p.review.state, p.review.err = loadWorking, nil
	p.reviewTk = p.m.c.ticket()
	ctx, rc, old, to := p.m.c.ctx, p.m.rc, p.old, p.to
	return do(p.reviewTk, func() (movePlanned, error) {
		plan, steps, err := rc.ReviewMove(ctx, old, to)
		return movePlanned{plan, steps}, err
	})
}

func (p *movePage) reviewUpdate(msg tea.Msg) tea.Cmd {
	k := p.m.c.keys
	switch msg := msg.(type) {
	case doneMsg[movePlanned]:
		if msg.ticket == p.reviewTk {
			p.review.state, p.review.err = doneState(msg.err), msg.err
			if msg.err == nil {
				p.m.c.plan, p.m.c.planned = msg.val.plan, msg.val.steps
			}
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Back):
			p.phase = moveChoose
		case p.review.state == loadFailed && key.Matches(msg, k.Retry):
			return p.loadReview()
		case p.review.state == loadDone && key.Matches(msg, k.Next):
			return p.startMove()
		default:
			p.review.scroll.key(msg, k)
		}
	}
	return nil
}

// startMove runs the reviewed move with the create step's progress view.
func (p *movePage) startMove() tea.Cmd {
	c := p.m.c
	c.engine = moveEngine{Reconfigurer: p.m.rc, df: p.old, to: p.to}
	c.engineGen++
	p.create = newCreate(c)
	p.phase = moveRunning
	return p.create.enter()
}

// unfit says why the chosen dataset cannot take the dataflow, or "".
func (p *movePage) unfit() string {
	switch {
	case p.chosen.ID == p.old.DatasetID:
		return "The dataflow already writes to that dataset: choose another."
	case p.chosen.SchemaID != p.old.SchemaID:
		return "That dataset uses another schema (" + clean(p.dst.schemaTitle(p.chosen.SchemaID)) +
			"), which the current mapping does not fit: choose a dataset on this dataflow's schema, or a new dataset."
	}
	return ""
}

func (p *movePage) doneKey(msg tea.KeyMsg) tea.Cmd {
	k := p.m.c.keys
	switch p.phase {
	case moveDone:
		switch {
		case key.Matches(msg, k.Copy):
			p.copyTk = p.m.c.ticket()
			url, cp := p.result.WebhookURL, p.m.c.deps.Copy
			return do(p.copyTk, func() (CopyResult, error) {
				if cp == nil {
					return CopyResult{Message: "Nothing could be copied here: select the URL with the mouse."}, nil
				}
				return cp(url), nil
			})
		case msg.String() == "y" && !p.hooking: // retire only once Customer.io's answer is in
			return p.retire()
		case msg.String() == "n":
			return p.m.homePrinted("The old dataflow "+clean(p.old.Name)+" keeps running. The command that retires it is printed above.",
				"Retire the old dataflow "+clean(p.old.Name)+" once Customer.io posts to the new URL:", p.m.c.command("reconfigure --non-interactive --retire "+p.old.ID+" --yes"), "")
		default:
			p.scroll.key(msg, k)
		}
	case moveRetired:
		if key.Matches(msg, k.Next) {
			return p.m.home("✓ Moved: the old dataflow is retired and Customer.io posts to the new endpoint.")
		}
	case moveRetireFailed:
		if key.Matches(msg, k.Retry) {
			return p.retire()
		}
	}
	return nil
}

func (p *movePage) retire() tea.Cmd {
	p.phase, p.err, p.retired = moveRetiring, nil, nil
	p.ticket = p.m.c.ticket()
	rc, id := p.m.rc, p.old.ID
	return stream(p.m.c.ctx, p.ticket, func(ctx context.Context, emit func(teardownPart)) (tornDown, error) {
		return tornDown{}, rc.Retire(ctx, id, func(it flow.TeardownItem, err error) { emit(teardownPart{it, err}) })
	})
}

func (p *movePage) view() string {
	c := p.m.c
	st := c.st
	switch p.phase {
	case moveChoose:
		if p.dst.picking != 0 {
			return p.dst.view()
		}
		return p.chooseView()
	case moveReview:
		return c.para("Review the move to "+p.destName()+": a new dataflow and endpoint; nothing is made until you press enter, and the old dataflow keeps running.") + "\n\n" + p.review.view()
	case moveRunning:
		return p.create.view()
	case moveRetiring, moveRetired, moveRetireFailed:
		var b strings.Builder
		b.WriteString("Retiring the old dataflow " + clean(p.old.Name) + "\n\n")
		b.WriteString(strings.Join(p.m.teardownLines(p.retired), "\n") + "\n\n")
		switch p.phase {
		case moveRetiring:
			b.WriteString(c.busy("deleting…"))
		case moveRetired:
			b.WriteString(c.para(st.ok.Render("✓ Retired.") + " The dataset stays, with the events it holds; press enter for the menu."))
		default:
			b.WriteString(c.errText(p.err) + "\n\nPress r to try again.")
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(c.para(copyLine(st, p.copied, "The new webhook URL is printed whole above: select it, or press c to copy it.")) + "\n")
	switch {
	case p.hooking:
		b.WriteString("\n" + c.busy("pointing the Customer.io webhook at the new URL…") + "\n")
	case p.hook != nil && p.hook.Moved:
		b.WriteString("\n" + c.mark(st.ok, "✓", clean(p.hook.Message)) + "\n")
		b.WriteString(c.para("Its Activity Logs in Customer.io (Data & Integrations → Integrations → Reporting Webhooks) show the deliveries to the new URL.") + "\n")
	default:
		if p.hookErr != nil {
			b.WriteString("\n" + c.errText(p.hookErr) + "\n")
		} else if p.hook != nil && p.hook.Message != "" {
			b.WriteString("\n" + c.mark(st.warn, "!", clean(p.hook.Message)) + "\n")
		}
		b.WriteString("\nIn Customer.io, point the webhook at it:\n")
		b.WriteString(c.numbered([]string{
			"Open Data & Integrations → Integrations → Reporting Webhooks, and the webhook that posts to the old URL.",
			"Replace Webhook Endpoint with the new URL and click Save.",
			"Check its Activity Logs: new deliveries go to the new URL.",
		}))
	}
	b.WriteString("\n" + c.para("The old dataflow "+clean(p.old.Name)+" keeps running until you retire it, so nothing is lost meanwhile. Retire it once Customer.io posts to the new URL: its flow and the connections cioaep made are deleted; its dataset stays.") + "\n")
	b.WriteString(st.boxTitle.Render("Retire the old dataflow now?") + " y retire · n later\n")
	return p.scroll.view(b.String(), c.bodyHeight())
}

// destName names where the new dataflow writes.
func (p *movePage) destName() string {
	if p.newDS {
		return "the new dataset " + clean(strings.TrimSpace(p.name.Value()))
	}
	return "dataset " + clean(p.chosen.Name)
}

func (p *movePage) chooseView() string {
	c := p.m.c
	st := c.st
	mark := func(row int) string {
		if row == p.row {
			return st.focus(true)
		}
		return "  "
	}
	kind := "‹ Existing dataset ›"
	second := mark(1) + fmt.Sprintf("%-14s", "Dataset")
	if p.newDS {
		kind = "‹ New dataset on this dataflow's schema ›"
		second = mark(1) + fmt.Sprintf("%-14s", "Name") + inputView(&p.name, c.bodyWidth()-18)
	} else if p.chosen != nil {
		second += clean(p.chosen.Name) + st.subtle.Render("  schema: "+clean(p.dst.schemaTitle(p.chosen.SchemaID)))
	} else {
		second += st.subtle.Render("press enter to choose") + p.dst.loadNote(p.dst.dsLoad, len(p.dst.dsItems), "datasets")
	}
	var b strings.Builder
	b.WriteString(c.para("Adobe's advice for a new destination is a new dataflow: cioaep makes a new source and target connection, a dataflow and an endpoint for the dataset you choose, with the current mapping. The old dataflow keeps running until you retire it.") + "\n\n")
	b.WriteString(st.subtle.Render(fmt.Sprintf("%-16s", "  Now")) + clean(p.old.DatasetName) + "\n")
	b.WriteString(mark(0) + fmt.Sprintf("%-14s", "Move to") + kind + "\n")
	b.WriteString(second + "\n")
	if p.newDS {
		for _, l := range wrapLines(flow.NameTagNote, c.bodyWidth()-16) {
			b.WriteString("  " + strings.Repeat(" ", 14) + st.subtle.Render(l) + "\n")
		}
	}
	if p.problem != "" {
		b.WriteString("\n" + c.mark(st.err, "✗", p.problem))
	}
	return b.String()
}

func (p *movePage) help() []key.Binding {
	k := p.m.c.keys
	switch p.phase {
	case moveChoose:
		if p.dst.picking != 0 {
			return p.dst.help()
		}
		b := []key.Binding{k.Move}
		if p.row == 0 {
			b = append(b, k.Left)
		}
		return append(b, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")))
	case moveReview:
		b := []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back"))}
		switch p.review.state {
		case loadDone:
			b = append(b, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "move")))
		case loadFailed:
			b = append(b, k.Retry)
		}
		return b
	case moveRunning:
		return p.create.help()
	case moveDone:
		return p.scroll.help(k, []key.Binding{k.Copy, key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "retire old")),
			key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "later"))})
	case moveRetired:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "menu"))}
	case moveRetireFailed:
		return []key.Binding{k.Retry}
	}
	return nil
}
