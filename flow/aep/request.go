package aep

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"
)

// kind decides what the client may do when an attempt fails.
type kind int

const (
	// read has no side effect (GET, Data Prep validate and preview): retried freely.
	//lint:ignore U1000 the zero value: named so that the three kinds read as one list
	read kind = iota
	// repeatable has a side effect that is the same however often it happens (DELETE, flow
	// ENABLE/DISABLE, inlet posts, which Adobe documents as retryable): retried freely.
	repeatable
	// mutate creates or changes something (POST that creates, PUT, PATCH): retried only when the
	// platform cannot have acted on it (not sent, 429, a 401013 token refusal); any other failure
	// after sending is ErrAmbiguous.
	mutate
)

// request is one logical call; do may turn it into several attempts.
type request struct {
	method string
	path   string // under PlatformURL, or an absolute URL (IMS, the inlet)
	query  url.Values
	body   any    // JSON-encoded; []byte is sent as is
	ctype  string // Content-Type when body != nil; default application/json
	accept string // default application/json
	header http.Header
	kind   kind
	// noSandbox leaves out x-sandbox-name (the sandbox list call is not scoped to a sandbox).
	noSandbox bool
	// noAuth sends no Adobe headers at all: the IMS token call and the inlet.
	noAuth bool
	out    any // decoded from a 2xx body when non-nil
	// limit is the most of the answer read, in bytes; 0 means maxBody.
	limit int64
}

// response is a completed exchange with its body already read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// Bounds on what the client reads from an answer. Each is many times the largest answer Adobe gives to
// that kind of call, so that a proxy, a hostile host or a failing service that answers with tens of MB
// gets a clear *AnswerError instead of being held in memory and read as something it is not.
const (
	// maxBody: Flow Service, Catalog, Data Prep, sandboxes, Observability. Their pages hold at most a
	// hundred resources of a few KB each.
	maxBody = 8 << 20
	// maxSchemaBody: Schema Registry reads. A resolved schema with many field groups is a few MB.
	maxSchemaBody = 32 << 20
	// maxSmallBody: the IMS token and the inlet's acknowledgement, each well under 10 KB.
	maxSmallBody = 1 << 20
)

// do runs r with retries, token renewal and error decoding. A non-2xx answer is an *Error.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	payload, err := encodeBody(r.body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: encoding the request: %w", r.method, r.path, err)
	}
	renewed := false
	for n := 1; ; n++ {
		token := ""
		if !r.noAuth {
			if token, err = c.token(ctx); err != nil {
				return nil, err
			}
		}
		resp, sent, err := c.send(ctx, r, payload, token, n)
		var wait time.Duration
		failed, status := err, 0 // what a retry report and a give-up say
		switch {
		case err != nil:
			if r.kind == mutate && sent { // even when the caller gave up: the platform may have acted
				return nil, ambiguous(err)
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, c.gaveUp(r, n, nil, 0, false)
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s %s: %w", r.method, c.display(r), ctx.Err())
			}
			if !retryableNetErr(err) || n >= c.cfg.Retry.Attempts {
				return nil, err
			}
		case resp.status >= 200 && resp.status < 300:
			if r.out == nil || (resp.status == http.StatusNoContent && len(bytes.TrimSpace(resp.body)) == 0) {
				return resp, nil
			}
			derr := json.Unmarshal(resp.body, r.out)
			if derr == nil {
				return resp, nil
			}
			derr = fmt.Errorf("%s %s: the answer is not the JSON expected (%v)", r.method, c.display(r), derr)
			failed = derr
			if r.kind == mutate {
				return nil, ambiguous(derr)
			}
			if n >= c.cfg.Retry.Attempts {
				return nil, derr
			}
		default:
			apiErr := c.decodeError(r, resp)
			if resp.status == http.StatusUnauthorized && apiErr.Code == "401013" && !r.noAuth && !renewed {
				// The gateway refused a token we thought valid (revoked, clock skew): renew once.
				c.shared.tokens.invalidate(token)
				renewed = true
				n--
				continue
			}
			if !retryableStatus(resp.status) {
				return nil, apiErr
			}
			if r.kind == mutate && resp.status != http.StatusTooManyRequests {
				return nil, ambiguous(apiErr)
			}
			if n >= c.cfg.Retry.Attempts {
				return nil, apiErr
			}
			wait = retryAfter(resp.header, c.cfg.Now())
			failed, status = apiErr, resp.status
		}
		pause := c.cfg.Retry.wait(n, wait)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < pause {
			// Waiting would only end in the caller's deadline: say now what the last attempt met.
			return nil, c.gaveUp(r, n+1, failed, pause, wait > 0)
		}
		if fn := progressOf(ctx); fn != nil {
			fn(Progress{Kind: Retrying, Method: r.method, URL: c.display(r), Attempt: n + 1, Attempts: c.cfg.Retry.Attempts,
				RetryIn: pause, RetryAfter: wait > 0, Status: status, Err: failed})
		}
		if err := c.cfg.Retry.Sleep(ctx, pause); errors.Is(err, context.DeadlineExceeded) {
			return nil, c.gaveUp(r, n+1, failed, pause, wait > 0)
		} else if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.method, c.display(r), err)
		}
	}
}

