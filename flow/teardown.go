package flow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// What teardown does with one resource.
const (
	ActionDelete = "delete"
	ActionKeep   = "keep"
	// ActionForget is for a journal entry whose create never reached the platform (an interrupted
	// setup): there is nothing to delete, only the entry goes.
	ActionForget = "forget"
)

// TeardownItem is one resource teardown considers, with what it will do and, when it keeps it, why.
type TeardownItem struct {
	PlanID, Sandbox string
	Kind            string // Kind*
	ID, Name        string
	Action          string // ActionDelete, ActionKeep or ActionForget
	Reason          string // why it is kept, for people

	j *Journal // the journal that names it, pruned once it is gone
}

// TeardownOptions choose how far teardown goes.
type TeardownOptions struct {
	// IncludeDataset also deletes the dataset, schema and field group cioaep created, with their data.
	IncludeDataset bool
}

// teardownOrder is newest first: a flow before the connections and mapping it uses, a dataset before its
// schema, a schema before its field group. Platform refuses the other order.
var teardownOrder = []string{KindFlow, KindTarget, KindSource, KindMapping, KindDataset, KindSchema, KindFieldGroup}

// datasetKinds are kept unless TeardownOptions.IncludeDataset: they hold the user's data.
var datasetKinds = []string{KindDataset, KindSchema, KindFieldGroup}

// PlanTeardown lists what Teardown would do for this profile, reading only: every resource the profile's
// journals (the current one and those kept from earlier plans) say cioaep created, and the entries an
// interrupted run left pending, looked up by their tagged names. Nothing cioaep did not create is deleted.
func (s *Session) PlanTeardown(ctx context.Context, opts TeardownOptions) ([]TeardownItem, error) {
	js, err := s.journals()
	if err != nil {
		return nil, err
	}
	var items []TeardownItem
	for _, j := range js {
		its, err := s.journalItems(ctx, j, opts)
		if err != nil {
			return nil, err
		}
		items = append(items, its...)
	}
	items = dedupe(items)
	slices.SortStableFunc(items, func(a, b TeardownItem) int {
		return cmp.Compare(slices.Index(teardownOrder, a.Kind), slices.Index(teardownOrder, b.Kind))
	})
	return items, nil
}

// Teardown carries out items (from PlanTeardown) in order, reporting each as it is done, and prunes the
// journals of what is gone. It stops at the first failure, so a flow that could not be deleted keeps its
// connections; running it again picks up where it stopped.
func (s *Session) Teardown(ctx context.Context, items []TeardownItem, progress func(TeardownItem, error)) error {
	gone := map[string]bool{}             // kind + "\x00" + id, across journals
	own := map[*Journal]map[string]bool{} // the kinds each journal's own items settled
	var failed error
	for _, it := range items {
		if it.Action == ActionKeep {
			continue
		}
		var err error
		if it.Action == ActionDelete {
			err = s.deleteResource(ctx, it)
		}
		if progress != nil {
			progress(it, err)
		}
		if err != nil {
			failed = fmt.Errorf("delete %s %s: %w", it.Kind, it.ID, err)
			break
		}
		if it.ID != "" {
			gone[it.Kind+"\x00"+it.ID] = true
		}
		if own[it.j] == nil {
			own[it.j] = map[string]bool{}
		}
		own[it.j][it.Kind] = true
	}
	var js []*Journal
	for _, it := range items {
		if !slices.Contains(js, it.j) {
			js = append(js, it.j)
		}
	}
	for _, j := range js {
		if err := s.prune(j, gone, own[j]); err != nil && failed == nil {
			failed = err
		}
	}
	return failed
}

