package flow

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzJournal feeds arbitrary bytes to the journal reader, which is the first thing every setup,
// teardown and reconfigure reads. Whatever the bytes, decoding must not panic; a journal it refuses must
// be named in the error with what to do (OpenJournal writes nothing before it decodes, so the file stays
// as it was: starting afresh over it would duplicate every resource it records); a journal it accepts
// must survive what a re-run then does with it (read every entry, mark the plan's creates pending, record
// an id, archive it for another plan) and read back the same. Files live in memory, so an execution
// costs microseconds, not fsyncs.
func FuzzJournal(f *testing.F) {
	for _, seed := range journalSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(fuzzStateDir, JournalFile)
		j, err := decodeJournal(path, data)
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "move it aside") {
				t.Fatalf("a refused journal's error must name %s and say what to do: %q", path, msg)
			}
			return
		}
		files := memFiles{}
		j.write = files.write
		exerciseJournal(t, j, files)
	})
}

// fuzzStateDir is where the in-memory journals live.
const fuzzStateDir = "/state/default"

// memFiles is a state directory in memory: path → content.
type memFiles map[string][]byte

func (m memFiles) write(path string, data []byte) error {
	m[path] = bytes.Clone(data)
	return nil
}

// reopen reads the current journal back as the next command would.
func (m memFiles) reopen(t *testing.T) *Journal {
	t.Helper()
	path := filepath.Join(fuzzStateDir, JournalFile)
	j, err := decodeJournal(path, m[path])
	if err != nil {
		t.Fatalf("a journal cioaep wrote itself does not read back: %v", err)
	}
	j.write = m.write
	return j
}

// kept reads the archived journals as teardown finds them (journal-*.json in the state directory); an
// archive anywhere else is lost to teardown.
func (m memFiles) kept(t *testing.T) []*Journal {
	t.Helper()
	var out []*Journal
	for path, data := range m {
		name := filepath.Base(path)
		if name == JournalFile {
			continue
		}
		if filepath.Dir(path) != fuzzStateDir || !strings.HasPrefix(name, "journal-") || !strings.HasSuffix(name, ".json") {
			t.Fatalf("a journal was kept at %s, outside the state directory's journal-*.json", path)
		}
		j := &Journal{}
		if err := json.Unmarshal(data, j); err != nil {
			t.Fatalf("a kept journal does not read back: %v", err)
		}
		out = append(out, j)
	}
	return out
}

