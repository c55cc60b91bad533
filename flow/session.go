package flow

import (
	"context"
	"sync"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// Session is one signed-in conversation with the Platform for one profile: what the wizard and the
// commands call to discover sandboxes, datasets and schemas, to build and check a mapping, and to apply
// a plan. It holds the client (and so the cached token) and the profile's state directory, where the
// journal and the last result live. Its methods are safe for concurrent use.
type Session struct {
	c        *aep.Client
	stateDir string
	poll     poll

	local       bool   // the platform is cioaep's local platform (Open's Credentials.Local)
	platformURL string // the base URL Open was given

	idOnce sync.Once
	newID  string // the plan id this session gives a plan that starts a new journal

	reads reads // datasets, schemas and mapping checks already read
}

// poll bounds the wait for Flow Service to provision a new flow's inlet URL, which Adobe says may lag
// the flow's creation.
type poll struct {
	first, max, timeout time.Duration
}

// NewSession returns a session that calls the Platform through c and keeps its journal and results in
// stateDir (the profile's state directory).
func NewSession(c *aep.Client, stateDir string) *Session {
	return &Session{c: c, stateDir: stateDir, poll: poll{first: 20 * time.Millisecond, max: 5 * time.Second, timeout: 3 * time.Minute}}
}

// freshPlanID is the id for a plan that starts a new journal. It is drawn once per session, so that
// Review shows the very names Apply then creates.
func (s *Session) freshPlanID() string {
	s.idOnce.Do(func() { s.newID = newPlanID() })
	return s.newID
}

// StateDir is the profile's state directory the session writes to.
func (s *Session) StateDir() string { return s.stateDir }

// Client returns the session's client scoped to sandbox ("" keeps the client's own).
func (s *Session) Client(sandbox string) *aep.Client {
	if sandbox == "" {
		return s.c
	}
	return s.c.WithSandbox(sandbox)
}

// Verify checks the credential end to end: a token from IMS, then the sandbox list, which every
// credential may read, so a failure here is about the credential or the organisation, not a permission.
func (s *Session) Verify(ctx context.Context) error {
	_, err := s.c.Sandboxes(ctx)
	return err
}

// Sandbox is a sandbox the credential may use.
type Sandbox struct {
	Name, Title, Type string
	Default           bool
}

// Sandboxes lists the active sandboxes, the only ones a dataflow can be made in.
func (s *Session) Sandboxes(ctx context.Context) ([]Sandbox, error) {
	all, err := s.c.Sandboxes(ctx)
	if err != nil {
		return nil, err
	}
	var out []Sandbox
	for _, sb := range all {
		if sb.Active() {
			out = append(out, Sandbox{Name: sb.Name, Title: sb.Title, Type: sb.Type, Default: sb.IsDefault})
		}
	}
	return out, nil
}

// Dataset is a dataset a dataflow could write to.
type Dataset struct{ ID, Name, SchemaID string }

// Datasets lists the sandbox's datasets, calling page as each page arrives so a picker fills while the
// rest load.
func (s *Session) Datasets(ctx context.Context, sandbox string, page func([]Dataset)) error {
	return s.Client(sandbox).Datasets(ctx, func(ds []aep.Dataset) error {
		out := make([]Dataset, len(ds))
		for i, d := range ds {
			out[i] = Dataset{ID: d.ID, Name: d.Name, SchemaID: d.SchemaID}
		}
		page(out)
		return nil
	})
}

// Schema is a tenant schema a new dataset could use.
type Schema struct{ ID, AltID, Title string }

// Schemas lists the sandbox's tenant schemas by title, page by page.
func (s *Session) Schemas(ctx context.Context, sandbox string, page func([]Schema)) error {
	return s.Client(sandbox).Schemas(ctx, func(refs []aep.SchemaRef) error {
		out := make([]Schema, len(refs))
		for i, r := range refs {
			out[i] = Schema{ID: r.ID, AltID: r.AltID, Title: r.Title}
		}
		page(out)
		return nil
	})
}

// DefaultScopes are the OAuth scopes of an Experience Platform API credential, which the credential
// forms offer; the client is flow's business, so callers above flow take them from here.
const DefaultScopes = aep.DefaultScopes