// Retire deletes an earlier dataflow of this profile, one MoveDataset replaced: its flow and the
// connections cioaep created for it (the dataset stays; teardown --include-dataset removes it later). A
// flow cioaep did not create is disabled instead, so it stops ingesting but stays the user's to delete.
func (s *Session) Retire(ctx context.Context, flowID string, progress func(TeardownItem, error)) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(js, func(j *Journal) bool {
		e, ok := j.Resources[KindFlow]
		return ok && e.ID == flowID
	})
	switch {
	case i < 0:
		return fmt.Errorf("no journal of this profile names dataflow %s: retire only dataflows cioaep moved away from", flowID)
	case js[i].path == filepath.Join(s.stateDir, JournalFile):
		return fmt.Errorf("dataflow %s is the profile's current dataflow: use teardown to remove it", flowID)
	}
	items, err := s.journalItems(ctx, js[i], TeardownOptions{})
	if err != nil {
		return err
	}
	if it := &items[0]; it.Kind == KindFlow && it.Action == ActionKeep {
		if _, err := s.Client(it.Sandbox).FlowAction(ctx, flowID, aep.Disable); err != nil {
			return fmt.Errorf("disable dataflow %s: %w", flowID, err)
		}
		it.Action, it.Reason = ActionForget, "disabled, not deleted: cioaep did not create it, so it stays yours to delete"
	}
	return s.Teardown(ctx, items, progress)
}

// journals are the profile's current journal followed by those kept from earlier plans, newest first.
func (s *Session) journals() ([]*Journal, error) {
	cur, err := OpenJournal(s.stateDir)
	if err != nil {
		return nil, err
	}
	js := []*Journal{cur}
	archives, err := filepath.Glob(filepath.Join(s.stateDir, "journal-*.json"))
	if err != nil {
		return nil, err
	}
	var old []*Journal
	for _, path := range archives {
		j := &Journal{path: path}
		if _, err := readJSON(path, j); err != nil {
			return nil, fmt.Errorf("a kept setup journal is damaged: %w", err)
		}
		old = append(old, j)
	}
	slices.SortStableFunc(old, func(a, b *Journal) int { return latest(b).Compare(latest(a)) })
	return append(js, old...), nil
}

func latest(j *Journal) (t time.Time) {
	for _, e := range j.Resources {
		if e.At.After(t) {
			t = e.At
		}
	}
	return t
}

// journalItems turns one journal's entries into teardown items.
func (s *Session) journalItems(ctx context.Context, j *Journal, opts TeardownOptions) ([]TeardownItem, error) {
	c := s.Client(j.Sandbox)
	var items []TeardownItem
	found := map[string]string{} // kind → id, for lookups that need another resource's id
	for _, kind := range teardownOrder {
		e, ok := j.Resources[kind]
		if !ok {
			continue
		}
		it := TeardownItem{PlanID: j.PlanID, Sandbox: j.Sandbox, Kind: kind, ID: e.ID, Name: e.Name, Action: ActionDelete, j: j}
		if it.ID == "" && e.Pending {
			id, err := findByName(ctx, c, kind, e.Name, j)
			if err != nil {
				return nil, fmt.Errorf("look up %s %q: %w", kind, e.Name, err)
			}
			it.ID = id
			if id == "" {
				it.Action, it.Reason = ActionForget, "an interrupted setup never created it"
			}
		}
		found[kind] = it.ID
		switch {
		case it.Action == ActionForget:
		case !e.Created:
			it.Action, it.Reason = ActionKeep, "this profile did not create it (it existed before setup, or was adopted)"
		case kind == KindMapping:
			it.Action, it.Reason = ActionKeep, "Data Prep has no delete for mapping sets; an unused one does nothing"
		case slices.Contains(datasetKinds, kind) && !opts.IncludeDataset:
			it.Action, it.Reason = ActionKeep, "kept with its data: pass --include-dataset to delete it too"
		}
		items = append(items, it)
	}
	return items, nil
}

