package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/safetext"
	"github.com/cioaep/cioaep/ui"
)

// webhookMover follows a dataset move in Customer.io: when the profile stores an App API key (the done
// screen's w put it there), the reporting webhook that posts to the old endpoint is pointed at the new
// one, in place, with the same events. Without a key cioaep does not manage the webhook and the caller
// shows the manual steps. Both reconfigure --non-interactive and the menu's move page use it.
type webhookMover struct {
	Paths   creds.Paths // the config file (the remembered region) and the secrets' plaintext fallback
	Profile string
	// Secrets holds the App API key; nil means the OS keychain for Paths.
	Secrets *creds.Secrets
	// HTTP sends the App API requests; nil means cio's default client.
	HTTP *http.Client
}

// move points the webhook at newURL through flow.RepointWebhook. A result that is not Managed (no key
// stored) or not Moved (no webhook posted to oldURL) leaves the manual steps to the caller; an error means
// Customer.io was asked and the webhook may still post to the old URL. The key never appears in a message.
func (m webhookMover) move(ctx context.Context, oldURL, newURL string) (ui.WebhookMove, error) {
	secrets := m.Secrets
	if secrets == nil {
		secrets = creds.NewSecrets(m.Paths)
	}
	key, _, err := secrets.Get(ctx, m.Profile, creds.CIOAppAPIKey)
	var ke *creds.KeychainError
	switch {
	case errors.Is(err, creds.ErrNotStored) || (err == nil && key == ""):
		return ui.WebhookMove{}, nil
	case errors.As(err, &ke) && ke.Probe.Status == creds.NoKeychain:
		// There is no keychain here, and the plaintext file has no key: nothing was ever stored, so there
		// is nothing to warn about; the caller shows the manual steps.
		return ui.WebhookMove{}, nil
	case errors.As(err, &ke):
		return ui.WebhookMove{Message: "The OS keychain could not be asked (" + ke.Probe.Cause + "), so cioaep could not tell whether a Customer.io App API key is stored for this profile, and the webhook was not updated."}, nil
	case err != nil:
		return ui.WebhookMove{Message: "The Customer.io App API key stored for this profile could not be read (" + err.Error() + "), so the webhook was not updated."}, nil
	}

	// The region the w action remembered; a key stored before regions were remembered is tried on the US
	// host, then the EU one, and whichever accepts it is remembered.
	ch, err := flow.RepointWebhook(ctx, flow.CustomerIO{Key: key, Region: m.region(), BaseURL: os.Getenv(EnvCIOAPIURL), HTTP: m.HTTP}, oldURL, newURL)
	if err == nil || errors.Is(err, flow.ErrNoWebhook) {
		m.rememberRegion(ch.Region)
	}
	where := strings.ToUpper(ch.Region) + " workspace"
	hook := ch.Hook
	switch {
	case errors.Is(err, flow.ErrNoWebhook):
		return ui.WebhookMove{Managed: true, Message: fmt.Sprintf(
			"No reporting webhook in the Customer.io %s posted to the old URL, so cioaep changed nothing there (a move only redirects an existing webhook): point yours at the new URL by hand.", where)}, nil
	case err != nil:
		return ui.WebhookMove{Managed: true}, fmt.Errorf("updating the Customer.io webhook: %w", err)
	case ch.Moved:
		return ui.WebhookMove{Managed: true, Moved: true, Message: fmt.Sprintf(
			"Customer.io webhook %d (%q, %s) now posts to the new URL, with the same %s.", hook.ID, safetext.Line(hook.Name), where, plural(len(hook.Events), "event"))}, nil
	default:
		return ui.WebhookMove{Managed: true, Moved: true, Message: fmt.Sprintf(
			"Customer.io webhook %d (%q, %s) already posts to the new URL.", hook.ID, safetext.Line(hook.Name), where)}, nil
	}
}

// region is the Customer.io region remembered in the profile, or "".
func (m webhookMover) region() string {
	cfg, err := creds.LoadConfig(m.Paths.ConfigFile)
	if err != nil {
		return ""
	}
	p, _ := cfg.Profile(m.Profile)
	return strings.ToLower(p.CIORegion)
}

// rememberRegion stores the region that accepted the key; failing to is not worth an error (the next
// move tries both regions again).
func (m webhookMover) rememberRegion(region string) {
	_ = saveCIORegion(m.Paths, m.Profile, region)
}

// saveCIORegion records the Customer.io workspace's region ("us"/"eu") in an existing profile, so a later
// dataset move updates the webhook on the right host without asking. A profile not saved yet is left
// alone: a profile holding only a region would look set up to every other command.
func saveCIORegion(paths creds.Paths, profile, region string) error {
	region = strings.ToLower(region)
	cfg, err := creds.LoadConfig(paths.ConfigFile)
	if err != nil {
		return err
	}
	p, ok := cfg.Profile(profile)
	if !ok || p.CIORegion == region {
		return nil
	}
	p.CIORegion = region
	cfg.Put(p)
	return cfg.Save()
}
