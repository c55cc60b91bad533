package cio

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/assets"
)

// receiver is an endpoint that checks requests the way a careful Customer.io receiver would and records
// what it saw.
type receiver struct {
	t      *testing.T
	key    []byte
	status int
	reply  string
	got    chan *http.Request
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Error(err)
	}
	if err := Verify(rc.key, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, time.Now(), time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if _, err := DecodeEvent(body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want POST application/json, got "+r.Method+" "+r.Header.Get("Content-Type"), http.StatusBadRequest)
		return
	}
	rc.got <- r
	w.WriteHeader(rc.status)
	io.WriteString(w, rc.reply)
}

func newReceiver(t *testing.T, status int, reply string) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, key: []byte("signing-key"), status: status, reply: reply, got: make(chan *http.Request, 1)}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func TestSendSignsLikeCustomerIO(t *testing.T) {
	t.Parallel()
	rc, srv := newReceiver(t, http.StatusOK, `{"inletId":"9f3c","xactionId":"1690","receivedTimeMs":1732780800123}`)
	s := &Sender{Key: rc.key, SyncValidation: true}
	res, err := s.Send(context.Background(), srv.URL+"/collection/9f3c?x-adobe-flow-id=0fc6b2a4-3c0a-4f7e-9d1e-5c0b9a7e2f11", readBody(t, "spec-email-sent.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Status != 200 || !strings.Contains(res.Body, `"xactionId":"1690"`) || res.Duration <= 0 {
		t.Fatalf("result %+v", res)
	}
	r := <-rc.got
	if q := r.URL.Query(); q.Get("x-adobe-flow-id") != "0fc6b2a4-3c0a-4f7e-9d1e-5c0b9a7e2f11" || q.Get("syncValidation") != "true" || r.URL.Path != "/collection/9f3c" {
		t.Fatalf("request URL %s", r.URL)
	}
}

// TestSendEverySample posts each embedded sample to a verifying receiver, as `cioaep send-test --all` does.
func TestSendEverySample(t *testing.T) {
	t.Parallel()
	rc, srv := newReceiver(t, http.StatusOK, "{}")
	s := &Sender{Key: rc.key}
	for _, smp := range assets.Samples() {
		res, err := s.Send(context.Background(), srv.URL, smp.Body)
		if err != nil || !res.OK() {
			t.Fatalf("%s %s: %+v, %v", smp.ObjectType, smp.Metric, res, err)
		}
		<-rc.got
	}
}

func TestSendWithoutSyncValidationKeepsTheURL(t *testing.T) {
	t.Parallel()
	rc, srv := newReceiver(t, http.StatusAccepted, "")
	s := &Sender{Key: rc.key}
	if _, err := s.Send(context.Background(), srv.URL+"/collection/abc?x-adobe-flow-id=f1", minimalEvent); err != nil {
		t.Fatal(err)
	}
	if r := <-rc.got; r.URL.RawQuery != "x-adobe-flow-id=f1" {
		t.Fatalf("query %q", r.URL.RawQuery)
	}
}

func TestSendWrongKeyIsAReplyNotAnError(t *testing.T) {
	t.Parallel()
	_, srv := newReceiver(t, http.StatusOK, "")
	res, err := (&Sender{Key: []byte("other")}).Send(context.Background(), srv.URL, readBody(t, "spec-email-sent.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "signing key differs") {
		t.Fatalf("result %+v", res)
	}
}

func TestSendErrorReplyIsShortAndClean(t *testing.T) {
	t.Parallel()
	hostile := "\x1b]0;pwned\x07\x1b[2J" + strings.Repeat("bad record\r\n", 500)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, hostile, http.StatusBadRequest)
	}))
	defer srv.Close()
	res, err := (&Sender{}).Send(context.Background(), srv.URL, minimalEvent)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 400 || len([]rune(res.Body)) > summaryRunes || strings.ContainsAny(res.Body, "\x1b\x07\r\n") || !strings.HasPrefix(res.Body, "bad record bad record") || !strings.HasSuffix(res.Body, "…") {
		t.Fatalf("body %q", res.Body)
	}
}

func TestSendReportsRedirectsWithoutFollowing(t *testing.T) {
	t.Parallel()
	followed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			followed = true
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}))
	defer srv.Close()
	res, err := (&Sender{HTTP: srv.Client()}).Send(context.Background(), srv.URL+"/collection/x", minimalEvent)
	if err != nil || res.OK() || res.Status != http.StatusFound || followed {
		t.Fatalf("result %+v, err %v, followed %v", res, err, followed)
	}
}

func TestSendTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	_, err := (&Sender{Timeout: 50 * time.Millisecond}).Send(context.Background(), srv.URL, minimalEvent)
	if err == nil || !strings.Contains(err.Error(), "did not answer within 50ms") {
		t.Fatalf("err = %v", err)
	}
}

var minimalEvent = []byte(`{"event_id":"01JDQ7ZK3M8X4T2V9B6N1C5R0H","object_type":"email","metric":"sent","timestamp":1732780800,"data":{}}`)

func TestSendRefusesWhatCustomerIODoesNotSend(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("a request arrived")
	}))
	defer srv.Close()
	for body, want := range map[string]string{
		"[" + string(minimalEvent) + "]": "refusing to send: not a Customer.io event: this is a JSON array",
		`{"event_id":"x"}`:               "refusing to send: not a Customer.io event: missing object_type",
	} {
		if _, err := (&Sender{}).Send(context.Background(), srv.URL, []byte(body)); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Send(%s) = %v", body, err)
		}
	}
}

func TestSendRefusesABadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "ftp://example.com/x", "not a url\x1b[2J", "http://"} {
		_, err := (&Sender{}).Send(context.Background(), u, minimalEvent)
		if err == nil || !strings.Contains(err.Error(), "is not an http(s) URL") || strings.ContainsRune(err.Error(), 0x1b) {
			t.Errorf("Send(%q) = %v", u, err)
		}
	}
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := (&Sender{}).Send(context.Background(), url, minimalEvent)
	if err == nil || !strings.Contains(err.Error(), "check the URL and that the endpoint is reachable") {
		t.Fatalf("err = %v", err)
	}
}
