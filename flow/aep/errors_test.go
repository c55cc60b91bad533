package aep_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/cioaep/cioaep/flow/aep"
)

// Error bodies as platform.md quotes them, one per service shape.
var errorBodies = map[string]string{
	"gateway 401013":  `{"error_code":"401013","message":"Oauth token is not valid"}`,
	"gateway 403025":  `{"error_code":"403025","message":"Profile is not valid"}`,
	"gateway 403027":  `{"error_code":"403027","message":"User region is missing"}`,
	"flow service":    `{"type":"https://ns.adobe.com/aep/errors/FLOW-1439-404","title":"Resource not found","status":404,"report":{"detailed-message":"Flow with id f-1 not found","request-id":"rq-flow-1"},"errorMessage":"not found","errorDetails":{}}`,
	"flow 412":        `{"type":"https://ns.adobe.com/aep/errors/FLOW-1404-412","title":"Precondition failed","status":412,"report":{"detailed-message":"etag mismatch","request-id":"rq-2"}}`,
	"schema registry": `{"type":"http://ns.adobe.com/aep/errors/XDM-1006-400","title":"Bad request","status":400,"report":{"detailed-message":"The field group is invalid","sub-errors":[{"path":"/definitions/x","message":"Field names may not start with _"}]},"detail":"The field group is invalid"}`,
	"inlet 400":       `{"type":"https://ns.adobe.com/adobecloud/problem/data-collection-service/inlet","status":400,"title":"Invalid XDM Message Format","report":{"message":"inlet validation failed","cause":{"_streamingValidation":[{"schemaLocation":"#","keyword":"required","message":"required key [timestamp] not found"}]}}}`,
	"inlet 401":       `{"type":"https://ns.adobe.com/adobecloud/problem/data-collection-service/inlet","status":"401","title":"Unauthorized","report":{"message":"authentication required"}}`,
	"ims":             `{"error":"invalid_client","error_description":"invalid client_id parameter"}`,
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		header http.Header
		want   aep.Error
	}{
		{"gateway 401013", 401, errorBodies["gateway 401013"], nil, aep.Error{Status: 401, Code: "401013", Detail: "Oauth token is not valid"}},
		{"gateway 403027", 403, errorBodies["gateway 403027"], http.Header{"X-Request-Id": {"rq-hdr"}},
			aep.Error{Status: 403, Code: "403027", Detail: "User region is missing", RequestID: "rq-hdr"}},
		{"flow service", 404, errorBodies["flow service"], http.Header{"X-Request-Id": {"rq-hdr"}},
			aep.Error{Status: 404, Code: "FLOW-1439-404", Title: "Resource not found", Detail: "Flow with id f-1 not found", RequestID: "rq-flow-1"}},
		{"schema registry", 400, errorBodies["schema registry"], nil,
			aep.Error{Status: 400, Code: "XDM-1006-400", Title: "Bad request", Detail: "The field group is invalid — /definitions/x: Field names may not start with _"}},
		{"inlet 400", 400, errorBodies["inlet 400"], nil,
			aep.Error{Status: 400, Title: "Invalid XDM Message Format", Detail: "inlet validation failed — required key [timestamp] not found"}},
		{"inlet 401 string status", 401, errorBodies["inlet 401"], nil,
			aep.Error{Status: 401, Title: "Unauthorized", Detail: "authentication required"}},
		{"ims", 401, errorBodies["ims"], nil, aep.Error{Status: 401, Code: "invalid_client", Detail: "invalid client_id parameter"}},
		{"list wrapped", 400, `[{"code":"1425-400","message":"schema mismatch"}]`, nil, aep.Error{Status: 400, Code: "1425-400", Detail: "schema mismatch"}},
		{"html proxy page", 502, `<html><body>Bad Gateway</body></html>`, nil, aep.Error{Status: 502}},
		{"plain text", 503, "upstream connect error\n", nil, aep.Error{Status: 503, Detail: "upstream connect error"}},
		{"empty", 500, ``, nil, aep.Error{Status: 500}},
		{"terminal escapes stripped", 400, `{"title":"bad \u001b]52;c;ZXZpbA==\u0007name\u001b[2J\u202e"}`, nil, aep.Error{Status: 400, Title: "bad name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := aep.DecodeError(tc.status, tc.header, []byte(tc.body))
			if *got != tc.want {
				t.Errorf("got  %#v\nwant %#v", *got, tc.want)
			}
		})
	}
}

