package flow_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
)

// The network-fault suite for the engine (issue 8): an Apply on the Customer.io schema path, against the
// real local platform, with the network between them (the wire) failing in the ways Adobe's does. The
// client's own suite (flow/aep TestFault) proves each fault is classified right for one request; this
// one proves the engine turns each into a completed apply or a clear failure that a plain re-run
// finishes, and never into a duplicate resource, a hang or a panic. Test names say fault/outcome.

// Paths of the calls the faults hit.
const (
	callTenant     = "GET /data/foundation/schemaregistry/stats"
	callValidate   = "POST /data/foundation/conversion/mappingSets/validate"
	callDataset    = "POST /data/foundation/catalog/dataSets"
	callSource     = "POST /data/foundation/flowservice/sourceConnections"
	callMappingSet = "POST /data/foundation/conversion/mappingSets"
	callFlow       = "POST /data/foundation/flowservice/flows"
	callToken      = "POST /ims/token/v3"
)

// requestTimeout is the per-request timeout of the faulted runs' client, short so that "slow past the
// timeout" costs little; it is still two orders of magnitude above a loopback call to the local
// platform, so only the injected stalls reach it.
const requestTimeout = 2 * time.Second

// applyDeadline bounds every Apply: reaching it is the "hang" the suite must never see.
const applyDeadline = 30 * time.Second

// faultRun is one faulted Apply and the evidence the wire and the client's hooks collect.
type faultRun struct {
	e     *env
	state string

	mu      sync.Mutex
	waits   []time.Duration // what the client's Retry.Sleep was asked to wait, in order
	tokens  int             // IMS token requests
	fired   int             // times a gate fault answered instead of the platform
	now     time.Time       // the client's clock (Config.Now)
	expired map[string]bool // Authorization headers the gateway refuses with 401013
	fault   func(rw http.ResponseWriter, r *http.Request) bool
}

// sleep records the wait and returns at once: Retry-After is checked by what was asked, not by the clock.
func (fr *faultRun) sleep(ctx context.Context, d time.Duration) error {
	fr.mu.Lock()
	fr.waits = append(fr.waits, d)
	fr.mu.Unlock()
	return ctx.Err()
}

func (fr *faultRun) waited() []time.Duration {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return slices.Clone(fr.waits)
}

func (fr *faultRun) clock() time.Time {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return fr.now
}

func (fr *faultRun) counts() (tokens, fired int) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return fr.tokens, fr.fired
}

// gate is the wire's gate for the whole run: it counts token requests, refuses expired tokens the way
// Adobe's gateway does, and lets the case's lasting fault answer.
func (fr *faultRun) gate(rw http.ResponseWriter, r *http.Request) bool {
	call := r.Method + " " + r.URL.Path
	fr.mu.Lock()
	if call == callToken {
		fr.tokens++
	}
	refused := fr.expired[r.Header.Get("Authorization")]
	fault := fr.fault
	if refused {
		fr.fired++
	}
	fr.mu.Unlock()
	if refused {
		gatewayRefusal(rw)
		return true
	}
	return fault != nil && fault(rw, r)
}

// strike counts one call a lasting fault answers; the fault calls it before it acts, so the count is
// right even while a stalled call is still open.
func (fr *faultRun) strike() {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.fired++
}

// setFault installs a lasting fault (nil ends it). It answers the calls it takes, after calling strike,
// and returns true for them.
func (fr *faultRun) setFault(f func(rw http.ResponseWriter, r *http.Request) bool) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.fault = f
}

// expire makes the gateway refuse the token r carries from now on and moves the client's clock past
// its lifetime: the token expired while the apply was running.
func (fr *faultRun) expire(r *http.Request, advance time.Duration) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.expired[r.Header.Get("Authorization")] = true
	fr.now = fr.now.Add(advance)
}

// gatewayRefusal is the body Adobe's API gateway sends for a token it does not accept.
func gatewayRefusal(rw http.ResponseWriter) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(http.StatusUnauthorized)
	_, _ = rw.Write([]byte(`{"error_code":"401013","message":"Oauth token is not valid"}`))
}

// Faults, as the wire's inject functions.

// refuse answers status with Retry-After (seconds; 0 = none) and never lets the platform see the call.
func refuse(status, retryAfter int) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(rw http.ResponseWriter, r *http.Request, _ http.Handler) {
		if retryAfter > 0 {
			rw.Header().Set("Retry-After", fmt.Sprint(retryAfter))
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(status)
		fmt.Fprintf(rw, `{"error_code":"%d000","message":"injected: try again later"}`, status)
	}
}

// commit lets the platform act on the call and returns its answer, which the fault then mangles.
func commit(platform http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	platform.ServeHTTP(rec, r)
	return rec
}

