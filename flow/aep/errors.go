package aep

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/cioaep/cioaep/flow/safetext"
)

// ErrAmbiguous marks a create or change whose outcome is unknown: the request left this process but
// no usable answer came back (connection dropped, timeout, a 5xx). The platform may have acted on it.
// Callers look the resource up by name before trying again; the client never repeats it by itself.
var ErrAmbiguous = errors.New("the platform may or may not have done it")

// ErrNotFound matches an *Error with status 404 (errors.Is(err, aep.ErrNotFound)).
var ErrNotFound = errors.New("not found")

// Error is a non-2xx answer from any Platform service or IMS, decoded from whichever error shape that
// service uses (gateway, Flow Service, Schema Registry, inlet, OAuth).
type Error struct {
	Status    int    // HTTP status
	Code      string // "401013", "FLOW-1404-412", "XDM-1007-400", "1425-400", "invalid_client", …
	Title     string
	Detail    string
	RequestID string // from the body or the x-request-id header: quote it to Adobe support
	Method    string // what was being done
	URL       string
	Sandbox   string // the sandbox the request was scoped to; empty for IMS and the sandbox list
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	msg := e.Title
	if e.Detail != "" && e.Detail != e.Title {
		if msg != "" {
			msg += ": "
		}
		msg += e.Detail
	}
	if msg != "" {
		b.WriteString(": " + msg)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	return b.String()
}

// Is lets callers write errors.Is(err, aep.ErrNotFound).
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// HasCode reports whether the error's code is code or ends with it, so "1425-400" matches Flow
// Service's "FLOW-1425-400" and "XDM-1007" matches "XDM-1007-400".
func (e *Error) HasCode(code string) bool {
	if e.Code == "" || code == "" {
		return false
	}
	return e.Code == code || strings.HasSuffix(e.Code, "-"+code) || strings.HasPrefix(e.Code, code+"-")
}

// Hint is one sentence telling the user what to do about this error, or "" when there is nothing more
// useful to say than the error itself.
func (e *Error) Hint() string {
	switch {
	case e.Code == "invalid_client" || e.Code == "unauthorized_client":
		return "Adobe rejected this client id and secret: check them on the credential page in Developer Console."
	case e.Code == "invalid_scope":
		return "Adobe rejected the scopes: copy the exact scope string from the credential page in Developer Console."
	case e.HasCode("401013"):
		return "Adobe did not accept the access token even after renewing it: check the organization id and that the credential is not revoked, then retry."
	case e.HasCode("403025") && e.Sandbox != "":
		// The gateway answers an unknown sandbox name exactly like a sandbox outside the credential's profile.
		return fmt.Sprintf("Adobe does not let this credential use the sandbox %q: check the name (pick one from the sandbox list) and that the credential's product profile or role includes this sandbox.", e.Sandbox)
	case e.HasCode("403025"):
		return "Adobe says this credential's product profile is not valid: in Developer Console add the Experience Platform API with a product profile, then retry."
	case e.HasCode("403027"):
		return "Adobe found no Experience Platform access for this organization: check the organization id and that the credential's project has an Experience Platform product profile."
	case e.HasCode("403010") || e.HasCode("403000") || e.HasCode("403003"):
		return "Adobe rejected the credential's API key: check the client id on the credential page in Developer Console."
	case e.unknownSandbox():
		return fmt.Sprintf("The sandbox %q does not exist or this credential cannot see it: pick one from the sandbox list (sandbox names are lower case).", e.Sandbox)
	case e.Status == http.StatusForbidden && e.Sandbox != "":
		return fmt.Sprintf("This credential has no permission for this in sandbox %q: in Adobe Experience Platform → Permissions, add the API credential to a role that includes the sandbox and the needed resources (schemas, datasets, sources).", e.Sandbox)
	case e.HasCode("XDM-1007"):
		return "The Schema Registry wants a versioned Accept header: this is a cioaep bug, please report it with the request id."
	case e.HasCode("1404-412"):
		return "The dataflow changed since it was read: read it again and reapply the change."
	case e.HasCode("1425-400"):
		return "The mapping and the target dataset use different schemas: pick a dataset on the mapping's schema, or remap to the dataset's schema."
	case e.HasCode("1410-400"):
		return "The dataflow request carried a state on create: this is a cioaep bug, please report it with the request id."
	case e.Status == http.StatusTooManyRequests:
		return "Adobe is rate limiting this client: wait a minute and retry."
	case e.Status >= 500:
		return "Adobe's service is failing right now: retry in a few minutes; re-running setup resumes where it stopped."
	}
	return ""
}

var sandboxRe = regexp.MustCompile(`(?i)sandbox\b.{0,60}\b(not found|does not exist|doesn't exist|not exist|invalid|unknown|not valid)|(invalid|unknown|unable to find|cannot find|could not find|no such)\s+sandbox`)

func (e *Error) unknownSandbox() bool {
	if e.Sandbox == "" {
		return false
	}
	return sandboxRe.MatchString(e.Title) || sandboxRe.MatchString(e.Detail)
}

// Hint returns the user-facing advice for any error the client returns: an *Error's Hint, or advice
// for ambiguous outcomes, timeouts and unreachable hosts. "" means the error says it all.
func Hint(err error) string {
	var ae *Error
	if errors.As(err, &ae) {
		if h := ae.Hint(); h != "" && !errors.Is(err, ErrAmbiguous) {
			return h
		}
	}
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var ne *NetError
	var answer *AnswerError
	who, local := party(err)
	const points = "CIOAEP_PLATFORM_URL / CIOAEP_IMS_URL if you set them"
	switch {
	case errors.Is(err, ErrAmbiguous):
		return "The platform may have made this already: run the same command again; it finds what exists by name before creating anything."
	case errors.As(err, &answer) && answer.Limit > 0:
		return fmt.Sprintf("Adobe never sends that much here: something else may be answering in its place (check %s, and any proxy), or the service is failing; retry in a few minutes.", points)
	case errors.As(err, &answer):
		return fmt.Sprintf("The connection broke in the middle of the answer: check the network connection (and any proxy, and %s), then retry.", points)
	case errors.Is(err, context.Canceled):
		return ""
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Sprintf("The host %s cannot be found: check the network connection, and %s.", dns.Name, points)
	case errors.As(err, &cert):
		return "The server's certificate could not be verified: if a company proxy inspects TLS, add its certificate authority to the system's trust store."
	case local && errors.As(err, &ne):
		return fmt.Sprintf("%s could not be reached: start it with cioaep local serve (or run with --local), or point CIOAEP_PLATFORM_URL at the one that runs.", upper(who))
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s did not answer in time: check the network connection (and %s), then retry.", upper(who), points)
	case errors.As(err, &ne):
		return fmt.Sprintf("%s could not be reached: check the network connection (and any proxy, and %s), then retry.", upper(who), points)
	}
	return ""
}

// party names who did not answer, from the address the request went to, so a message blames the right
// party: Adobe, the local platform (a loopback address) or whatever host the settings point at.
func party(err error) (who string, local bool) {
	var ne *NetError
	var gave *GaveUpError
	switch {
	case errors.As(err, &ne):
		return partyAt(ne.URL)
	case errors.As(err, &gave):
		return partyAt(gave.URL)
	}
	return "Adobe", false
}

// partyAt names who answers at rawURL, as party does.
func partyAt(rawURL string) (who string, local bool) {
	u, perr := url.Parse(rawURL)
	if perr != nil || u.Hostname() == "" {
		return "Adobe", false
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return "the local platform at " + u.Host, true
	}
	for _, adobe := range []string{".adobe.io", ".adobelogin.com", ".adobedc.net", ".adobe.com"} {
		if strings.HasSuffix("."+host, adobe) {
			return "Adobe (" + host + ")", false
		}
	}
	return "the host " + host, false
}

// upper starts a sentence with a capital letter.
func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ambiguousError carries the cause of an unknown outcome and matches ErrAmbiguous. Every cause names
// the request already.
type ambiguousError struct{ cause error }

func ambiguous(cause error) error { return &ambiguousError{cause} }

func (e *ambiguousError) Error() string {
	return e.cause.Error() + " (" + ErrAmbiguous.Error() + ")"
}
func (e *ambiguousError) Unwrap() []error { return []error{ErrAmbiguous, e.cause} }

// decodeError builds an *Error from a non-2xx answer, scrubbed of secrets and terminal escapes.
func (c *Client) decodeError(r request, resp *response) *Error {
	e := DecodeError(resp.status, resp.header, resp.body)
	e.Method, e.URL = r.method, c.display(r)
	if !r.noAuth && !r.noSandbox {
		e.Sandbox = c.sandbox
	}
	for _, f := range []*string{&e.Code, &e.Title, &e.Detail, &e.RequestID} {
		*f = c.shared.trace.redactString(*f)
	}
	return e
}

// DecodeError reads any Platform or IMS error body. It never fails: garbage, HTML from a proxy or an
// empty body still yield an *Error with the status and whatever could be read. Strings are stripped of
// control characters because they end up on a terminal.
func DecodeError(status int, header http.Header, body []byte) *Error {
	e := &Error{Status: status}
	var v any
	if json.Unmarshal(body, &v) == nil {
		if arr, ok := v.([]any); ok && len(arr) > 0 {
			v = arr[0] // some gateways wrap the error in a list
		}
		if m, ok := v.(map[string]any); ok {
			fill(e, m)
		}
	} else if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "<") {
		e.Detail = s // plain text; HTML error pages say nothing useful
	}
	if e.RequestID == "" && header != nil {
		e.RequestID = header.Get("x-request-id")
	}
	e.Code = clean(e.Code, 80)
	e.Title = clean(e.Title, 300)
	e.Detail = clean(e.Detail, 1000)
	e.RequestID = clean(e.RequestID, 120)
	return e
}

