package flow

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Unfinished is a setup the profile's journal holds that never reached its webhook URL: the process was
// killed, the user quit while creating, or a step failed. flow decides what happens to it; the wizard
// only shows it and passes the user's choice back (Resume is the default, Discard the alternative).
type Unfinished struct {
	PlanID, Sandbox string
	// Made lists what the setup created (or adopted), oldest first.
	Made []Made
	// Pending counts resources it was about to create when it stopped; a resume looks each up by name.
	Pending int
	// Last is when the setup last recorded anything.
	Last time.Time
}

// Made is one resource an unfinished setup recorded.
type Made struct {
	Kind, ID, Name string
	At             time.Time
}

// FindUnfinished reports the unfinished setup in stateDir, if any. A setup is finished when the last
// result names the journal's flow; a journal with nothing recorded is no setup at all.
func FindUnfinished(stateDir string) (Unfinished, bool, error) {
	j, err := OpenJournal(stateDir)
	if err != nil {
		return Unfinished{}, false, err
	}
	if j.PlanID == "" || len(j.Resources) == 0 {
		return Unfinished{}, false, nil
	}
	res, ok, err := LoadResult(stateDir)
	if err != nil {
		return Unfinished{}, false, err
	}
	if f, has := j.Resources[KindFlow]; has && f.ID != "" && ok && res.FlowID == f.ID {
		return Unfinished{}, false, nil
	}
	u := Unfinished{PlanID: j.PlanID, Sandbox: j.Sandbox}
	for kind, e := range j.Resources {
		if e.At.After(u.Last) {
			u.Last = e.At
		}
		switch {
		case e.ID != "":
			u.Made = append(u.Made, Made{Kind: kind, ID: e.ID, Name: e.Name, At: e.At})
		case e.Pending:
			u.Pending++
		}
	}
	slices.SortStableFunc(u.Made, func(a, b Made) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return slices.Index(applyOrder, a.Kind) - slices.Index(applyOrder, b.Kind)
	})
	return u, true, nil
}

// applyOrder is the order Apply creates resources in, to break ties between entries journaled in the
// same instant.
var applyOrder = []string{KindFieldGroup, KindSchema, KindDescriptor, KindProfile, KindDataset, KindSource, KindTarget, KindMapping, KindFlow}

// DiscardUnfinished sets the unfinished setup aside so that the next setup starts a new plan with new
// names. Nothing on the platform is deleted: the journal is kept beside the profile's as
// journal-<plan id>.json, where `cioaep teardown` finds what it created and deletes it.
func DiscardUnfinished(stateDir string) error {
	j, err := OpenJournal(stateDir)
	if err != nil {
		return err
	}
	if len(j.Resources) == 0 {
		return nil
	}
	kept := filepath.Join(stateDir, archiveName(j.PlanID))
	if err := os.Rename(j.path, kept); err != nil {
		return fmt.Errorf("set the unfinished setup aside: %w", err)
	}
	return nil
}