// resetMidBody lets the platform act, then sends the status, the headers and half the body it promised,
// and closes the connection.
func resetMidBody(rw http.ResponseWriter, r *http.Request, platform http.Handler) {
	rec := commit(platform, r)
	body := rec.Body.Bytes()
	conn, buf, err := rw.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	writeHead(buf, rec, len(body))
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

func writeHead(buf *bufio.ReadWriter, rec *httptest.ResponseRecorder, length int) {
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	for k, vs := range rec.Header() {
		for _, v := range vs {
			fmt.Fprintf(buf, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(buf, "Content-Length: %d\r\n\r\n", length)
}

// truncatedJSON lets the platform act, then answers with its status and the first half of its body as
// a complete HTTP response: the JSON itself is cut, as by a broken proxy.
func truncatedJSON(rw http.ResponseWriter, r *http.Request, platform http.Handler) {
	rec := commit(platform, r)
	body := rec.Body.Bytes()
	for k, vs := range rec.Header() {
		rw.Header()[k] = vs
	}
	rw.WriteHeader(rec.Code)
	_, _ = rw.Write(body[:len(body)/2])
}

// stallAfterCommit lets the platform act and never answers: the client's per-request timeout ends it.
func stallAfterCommit(rw http.ResponseWriter, r *http.Request, platform http.Handler) {
	commit(platform, r)
	stall(r)
}

// stallBeforeCommit holds the request until the client gives up; the platform never sees it.
func stallBeforeCommit(rw http.ResponseWriter, r *http.Request, _ http.Handler) { stall(r) }

func stall(r *http.Request) {
	// The server notices a closed connection only once the handler has read the whole body.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done(): // the client timed out and closed the connection
	case <-time.After(applyDeadline): // never reached: a backstop so a broken client cannot wedge the server
	}
}

// every turns an inject function into a lasting fault on every call that is exactly "METHOD /path".
func (fr *faultRun) every(call string, f func(http.ResponseWriter, *http.Request, http.Handler)) func(http.ResponseWriter, *http.Request) bool {
	return func(rw http.ResponseWriter, r *http.Request) bool {
		if r.Method+" "+r.URL.Path != call {
			return false
		}
		fr.strike()
		f(rw, r, fr.e.platform)
		return true
	}
}

// engineFault is one case: arm injects the fault before the first run; advice, when set, says that run
// must end in a clear failure whose advice (Explain's second line) contains it, else the run must
// complete; check looks for the fault's own evidence.
type engineFault struct {
	name   string // fault/outcome
	config func(*aep.Config)
	arm    func(fr *faultRun)
	advice string
	check  func(t *testing.T, fr *faultRun)
}

func TestEngineFault(t *testing.T) {
	t.Parallel()
	cases := []engineFault{
		{
			name: "slow_response_past_timeout_on_tenant_read/retried_and_completes",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callTenant, stallBeforeCommit) },
			check: func(t *testing.T, fr *faultRun) {
				wantSent(t, fr, callTenant, 2)
			},
		},
		{
			name: "slow_response_past_timeout_after_dataset_create/adopted_without_duplicate",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callDataset, stallAfterCommit) },
			check: func(t *testing.T, fr *faultRun) {
				wantSent(t, fr, callDataset, 1) // found by name, not created again
			},
		},
		{
			name: "slow_response_past_timeout_before_source_create/created_once",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callSource, stallBeforeCommit) },
			check: func(t *testing.T, fr *faultRun) {
				wantSent(t, fr, callSource, 2) // looked up, nothing there, created
			},
		},
		{
			name: "slow_response_past_timeout_on_every_flow_create/fails_resumably_then_rerun_completes",
			arm: func(fr *faultRun) {
				fr.setFault(fr.every(callFlow, stallBeforeCommit))
			},
			advice: "run the same command again",
			check: func(t *testing.T, fr *faultRun) {
				wantSent(t, fr, callFlow, 0) // the gate answered both attempts; the platform saw none
				if _, fired := fr.counts(); fired != 2 {
					t.Errorf("%d flow creates sent, want 2 (one, then one more after the lookup)", fired)
				}
			},
		},
		{
			name: "reset_mid_body_on_tenant_read/retried_and_completes",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callTenant, resetMidBody) },
			check: func(t *testing.T, fr *faultRun) {
				wantSent(t, fr, callTenant, 2)
			},
		},
		{
			name: "reset_mid_body_on_flow_create/resumes_without_duplicate",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callFlow, resetMidBody) },
			check: func(t *testing.T, fr *faultRun) {
				wantSent(t, fr, callFlow, 1)
			},
		},
		{
			name: "truncated_JSON_on_mapping_set_create/adopted_without_duplicate",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callMappingSet, truncatedJSON) },
			check: func(t *testing.T, fr *faultRun) {
				wantSent(t, fr, callMappingSet, 1)
			},
		},
		{
			name: "truncated_JSON_on_every_tenant_read/fails_clearly_then_rerun_completes",
			arm: func(fr *faultRun) {
				fr.setFault(fr.every(callTenant, truncatedJSON))
			},
			advice: "run the same command again",
			check: func(t *testing.T, fr *faultRun) {
				if _, fired := fr.counts(); fired != 4 {
					t.Errorf("tenant read tried %d times, want the client's 4 attempts", fired)
				}
			},
		},
		{
			name: "429_with_Retry-After_on_flow_create/waited_as_told_and_created_once",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callFlow, refuse(http.StatusTooManyRequests, 7)) },
			check: func(t *testing.T, fr *faultRun) {
				wantWait(t, fr, 7*time.Second)
				wantSent(t, fr, callFlow, 2) // refused untouched, so repeated by the client itself
			},
		},
		{
			name: "503_with_Retry-After_on_mapping_validation/waited_as_told_and_completes",
			arm:  func(fr *faultRun) { fr.e.wire.breakWith(callValidate, refuse(http.StatusServiceUnavailable, 4)) },
			check: func(t *testing.T, fr *faultRun) {
				wantWait(t, fr, 4*time.Second)
				wantSent(t, fr, callValidate, 2)
			},
		},
		{
			// A 503 on a create is an unknown outcome; the engine's lookup meets the same outage and waits
			// as told, so the second create goes out only after the wait.
			name: "503_outage_with_Retry-After_from_source_create/waited_as_told_and_created_once",
			arm: func(fr *faultRun) {
				var started atomic.Bool
				fr.setFault(func(rw http.ResponseWriter, r *http.Request) bool {
					call := r.Method + " " + r.URL.Path
					if call == callToken || strings.HasPrefix(r.URL.Path, "/collection/") {
						return false
					}
					if call == callSource {
						started.Store(true)
					}
					if !started.Load() || slices.ContainsFunc(fr.waited(), func(d time.Duration) bool { return d >= 9*time.Second }) {
						return false
					}
					fr.strike()
					refuse(http.StatusServiceUnavailable, 9)(rw, r, nil)
					return true
				})
			},
			check: func(t *testing.T, fr *faultRun) {
				wantWait(t, fr, 9*time.Second)
				if _, fired := fr.counts(); fired < 2 {
					t.Errorf("the outage answered %d calls, want the create and the lookup at least", fired)
				}
			},
		},
		{
			name: "503_on_every_flow_create/fails_resumably_then_rerun_completes",
			arm: func(fr *faultRun) {
				fr.setFault(fr.every(callFlow, refuse(http.StatusServiceUnavailable, 0)))
			},
			advice: "run the same command again",
			check: func(t *testing.T, fr *faultRun) {
				if _, fired := fr.counts(); fired != 2 {
					t.Errorf("%d flow creates sent, want 2 (one, then one more after the lookup)", fired)
				}
			},
		},
		{
			name: "token_expires_mid_apply_at_flow_create/renewed_once_and_completes",
			arm: func(fr *faultRun) {
				fr.e.wire.breakWith(callFlow, func(rw http.ResponseWriter, r *http.Request, _ http.Handler) {
					fr.expire(r, 25*time.Hour) // sent with the token that just expired: the gateway refuses it
					gatewayRefusal(rw)
				})
			},
			check: func(t *testing.T, fr *faultRun) {
				tokens, refused := fr.counts()
				if tokens != 2 {
					t.Errorf("%d token requests, want 2 (the first, and one renewal)", tokens)
				}
				if refused != 0 {
					t.Errorf("%d calls went out with the expired token after it was refused", refused)
				}
				wantSent(t, fr, callFlow, 2) // refused by the gateway untouched, so repeated with the new token
			},
		},
		{
			name: "token_refused_on_every_call/fails_with_the_credential_hint_then_rerun_completes",
			arm: func(fr *faultRun) {
				fr.setFault(func(rw http.ResponseWriter, r *http.Request) bool {
					if !strings.HasPrefix(r.URL.Path, "/data/") {
						return false
					}
					fr.strike()
					gatewayRefusal(rw)
					return true
				})
			},
			advice: "check the organization id",
			check: func(t *testing.T, fr *faultRun) {
				if tokens, _ := fr.counts(); tokens != 2 {
					t.Errorf("%d token requests, want 2 (renewed once, then gave up)", tokens)
				}
			},
		},
		{
			name:   "DNS_failure_of_the_IMS_host/fails_naming_the_host_then_rerun_completes",
			config: func(c *aep.Config) { c.IMSURL = "http://ims.cioaep-fault.invalid" },
			advice: "ims.cioaep-fault.invalid cannot be found",
			check: func(t *testing.T, fr *faultRun) {
				if n := len(fr.e.wire.log()); n != 0 {
					t.Errorf("%d Platform calls went out without a token: %v", n, fr.e.wire.log())
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runEngineFault(t, c)
		})
	}
}