// codeRe recognises the codes Adobe puts at the end of a problem "type" URI.
var codeRe = regexp.MustCompile(`(?:[A-Z]+-)?\d+(?:-\d+)*$`)

func fill(e *Error, m map[string]any) {
	report, _ := m["report"].(map[string]any)
	e.Code = first(str(m["error_code"]), str(m["errorCode"]), str(m["code"]), str(m["error"]))
	if e.Code == "" {
		if t := str(m["type"]); t != "" {
			e.Code = codeRe.FindString(t[strings.LastIndexAny(t, "/#")+1:])
		}
	}
	e.Title = str(m["title"])
	e.Detail = first(str(m["detail"]), str(report["detailed-message"]), str(m["errorMessage"]),
		str(m["message"]), str(m["error_description"]), str(report["message"]))
	if e.Title == "" && e.Detail != str(m["message"]) {
		e.Title = str(m["message"])
	}
	if cause := first(causes(report["cause"]), causes(report["sub-errors"]), causes(m["errorDetails"])); cause != "" {
		e.Detail = strings.TrimSpace(e.Detail + " — " + cause)
	}
	e.RequestID = first(str(report["request-id"]), str(m["request-id"]), str(m["requestId"]), str(m["request_id"]))
}

// causes summarises nested validation errors (inlet _streamingValidation, Schema Registry sub-errors)
// as the human-readable strings they contain.
func causes(v any) string {
	var out []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 6 || len(out) >= 5 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if s := first(str(x["message"]), str(x["detail"]), str(x["errorMessage"]), str(x["title"])); s != "" {
				if p := first(str(x["path"]), str(x["field"])); p != "" {
					s = p + ": " + s
				}
				out = append(out, s)
				return
			}
			for _, k := range sortedKeys(x) {
				walk(x[k], depth+1)
			}
		case []any:
			for _, y := range x {
				walk(y, depth+1)
			}
		case string:
			out = append(out, x)
		}
	}
	walk(v, 0)
	return strings.Join(out, "; ")
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func first(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// clean sanitises a string the platform sent (the one sanitiser every output path uses), trims it and
// bounds its length.
func clean(s string, max int) string {
	s = strings.TrimSpace(safetext.Line(s))
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

func isStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}