// TestHints maps every error case issue 3 lists to a message that tells the user what to do.
func TestHints(t *testing.T) {
	t.Parallel()
	gw := func(status int, body string) *aep.Error {
		e := aep.DecodeError(status, nil, []byte(body))
		e.Sandbox = "dev-1"
		return e
	}
	cases := []struct {
		name string
		err  error
		want string // what the hint must say
	}{
		{"401013 after renewal", gw(401, errorBodies["gateway 401013"]), "check the organization id"},
		{"403025 in a sandbox (unknown, or outside the profile)", gw(403, errorBodies["gateway 403025"]), `use the sandbox "dev-1": check the name (pick one from the sandbox list)`},
		{"403025 without a sandbox", aep.DecodeError(403, nil, []byte(errorBodies["gateway 403025"])), "add the Experience Platform API with a product profile"},
		{"403027 region missing", gw(403, errorBodies["gateway 403027"]), "check the organization id"},
		{"403 from a role without the sandbox", gw(403, `{"type":"https://ns.adobe.com/aep/errors/FLOW-1105-403","title":"Forbidden","report":{"detailed-message":"User does not have permission"}}`),
			`add the API credential to a role that includes the sandbox`},
		{"unknown sandbox", gw(400, `{"error_code":"400003","message":"Unable to find sandbox with name dev-1"}`), `pick one from the sandbox list`},
		{"unknown sandbox, problem form", gw(404, `{"title":"Sandbox dev-1 not found","status":404}`), `pick one from the sandbox list`},
		{"XDM-1007 accept header", gw(400, `{"type":"http://ns.adobe.com/aep/errors/XDM-1007-400","title":"Accept header is missing a version"}`), "Accept header"},
		{"FLOW-1404-412 stale etag", gw(412, errorBodies["flow 412"]), "read it again and reapply"},
		{"1425-400 schema mismatch", gw(400, `{"type":"https://ns.adobe.com/aep/errors/FLOW-1425-400","title":"Bad request"}`), "use different schemas"},
		{"IMS invalid_client", gw(401, errorBodies["ims"]), "Adobe rejected this client id and secret: check them on the credential page in Developer Console"},
		{"429", gw(429, ``), "wait a minute"},
		{"5xx", gw(503, ``), "resumes where it stopped"},
		{"wrapped", fmt.Errorf("creating the flow: %w", gw(412, errorBodies["flow 412"])), "read it again"},
		{"ambiguous", fmt.Errorf("x: %w", aep.ErrAmbiguous), "finds what exists by name"},
		{"no such host", &aep.NetError{Method: "POST", URL: "https://ims.invalid/ims/token/v3", Err: &net.DNSError{Name: "ims.invalid", Err: "no such host", IsNotFound: true}},
			"ims.invalid cannot be found"},
		{"timeout", context.DeadlineExceeded, "did not answer in time"},
		{"connection reset", &aep.NetError{Method: "GET", URL: "u", Err: errors.New("connection reset by peer")}, "could not be reached"},
		{"adobe timeout", &aep.NetError{Method: "GET", URL: "https://platform.adobe.io/data/foundation/catalog/dataSets", Err: context.DeadlineExceeded},
			"Adobe (platform.adobe.io) did not answer in time"},
		{"local platform down", &aep.NetError{Method: "GET", URL: "http://127.0.0.1:8790/data/foundation/catalog/dataSets", Err: errors.New("connect: connection refused")},
			"The local platform at 127.0.0.1:8790 could not be reached: start it with cioaep local serve (or run with --local), or point CIOAEP_PLATFORM_URL"},
		{"proxy host", &aep.NetError{Method: "GET", URL: "https://proxy.example.com/data", Err: errors.New("connection reset by peer")},
			"The host proxy.example.com could not be reached"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := aep.Hint(tc.err)
			if !strings.Contains(h, tc.want) {
				t.Errorf("Hint(%v) = %q, want it to say %q", tc.err, h, tc.want)
			}
		})
	}
	if h := aep.Hint(gw(400, `{"title":"nothing special"}`)); h != "" {
		t.Errorf("a plain 400 got a hint: %q", h)
	}
}

// FuzzDecodeError: no body, however broken, panics the decoder or puts a control character into
// text that reaches the terminal.
func FuzzDecodeError(f *testing.F) {
	for _, b := range errorBodies {
		f.Add(400, []byte(b))
	}
	f.Add(502, []byte(`<html>`))
	f.Add(400, []byte(`[[[[{"report":{"cause":[[["x"]]]}}]]]]`))
	f.Add(400, []byte(`{"type":"/","code":12,"report":"x","error_code":null}`))
	f.Add(0, []byte{0xff, 0xfe, 0x1b})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := aep.DecodeError(status, nil, body)
		if e.Status != status {
			t.Fatalf("status %d became %d", status, e.Status)
		}
		for _, s := range []string{e.Code, e.Title, e.Detail, e.RequestID, e.Error(), e.Hint()} {
			if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) }); i >= 0 {
				t.Fatalf("control character in %q", s)
			}
		}
	})
}

// FuzzMappingError: Data Prep's per-rule errors come as strings or objects of several shapes; none
// may panic the decoder or carry control characters to the terminal.
func FuzzMappingError(f *testing.F) {
	f.Add([]byte(`"unknown function foo"`))
	f.Add([]byte(`{"destination":"_acme.x","exception":"bad \u001b[31mred"}`))
	f.Add([]byte(`{"source":1,"message":["x"],"reason":{"a":1}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e aep.MappingError
		if err := json.Unmarshal(b, &e); err != nil {
			return
		}
		if i := strings.IndexFunc(e.String(), unicode.IsControl); i >= 0 {
			t.Fatalf("control character in %q", e.String())
		}
	})
}