// runEngineFault runs one case: the faulted apply, its verdict, then a re-run on a healthy network with
// a fresh client (a new cioaep process) and the same state directory, then the census.
func runEngineFault(t *testing.T, c engineFault) {
	e := newEnv(t)
	fr := &faultRun{e: e, state: t.TempDir(), now: time.Now(), expired: map[string]bool{}}
	cfg := e.config()
	cfg.Retry.Timeout = requestTimeout
	cfg.Retry.Max = time.Minute // let a Retry-After through uncapped: the waits are recorded, not slept
	cfg.Retry.Sleep = fr.sleep
	cfg.Now = fr.clock
	if c.config != nil {
		c.config(&cfg)
	}
	if c.arm != nil {
		c.arm(fr)
	}
	e.wire.setGate(fr.gate) // after arm: the wire's lock orders what arm wrote before every request

	ctx, cancel := context.WithTimeout(context.Background(), applyDeadline)
	defer cancel()
	first, firstErr := flow.NewSession(aep.New(cfg), fr.state).Apply(ctx, newSchemaPlan(), nil)
	if ctx.Err() != nil {
		t.Fatalf("the faulted apply ran into the %s deadline (a hang): %v", applyDeadline, firstErr)
	}
	_, fired := fr.counts()
	if e.wire.hitCall() == "" && fired == 0 && c.config == nil {
		t.Fatalf("the fault never struck: calls %v", e.wire.log())
	}
	switch {
	case c.advice != "" && firstErr == nil:
		t.Fatalf("the faulted apply completed; this fault should end in a clear failure")
	case c.advice != "":
		explained(t, firstErr, c.advice)
	case firstErr != nil:
		t.Fatalf("the faulted apply failed: %s", flow.Explain(firstErr))
	}
	if c.check != nil { // before the census, whose own client would add to the wire's counts
		c.check(t, fr)
	}
	if firstErr == nil {
		checkCensus(t, e, first.SchemaID)
	}

	e.wire.breakAt(0, 0)
	fr.setFault(nil)
	ctx2, cancel2 := context.WithTimeout(context.Background(), applyDeadline)
	defer cancel2()
	again, err := e.session(fr.state).Apply(ctx2, newSchemaPlan(), nil)
	if err != nil {
		t.Fatalf("the re-run without the fault failed: %s (first run: %v)", flow.Explain(err), firstErr)
	}
	if firstErr == nil {
		if len(again.Created) != 0 {
			t.Errorf("the re-run created %v after a completed apply", again.Created)
		}
		if again.WebhookURL != first.WebhookURL {
			t.Errorf("the re-run moved the endpoint: %s → %s", first.WebhookURL, again.WebhookURL)
		}
	}
	checkCensus(t, e, again.SchemaID)
	if t.Failed() {
		t.Logf("calls of the last run: %v; first run: %v", e.wire.log(), firstErr)
	}
}

