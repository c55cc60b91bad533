package ui

import (
	"context"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cioaep/cioaep/flow"
)

// destRow names the rows of the destination form; which ones show depends on the destination kind.
type destRow int

const (
	rowKind destRow = iota
	rowDataset
	rowName
	rowDesc
	rowSchema
	rowProfile
	rowDiag
	rowPartial
	rowThreshold
	rowFlowName
	rowFlowDesc
)

var kindLabels = []string{"Existing dataset", "New dataset on an existing schema", "New dataset and a Customer.io schema"}

// kindOrder is the order the kinds cycle in; the recommended one comes first.
var kindOrder = []flow.DestinationKind{flow.NewSchema, flow.NewDataset, flow.ExistingDataset}

// destinationStep is the tutorial's "dataflow detail": the dataset (existing, or new on an existing or a
// new Customer.io schema), the dataflow options and its name.
type destinationStep struct {
	c        *common
	kind     flow.DestinationKind
	rowIndex int // focused position in rows()
	inputs   map[destRow]*textinput.Model
	profile  bool
	diag     bool
	partial  bool
	problem  string

	picking  destRow // rowDataset or rowSchema while a picker is open, else 0
	datasets *pickList
	schemas  *pickList
	dsItems  []flow.Dataset
	scItems  []flow.Schema
	dsChosen int
	scChosen int
	dsLoad   loadState
	scLoad   loadState
	dsErr    error
	scErr    error

	loadedFor string // sandbox and engine the lists came from
	cancel    context.CancelFunc
	dsTicket  int
	scTicket  int
}

func newDestination(c *common) *destinationStep {
	in := func(placeholder, v string) *textinput.Model { t := newInput(placeholder, v); return &t }
	d := destDefaults
	s := &destinationStep{c: c, kind: d.Kind, dsChosen: -1, scChosen: -1,
		profile: d.Profile, diag: d.Diagnostics, partial: d.Partial,
		datasets: newPickList(c, false), schemas: newPickList(c, false),
		inputs: map[destRow]*textinput.Model{
			rowName:      in("dataset name", d.DatasetName),
			rowDesc:      in("description", d.DatasetDescription),
			rowThreshold: in(d.Threshold, d.Threshold),
			rowFlowName:  in("dataflow name", d.FlowName),
			rowFlowDesc:  in("description", d.FlowDescription),
		}}
	s.inputs[rowThreshold].CharLimit = 3
	return s
}

func (s *destinationStep) title() string { return "Destination" }

func (s *destinationStep) ownsEsc() bool {
	return s.picking != 0
}

// rows lists the form rows for the current kind.
func (s *destinationStep) rows() []destRow {
	r := []destRow{rowKind}
	switch s.kind {
	case flow.ExistingDataset:
		r = append(r, rowDataset)
	case flow.NewDataset:
		r = append(r, rowName, rowDesc, rowSchema)
	case flow.NewSchema:
		r = append(r, rowName, rowDesc)
	}
	if s.kind != flow.ExistingDataset {
		// An existing dataset keeps its own Profile setting: setup does not change a dataset it did not make.
		r = append(r, rowProfile)
	}
	r = append(r, rowDiag, rowPartial)
	if s.partial {
		r = append(r, rowThreshold)
	}
	return append(r, rowFlowName, rowFlowDesc)
}

func (s *destinationStep) focused() destRow { return s.rows()[min(s.rowIndex, len(s.rows())-1)] }

func (s *destinationStep) enter() tea.Cmd {
	key := s.c.plan.Sandbox + "\x00" + strconv.Itoa(s.c.engineGen)
	if key == s.loadedFor && s.dsLoad != loadFailed && s.scLoad != loadFailed {
		return nil
	}
	s.loadedFor = key
	return s.load()
}

// load streams datasets and schemas at once; both lists are usable while pages are still arriving.
func (s *destinationStep) load() tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	s.datasets.reset()
	s.schemas.reset()
	s.dsItems, s.scItems, s.dsChosen, s.scChosen = nil, nil, -1, -1
	s.dsLoad, s.scLoad, s.dsErr, s.scErr = loadWorking, loadWorking, nil, nil
	s.dsTicket, s.scTicket = s.c.ticket(), s.c.ticket()
	e, sandbox := s.c.engine, s.c.plan.Sandbox
	return tea.Batch(
		stream(ctx, s.dsTicket, func(ctx context.Context, emit func([]flow.Dataset)) (struct{}, error) {
			return struct{}{}, e.Datasets(ctx, sandbox, emit)
		}),
		stream(ctx, s.scTicket, func(ctx context.Context, emit func([]flow.Schema)) (struct{}, error) {
			return struct{}{}, e.Schemas(ctx, sandbox, emit)
		}),
	)
}

// schemaTitle names a dataset's schema once the schema list has it.
func (s *destinationStep) schemaTitle(id string) string {
	for _, sc := range s.scItems {
		if sc.ID == id || sc.AltID == id {
			return sc.Title
		}
	}
	return id
}

