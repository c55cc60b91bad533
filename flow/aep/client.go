// Package aep is the typed HTTP client for the Adobe Experience Platform calls cioaep makes: the IMS
// token, sandboxes, Schema Registry, Catalog, Flow Service, Data Prep and the streaming inlet.
//
// It exists so that the rest of the product never builds a request by hand: every header Adobe requires
// is set in one place, every service's error body decodes into one *Error, reads and inlet posts are
// retried with backoff, and creates are never repeated blindly (an unknown outcome comes back as
// ErrAmbiguous so the caller can look the resource up by name before creating it again).
package aep

import (
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Adobe's production endpoints. IMS in North America serves every region's organisations.
const (
	DefaultPlatformURL = "https://platform.adobe.io"
	DefaultIMSURL      = "https://ims-na1.adobelogin.com"
	// DefaultScopes are the scopes Developer Console shows for an Experience Platform API
	// OAuth Server-to-Server credential.
	DefaultScopes = "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"
)

// Environment variables that redirect the client (to the local platform, a proxy or a stage environment).
const (
	EnvPlatformURL = "CIOAEP_PLATFORM_URL"
	EnvIMSURL      = "CIOAEP_IMS_URL"
)

// Config holds what the client needs. Only OrgID, ClientID and ClientSecret have no default.
type Config struct {
	PlatformURL  string // default DefaultPlatformURL
	IMSURL       string // default DefaultIMSURL
	OrgID        string
	ClientID     string // also sent as x-api-key
	ClientSecret string
	Scopes       string // default DefaultScopes
	Sandbox      string // x-sandbox-name; lower-cased; default "prod"
	HTTP         *http.Client
	// Trace receives a --debug log of every exchange (method, URL, status, timing, bodies) with the
	// client secret, tokens and Authorization headers redacted. Nil means no trace.
	Trace io.Writer
	// Retry tunes retries and timeouts; the zero value means the defaults documented on Retry.
	Retry Retry
	// Now is the clock used for token expiry; nil means time.Now. Tests move it to expire tokens.
	Now func() time.Time
}

// ConfigFromEnv returns base with PlatformURL and IMSURL replaced by CIOAEP_PLATFORM_URL and
// CIOAEP_IMS_URL when those are set. New never reads the environment itself, so tests stay hermetic and
// the command layer decides, in one place, that an environment override beats a profile's saved URL.
func ConfigFromEnv(base Config) Config {
	if v := strings.TrimSpace(os.Getenv(EnvPlatformURL)); v != "" {
		base.PlatformURL = v
	}
	if v := strings.TrimSpace(os.Getenv(EnvIMSURL)); v != "" {
		base.IMSURL = v
	}
	return base
}

// Client calls Platform for one organisation and one sandbox. It is safe for concurrent use; clients
// made by WithSandbox share the token cache, the tenant id and the HTTP client.
type Client struct {
	cfg     Config
	sandbox string
	shared  *shared
}

// shared is the state every sandbox view of one credential has in common.
type shared struct {
	tokens tokenCache
	trace  *tracer
	pre    *preconnect // nil when the caller brought its own HTTP client

	tenantMu sync.Mutex
	tenant   string
}

// New returns a client for cfg, filling in defaults. It makes no request.
func New(cfg Config) *Client {
	if cfg.PlatformURL == "" {
		cfg.PlatformURL = DefaultPlatformURL
	}
	if cfg.IMSURL == "" {
		cfg.IMSURL = DefaultIMSURL
	}
	cfg.PlatformURL = strings.TrimRight(cfg.PlatformURL, "/")
	cfg.IMSURL = strings.TrimRight(cfg.IMSURL, "/")
	if cfg.Scopes == "" {
		cfg.Scopes = DefaultScopes
	}
	var pre *preconnect
	if cfg.HTTP == nil {
		cfg.HTTP, pre = newHTTPClient(cfg.PlatformURL)
	}
	cfg.HTTP = withoutRedirects(cfg.HTTP)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Retry = cfg.Retry.withDefaults()
	sandbox := normalizeSandbox(cfg.Sandbox)
	cfg.Sandbox = sandbox
	return &Client{cfg: cfg, sandbox: sandbox, shared: &shared{trace: newTracer(cfg.Trace, cfg.ClientSecret), pre: pre}}
}

// WithSandbox returns a client for another sandbox of the same organisation. It shares the token cache,
// so switching sandboxes in the wizard never asks IMS for a new token.
func (c *Client) WithSandbox(name string) *Client {
	cp := *c
	cp.sandbox = normalizeSandbox(name)
	cp.cfg.Sandbox = cp.sandbox
	return &cp
}

// Sandbox is the name sent as x-sandbox-name.
func (c *Client) Sandbox() string { return c.sandbox }

// PlatformURL is the base URL Platform calls go to, after defaults.
func (c *Client) PlatformURL() string { return c.cfg.PlatformURL }

// normalizeSandbox lower-cases the name because Platform requires x-sandbox-name in lower case and
// users copy the sandbox title from the UI.
func normalizeSandbox(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "prod"
	}
	return name
}
