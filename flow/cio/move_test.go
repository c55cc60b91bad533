package cio_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/cio/ciotest"
)

const (
	moveKey = "app-key-3f2e1d"
	oldURL  = "https://dcs.adobedc.net/collection/old111?x-adobe-flow-id=f-old"
	newURL  = "https://dcs.adobedc.net/collection/new222?x-adobe-flow-id=f-new"
)

func moveAPI(t *testing.T, wrap bool) (*ciotest.AppAPI, *cio.AppAPI) {
	t.Helper()
	s := ciotest.New(t, moveKey)
	s.Wrap = wrap
	api := cio.NewAppAPI(moveKey, "eu", s.Client())
	return s, api
}

// A dataset move updates the webhook that posted to the old endpoint in place: same id, name, events and
// settings, new endpoint, and no second webhook. Other webhooks in the workspace are untouched.
func TestMoveWebhookUpdatesInPlace(t *testing.T) {
	t.Parallel()
	for _, wrap := range []bool{false, true} {
		s, api := moveAPI(t, wrap)
		other := s.Add(cio.Webhook{Name: "Warehouse", Endpoint: "https://example.com/hook", Events: []string{"email_opened"}})
		old := s.Add(cio.Webhook{Name: "Renamed in the web app", Endpoint: oldURL, Events: []string{"email_sent", "sms_sent"},
			Disabled: true, FullResolution: false, WithContent: true})

		w, moved, err := api.MoveWebhook(context.Background(), oldURL, newURL, nil)
		if err != nil || !moved {
			t.Fatalf("wrap=%v: moved=%v err=%v", wrap, moved, err)
		}
		want := old
		want.Endpoint = newURL
		hooks := s.Webhooks()
		if len(hooks) != 2 || !sameHook(hooks[0], other) || !sameHook(hooks[1], want) || !sameHook(w, want) {
			t.Fatalf("wrap=%v: after the move %+v (returned %+v), want %+v and %+v untouched", wrap, hooks, w, want, other)
		}
		if hosts := s.Hosts(); len(hosts) != 2 || hosts[0] != "api-eu.customer.io" {
			t.Errorf("wrap=%v: requests went to %v, want one list and one update on the EU host", wrap, hosts)
		}

		// Running it again (a retried move) finds the webhook at the new URL and changes nothing.
		again, moved, err := api.MoveWebhook(context.Background(), oldURL, newURL, nil)
		if err != nil || moved || again.ID != old.ID || len(s.Webhooks()) != 2 {
			t.Errorf("wrap=%v: re-run moved=%v err=%v got %+v, hooks %+v", wrap, moved, err, again, s.Webhooks())
		}
		if n := len(s.Hosts()); n != 3 {
			t.Errorf("wrap=%v: the re-run sent %d requests, want only the list", wrap, n-2)
		}
	}
}

// Events given replace the subscriptions; the webhook keeps its id.
func TestMoveWebhookWithEvents(t *testing.T) {
	t.Parallel()
	s, api := moveAPI(t, false)
	old := s.Add(cio.Webhook{Name: "cioaep", Endpoint: oldURL, Events: []string{"email_sent"}, FullResolution: true})
	w, moved, err := api.MoveWebhook(context.Background(), oldURL, newURL, []string{"push_sent", "sms_sent"})
	if err != nil || !moved || w.ID != old.ID {
		t.Fatalf("moved=%v err=%v %+v", moved, err, w)
	}
	hooks := s.Webhooks()
	if len(hooks) != 1 || hooks[0].Endpoint != newURL || !slices.Equal(hooks[0].Events, []string{"push_sent", "sms_sent"}) || !hooks[0].FullResolution {
		t.Errorf("stored %+v", hooks)
	}
}

// With no webhook at the old URL nothing is created: the caller is told, and the workspace is unchanged.
func TestMoveWebhookNoneAtTheOldURL(t *testing.T) {
	t.Parallel()
	s, api := moveAPI(t, false)
	s.Add(cio.Webhook{Name: "Warehouse", Endpoint: "https://example.com/hook", Events: []string{"email_opened"}})
	_, moved, err := api.MoveWebhook(context.Background(), oldURL, newURL, nil)
	if !errors.Is(err, cio.ErrNoWebhook) || moved {
		t.Fatalf("moved=%v err=%v, want ErrNoWebhook", moved, err)
	}
	if hooks := s.Webhooks(); len(hooks) != 1 || hooks[0].Endpoint != "https://example.com/hook" {
		t.Errorf("the workspace changed: %+v", hooks)
	}
	if _, _, err := api.MoveWebhook(context.Background(), oldURL, oldURL, nil); err == nil {
		t.Error("moving to the same URL should be refused")
	}
}

// A wrong key is ErrKeyRejected, and the key is not in the message.
func TestMoveWebhookRejectedKey(t *testing.T) {
	t.Parallel()
	s, _ := moveAPI(t, false)
	s.Add(cio.Webhook{Name: "cioaep", Endpoint: oldURL, Events: []string{"email_sent"}})
	const wrong = "wrong-key-998877"
	_, _, err := cio.NewAppAPI(wrong, "us", s.Client()).MoveWebhook(context.Background(), oldURL, newURL, nil)
	if !errors.Is(err, cio.ErrKeyRejected) || strings.Contains(err.Error(), wrong) {
		t.Errorf("err = %v", err)
	}
	if hooks := s.Webhooks(); hooks[0].Endpoint != oldURL {
		t.Errorf("a rejected key changed the webhook: %+v", hooks)
	}
}

func sameHook(a, b cio.Webhook) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Endpoint == b.Endpoint && slices.Equal(a.Events, b.Events) &&
		a.Disabled == b.Disabled && a.FullResolution == b.FullResolution && a.WithContent == b.WithContent
}
