package flow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/cioaep/cioaep/flow/cio"
)

// Webhook is a Customer.io reporting webhook as the App API describes it.
type Webhook = cio.Webhook

// Errors of the Customer.io webhook calls, for errors.Is.
var (
	// ErrCIOKeyRejected: Customer.io answered 401 or 403 to the App API key (in every region tried).
	ErrCIOKeyRejected = cio.ErrKeyRejected
	// ErrNoWebhook: no reporting webhook posts to the old URL, so a move has nothing to repoint.
	ErrNoWebhook = cio.ErrNoWebhook
)

// CustomerIO reaches one Customer.io workspace's App API. The key never appears in an error.
type CustomerIO struct {
	Key string
	// Region is the workspace's region, "us" or "eu". Empty tries US, then EU, and the change reports
	// which one accepted the key (a key stored before the region was remembered).
	Region string
	// BaseURL replaces both regions' host (a proxy, a recording gateway, a stand-in in tests).
	BaseURL string
	// HTTP sends the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
}

// WebhookChange is what EnsureWebhook or RepointWebhook did.
type WebhookChange struct {
	Hook   Webhook
	Region string // the region whose App API accepted the key: "us" or "eu"
	// Created: EnsureWebhook made a new webhook (false: it updated the one already posting to the URL).
	Created bool
	// Moved: RepointWebhook changed the webhook's endpoint (false: it already posted to the new URL).
	Moved bool
}

// Host is the App API host the calls for region go to, for telling people who is asked.
func (c CustomerIO) Host(region string) string {
	base := c.api(region).BaseURL
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}

func (c CustomerIO) api(region string) *cio.AppAPI {
	api := cio.NewAppAPI(c.Key, region, c.HTTP)
	if c.BaseURL != "" {
		api.BaseURL = c.BaseURL
	}
	return api
}

// each runs call in the configured region, or in US then EU until one accepts the key.
func (c CustomerIO) each(call func(api *cio.AppAPI) error) (region string, err error) {
	regions := []string{"us", "eu"}
	if r := strings.ToLower(strings.TrimSpace(c.Region)); r != "" {
		regions = []string{r}
	}
	for _, region = range regions {
		if err = call(c.api(region)); !errors.Is(err, cio.ErrKeyRejected) {
			break
		}
	}
	return region, err
}

// EnsureWebhook makes the workspace send events to endpoint under name: it updates the webhook that
// already posts there (enabling it) or creates one, so re-running never adds a second webhook that would
// deliver every event twice. The wizard's done screen and any other caller go through here.
func EnsureWebhook(ctx context.Context, c CustomerIO, name, endpoint string, events []string) (WebhookChange, error) {
	var ch WebhookChange
	region, err := c.each(func(api *cio.AppAPI) error {
		var err error
		ch.Hook, ch.Created, err = api.EnsureWebhook(ctx, name, endpoint, events)
		return err
	})
	ch.Region = region
	return ch, err
}

// RepointWebhook points the reporting webhook that posts to oldURL at newURL, in place (same id, name,
// events and settings), for a dataset move. A webhook already posting to newURL is left as it is; none at
// either URL is ErrNoWebhook, since a move redirects a stream that exists and never starts one. Both
// reconfigure --non-interactive and the menu's move page call it.
func RepointWebhook(ctx context.Context, c CustomerIO, oldURL, newURL string) (WebhookChange, error) {
	var ch WebhookChange
	region, err := c.each(func(api *cio.AppAPI) error {
		var err error
		ch.Hook, ch.Moved, err = api.MoveWebhook(ctx, oldURL, newURL, nil)
		return err
	})
	ch.Region = region
	return ch, err
}

// WebhookName is the name a new reporting webhook gets: it carries the plan id of the profile's setup,
// so the webhook can be told apart from others that post to Adobe.
func WebhookName(stateDir string) string {
	if j, err := OpenJournal(stateDir); err == nil && j.PlanID != "" {
		return "Adobe Experience Platform (cioaep " + j.PlanID + ")"
	}
	return "Adobe Experience Platform (cioaep)"
}

// ReadEventFile reads a Customer.io event from a file (a sample the user points the events step at),
// with messages that name the file, and returns its payload.
func ReadEventFile(path string) (map[string]any, error) {
	body, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%s does not exist: check the path", path)
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	ev, err := cio.DecodeEvent(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ev.Payload, nil
}
