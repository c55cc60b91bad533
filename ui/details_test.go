package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
)

// TestActionDialogDetailsBehindD: what an action says as details (a platform's whole answer) stays off
// the screen until d, and d hides it again; the help line offers it.
func TestActionDialogDetailsBehindD(t *testing.T) {
	const marker = "whole-answer-marker"
	run := func(ctx context.Context, _ flow.Result) (string, error) {
		Say(ctx, "email.sent:\n  `web.url`: want an absolute URI")
		SayDetails(ctx, "What the endpoint answered to email.sent (HTTP 400):", `{"report": {"cause": "`+marker+`"}}`)
		return "", errors.New("1 of 1 test events failed")
	}
	r := atDone(t, Action{Key: "t", Label: "send test event", Run: run})
	r.d.typ("t")
	r.wait("d show details")
	if bytes.Contains(r.all.Bytes(), []byte(marker)) || !bytes.Contains(r.all.Bytes(), []byte("`web.url`: want an absolute URI")) {
		t.Fatalf("before d the screen showed:\n%s", r.all.String())
	}
	r.d.typ("d")
	r.wait(marker)
	if !bytes.Contains(r.all.Bytes(), []byte("d hide details")) {
		t.Error("the help line does not offer to hide the details")
	}
	r.d.typ("d")
	r.wait("d show details")
	if _, view := r.d.final(); strings.Contains(view, marker) {
		t.Errorf("details still shown after the second d:\n%s", view)
	}
}

// TestTableLinesAlignsCounts: columns of counts line up by their last digit, titles included; a column
// with words stays left-aligned.
func TestTableLinesAlignsCounts(t *testing.T) {
	got := tableLines([]string{"", "event", "status", "time", "reason"}, [][]string{
		{"✓", "email.sent", "200", "   7 ms", "accepted"},
		{"✗", "customer.subscribed", "---", "4012 ms", "no answer"},
		{"✗", "sms.sent", "400", "  35 ms", "Invalid XDM Message Format"},
	}, 100)
	want := []string{
		"   event                status     time  reason",
		"✓  email.sent              200     7 ms  accepted",
		"✗  customer.subscribed     ---  4012 ms  no answer",
		"✗  sms.sent                400    35 ms  Invalid XDM Message Format",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
