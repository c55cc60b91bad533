package flow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cioaep/cioaep/creds/atomicfile"
)

// Resource kinds, the keys of a journal. Teardown (and reconfiguration) read them back.
const (
	KindFieldGroup = "fieldGroup"
	KindSchema     = "schema"
	KindDescriptor = "descriptor"
	KindProfile    = "profileTag" // the schema's union tag; ID is the schema's
	KindDataset    = "dataset"
	KindSource     = "sourceConnection"
	KindTarget     = "targetConnection"
	KindMapping    = "mappingSet"
	KindFlow       = "flow"
)

// JournalFile is the journal's name inside a profile's state directory.
const JournalFile = "journal.json"

// Entry is what the journal knows about one resource of the plan.
type Entry struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Pending is set just before a create request is sent and cleared when its id is recorded. A pending
	// entry after a crash means "the platform may hold this resource under Name": the re-run looks it up
	// by name before it creates anything.
	Pending bool `json:"pending,omitempty"`
	// Created says cioaep made the resource (as opposed to adopting a dataset the user chose), so that
	// teardown removes only what it made.
	Created bool      `json:"created,omitempty"`
	At      time.Time `json:"at"`
}

// Journal records, durably and at once, every resource a plan creates. It is the first thing a re-run
// reads: an id in the journal is verified with a GET, a pending entry is looked up by name, and only
// what neither finds is created. One journal per profile, for the plan that profile last applied.
type Journal struct {
	path string
	// write stores a file atomically; nil means atomicfile.Write. The fuzz test keeps files in memory.
	write func(path string, data []byte) error

	mu        sync.Mutex
	PlanID    string            `json:"planId"`
	Sandbox   string            `json:"sandbox"`
	Tenant    string            `json:"tenant,omitempty"`
	Resources map[string]*Entry `json:"resources"`
}

// OpenJournal reads the journal in stateDir; a missing journal is an empty one. A corrupt journal is an
// error that names the file, because silently starting afresh would duplicate every resource.
func OpenJournal(stateDir string) (*Journal, error) {
	return openJournalFile(filepath.Join(stateDir, JournalFile))
}

// openJournalFile reads the journal stored at path; a missing file is an empty journal.
func openJournalFile(path string) (*Journal, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Journal{path: path, Resources: map[string]*Entry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the setup journal: %w", err)
	}
	return decodeJournal(path, data)
}

// decodeJournal reads the journal stored at path from data.
func decodeJournal(path string, data []byte) (*Journal, error) {
	j := &Journal{path: path}
	if err := json.Unmarshal(data, j); err != nil {
		return nil, fmt.Errorf("the setup journal %s is damaged (%v): move it aside and run again; cioaep will then look for what it created by name", path, err)
	}
	if j.Resources == nil {
		j.Resources = map[string]*Entry{}
	}
	return j, nil
}

// UnmarshalJSON reads a journal as OpenJournal and teardown's reader of kept journals do, refusing a
// resource recorded as null: every reader dereferences the entries, and a null one (a hand edit, another
// tool) would otherwise crash setup and teardown instead of reporting a damaged journal.
func (j *Journal) UnmarshalJSON(data []byte) error {
	type plain Journal // the same fields without this method
	if err := exactKeys(data, "planId", "sandbox", "tenant", "resources"); err != nil {
		return err
	}
	if err := json.Unmarshal(data, (*plain)(j)); err != nil {
		return err
	}
	var raw struct {
		Resources map[string]json.RawMessage `json:"resources"`
	}
	json.Unmarshal(data, &raw) // it decoded above, so it decodes here
	for kind, e := range j.Resources {
		if e == nil {
			return fmt.Errorf("resource %q is null", kind)
		}
		if err := exactKeys(raw.Resources[kind], "id", "name", "pending", "created", "at"); err != nil {
			return fmt.Errorf("resource %q: %w", kind, err)
		}
		if e.ID == "" && !e.Pending { // no id to verify and no create to look up: it records nothing
			delete(j.Resources, kind)
		}
	}
	return nil
}

// exactKeys refuses a JSON object key that matches a field only when case is ignored, as
// encoding/json would accept it: "resourCes" is not something cioaep wrote, so the journal was edited
// or damaged, and guessing what it meant could turn it into something else.
func exactKeys(data []byte, fields ...string) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return nil // not an object: the real decode reports it
	}
	for k := range obj {
		for _, f := range fields {
			if k != f && strings.EqualFold(k, f) {
				return fmt.Errorf("key %q is not %q", k, f)
			}
		}
	}
	return nil
}

