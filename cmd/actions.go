package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/safetext"
	"github.com/cioaep/cioaep/ui"
)

// EnvCIOAPIURL replaces the Customer.io App API host of both regions (https://api.customer.io,
// https://api-eu.customer.io) with another base URL: a proxy, a recording gateway, or a stand-in in tests.
// The region is still asked for, because a real key only works in its own region.
const EnvCIOAPIURL = "CIOAEP_CIO_API_URL"

// DoneActionsOptions configure DoneActions. The zero value (plus a profile) is what the wizard uses; tests
// point the paths, keychain and App API client at their own.
type DoneActionsOptions struct {
	Profile string
	// Paths locate the profile's state (the events chosen in setup, the journal's plan id); zero means
	// creds.DefaultPaths().
	Paths creds.Paths
	// Secrets stores the App API key and the signing key; nil means the OS keychain for Paths.
	Secrets *creds.Secrets
	// LocalData is the local platform's data directory, where the mapped records are looked up; "" means
	// the one cioaep --local uses.
	LocalData string
	// AppAPI sends the App API requests; nil means cio's default client.
	AppAPI *http.Client
	// Wait bounds the wait for mapped records on the local platform; zero means send-test's default.
	Wait time.Duration
}

// DoneActions are the wizard's done-screen keys that close the loop with Customer.io: t sends one signed
// sample per chosen event type and shows what the endpoint answered (and, on the local platform, the
// mapped record); w installs the reporting webhook through the App API. They are exported for ui's
// tests, which drive them on screen against a real local platform.
func DoneActions(o DoneActionsOptions) []ui.Action {
	if o.Paths == (creds.Paths{}) {
		o.Paths = creds.DefaultPaths()
	}
	if o.Secrets == nil {
		o.Secrets = creds.NewSecrets(o.Paths)
	}
	if o.LocalData == "" {
		o.LocalData = filepath.Join(o.Paths.DataDir, "local")
	}
	if o.Wait <= 0 {
		o.Wait = defaultRecordWait
	}
	a := &doneActions{o}
	return []ui.Action{
		{Key: "t", Label: "send test event", Run: a.sendTest},
		{Key: "w", Label: "create the webhook", Run: a.createWebhook},
	}
}

// actions fills the wizard's Deps.Actions.
func (w *wizardEnv) actions() []ui.Action {
	return DoneActions(DoneActionsOptions{Profile: w.g.Profile, Paths: w.g.paths(), Secrets: w.g.Secrets(), LocalData: w.g.LocalDataDir()})
}

type doneActions struct{ DoneActionsOptions }

func (a *doneActions) stateDir() string { return a.Paths.StateDir(a.Profile) }