// explained checks a failure reads as issue 8 asks: what happened, then a line of advice containing
// advice (case aside), with no Go internals. That the advice works is the re-run's job.
func explained(t *testing.T, err error, advice string) {
	t.Helper()
	msg := flow.Explain(err)
	what, next, ok := strings.Cut(msg, "\n")
	if !ok || strings.TrimSpace(what) == "" {
		t.Fatalf("Explain gives no advice after what happened: %q", msg)
	}
	if !strings.Contains(strings.ToLower(next), strings.ToLower(advice)) {
		t.Errorf("Explain's advice %q does not say %q", next, advice)
	}
	for _, internal := range []string{"goroutine", "panic", ".go:", "%!"} {
		if strings.Contains(msg, internal) {
			t.Errorf("Explain shows internals (%q): %q", internal, msg)
		}
	}
	t.Logf("explained as: %s", msg)
}

// wantSent checks how many times call is in the wire's log: every Platform call except those a gate
// answered (a call broken by breakWith is logged, whether or not the platform then saw it).
func wantSent(t *testing.T, fr *faultRun, call string, want int) {
	t.Helper()
	n := 0
	for _, c := range fr.e.wire.log() {
		if c == call {
			n++
		}
	}
	if n != want {
		t.Errorf("%s went past the gate %d times, want %d", call, n, want)
	}
}

// wantWait checks the client was asked to wait exactly what the server's Retry-After said.
func wantWait(t *testing.T, fr *faultRun, d time.Duration) {
	t.Helper()
	if w := fr.waited(); !slices.Contains(w, d) {
		t.Errorf("waits %v, want one of %v (the Retry-After)", w, d)
	}
}
