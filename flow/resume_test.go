package flow

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUnfinishedSetup: a journal without a result naming its flow is an unfinished setup, listed oldest
// first with what is still pending; the result of a finished one hides it; discarding keeps the journal
// where teardown finds it and leaves nothing to resume, so the next plan draws a new id.
func TestUnfinishedSetup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, ok, err := FindUnfinished(dir); ok || err != nil {
		t.Fatalf("empty state dir: unfinished=%v err=%v", ok, err)
	}
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.start("a1b2c3", "prod"))
	must(j.begin(map[string]string{KindFieldGroup: "fg (cioaep a1b2c3)", KindSchema: "s (cioaep a1b2c3)", KindFlow: "f (cioaep a1b2c3)"}))
	must(j.done(KindFieldGroup, "fg1", "fg (cioaep a1b2c3)", true))
	must(j.done(KindSchema, "s1", "s (cioaep a1b2c3)", true))

	u, ok, err := FindUnfinished(dir)
	if err != nil || !ok {
		t.Fatalf("FindUnfinished = %v, %v", ok, err)
	}
	if u.PlanID != "a1b2c3" || u.Sandbox != "prod" || len(u.Made) != 2 || u.Made[0].Kind != KindFieldGroup ||
		u.Made[1].Kind != KindSchema || u.Pending != 1 || u.Last.IsZero() {
		t.Errorf("unfinished = %+v", u)
	}

	must(j.done(KindFlow, "flow1", "f (cioaep a1b2c3)", true))
	must(saveResult(dir, Result{FlowID: "flow1"}))
	if _, ok, _ := FindUnfinished(dir); ok {
		t.Error("a setup whose result names its flow is reported unfinished")
	}
	must(saveResult(dir, Result{FlowID: "older-flow"}))
	if _, ok, _ := FindUnfinished(dir); !ok {
		t.Error("a result for another flow hides the unfinished setup")
	}

	must(DiscardUnfinished(dir))
	if _, ok, _ := FindUnfinished(dir); ok {
		t.Error("still unfinished after discarding")
	}
	if _, err := os.Stat(filepath.Join(dir, "journal-a1b2c3.json")); err != nil {
		t.Errorf("the discarded journal is not kept for teardown: %v", err)
	}
	s := &Session{stateDir: dir}
	js, err := s.journals()
	if err != nil || len(js) != 2 || js[1].PlanID != "a1b2c3" {
		t.Errorf("teardown's journals = %v, %v; want the kept one second", js, err)
	}
}