// Entry returns a copy of the entry for kind.
func (j *Journal) Entry(kind string) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.Resources[kind]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// start binds the journal to a plan. A journal written for another plan or sandbox is kept beside it as
// journal-<plan id>.json, so that what that plan created can still be found and torn down.
func (j *Journal) start(planID, sandbox string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.PlanID == planID && j.Sandbox == sandbox {
		return nil
	}
	if len(j.Resources) > 0 { // even without a plan id (a damaged journal): its ids are all that is left
		old, err := json.MarshalIndent(j, "", "  ")
		if err != nil {
			return err
		}
		archive := filepath.Join(filepath.Dir(j.path), archiveName(j.PlanID))
		if err := j.store(archive, old); err != nil {
			return err
		}
	}
	j.PlanID, j.Sandbox, j.Tenant = planID, sandbox, ""
	j.Resources = map[string]*Entry{}
	return j.saveLocked()
}

// promoteJournal makes the journal in file (a finished move's, in stateDir) the profile's. The journal it
// replaces is kept beside it first, as start keeps one, so Retire and teardown still find what it made;
// the rename then replaces journal.json atomically, so a crash leaves one journal or the other, whole.
func promoteJournal(stateDir, file string) error {
	cur, err := OpenJournal(stateDir)
	if err != nil {
		return err
	}
	cur.mu.Lock()
	defer cur.mu.Unlock()
	if keep := archiveName(cur.PlanID); len(cur.Resources) > 0 && keep != file {
		old, err := json.MarshalIndent(cur, "", "  ")
		if err != nil {
			return err
		}
		if err := cur.store(filepath.Join(stateDir, keep), old); err != nil {
			return err
		}
	}
	if err := os.Rename(filepath.Join(stateDir, file), filepath.Join(stateDir, JournalFile)); err != nil {
		return fmt.Errorf("make the new dataflow's journal the profile's: %w", err)
	}
	return nil
}

// planIDToken is a plan id that can stand in a file name as it is.
var planIDToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// archiveName is the file start keeps another plan's journal in. cioaep draws plan ids as six hex
// digits, but Adopt takes one from a resource name on the platform, which anyone with access to the
// sandbox can set: an id that is not a plain token is hashed, so that "../other-profile/journal" cannot
// lead the file out of the state directory (teardown finds kept journals by the journal-*.json pattern,
// whatever follows the dash).
func archiveName(planID string) string {
	if planIDToken.MatchString(planID) {
		return "journal-" + planID + ".json"
	}
	sum := sha256.Sum256([]byte(planID))
	return "journal-" + hex.EncodeToString(sum[:8]) + ".json"
}

// setTenant records the tenant id so a re-run need not ask for it again.
func (j *Journal) setTenant(tenant string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.Tenant == tenant {
		return nil
	}
	j.Tenant = tenant
	return j.saveLocked()
}

// begin marks every resource in names (kind → name) that has no id yet as about to be created, in one
// write, before the run sends anything; see Entry.Pending. One write for the whole run keeps the
// fsyncs off each create's critical path, and a pending entry costs a re-run only a lookup by name.
func (j *Journal) begin(names map[string]string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now().UTC()
	changed := false
	for kind, name := range names {
		if e, ok := j.Resources[kind]; ok && (e.ID != "" || e.Pending) {
			continue
		}
		j.Resources[kind] = &Entry{Name: name, Pending: true, Created: true, At: now}
		changed = true
	}
	if !changed {
		return nil
	}
	return j.saveLocked()
}

// snapshot copies the entries as they stood before this run marked anything.
func (j *Journal) snapshot() map[string]Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[string]Entry, len(j.Resources))
	for k, e := range j.Resources {
		out[k] = *e
	}
	return out
}

// done records the id of a resource. created is true for everything carrying the plan's tag (made by this
// run or an interrupted one) and false for what the user brought, such as an existing dataset.
func (j *Journal) done(kind, id, name string, created bool) error {
	return j.put(kind, Entry{ID: id, Name: name, Created: created})
}

func (j *Journal) put(kind string, e Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	e.At = time.Now().UTC()
	j.Resources[kind] = &e
	return j.saveLocked()
}

func (j *Journal) saveLocked() error {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	if err := j.store(j.path, append(data, '\n')); err != nil {
		return fmt.Errorf("record progress in the setup journal: %w", err)
	}
	return nil
}

func (j *Journal) store(path string, data []byte) error {
	if j.write != nil {
		return j.write(path, data)
	}
	return atomicfile.Write(path, data)
}
