package ui

import (
	"context"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// Engine is the part of flow.Session the wizard drives. It is declared here, where it is used, so the
// views can be tested against a fake and the wizard never reaches past it to the network.
type Engine interface {
	Verify(ctx context.Context) error
	Sandboxes(ctx context.Context) ([]flow.Sandbox, error)
	Datasets(ctx context.Context, sandbox string, page func([]flow.Dataset)) error
	Schemas(ctx context.Context, sandbox string, page func([]flow.Schema)) error
	TargetFields(ctx context.Context, plan flow.Plan) ([]flow.TargetField, error)
	SuggestMapping(ctx context.Context, plan flow.Plan, samples []map[string]any) ([]dataprep.Rule, error)
	ValidateMapping(ctx context.Context, plan flow.Plan) ([]flow.RuleCheck, error)
	Preview(ctx context.Context, plan flow.Plan, sample map[string]any) (map[string]any, error)
	CheckSamples(ctx context.Context, plan flow.Plan, samples []map[string]any) (flow.SampleVerdicts, error)
	Review(ctx context.Context, plan flow.Plan) ([]flow.PlannedStep, error)
	Apply(ctx context.Context, plan flow.Plan, progress func(flow.Step)) (flow.Result, error)
}

// Platform says which Experience Platform the wizard talks to.
type Platform int

const (
	// Adobe is Adobe's hosted Experience Platform.
	Adobe Platform = iota
	// Local is the embedded local platform, for practice without an Adobe account.
	Local
)

// Credentials are the OAuth Server-to-Server values from Adobe Developer Console.
type Credentials struct {
	OrgID, ClientID, ClientSecret, Scopes string
}

// Complete reports whether every value is present, so the wizard can try them before asking.
func (c Credentials) Complete() bool {
	return c.OrgID != "" && c.ClientID != "" && c.ClientSecret != "" && c.Scopes != ""
}

// Sample is one embedded Customer.io sample event, as assets.Samples returns it.
type Sample struct {
	ObjectType, Metric string
	Body               []byte
}

// CopyResult says how a copy to the clipboard went, in words for the done screen.
type CopyResult struct {
	OK      bool
	Message string
}

// Action is an extra key on the done screen (send a test event, create the webhook in Customer.io …) that
// other commands contribute without the wizard knowing what they do.
type Action struct {
	Key, Label string
	Run        func(ctx context.Context, result flow.Result) (string, error)
}

// Deps is everything the wizard needs from outside ui: cmd fills it, tests fill it with fakes. Keeping
// credentials storage and connection set-up behind plain functions keeps ui free of creds and HTTP.
type Deps struct {
	Profile string
	// StateDir is the profile's state directory, where flow keeps the journal of an unfinished setup.
	StateDir string
	// Local means --local was given: the platform choice is already made.
	Local bool

	// Prefill returns what the profile already knows for the platform (secret included when it is stored),
	// so a returning user only confirms.
	Prefill func(ctx context.Context, p Platform) (Credentials, error)
	// Connect builds an Engine for the credentials; the wizard then calls Verify to check them live.
	Connect func(ctx context.Context, p Platform, c Credentials) (Engine, error)
	// Save stores the profile. An empty ClientSecret leaves the stored secret alone; sandbox "" leaves the
	// sandbox alone. It returns a sentence for the user saying where the secret went.
	Save func(ctx context.Context, p Platform, c Credentials, sandbox string) (where string, err error)

	// CheckOrgID is the one rule for an Adobe organization id (creds owns it); it returns why a value is
	// not one. Nil skips the check.
	CheckOrgID func(string) (string, error)

	// Samples are the embedded sample events, previewed on the events step and fed to the mapping.
	Samples []Sample
	// LoadEvent reads a sample event from a file and checks it is a Customer.io event.
	LoadEvent func(path string) (map[string]any, error)
	// Copy puts the webhook URL on a clipboard.
	Copy func(text string) CopyResult
	// Actions are extra done-screen keys.
	Actions []Action
	// MoveWebhook points the Customer.io reporting webhook that posts to oldURL at newURL, after the menu
	// moved the dataflow to another dataset. It runs as soon as the move succeeds; nil (or a result that is
	// not Moved) leaves the manual instructions on screen.
	MoveWebhook func(ctx context.Context, oldURL, newURL string) (WebhookMove, error)
	// Watch tunes the monitor of the menu and the done screen; zero values take the platform's defaults.
	Watch WatchOptions
}

// WebhookMove is what Deps.MoveWebhook did in Customer.io.
type WebhookMove struct {
	// Managed says cioaep could ask Customer.io (an App API key is stored for the profile); without it
	// the user updates the webhook by hand.
	Managed bool
	// Moved says a webhook now posts to the new URL, so the manual steps are not needed.
	Moved bool
	// Message is a sentence for the user: what changed in Customer.io, or why nothing did.
	Message string
}
