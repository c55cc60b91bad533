package flow

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

// FuzzJournal feeds arbitrary bytes to the journal reader, which is the first thing every setup,
// teardown and reconfigure reads. Whatever the bytes, OpenJournal must not panic; a journal it refuses
// must be named in the error with what to do, and left exactly as it was (starting afresh over it would
// duplicate every resource it records); a journal it accepts must survive what a re-run then does with
// it (read every entry, mark the plan's creates pending, record an id, archive it for another plan) and
// read back the same.
func FuzzJournal(f *testing.F) {
	for _, seed := range journalSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, JournalFile)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(dir)
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "move it aside") {
				t.Fatalf("a refused journal's error must name %s and say what to do: %q", path, msg)
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, data) {
				t.Fatal("the refused journal was changed on disk")
			}
			return
		}
		exerciseJournal(t, j, dir)
	})
}

// exerciseJournal does with an accepted journal what Apply, status and teardown do with one.
func exerciseJournal(t *testing.T, j *Journal, dir string) {
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
	again, err := OpenJournal(dir)
	if err != nil {
		t.Fatalf("a journal cioaep wrote itself does not read back: %v", err)
	}
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
	js, err := (&Session{stateDir: dir}).journals()
	if err != nil {
		t.Fatalf("the journals of the state directory do not read back: %v", err)
	}
	if len(js) != 1+kept {
		t.Fatalf("%d journals after starting other plans, want the current one and %d kept", len(js), kept)
	}
	var ids []string
	for _, old := range js[1:] {
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
// platform) and one left by a run interrupted before any id came back, then damaged forms of them: what
// a full disk, a hand edit or another tool could leave behind.
func journalSeeds(tb testing.TB) [][]byte {
	p, err := local.Open(local.Config{DataDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(p)
	p.SetBaseURL(srv.URL)
	defer func() {
		srv.Close()
		p.Close()
	}()
	c := aep.New(aep.Config{PlatformURL: srv.URL, IMSURL: srv.URL, OrgID: local.OrgID, ClientID: "cioaep-fuzz",
		ClientSecret: "fuzz-secret", Retry: aep.Retry{Base: time.Millisecond, Max: 5 * time.Millisecond}})
	state := tb.TempDir()
	plan := Plan{Sandbox: "prod", Events: []string{"email"}, Destination: Destination{Kind: NewSchema, DatasetName: "Customer.io events"}}
	if _, err := NewSession(c, state).Apply(context.Background(), plan, nil); err != nil {
		tb.Fatalf("the apply that writes the seed journal failed: %v", err)
	}
	applied, err := os.ReadFile(filepath.Join(state, JournalFile))
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
		append([]byte{0xef, 0xbb, 0xbf}, applied...), // a byte-order mark from an editor
	}
	return seeds
}