func (s *destinationStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case partMsg[[]flow.Dataset]:
		if msg.ticket != s.dsTicket {
			return nil
		}
		for _, d := range msg.part {
			s.dsItems = append(s.dsItems, d)
			s.datasets.add(listItem{title: d.Name, detail: "schema: " + s.schemaTitle(d.SchemaID)})
		}
		return msg.next
	case partMsg[[]flow.Schema]:
		if msg.ticket != s.scTicket {
			return nil
		}
		for _, sc := range msg.part {
			s.scItems = append(s.scItems, sc)
			s.schemas.add(listItem{title: sc.Title, detail: sc.ID})
		}
		return msg.next
	case doneMsg[struct{}]:
		switch msg.ticket {
		case s.dsTicket:
			s.dsLoad, s.dsErr = doneState(msg.err), msg.err
		case s.scTicket:
			s.scLoad, s.scErr = doneState(msg.err), msg.err
			// Schema titles may have arrived after the datasets that use them.
			s.datasets.setDetails(func(i int) string { return "schema: " + s.schemaTitle(s.dsItems[i].SchemaID) })
		}
		return nil
	case tea.KeyMsg:
		if s.picking != 0 {
			return s.pickKey(msg)
		}
		return s.formKey(msg)
	}
	return nil
}

func doneState(err error) loadState {
	if err != nil {
		return loadFailed
	}
	return loadDone
}

func (s *destinationStep) pickKey(msg tea.KeyMsg) tea.Cmd {
	l, failed := s.datasets, s.dsLoad == loadFailed
	if s.picking == rowSchema {
		l, failed = s.schemas, s.scLoad == loadFailed
	}
	switch {
	case failed && key.Matches(msg, s.c.keys.Retry):
		s.loadedFor = ""
		return s.enter()
	case msg.Type == tea.KeyEsc && !l.capturing():
		s.picking = 0
		return nil
	case msg.Type == tea.KeyEnter && !l.filtering:
		if i := l.current(); i >= 0 {
			if s.picking == rowSchema {
				s.scChosen = i
			} else {
				s.dsChosen = i
			}
			s.picking, s.problem = 0, ""
			// Move past the row, so the next enter continues instead of reopening the picker.
			return s.focusRow(s.rowIndex + 1)
		}
		return nil
	}
	_, cmd := l.update(msg)
	return cmd
}

func (s *destinationStep) formKey(msg tea.KeyMsg) tea.Cmd {
	row := s.focused()
	s.problem = ""
	switch msg.Type {
	case tea.KeyDown, tea.KeyTab:
		return s.focusRow(s.rowIndex + 1)
	case tea.KeyUp, tea.KeyShiftTab:
		return s.focusRow(s.rowIndex - 1)
	case tea.KeyEnter:
		if row == rowDataset || row == rowSchema {
			s.picking = row
			return nil
		}
		return s.finish()
	}
	switch row {
	case rowKind:
		if key.Matches(msg, s.c.keys.Left) || key.Matches(msg, s.c.keys.Right) || key.Matches(msg, s.c.keys.Toggle) {
			d := 1
			if key.Matches(msg, s.c.keys.Left) {
				d = len(kindOrder) - 1
			}
			s.kind = kindOrder[(kindPos(s.kind)+d)%len(kindOrder)]
		}
		return nil
	case rowProfile, rowDiag, rowPartial:
		if key.Matches(msg, s.c.keys.Toggle) {
			b := map[destRow]*bool{rowProfile: &s.profile, rowDiag: &s.diag, rowPartial: &s.partial}[row]
			*b = !*b
		}
		return nil
	}
	if in, ok := s.inputs[row]; ok {
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		return cmd
	}
	return nil
}

func kindPos(k flow.DestinationKind) int {
	for i, o := range kindOrder {
		if o == k {
			return i
		}
	}
	return 0
}

func (s *destinationStep) focusRow(i int) tea.Cmd {
	rows := s.rows()
	s.rowIndex = min(max(i, 0), len(rows)-1)
	for _, in := range s.inputs {
		in.Blur()
	}
	if in, ok := s.inputs[rows[s.rowIndex]]; ok {
		return focusEnd(in)
	}
	return nil
}

// finish checks the form and writes the destination, options and names into the plan.
func (s *destinationStep) finish() tea.Cmd {
	val := func(r destRow) string { return strings.TrimSpace(s.inputs[r].Value()) }
	d := flow.Destination{Kind: s.kind}
	switch s.kind {
	case flow.ExistingDataset:
		if s.dsChosen < 0 {
			s.problem = "Choose a dataset: move to the Dataset row and press enter."
			return nil
		}
		d.DatasetID, d.SchemaID = s.dsItems[s.dsChosen].ID, s.dsItems[s.dsChosen].SchemaID
	case flow.NewDataset:
		if s.scChosen < 0 {
			s.problem = "Choose the schema for the new dataset: move to the Schema row and press enter."
			return nil
		}
		d.SchemaID = s.scItems[s.scChosen].ID
		fallthrough
	case flow.NewSchema:
		d.DatasetName, d.DatasetDescription = val(rowName), val(rowDesc)
		if d.DatasetName == "" {
			s.problem = "The new dataset needs a name."
			return nil
		}
	}
	opts := flow.Options{ProfileEnabled: s.profile && s.kind != flow.ExistingDataset, ErrorDiagnostics: s.diag}
	if s.partial {
		n, err := strconv.Atoi(val(rowThreshold))
		if err != nil || n < 1 || n > 100 {
			s.problem = "The partial ingestion threshold is a whole percentage from 1 to 100."
			return nil
		}
		opts.PartialIngestionPercent = n
	}
	s.c.plan.Destination, s.c.plan.Options = d, opts
	s.c.plan.Name, s.c.plan.Description = val(rowFlowName), val(rowFlowDesc)
	return s.c.advance()
}