// sendTest is send-test for the chosen event types, one sample each, with its results drawn as a table.
func (a *doneActions) sendTest(ctx context.Context, res flow.Result) (string, error) {
	samples := defaultSamples(subscribedTypes(a.stateDir()))
	if len(samples) == 0 {
		return "", errors.New("there is no sample for the chosen event types: run cioaep send-test --all instead")
	}
	ui.Say(ctx, "cioaep posts signed sample events to the webhook URL exactly as Customer.io would, and shows what the endpoint answered.")
	notes := sayWriter{ctx}
	isLocal := flow.ServedLocally(ctx, res.WebhookURL)
	batch := flow.TestBatch{
		Endpoint: res.WebhookURL, Local: isLocal, DataDir: a.LocalData, DatasetID: res.DatasetID,
		Key:  signingKey(ctx, a.Secrets, a.Profile, notes),
		Sync: isLocal, Wait: a.Wait, Notes: notes,
	}
	if !isLocal {
		// Adobe's inlet allows syncValidation only in development sandboxes, 60 requests a minute, so it is
		// the user's call and off unless asked for.
		v, err := ui.Ask(ctx, ui.Question{
			Prompt:  "Ask Adobe to validate each event before answering (syncValidation)?",
			Help:    "Only development sandboxes allow it, 60 requests a minute. Without it a 200 means received, not yet validated: mapping errors then show up in the dataflow's monitoring.",
			Choices: []string{"no", "yes"}, Default: "no",
		})
		if err != nil {
			return "", err
		}
		batch.Sync = v == "yes"
	}
	ui.Say(ctx, fmt.Sprintf("Sending %s to the webhook URL, one per chosen event type…", plural(len(samples), "signed sample event")))
	results, err := flow.SendTestEvents(ctx, batch, samples)
	if err != nil {
		return "", err
	}
	rows := make([][]string, len(results))
	var records [][]string
	failed := 0
	for i, r := range results {
		mark, status := "✓", "---"
		if !r.OK {
			mark = "✗"
			failed++
		}
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		// The dataset is named once, above the records; the time keeps a fixed width (the sender gives up
		// after 4 s) so the reasons line up.
		reason := strings.ReplaceAll(r.Reason, " in dataset "+res.DatasetID, " in the dataset")
		rows[i] = []string{mark, r.Event, status, fmt.Sprintf("%4d ms", r.Millis), safetext.Line(reason)}
		if len(r.Record) > 0 {
			records = append(records, []string{r.Event, safetext.Line(compactJSON(r.Record))})
		}
	}
	ui.SayTable(ctx, []string{"", "event", "status", "time", "reason"}, rows)
	// What a refusal says is wrong, one line per field; the whole answer is behind d.
	for _, r := range results {
		if len(r.Problems) > 0 {
			ui.Say(ctx, r.Event+":\n  "+strings.Join(r.Problems, "\n  "))
		}
		if len(r.Reply) > 0 {
			ui.SayDetails(ctx, fmt.Sprintf("What the endpoint answered to %s (HTTP %d):", r.Event, r.Status), indentJSON(r.Reply))
		}
	}
	if len(records) > 0 {
		ui.Say(ctx, "Mapped records in dataset "+res.DatasetID+":")
		ui.SayTable(ctx, nil, records)
	}
	if failed > 0 {
		return "", fmt.Errorf("%d of %d test events failed: fix what the reasons say, then press t again (or run cioaep send-test)", failed, len(results))
	}
	if isLocal {
		return fmt.Sprintf("%s accepted; the records are in the dataset.", plural(len(results), "test event")), nil
	}
	return fmt.Sprintf("%s accepted by Adobe's inlet.", plural(len(results), "test event")), nil
}

