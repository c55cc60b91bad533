package flow

import (
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

// Adobe's production endpoints and the environment variables that redirect them (to the local platform, a
// proxy or a stage environment). The command layer decides once that the environment beats a saved URL;
// it reads these names from here, so nothing above flow needs the HTTP client's package.
const (
	DefaultPlatformURL = aep.DefaultPlatformURL
	DefaultIMSURL      = aep.DefaultIMSURL
	EnvPlatformURL     = aep.EnvPlatformURL
	EnvIMSURL          = aep.EnvIMSURL
)

// The local platform's credentials. It accepts any non-empty client id and secret and any organization
// id of Adobe's form, so `cioaep --local` needs nothing from the user; these documented defaults fill
// whatever the profile and flags leave empty.
const (
	LocalOrgID        = local.OrgID
	LocalClientID     = "cioaep-local"
	LocalClientSecret = "cioaep-local-secret"
)

// URLsFromEnv returns CIOAEP_PLATFORM_URL and CIOAEP_IMS_URL, trimmed; "" when unset.
func URLsFromEnv() (platformURL, imsURL string) {
	return strings.TrimSpace(os.Getenv(EnvPlatformURL)), strings.TrimSpace(os.Getenv(EnvIMSURL))
}

// Credentials say where a Session talks to and as whom. Empty URLs and scopes mean Adobe's defaults.
type Credentials struct {
	PlatformURL, IMSURL string
	OrgID, ClientID     string
	ClientSecret        string
	Scopes              string
	Sandbox             string
	// Local says PlatformURL is cioaep's local platform, so a Session can say which platform it talks to
	// without asking the network again.
	Local bool
	// Trace receives the --debug HTTP trace, secrets redacted; nil means none.
	Trace io.Writer
}

// Open returns a session for cred that keeps its journal and results in stateDir. No call is made yet:
// CheckToken or Verify is the first.
func Open(cred Credentials, stateDir string) *Session {
	c := aep.New(aep.Config{PlatformURL: cred.PlatformURL, IMSURL: cred.IMSURL, OrgID: cred.OrgID, ClientID: cred.ClientID,
		ClientSecret: cred.ClientSecret, Scopes: cred.Scopes, Sandbox: cred.Sandbox, Trace: cred.Trace})
	s := NewSession(c, stateDir)
	s.local, s.platformURL = cred.Local, cmp.Or(cred.PlatformURL, DefaultPlatformURL)
	return s
}

// Local reports whether the session talks to cioaep's local platform.
func (s *Session) Local() bool { return s.local }

// PlatformURL is the base URL the session calls.
func (s *Session) PlatformURL() string { return s.platformURL }

// Sandbox is the sandbox the session works in unless told otherwise.
func (s *Session) Sandbox() string { return s.c.Sandbox() }

// CheckToken asks IMS for an access token: the cheapest proof that the client id and secret work.
func (s *Session) CheckToken(ctx context.Context) error {
	_, err := s.c.Token(ctx)
	return err
}

// TenantID reads the organisation's tenant id in the session's sandbox: a read-only call that any
// credential with access to the sandbox may make, and that the gateway answers 403 when it has none.
func (s *Session) TenantID(ctx context.Context) (string, error) { return s.c.TenantID(ctx) }

// FlowState reads a dataflow's state ("enabled"/"disabled") and its inlet URL in sandbox, with one call.
func (s *Session) FlowState(ctx context.Context, sandbox, flowID string) (state, inletURL string, err error) {
	f, err := s.Client(sandbox).Flow(ctx, flowID)
	if err != nil {
		return "", "", err
	}
	return f.State, f.InletURL(), nil
}

// ErrNotFound is what a read of a resource that does not exist returns (errors.Is).
var ErrNotFound = aep.ErrNotFound

// APIError is a Platform or IMS error reply, decoded: its HTTP status, error code and message.
type APIError = aep.Error

// Hint is advice for people about a Platform or network error (a certificate problem, a local platform
// that seems down, a rejected credential), or "" when there is none to give.
func Hint(err error) string { return aep.Hint(err) }

// IsAPIStatus reports whether err is a Platform reply with this HTTP status.
func IsAPIStatus(err error, status int) bool {
	var ae *aep.Error
	return errors.As(err, &ae) && ae.Status == status
}

// IsRejectedCredential reports whether IMS refused the client id and secret themselves.
func IsRejectedCredential(err error) bool {
	var ae *aep.Error
	return errors.As(err, &ae) && (ae.Code == "invalid_client" || ae.Code == "unauthorized_client")
}

// Progress is news about a Platform call that is taking long (still waiting, or pausing before a retry),
// for a person waiting on a command that otherwise stays silent.
type Progress = aep.Progress

// WithProgress returns a context under which the session's calls report Progress to fn. fn may be called
// from several goroutines at once and must not block.
func WithProgress(ctx context.Context, fn func(Progress)) context.Context {
	return aep.WithProgress(ctx, fn)
}

// GaveUpError is a call the caller's deadline ended (errors.As); it matches context.DeadlineExceeded.
type GaveUpError = aep.GaveUpError