// GaveUpError is a call the caller's deadline ended: during an attempt (Err is nil), or after a
// retryable failure (Err) whose next attempt would come too late. It matches
// context.DeadlineExceeded and, through Err, what the last attempt met.
type GaveUpError struct {
	Method, URL string
	// Attempt is the attempt under way when the deadline came, or the one that would have followed Err.
	Attempt, Attempts int
	Err               error
	RetryIn           time.Duration // the pause the next attempt needed
	RetryAfter        bool          // RetryIn is what the platform asked for in Retry-After
}

func (c *Client) gaveUp(r request, attempt int, failed error, retryIn time.Duration, asked bool) *GaveUpError {
	return &GaveUpError{Method: r.method, URL: c.display(r), Attempt: attempt, Attempts: c.cfg.Retry.Attempts,
		Err: failed, RetryIn: retryIn, RetryAfter: asked}
}

func (e *GaveUpError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%s %s: no answer before the deadline (attempt %d of %d)", e.Method, e.URL, e.Attempt, e.Attempts)
	}
	asked := ""
	if e.RetryAfter {
		asked = ", as the platform asked,"
	}
	return fmt.Sprintf("%v (attempt %d of %d not made: waiting %s%s would pass the deadline)", e.Err, e.Attempt, e.Attempts, seconds(e.RetryIn), asked)
}

func (e *GaveUpError) Unwrap() []error {
	if e.Err == nil {
		return []error{context.DeadlineExceeded}
	}
	return []error{e.Err, context.DeadlineExceeded}
}

// send makes one attempt. sent reports whether the request headers left this process, which is what
// makes a failed create ambiguous rather than safely repeatable.
func (c *Client) send(ctx context.Context, r request, payload []byte, token string, n int) (*response, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Retry.Timeout)
	defer cancel()
	defer c.watchAttempt(ctx, r, n)()
	var wrote atomic.Bool // set on the transport's writer goroutine
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})

	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r), body)
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: %w", r.method, c.display(r), err)
	}
	c.setHeaders(req, r, payload != nil, token)

	start := time.Now()
	c.shared.trace.request(req, payload)
	hr, err := c.cfg.HTTP.Do(req)
	var redirect *RedirectError
	if errors.As(err, &redirect) { // an answer, not a lost request: neither ambiguous nor worth retrying
		c.shared.trace.failure(req, time.Since(start), err)
		return nil, false, redirect
	}
	if err != nil {
		c.shared.trace.failure(req, time.Since(start), err)
		return nil, wrote.Load(), transportErr(r.method, c.display(r), err)
	}
	defer hr.Body.Close()
	data, err := readAnswer(hr, r.limit)
	c.shared.trace.response(req, hr, data, time.Since(start), err)
	var ae *AnswerError
	if errors.As(err, &ae) {
		ae.Method, ae.URL = r.method, c.display(r)
		return nil, true, ae
	}
	if err != nil {
		return nil, true, transportErr(r.method, c.display(r), err)
	}
	return &response{status: hr.StatusCode, header: hr.Header, body: data}, true, nil
}