// createWebhook installs the Customer.io reporting webhook for the endpoint through the App API.
func (a *doneActions) createWebhook(ctx context.Context, res flow.Result) (string, error) {
	events := flow.Subscriptions(subscribedTypes(a.stateDir()))
	name := flow.WebhookName(a.stateDir())

	ui.Say(ctx, "cioaep adds a reporting webhook for this URL to your Customer.io workspace through the App API, or updates the one already there.")
	if u, err := url.Parse(res.WebhookURL); err == nil && flow.IsLoopback(u.Hostname()) {
		ui.Say(ctx, "! This URL points at this machine: Customer.io cannot reach it without a tunnel, so its deliveries will fail (fine for practice).")
	}
	key, _, err := a.Secrets.Get(ctx, a.Profile, creds.CIOAppAPIKey)
	stored := err == nil && key != ""
	if stored {
		ui.Say(ctx, fmt.Sprintf("Using the Customer.io App API key stored for profile %s (%s).", a.Profile, creds.CIOAppAPIKey))
	} else if key, err = askAppKey(ctx, ""); err != nil {
		return "", err
	}
	// The region remembered from an earlier run is the default; US is Customer.io's usual one.
	region, err := askRegion(ctx, firstOf(strings.ToUpper(webhookMover{Paths: a.Paths, Profile: a.Profile}.region()), "US"))
	if err != nil {
		return "", err
	}
	name, err = ui.Ask(ctx, ui.Question{Prompt: "Webhook name", Help: "How the webhook is listed under Reporting Webhooks in Customer.io.", Default: name})
	if err != nil {
		return "", err
	}

	var ch flow.WebhookChange
	for {
		api := flow.CustomerIO{Key: key, Region: region, BaseURL: os.Getenv(EnvCIOAPIURL), HTTP: a.AppAPI}
		ui.Say(ctx, fmt.Sprintf("Asking Customer.io (%s) for the workspace's reporting webhooks…", api.Host(region)))
		ch, err = flow.EnsureWebhook(ctx, api, name, res.WebhookURL, events)
		if !errors.Is(err, flow.ErrCIOKeyRejected) {
			break
		}
		// A stored key that stopped working is asked for again like a mistyped one; the rejected key is
		// never stored.
		ui.Say(ctx, "✗ "+err.Error())
		stored = false
		if key, err = askAppKey(ctx, "Try another key, or check the region."); err != nil {
			return "", err
		}
		if region, err = askRegion(ctx, region); err != nil {
			return "", err
		}
	}
	if err != nil {
		return "", err
	}
	hook, created := ch.Hook, ch.Created

	// Remembered so a later dataset move updates this webhook on the right host without asking.
	if err := saveCIORegion(a.Paths, a.Profile, region); err != nil {
		ui.Say(ctx, "The region was not remembered in the profile ("+err.Error()+"); a dataset move will try both.")
	}
	if !stored {
		if loc, err := a.Secrets.Set(ctx, a.Profile, creds.CIOAppAPIKey, key, false); err != nil {
			ui.Say(ctx, "The App API key was not stored ("+err.Error()+"); you will be asked for it again next time.")
		} else {
			ui.Say(ctx, fmt.Sprintf("The App API key is in the %s (%s), so next time it is not asked for.", loc, creds.CIOAppAPIKey))
		}
	}
	if created {
		ui.Say(ctx, fmt.Sprintf("Created reporting webhook %q (id %d) in the %s workspace, subscribed to %d events (%s).",
			safetext.Line(hook.Name), hook.ID, strings.ToUpper(region), len(events), summarizeEvents(events)))
	} else {
		// Saying why matters: a second webhook for the same URL would deliver every event twice.
		ui.Say(ctx, fmt.Sprintf("Webhook %d in the %s workspace already sent to this URL: it is now %q, subscribed to %d events (%s) and enabled, so no second one delivers every event twice.",
			hook.ID, strings.ToUpper(region), safetext.Line(hook.Name), len(events), summarizeEvents(events)))
	}

	ui.Say(ctx, "Customer.io signs deliveries with the webhook's signing key, which the App API does not return: it is on the webhook's page (Data & Integrations → Integrations → Reporting Webhooks → "+
		safetext.Line(hook.Name)+"). Stored here, test events are signed with it too.")
	sk, err := ui.Ask(ctx, ui.Question{Prompt: "Signing key (optional)", Help: "Paste it to store it in the keychain; enter on an empty field skips.", Secret: true, Optional: true})
	switch {
	case errors.Is(err, ui.ErrCanceled):
	case err != nil:
		return "", err
	case sk != "":
		if loc, err := a.Secrets.Set(ctx, a.Profile, creds.CIOSigningKey, sk, false); err != nil {
			ui.Say(ctx, "The signing key was not stored ("+err.Error()+").")
		} else {
			ui.Say(ctx, fmt.Sprintf("The signing key is in the %s (%s): test events are now signed with it.", loc, creds.CIOSigningKey))
		}
	}
	if created {
		return "Reporting webhook created and enabled in Customer.io.", nil
	}
	return "Reporting webhook updated and enabled in Customer.io.", nil
}

// askAppKey asks for the App API key, masked.
func askAppKey(ctx context.Context, why string) (string, error) {
	help := "Customer.io → Account Settings → API Credentials → App API Keys: create one with access to this workspace. It is stored in the keychain once Customer.io accepts it."
	if why != "" {
		help = why + " " + help
	}
	return ui.Ask(ctx, ui.Question{Prompt: "Customer.io App API key", Help: help, Secret: true})
}

func askRegion(ctx context.Context, def string) (string, error) {
	return ui.Ask(ctx, ui.Question{Prompt: "Region of the Customer.io workspace",
		Help:    "EU workspaces live at api-eu.customer.io; a key only works in its own region.",
		Choices: []string{"US", "EU"}, Default: def})
}

// summarizeEvents names the first few subscriptions, so the line stays readable with all 79.
func summarizeEvents(events []string) string {
	const shown = 3
	if len(events) <= shown {
		return strings.Join(events, ", ")
	}
	return strings.Join(events[:shown], ", ") + fmt.Sprintf(" and %d more", len(events)-shown)
}

// sayWriter turns the notes send-test prints (which key signs, an unreadable event log) into dialog lines.
type sayWriter struct{ ctx context.Context }

func (w sayWriter) Write(p []byte) (int, error) {
	if s := strings.TrimSpace(string(p)); s != "" {
		ui.Say(w.ctx, s)
	}
	return len(p), nil
}

// indentJSON lays out an answer for reading; one that is not JSON is shown as it came.
func indentJSON(raw []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}
