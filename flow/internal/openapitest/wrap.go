package openapitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Handler wraps a server under test: each request and the response h writes are checked against the
// operation the spec describes, and any mismatch fails t (with Errorf, so it is safe from the server's
// goroutines). The response still reaches the client unchanged.
func (s *Specs) Handler(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readAll(r.Body)
		if err != nil {
			t.Errorf("openapitest: reading the request body of %s %s: %v", r.Method, r.URL.Path, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		// The handler may have consumed the body; validation reads its own copy.
		s.check(t, server, exchange{req: r, reqBody: body, status: rec.code(), header: w.Header(), respBody: rec.body.Bytes()})
	})
}

// Transport wraps a client's transport (nil means http.DefaultTransport): each request the client sends
// and each response it receives are checked against the spec, failing t on a mismatch. The client reads
// the same response body it would have read without the wrapper.
func (s *Specs) Transport(t testing.TB, rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		body, err := readAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("openapitest: reading the request body: %w", err)
		}
		sent := r.Clone(r.Context())
		// A request without a body must stay without one: a non-nil empty body would go out chunked.
		if r.Body != nil && r.Body != http.NoBody {
			sent.Body = io.NopCloser(bytes.NewReader(body))
			sent.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := rt.RoundTrip(sent)
		if err != nil {
			return nil, err
		}
		respBody, err := readAll(resp.Body)
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
		s.check(t, client, exchange{req: sent, reqBody: body, status: resp.StatusCode, header: resp.Header, respBody: respBody})
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func readAll(rc io.ReadCloser) ([]byte, error) {
	if rc == nil || rc == http.NoBody {
		return nil, nil
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// recorder passes the response through while keeping a copy of the status and body to validate.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// Flush keeps streaming handlers working through the wrapper.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