// exerciseJournal does with an accepted journal what Apply, status and teardown do with one.
func exerciseJournal(t *testing.T, j *Journal, files memFiles) {
	if j.Resources == nil {
		t.Fatal("an accepted journal has no resource map")
	}
	kinds := []string{KindFieldGroup, KindSchema, KindDescriptor, KindProfile, KindDataset, KindSource, KindTarget, KindMapping, KindFlow}
	for k := range j.Resources {
		kinds = append(kinds, k)
	}
	for _, k := range kinds {
		j.Entry(k)
	}
	before := j.snapshot()
	_ = latest(j)

	// A re-run: the journal's own plan, or a fresh one when the journal names none. Nothing journaled may
	// be forgotten: kept for the same plan, archived for another.
	plan, sandbox := j.PlanID, j.Sandbox
	if plan == "" {
		plan, sandbox = "a1b2c3", "prod"
	}
	samePlan := plan == j.PlanID && sandbox == j.Sandbox
	must(t, j.start(plan, sandbox))
	names := map[string]string{}
	for _, k := range kinds[:9] {
		names[k] = k + " (cioaep " + plan + ")"
	}
	must(t, j.begin(names))
	must(t, j.done(KindFlow, "flow-fuzz", "F (cioaep "+plan+")", true))
	again := files.reopen(t)
	if e, ok := again.Entry(KindFlow); !ok || e.ID != "flow-fuzz" {
		t.Fatalf("the recorded flow did not read back: %+v %v", e, ok)
	}
	kept := 0 // archived journals expected beside the current one
	if samePlan {
		for k, e := range before {
			if k == KindFlow {
				continue
			}
			if got, ok := again.Entry(k); !ok || got.ID != e.ID || got.Name != e.Name {
				t.Fatalf("entry %q was %+v before the re-run and %+v (%v) after", k, e, got, ok)
			}
		}
	} else if len(before) > 0 {
		kept++
	}

	// Another plan: the journal is kept beside the new one, inside the state directory, where teardown
	// looks for it.
	other := "f0f0f0"
	if plan == other {
		other = "0f0f0f"
	}
	must(t, again.start(other, "prod"))
	kept++
	js := files.kept(t)
	if len(js) != kept {
		t.Fatalf("%d journals kept after starting other plans, want %d", len(js), kept)
	}
	var ids []string
	for _, old := range js {
		for _, e := range old.Resources {
			ids = append(ids, e.ID)
		}
	}
	for k, e := range before {
		if e.ID != "" && !slices.Contains(ids, e.ID) && (k != KindFlow || !samePlan) { // the re-run of the same plan replaced the flow
			t.Fatalf("entry %q (%s) is in no kept journal: %v", k, e.ID, ids)
		}
	}
	if !slices.Contains(ids, "flow-fuzz") {
		t.Fatalf("the kept journals lost the recorded flow: %v", ids)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// journalSeeds are a journal written by a real Apply on the Customer.io schema path (against the local
// platform; kept in testdata so that fuzz workers start without running one) and one left by a run
// interrupted before any id came back, then damaged forms of them: what a full disk, a hand edit or
// another tool could leave behind.
func journalSeeds(tb testing.TB) [][]byte {
	applied, err := os.ReadFile(filepath.Join("testdata", "journal-applied.json"))
	if err != nil {
		tb.Fatal(err)
	}

	pendingDir := tb.TempDir()
	j, err := OpenJournal(pendingDir)
	if err != nil {
		tb.Fatal(err)
	}
	if err := j.start("a1b2c3", "prod"); err != nil {
		tb.Fatal(err)
	}
	if err := j.begin(map[string]string{KindSource: "Customer.io source (cioaep a1b2c3)", KindFlow: "Customer.io → AEP (cioaep a1b2c3)"}); err != nil {
		tb.Fatal(err)
	}
	pending, err := os.ReadFile(filepath.Join(pendingDir, JournalFile))
	if err != nil {
		tb.Fatal(err)
	}

	seeds := [][]byte{applied, pending, applied[:len(applied)/2], nil, []byte("null"), []byte("{}"), []byte("[]"),
		[]byte(`{"planId":"a1b2c3","sandbox":"prod","resources":null}`),
		[]byte(`{"planId":"a1b2c3","sandbox":"prod","resources":{"flow":null}}`),
		[]byte(`{"planId":"a1b2c3","sandbox":"prod","resources":{"flow":{"id":7}}}`),
		[]byte(`{"planId":"../../../outside","sandbox":"prod","resources":{"flow":{"id":"f","created":true}}}`),
		[]byte(`{"planId":"a1b2c3","sandbox":"prod","resources":{"flow":{"id":"f","at":"yesterday"}}}`),
		bytes.ReplaceAll(applied, []byte(`"`), []byte(`'`)),
		append([]byte{0xef, 0xbb, 0xbf}, applied...),                 // a byte-order mark from an editor
		[]byte(`{"plAnId":"0","resourCes":{"sourceConnection":{}}}`), // keys matched only when case is ignored
		[]byte(`{"planId":"0","resources":{"sourceConnection":{}}}`), // an entry that records nothing
		[]byte(`{"planId":"0","resources":{"flow":{"ID":"x"}}}`),
		[]byte(`{"planId":"0","resources":{"descriptor":{"name":"0"}}}`), // a name, but neither id nor pending
	}
	return seeds
}
