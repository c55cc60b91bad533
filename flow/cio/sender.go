package cio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cioaep/cioaep/flow/safetext"
)

// DeliveryTimeout is how long Customer.io waits for a webhook endpoint to answer. The Sender uses the same
// limit so that an endpoint that passes a test also keeps up with real deliveries.
const DeliveryTimeout = 4 * time.Second

// replyLimit caps how much of a reply the Sender reads: enough for any Platform error document, not enough
// for a misbehaving endpoint to fill memory.
const replyLimit = 64 << 10

// summaryRunes is how much of a reply a SendResult keeps, about one terminal line.
const summaryRunes = 200

// Sender posts events to a webhook endpoint exactly as Customer.io does: one JSON object per POST with
// Content-Type application/json, X-CIO-Timestamp and X-CIO-Signature, and a 4 s limit. Its zero value is
// usable: an empty signing key, no sync validation, a plain http.Client.
type Sender struct {
	// Key is the webhook's signing key. Adobe's inlet does not check signatures, so any key works there; the
	// local platform started with a signing key rejects a wrong one, as a receiver should.
	Key []byte
	// SyncValidation adds syncValidation=true to the URL, which asks Adobe's streaming inlet to validate
	// the record against the schema before answering, so a test shows mapping errors at once.
	SyncValidation bool
	// HTTP sends the requests (its redirect policy is ignored); nil means a plain http.Client.
	HTTP *http.Client
	// Timeout overrides DeliveryTimeout (tests use a shorter one); zero means DeliveryTimeout.
	Timeout time.Duration
}

// SendResult is what the endpoint answered to one event.
type SendResult struct {
	Status int    // HTTP status code
	Body   string // the reply, cleaned for the terminal and cut to about one line
	// Reply is the reply as it came, up to 64 KiB and not cleaned: flow.ReadReply reads an error from it
	// and --json shows it whole.
	Reply    []byte
	Duration time.Duration // from sending the request to reading the reply
}

// OK reports whether the endpoint accepted the event. Customer.io treats any non-2xx reply as a failure,
// retries it for days and holds later events back behind it.
func (r SendResult) OK() bool { return r.Status >= 200 && r.Status <= 299 }

// Send posts one event body to endpoint, signed with the current time. It refuses a body that is not one
// Customer.io event (DecodeEvent), because Customer.io never sends anything else and a test should not
// prove an endpoint with traffic it will never see. Otherwise it returns an error only when no reply
// arrived (bad URL, refused connection, timeout); a reply with any status is a SendResult.
func (s *Sender) Send(ctx context.Context, endpoint string, body []byte) (SendResult, error) {
	target, err := s.target(endpoint)
	if err != nil {
		return SendResult{}, err
	}
	if _, err := DecodeEvent(body); err != nil {
		return SendResult{}, fmt.Errorf("refusing to send: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DeliveryTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return SendResult{}, fmt.Errorf("preparing the test event: %w", err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(s.Key, ts, body))

	// Customer.io counts any non-2xx reply as a failure, so a redirect is reported, not followed (Go would
	// otherwise turn a POST answered with 302 into a GET elsewhere and show that reply instead).
	client := http.Client{}
	if s.HTTP != nil {
		client = *s.HTTP
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return SendResult{}, sendError(req.URL.Host, timeout, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, replyLimit))
	result := SendResult{Status: resp.StatusCode, Body: summarize(reply, summaryRunes), Reply: reply, Duration: time.Since(start)}
	if err != nil {
		return result, sendError(req.URL.Host, timeout, err)
	}
	return result, nil
}

// target checks endpoint and adds syncValidation when asked, keeping x-adobe-flow-id and any other query.
func (s *Sender) target(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the webhook URL %q is not an http(s) URL: use the endpoint setup printed (cioaep endpoint)", safetext.Line(endpoint))
	}
	if s.SyncValidation {
		q := u.Query()
		q.Set("syncValidation", "true")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// sendError says what a failed delivery means for Customer.io, which would pause the whole stream.
func sendError(host string, timeout time.Duration, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s did not answer within %s: Customer.io would give up on the event just as fast and hold later events back; check the endpoint is up and not overloaded", host, timeout)
	}
	return fmt.Errorf("sending to %s failed: %w; check the URL and that the endpoint is reachable from here", host, err)
}
