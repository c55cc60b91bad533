package aep

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"
)

// tokenCache keeps one IMS access token per credential. Adobe throttles clients that ask for tokens
// too often, so the token is reused until shortly before it expires, and concurrent callers (the
// engine runs calls in parallel) wait for one shared fetch instead of each asking IMS.
type tokenCache struct {
	mu      sync.Mutex
	token   string
	renewAt time.Time
	call    *tokenCall
}

type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// invalidate forgets token if it is still the cached one, so a 401013 renews exactly once even when
// many requests fail with the same stale token.
func (tc *tokenCache) invalidate(token string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.token == token {
		tc.token = ""
	}
}

// Token returns a valid IMS access token, fetching one if needed. Never print or log it.
func (c *Client) Token(ctx context.Context) (string, error) { return c.token(ctx) }

func (c *Client) token(ctx context.Context) (string, error) {
	tc := &c.shared.tokens
	tc.mu.Lock()
	if tc.token != "" && c.cfg.Now().Before(tc.renewAt) {
		t := tc.token
		tc.mu.Unlock()
		return t, nil
	}
	call := tc.call
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		tc.call = call
		// The fetch outlives a caller that gives up, so the others waiting on it are not failed by
		// someone else's cancellation; its own attempts and timeouts still bound it.
		go c.fetchToken(context.WithoutCancel(ctx), call)
		c.shared.pre.warm() // the Platform calls that follow the token find their connections ready
	}
	tc.mu.Unlock()
	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", fmt.Errorf("getting an access token from Adobe IMS: %w", ctx.Err())
	}
}

func (c *Client) fetchToken(ctx context.Context, call *tokenCall) {
	tc := &c.shared.tokens
	tok, lifetime, err := c.requestToken(ctx)
	tc.mu.Lock()
	if err == nil {
		tc.token = tok
		tc.renewAt = c.cfg.Now().Add(lifetime - renewMargin(lifetime))
	}
	tc.call = nil
	tc.mu.Unlock()
	call.token, call.err = tok, err
	close(call.done)
}

// renewMargin is how long before expiry a token is replaced: five minutes for Adobe's 24-hour
// tokens, a tenth of the lifetime for short ones.
func renewMargin(lifetime time.Duration) time.Duration {
	return min(5*time.Minute, lifetime/10)
}

type tokenReply struct {
	AccessToken string  `json:"access_token"`
	TokenType   string  `json:"token_type"`
	ExpiresIn   float64 `json:"expires_in"` // seconds
}

func (c *Client) requestToken(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"scope":         {c.cfg.Scopes},
	}
	var reply tokenReply
	_, err := c.do(ctx, request{
		method: "POST", path: c.cfg.IMSURL + "/ims/token/v3",
		body: []byte(form.Encode()), ctype: "application/x-www-form-urlencoded",
		kind: repeatable, noAuth: true, out: &reply, limit: maxSmallBody,
	})
	if err != nil {
		return "", 0, fmt.Errorf("getting an access token from Adobe IMS: %w", err)
	}
	if reply.AccessToken == "" {
		return "", 0, fmt.Errorf("getting an access token from Adobe IMS: the answer has no access_token")
	}
	lifetime := time.Duration(reply.ExpiresIn * float64(time.Second))
	if lifetime <= 0 {
		lifetime = time.Hour // IMS always sends expires_in; if a proxy drops it, renew within the hour
	}
	c.shared.trace.addSecret(reply.AccessToken)
	return reply.AccessToken, lifetime, nil
}
