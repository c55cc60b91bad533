// Package local is cioaep's local platform: an http.Handler that answers the Adobe Experience Platform
// contract the wizard speaks (IMS, the gateway checks, sandboxes, Schema Registry, Catalog, Flow Service,
// Data Prep and the streaming inlet) over an embedded SQLite store. It is a product feature, not a mock:
// people practise against it with no Adobe account, so it is as strict as Adobe, errors included, and it
// really ingests Customer.io events (mapping, XDM validation, durable write).
package local

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// Config configures a Platform.
type Config struct {
	// DataDir holds the SQLite database. It is created if missing.
	DataDir string
	// BaseURL is the address the inlet URLs handed out by Flow Service point at; empty means
	// http://127.0.0.1:8790, where `cioaep local serve` listens by default.
	BaseURL string
	// ClientID and ClientSecret, when both set, are the only pair IMS accepts. Empty: any non-empty pair.
	ClientID, ClientSecret string
	// SigningKey, when set, makes the inlet require a valid Customer.io X-CIO-Signature.
	SigningKey string
	// InletRate is the requests per second one inlet accepts before answering 429; 0 means Adobe's
	// documented 1000.
	InletRate int
	// KeepRejections is how many refused inlet requests are kept for `local events --failed`, newest
	// first; 0 means 1000.
	KeepRejections int
}

// OrgID is an organization id the local platform accepts. Any id of Adobe's form (24 hexadecimal
// characters followed by @AdobeOrg) works; this one is handy for scripts and the --local wizard.
const OrgID = "C10AE9000000000000000001@AdobeOrg"

// Platform is the local Adobe Experience Platform. Mount it with http.Handle or httptest.NewServer.
type Platform struct {
	cfg     Config
	st      *store
	writer  *batchWriter
	tenant  string
	signKey []byte // signs access tokens; kept in the database so tokens survive restarts
	mux     *http.ServeMux
	inlets  *inletCache
	replays *replays // signatures accepted recently, with a SigningKey
	limits  *rateLimits
	mu      sync.Mutex // serialises Platform API writes, so etag checks and their updates are atomic
	reqSeq  atomic.Uint64
	closed  atomic.Bool
}

// Open opens (or creates) the platform's database under cfg.DataDir and seeds it on first start.
func Open(cfg Config) (*Platform, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("local platform: no data directory given")
	}
	if cfg.KeepRejections <= 0 {
		cfg.KeepRejections = defaultKeepRejections
	}
	if cfg.InletRate <= 0 {
		cfg.InletRate = 1000
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:8790"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("local platform: create data directory: %w", err)
	}
	st, err := openStore(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	p := &Platform{cfg: cfg, st: st, inlets: newInletCache(), limits: newRateLimits(), replays: newReplays()}
	if err := p.seed(); err != nil {
		st.close()
		return nil, err
	}
	if p.writer, err = newBatchWriter(st.db); err != nil {
		st.close()
		return nil, err
	}
	p.mux = p.routes()
	return p, nil
}

// SetBaseURL changes where new and existing inlet URLs point, for servers that learn their address only
// after listening (httptest, a free port).
func (p *Platform) SetBaseURL(u string) { p.cfg.BaseURL = strings.TrimRight(u, "/") }

// TenantID is the tenant id /stats reports; custom XDM fields live under "_" + TenantID().
func (p *Platform) TenantID() string { return p.tenant }

// Close stops the event writer (after it has committed what it holds) and closes the database.
func (p *Platform) Close() error {
	if !p.closed.CompareAndSwap(false, true) {
		return nil
	}
	p.writer.close()
	return p.st.close()
}

// ServeHTTP answers one request. Every answer carries an x-request-id, as Adobe's do, and a panic in a
// handler becomes a 500 with a service-shaped body rather than a dropped connection.
func (p *Platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := p.newRequestID()
	w.Header().Set("x-request-id", rid)
	defer func() {
		if v := recover(); v != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{
				"error_code": "500000", "message": "internal error in the local platform; see its log",
			})
		}
	}()
	p.mux.ServeHTTP(w, r)
}
