package cio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cioaep/cioaep/flow/safetext"
)

// App API hosts. A workspace lives in one region and its keys only work against that region's host.
const (
	USHost = "https://api.customer.io"
	EUHost = "https://api-eu.customer.io"
)

// ErrKeyRejected is returned (wrapped) when Customer.io answers 401 or 403, so the wizard can ask again.
//
//lint:ignore ST1005 the sentence starts with a product name
var ErrKeyRejected = errors.New("Customer.io rejected this App API key: create one under Account Settings → API Credentials → App API Keys, with access to this workspace")

// Webhook is a Customer.io reporting webhook as the App API describes it.
type Webhook struct {
	ID       int64    `json:"id,omitempty"`
	Name     string   `json:"name"`
	Type     string   `json:"type,omitempty"` // "webhook" or "js"
	Endpoint string   `json:"endpoint"`
	Events   []string `json:"events"` // <object_type>_<metric>, e.g. email_sent
	Disabled bool     `json:"disabled"`
	// FullResolution false sends only the first open and click per message.
	FullResolution bool `json:"full_resolution"`
	// WithContent adds message bodies to "sent" events.
	WithContent bool `json:"with_content"`
}

// AppAPI manages reporting webhooks through Customer.io's App API. The key never appears in an error.
type AppAPI struct {
	// BaseURL is the region's host, set by NewAppAPI; a test or proxy may point it elsewhere.
	BaseURL string
	key     string
	http    *http.Client
	err     error // a bad region or key found by NewAppAPI, reported by every call
}

// NewAppAPI returns a client for region "us" or "eu" (any case). httpClient nil means a client with a 30 s
// timeout, so a stalled connection cannot hang the wizard.
func NewAppAPI(key, region string, httpClient *http.Client) *AppAPI {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	// Keys are pasted; a trailing newline is a copy artefact, not part of the key.
	a := &AppAPI{key: strings.TrimSpace(key), http: httpClient}
	switch strings.ToLower(strings.TrimSpace(region)) {
	case "us":
		a.BaseURL = USHost
	case "eu":
		a.BaseURL = EUHost
	default:
		a.err = fmt.Errorf("unknown Customer.io region %q: use us or eu (the region your workspace was created in)", safetext.Line(region))
	}
	if strings.ContainsFunc(a.key, unicode.IsControl) {
		a.err = errors.New("the App API key contains a line break or other control character: copy it again from Customer.io")
	}
	return a
}

// List returns every reporting webhook in the workspace.
func (a *AppAPI) List(ctx context.Context) ([]Webhook, error) {
	raw, err := a.do(ctx, http.MethodGet, "/v1/reporting_webhooks", nil)
	if err != nil {
		return nil, fmt.Errorf("listing Customer.io reporting webhooks: %w", err)
	}
	var wrapped struct {
		Webhooks *[]Webhook `json:"reporting_webhooks"`
	}
	var list []Webhook
	if json.Unmarshal(raw, &wrapped) == nil && wrapped.Webhooks != nil {
		list = *wrapped.Webhooks
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("listing Customer.io reporting webhooks: unexpected reply %s", summarize(raw, 120))
	}
	return list, nil
}

// Get returns one reporting webhook.
func (a *AppAPI) Get(ctx context.Context, id int64) (Webhook, error) {
	return a.one(ctx, http.MethodGet, id, nil, "reading")
}

// Create adds a reporting webhook and returns it with its id.
func (a *AppAPI) Create(ctx context.Context, w Webhook) (Webhook, error) {
	return a.one(ctx, http.MethodPost, 0, w, "creating")
}

// Update replaces the reporting webhook w.ID with w.
func (a *AppAPI) Update(ctx context.Context, w Webhook) (Webhook, error) {
	return a.one(ctx, http.MethodPut, w.ID, w, "updating")
}

// Delete removes a reporting webhook.
func (a *AppAPI) Delete(ctx context.Context, id int64) error {
	if _, err := a.do(ctx, http.MethodDelete, webhookPath(id), nil); err != nil {
		return fmt.Errorf("deleting Customer.io reporting webhook %d: %w", id, err)
	}
	return nil
}

// EnsureWebhook makes the workspace send events to endpoint under name: it updates the webhook that
// already has this endpoint (enabling it, keeping its resolution and body settings) or creates one with
// full resolution and without bodies. Re-running setup therefore never adds a second webhook, which would
// deliver every event twice. created reports which of the two happened.
func (a *AppAPI) EnsureWebhook(ctx context.Context, name, endpoint string, events []string) (w Webhook, created bool, err error) {
	if len(events) == 0 {
		return Webhook{}, false, errors.New("no Customer.io events chosen: pick at least one event type for the reporting webhook")
	}
	list, err := a.List(ctx)
	if err != nil {
		return Webhook{}, false, err
	}
	for _, existing := range list {
		if existing.Endpoint == endpoint {
			existing.Name, existing.Events, existing.Disabled = name, events, false
			w, err = a.Update(ctx, existing)
			return w, false, err
		}
	}
	w, err = a.Create(ctx, Webhook{Name: name, Endpoint: endpoint, Events: events, FullResolution: true})
	return w, err == nil, err
}

// ErrNoWebhook is returned (wrapped) by MoveWebhook when no reporting webhook posts to the old endpoint,
// so there is nothing to move: the caller says how to point Customer.io at the new URL by hand.
var ErrNoWebhook = errors.New("no Customer.io reporting webhook posts to the old URL")

