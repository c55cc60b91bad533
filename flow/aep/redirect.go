package aep

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/cioaep/cioaep/flow/safetext"
)

// RedirectError is an IMS or Platform answer that redirected elsewhere. The client never follows one:
// Go's client re-posts a 307's body (the client secret, on IMS) and keeps custom headers (x-api-key,
// the org id) on a redirect to another host, and Adobe's APIs do not redirect.
type RedirectError struct {
	Method string
	From   string // the address called
	To     string // where the answer pointed, without its query
	Status int
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s %s answered %d, a redirect to %s, which cioaep does not follow: it sends credentials only to the address it was given. If that address is right, set %s or %s to it",
		e.Method, e.From, e.Status, e.To, EnvIMSURL, EnvPlatformURL)
}

// withoutRedirects returns a copy of hc (sharing its transport) that stops at the first redirect.
func withoutRedirects(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		e := &RedirectError{Method: via[0].Method, From: bare(via[0].URL), To: bare(req.URL)}
		if req.Response != nil {
			e.Status = req.Response.StatusCode
		}
		return e
	}
	return &cp
}

// bare is u without its query and fragment, sanitised for printing.
func bare(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment, v.User = "", "", nil
	return safetext.Line(v.String())
}
