// Package ciotest is a local stand-in for Customer.io's App API (reporting webhooks), for tests of the
// commands and screens that install the webhook. It follows the documented shapes in
// shared/reference/customerio.md: Bearer auth, {"reporting_webhooks":[…]} lists, single webhooks wrapped
// or bare, {"meta":{"error":…}} for a refused key and {"errors":[{"detail":…}]} for a bad request.
package ciotest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/cioaep/cioaep/flow/cio"
)

// Unauthorized is the message the stand-in gives a wrong key, as Customer.io's App API does.
const Unauthorized = "Unauthorized request"

// AppAPI is a running stand-in. Every method is safe to call while requests are served.
type AppAPI struct {
	// URL is the stand-in's base URL (http://127.0.0.1:port), for cio.AppAPI.BaseURL or CIOAEP_CIO_API_URL.
	URL string
	// Wrap makes single-webhook replies {"reporting_webhook":{…}} instead of the bare object.
	Wrap bool

	key   string
	srv   *httptest.Server
	mu    sync.Mutex
	next  int64
	hooks map[int64]cio.Webhook
	hosts []string
}

// New starts a stand-in that accepts only key and stops it when the test ends.
func New(t testing.TB, key string) *AppAPI {
	a := &AppAPI{key: key, hooks: map[int64]cio.Webhook{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/reporting_webhooks", func(w http.ResponseWriter, r *http.Request) {
		list := []cio.Webhook{}
		for id := int64(1); id <= a.next; id++ {
			if h, ok := a.hooks[id]; ok {
				list = append(list, h)
			}
		}
		write(w, http.StatusOK, map[string]any{"reporting_webhooks": list})
	})
	mux.HandleFunc("POST /v1/reporting_webhooks", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := decode(w, r); ok {
			a.reply(w, a.addLocked(h))
		}
	})
	mux.HandleFunc("GET /v1/reporting_webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := a.find(w, r); ok {
			a.reply(w, h)
		}
	})
	mux.HandleFunc("PUT /v1/reporting_webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		old, ok := a.find(w, r)
		if !ok {
			return
		}
		if h, ok := decode(w, r); ok {
			h.ID, h.Type = old.ID, old.Type
			a.hooks[h.ID] = h
			a.reply(w, h)
		}
	})
	mux.HandleFunc("DELETE /v1/reporting_webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := a.find(w, r); ok {
			delete(a.hooks, h.ID)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.hosts = append(a.hosts, r.Host)
		if r.Header.Get("Authorization") != "Bearer "+a.key {
			write(w, http.StatusUnauthorized, map[string]any{"meta": map[string]string{"error": Unauthorized}})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	a.URL = a.srv.URL
	t.Cleanup(a.srv.Close)
	return a
}

// Client returns an HTTP client that sends every request to the stand-in while keeping the Host the
// caller addressed (api.customer.io or api-eu.customer.io), so a test can check which region was used
// without any network access (Hosts).
func (a *AppAPI) Client() *http.Client {
	u, _ := url.Parse(a.URL) // httptest's own URL always parses
	return &http.Client{Transport: redirect{u}}
}

// Add stores a webhook as if someone had made it in the web app, and returns it with its id.
func (a *AppAPI) Add(h cio.Webhook) cio.Webhook {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addLocked(h)
}

// Webhooks returns every stored webhook in id order.
func (a *AppAPI) Webhooks() []cio.Webhook {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []cio.Webhook
	for id := int64(1); id <= a.next; id++ {
		if h, ok := a.hooks[id]; ok {
			out = append(out, h)
		}
	}
	return out
}

// Hosts is the Host header of every request so far, as the client addressed it.
func (a *AppAPI) Hosts() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.hosts...)
}

func (a *AppAPI) addLocked(h cio.Webhook) cio.Webhook {
	a.next++
	h.ID = a.next
	if h.Type == "" {
		h.Type = "webhook"
	}
	a.hooks[h.ID] = h
	return h
}

func (a *AppAPI) find(w http.ResponseWriter, r *http.Request) (cio.Webhook, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	h, ok := a.hooks[id]
	if !ok {
		write(w, http.StatusNotFound, map[string]any{"errors": []map[string]string{{"detail": "not found"}}})
	}
	return h, ok
}

func (a *AppAPI) reply(w http.ResponseWriter, h cio.Webhook) {
	if a.Wrap {
		write(w, http.StatusOK, map[string]any{"reporting_webhook": h})
	} else {
		write(w, http.StatusOK, h)
	}
}

// decode reads a webhook body; Customer.io requires a name, an endpoint and at least one event.
func decode(w http.ResponseWriter, r *http.Request) (cio.Webhook, bool) {
	var h cio.Webhook
	if err := json.NewDecoder(r.Body).Decode(&h); err != nil || h.Name == "" || h.Endpoint == "" || len(h.Events) == 0 {
		write(w, http.StatusBadRequest, map[string]any{"errors": []map[string]string{{"detail": "name, endpoint and events are required"}}})
		return cio.Webhook{}, false
	}
	return h, true
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// redirect sends a request to srv, leaving its Host header as the client addressed it.
type redirect struct{ srv *url.URL }

func (rd redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = r.URL.Host
	r.URL.Scheme, r.URL.Host = rd.srv.Scheme, rd.srv.Host
	return http.DefaultTransport.RoundTrip(r)
}