// findByName looks up a resource whose create may have reached the platform without its id reaching
// the journal, by the tagged name it was given. "" means it does not exist.
func findByName(ctx context.Context, c *aep.Client, kind, name string, j *Journal) (string, error) {
	switch kind {
	case KindSource:
		scs, err := c.SourceConnections(ctx, "connectionSpec.id=="+aep.CustomerIOConnectionSpecID)
		for _, sc := range scs {
			if sc.Name == name {
				return sc.ID, nil
			}
		}
		return "", err
	case KindTarget:
		tcs, err := c.TargetConnections(ctx)
		for _, tc := range tcs {
			if tc.Name == name {
				return tc.ID, nil
			}
		}
		return "", err
	case KindFlow:
		src, ok := j.Resources[KindSource]
		if !ok || src.ID == "" {
			return "", nil // a flow needs its source connection, so without one no flow was made
		}
		fs, err := c.Flows(ctx, "sourceConnectionIds[]=="+src.ID)
		for _, f := range fs {
			if f.Name == name {
				return f.ID, nil
			}
		}
		return "", err
	case KindDataset:
		ds, err := c.FindDatasets(ctx, name)
		if len(ds) > 0 {
			return ds[0].ID, nil
		}
		return "", err
	case KindSchema:
		ref, _, err := c.FindSchema(ctx, name)
		return ref.ID, err
	case KindFieldGroup:
		ref, _, err := c.FindFieldGroup(ctx, name)
		return ref.ID, err
	case KindMapping:
		// Found only to be kept (Data Prep has no delete), but found: the item then names the set an
		// interrupted setup left behind instead of claiming it was never made.
		sets, err := c.FindMappingSets(ctx, name)
		if len(sets) > 0 {
			return sets[0].ID, nil
		}
		return "", err
	}
	return "", nil
}

// deleteResource deletes one resource; one that is already gone counts as deleted.
func (s *Session) deleteResource(ctx context.Context, it TeardownItem) error {
	c := s.Client(it.Sandbox)
	var err error
	switch it.Kind {
	case KindFlow:
		err = c.DeleteFlow(ctx, it.ID)
	case KindTarget:
		err = c.DeleteTargetConnection(ctx, it.ID)
	case KindSource:
		err = c.DeleteSourceConnection(ctx, it.ID)
	case KindDataset:
		err = c.DeleteDataset(ctx, it.ID)
	case KindSchema:
		err = c.DeleteSchema(ctx, it.ID)
	case KindFieldGroup:
		err = c.DeleteFieldGroup(ctx, it.ID)
	default:
		return fmt.Errorf("teardown cannot delete a %s", it.Kind)
	}
	if errors.Is(err, aep.ErrNotFound) {
		return nil
	}
	return err
}

// dedupe merges items naming the same resource in several journals (a dataset one plan created and the
// next reused): the first, newest, wins unless a later one knows cioaep created it.
func dedupe(items []TeardownItem) []TeardownItem {
	var out []TeardownItem
	for _, it := range items {
		i := slices.IndexFunc(out, func(o TeardownItem) bool { return it.ID != "" && o.Kind == it.Kind && o.ID == it.ID })
		switch {
		case i < 0:
			out = append(out, it)
		case out[i].Action == ActionKeep && it.Action == ActionDelete:
			out[i] = it
		}
	}
	return out
}

// prune removes from j what teardown deleted or forgot. Once the flow is gone, entries that only made
// sense with it go too (the mapping set, which cannot be deleted, and what cioaep did not create), as do
// the schema's descriptor and Profile tag once the schema is gone. An empty journal is removed, and with
// the current one the result and event choice of the dataflow it described.
func (s *Session) prune(j *Journal, gone, own map[string]bool) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for kind, e := range j.Resources {
		if own[kind] || (e.ID != "" && gone[kind+"\x00"+e.ID]) {
			delete(j.Resources, kind)
		}
	}
	if _, ok := j.Resources[KindFlow]; !ok {
		delete(j.Resources, KindMapping)
		for kind, e := range j.Resources {
			if !e.Created {
				delete(j.Resources, kind)
			}
		}
	}
	if _, ok := j.Resources[KindSchema]; !ok {
		delete(j.Resources, KindDescriptor)
		delete(j.Resources, KindProfile)
	}
	_, hasFlow := j.Resources[KindFlow]
	if j.path == filepath.Join(s.stateDir, JournalFile) && !hasFlow {
		for _, f := range []string{ResultFile, EventsFile} {
			if err := os.Remove(filepath.Join(s.stateDir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	if len(j.Resources) == 0 {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove the emptied journal: %w", err)
		}
		return nil
	}
	return j.saveLocked()
}
