package ciotest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/cio/ciotest"
)

// TestStandInSpeaksTheDocumentedShapes runs cio's client against the stand-in both ways it can be
// reached (BaseURL and the host-keeping client) and with both reply shapes.
func TestStandInSpeaksTheDocumentedShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, wrap := range []bool{false, true} {
		s := ciotest.New(t, "k")
		s.Wrap = wrap
		api := cio.NewAppAPI("k", "eu", s.Client())
		hand := s.Add(cio.Webhook{Name: "by hand", Endpoint: "https://x.example/in", Events: []string{"email_sent"}, Disabled: true})
		got, created, err := api.EnsureWebhook(ctx, "n", "https://x.example/in", []string{"sms_sent"})
		if err != nil || created || got.ID != hand.ID || got.Disabled || len(s.Webhooks()) != 1 {
			t.Fatalf("wrap=%v: %+v created=%v err=%v", wrap, got, created, err)
		}
		if hosts := s.Hosts(); len(hosts) != 2 || hosts[0] != "api-eu.customer.io" {
			t.Errorf("hosts %v", hosts)
		}
		direct := cio.NewAppAPI("wrong", "us", nil)
		direct.BaseURL = s.URL
		if _, err := direct.List(ctx); !errors.Is(err, cio.ErrKeyRejected) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("wrong key: %v", err)
		}
		if _, err := api.Create(ctx, cio.Webhook{Name: "no events", Endpoint: "https://y.example"}); err == nil || !strings.Contains(err.Error(), "name, endpoint and events are required") {
			t.Errorf("bad request: %v", err)
		}
	}
}