// MoveWebhook points the reporting webhook that posts to from at to, in place: same id, name, resolution,
// body and on/off settings, so a dataset move changes only where Customer.io delivers. events replaces the
// webhook's subscriptions when non-empty; empty keeps them ("the same events").
//
// A webhook already posting to to wins (a re-run after the move, or after someone edited the URL by hand):
// it is returned unchanged, or with events applied, and moved is false. Nothing at either URL is
// ErrNoWebhook rather than a new webhook: a move redirects a stream that exists; starting one (perhaps one
// the user deleted on purpose) is EnsureWebhook's job, which the done screen offers.
func (a *AppAPI) MoveWebhook(ctx context.Context, from, to string, events []string) (w Webhook, moved bool, err error) {
	if from == to {
		return Webhook{}, false, errors.New("the old and the new webhook URL are the same: there is nothing to move")
	}
	list, err := a.List(ctx)
	if err != nil {
		return Webhook{}, false, err
	}
	pick := func(endpoint string) (Webhook, bool) {
		for _, h := range list {
			if h.Endpoint == endpoint {
				return h, true
			}
		}
		return Webhook{}, false
	}
	if h, ok := pick(to); ok {
		if len(events) == 0 || slices.Equal(h.Events, events) {
			return h, false, nil
		}
		h.Events = events
		w, err = a.Update(ctx, h)
		return w, false, err
	}
	h, ok := pick(from)
	if !ok {
		return Webhook{}, false, fmt.Errorf("%w (%d other webhooks in the workspace were left alone)", ErrNoWebhook, len(list))
	}
	h.Endpoint = to
	if len(events) > 0 {
		h.Events = events
	}
	w, err = a.Update(ctx, h)
	return w, err == nil, err
}

// one sends a request whose reply is a single webhook, wrapped as {"reporting_webhook":{…}} or bare:
// Customer.io's documentation does not settle which, so both are accepted.
func (a *AppAPI) one(ctx context.Context, method string, id int64, body any, doing string) (Webhook, error) {
	what := "a Customer.io reporting webhook"
	if id != 0 {
		what = "Customer.io reporting webhook " + strconv.FormatInt(id, 10)
	}
	raw, err := a.do(ctx, method, webhookPath(id), body)
	if err != nil {
		return Webhook{}, fmt.Errorf("%s %s: %w", doing, what, err)
	}
	var wrapped struct {
		Webhook *Webhook `json:"reporting_webhook"`
	}
	var w Webhook
	if json.Unmarshal(raw, &wrapped) == nil && wrapped.Webhook != nil {
		w = *wrapped.Webhook
	} else if err := json.Unmarshal(raw, &w); err != nil || w.ID == 0 {
		return Webhook{}, fmt.Errorf("%s %s: unexpected reply %s", doing, what, summarize(raw, 120))
	}
	return w, nil
}

func webhookPath(id int64) string {
	if id == 0 {
		return "/v1/reporting_webhooks"
	}
	return "/v1/reporting_webhooks/" + strconv.FormatInt(id, 10)
}

// do sends one authenticated request, with body as JSON unless it is nil, and returns the reply body of a
// 2xx answer.
func (a *AppAPI) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	if a.err != nil {
		return nil, a.err
	}
	var payload io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		payload = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(a.BaseURL, "/")+path, payload)
	if err != nil {
		return nil, fmt.Errorf("the App API address %q is not usable: %w", safetext.Line(a.BaseURL), err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is already named below; the key is never in it
		}
		return nil, &NetError{Host: req.URL.Host, Err: err}
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the reply from %s: %w", req.URL.Host, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("%w (asked %s: if the key is right, check the workspace's region)", ErrKeyRejected, req.URL.Host)
	case resp.StatusCode == http.StatusNotFound && path != webhookPath(0):
		return nil, errors.New("it no longer exists in Customer.io (deleted in the web app?)")
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		//lint:ignore ST1005 the sentence starts with a product name
		return nil, fmt.Errorf("Customer.io answered %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), apiMessage(reply))
	}
	return reply, nil
}

// NetError is a request to Customer.io's App API that got no answer. It is its own type so the message
// for people blames Customer.io, not Adobe, and names what points cioaep at it.
type NetError struct {
	Host string
	Err  error
}

func (e *NetError) Error() string { return "could not reach " + e.Host + ": " + e.Err.Error() }
func (e *NetError) Unwrap() error { return e.Err }

// Hint says what to do about it, in one sentence.
func (e *NetError) Hint() string {
	var dns *net.DNSError
	switch {
	case errors.As(e, &dns) && dns.IsNotFound:
		return "The host " + e.Host + " cannot be found: check the network connection and the workspace's region (US: api.customer.io, EU: api-eu.customer.io)."
	case errors.Is(e, context.DeadlineExceeded) || os.IsTimeout(e.Err):
		return "Customer.io (" + e.Host + ") did not answer in time: check the network connection, then retry."
	}
	return "Customer.io (" + e.Host + ") could not be reached: check the network connection (and any proxy), then retry."
}

// apiMessage pulls the human part out of an App API error reply ({"errors":[{"detail":…}]} or
// {"meta":{"error":…}}), falling back to the cleaned, shortened body.
func apiMessage(reply []byte) string {
	var doc struct {
		Errors []struct {
			Detail string `json:"detail"`
		} `json:"errors"`
		Meta struct {
			Error string `json:"error"`
		} `json:"meta"`
	}
	if json.Unmarshal(reply, &doc) == nil {
		var parts []string
		for _, e := range doc.Errors {
			if e.Detail != "" {
				parts = append(parts, e.Detail)
			}
		}
		if doc.Meta.Error != "" {
			parts = append(parts, doc.Meta.Error)
		}
		if len(parts) > 0 {
			return summarize([]byte(strings.Join(parts, "; ")), summaryRunes)
		}
	}
	if len(bytes.TrimSpace(reply)) == 0 {
		return "(no details)"
	}
	return summarize(reply, summaryRunes)
}
