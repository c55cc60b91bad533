package aep

import (
	"context"
	"fmt"
	"net/url"
)

// InletReply is the streaming inlet's answer to an accepted message.
type InletReply struct {
	InletID        string `json:"inletId"`
	XactionID      string `json:"xactionId"`
	ReceivedTimeMs int64  `json:"receivedTimeMs"`
	SyncValidation struct {
		Status  string `json:"status"`  // "pass" with SendOptions.SyncValidation
		Skipped bool   `json:"skipped"` // true in the default asynchronous mode
	} `json:"syncValidation"`
}

// SendOptions tune Send.
type SendOptions struct {
	// SyncValidation makes the inlet validate the record before answering (development only: Adobe
	// allows 60 such requests per minute per inlet). A failure is a 400 *Error whose Detail lists the
	// XDM violations.
	SyncValidation bool
}

// Send posts one raw JSON event to a flow's inlet, as Customer.io would: no Adobe credentials, the
// flow id as a query parameter. inletURL is taken verbatim from the flow (never a hard-coded host).
// 429 and 503 are retried, honouring Retry-After, since the inlet documents them as back-pressure.
func (c *Client) Send(ctx context.Context, inletURL, flowID string, event []byte, opts SendOptions) (InletReply, error) {
	u, err := url.Parse(inletURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return InletReply{}, fmt.Errorf("sending to the inlet: %q is not an absolute URL", inletURL)
	}
	q := u.Query()
	if flowID != "" {
		q.Set("x-adobe-flow-id", flowID)
	}
	if opts.SyncValidation {
		q.Set("syncValidation", "true")
	}
	u.RawQuery = ""
	var reply InletReply
	_, err = c.do(ctx, request{method: "POST", path: u.String(), query: q, body: event, kind: repeatable, noAuth: true, out: &reply, limit: maxSmallBody})
	return reply, err
}
