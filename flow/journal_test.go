package flow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJournalSurvivesReopen checks every change is on disk at once (a new process sees it), and that a
// pending entry keeps its name so the re-run can look the resource up.
func TestJournalSurvivesReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.start("a1b2c3", "prod"); err != nil {
		t.Fatal(err)
	}
	if err := j.begin(map[string]string{KindSource: "Customer.io source (cioaep a1b2c3)"}); err != nil {
		t.Fatal(err)
	}
	if err := j.done(KindDataset, "ds1", "Events", false); err != nil {
		t.Fatal(err)
	}
	again, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.PlanID != "a1b2c3" || again.Sandbox != "prod" {
		t.Errorf("plan %q sandbox %q after reopen", again.PlanID, again.Sandbox)
	}
	if e, ok := again.Entry(KindSource); !ok || !e.Pending || e.Name != "Customer.io source (cioaep a1b2c3)" || e.ID != "" {
		t.Errorf("pending source entry after reopen: %+v %v", e, ok)
	}
	if e, ok := again.Entry(KindDataset); !ok || e.ID != "ds1" || e.Created || e.Pending {
		t.Errorf("dataset entry after reopen: %+v %v", e, ok)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestJournalArchivesAnotherPlan checks that starting a different plan keeps the old journal's ids
// beside it rather than losing track of resources that still exist.
func TestJournalArchivesAnotherPlan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	j, _ := OpenJournal(dir)
	_ = j.start("aaaaaa", "prod")
	_ = j.done(KindFlow, "flow-1", "F", true)
	if err := j.start("bbbbbb", "dev"); err != nil {
		t.Fatal(err)
	}
	if _, ok := j.Entry(KindFlow); ok {
		t.Error("the new plan inherited the old plan's flow")
	}
	old, err := os.ReadFile(filepath.Join(dir, "journal-aaaaaa.json"))
	if err != nil || !strings.Contains(string(old), "flow-1") {
		t.Errorf("old journal not archived: %v %s", err, old)
	}
}

// TestJournalDamaged checks a corrupt journal is an error naming the file, never a silent fresh start
// (which would duplicate everything).
func TestJournalDamaged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, JournalFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenJournal(dir)
	if err == nil || !strings.Contains(err.Error(), JournalFile) {
		t.Fatalf("err = %v, want one naming %s", err, JournalFile)
	}
}