// readAnswer reads hr's body up to limit bytes (0: maxBody). An answer that announces or turns out to
// be larger, or that ends before the length it announced, is an *AnswerError (Method and URL left for
// the caller): it is never cut to size and decoded as if it were whole.
func readAnswer(hr *http.Response, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = maxBody
	}
	tooLarge := &AnswerError{Status: hr.StatusCode, Declared: hr.ContentLength, Limit: limit}
	if hr.ContentLength > limit {
		return nil, tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(hr.Body, limit+1))
	switch {
	case int64(len(data)) > limit:
		tooLarge.Read = int64(len(data))
		return nil, tooLarge
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, &AnswerError{Status: hr.StatusCode, Declared: hr.ContentLength, Read: int64(len(data)), Err: err}
	}
	return data, err
}

func (c *Client) setHeaders(req *http.Request, r request, hasBody bool, token string) {
	h := req.Header
	for k, vs := range r.header {
		h[k] = vs
	}
	if hasBody {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		h.Set("Content-Type", ct)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	h.Set("Accept", accept)
	if r.noAuth {
		return
	}
	h.Set("Authorization", "Bearer "+token)
	h.Set("x-api-key", c.cfg.ClientID)
	h.Set("x-gw-ims-org-id", c.cfg.OrgID)
	if !r.noSandbox {
		// Set canonicalises the name; Platform reads headers case-insensitively, and the value is what matters.
		h.Set("x-sandbox-name", c.sandbox)
	}
}

func (c *Client) url(r request) string {
	u := r.path
	if !isAbsolute(u) {
		u = c.cfg.PlatformURL + u
	}
	if len(r.query) > 0 {
		sep := "?"
		if bytes.IndexByte([]byte(u), '?') >= 0 {
			sep = "&"
		}
		u += sep + r.query.Encode()
	}
	return u
}

// display is the URL as errors show it: without the query, which can be long and says little to a person.
func (c *Client) display(r request) string {
	u := r.path
	if !isAbsolute(u) {
		u = c.cfg.PlatformURL + u
	}
	return u
}

func isAbsolute(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme != "" && p.Host != ""
}

func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	default:
		return json.Marshal(b)
	}
}

// transportErr words a failure that produced no HTTP answer, keeping the cause for errors.As.
func transportErr(method, u string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &NetError{Method: method, URL: u, Err: err}
}

// AnswerError is an answer the client would not use: larger than any answer to that call should be
// (Limit > 0), or cut short before the length it announced (Limit == 0). Either way it is never read
// as a smaller answer, such as an empty list or "not found".
type AnswerError struct {
	Method, URL string
	Status      int   // the HTTP status the answer carried
	Declared    int64 // the Content-Length it announced; -1 when none
	Read        int64 // bytes read before stopping
	Limit       int64 // the most this call reads; 0 when the answer was cut short
	Err         error // the read error of an answer cut short
}

func (e *AnswerError) Error() string {
	from := e.URL
	if u, err := url.Parse(e.URL); err == nil && u.Host != "" {
		from = u.Host
	}
	if e.Limit > 0 {
		announced := ""
		if e.Declared > e.Limit {
			announced = " (it announced " + megabytes(e.Declared) + ")"
		}
		return fmt.Sprintf("%s %s: the answer from %s is larger than %s%s, far more than Adobe sends for this call; cioaep stopped reading it",
			e.Method, e.URL, from, megabytes(e.Limit), announced)
	}
	of := ""
	if e.Declared > 0 {
		of = " of the " + megabytes(e.Declared) + " it announced"
	}
	return fmt.Sprintf("%s %s: the answer from %s was cut short after %s%s: %v", e.Method, e.URL, from, megabytes(e.Read), of, e.Err)
}

func (e *AnswerError) Unwrap() error { return e.Err }

// megabytes writes a size for people: "8 MB", "1.5 MB", "12 KB".
func megabytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
}

// NetError is a request that got no complete answer: DNS failure, refused or reset connection,
// timeout, a body cut short.
type NetError struct {
	Method, URL string
	Err         error
}

func (e *NetError) Error() string {
	return fmt.Sprintf("%s %s: no answer: %v", e.Method, e.URL, e.Err)
}

func (e *NetError) Unwrap() error { return e.Err }

// retryableNetErr is true for failures that a later attempt may not meet. A host that does not exist
// will not exist a second later, nor will a certificate become valid, so those fail at once.
func retryableNetErr(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsNotFound
	}
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) {
		return false
	}
	var ae *AnswerError
	if errors.As(err, &ae) {
		return ae.Limit == 0 // cut short, as a dropped connection; too large will be too large again
	}
	var ne *NetError
	return errors.As(err, &ne)
}
