package flow

import (
	"slices"
	"strings"
	"testing"
)

// TestReadReply: every error shape Adobe documents reads as a summary and one line per field, never as
// JSON, and nothing from the body reaches the terminal unsanitised.
func TestReadReply(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		want   []string // Lines()
	}{
		{"inlet syncValidation (streaming-validation.md)", 400, `{
			"type": "http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet",
			"status": 400, "title": "Invalid XDM Message Format",
			"report": {
				"message": "inletId: [6aca7aa2] imsOrgId: [7BF122A65C5B3FE40A494026@AdobeOrg] Message is invalid",
				"cause": {"_streamingValidation": [{
					"schemaLocation": "#", "pointerToViolation": "#",
					"causingExceptions": [
						{"schemaLocation": "#", "pointerToViolation": "#", "causingExceptions": [], "keyword": "additionalProperties", "message": "extraneous key [workEmail] is not permitted"},
						{"schemaLocation": "#/properties/_id", "pointerToViolation": "#/_id", "causingExceptions": [], "keyword": "type", "message": "expected type: String, found: Long"},
						{"pointerToViolation": "#/web/webPageDetails/URL", "causingExceptions": [], "keyword": "format", "message": "[not a url] is not a valid URI"}
					],
					"message": "3 schema violations found"}]}}}`,
			[]string{"Invalid XDM Message Format", "`workEmail`: is not a field of this schema", "`_id`: expected type: String, found: Long",
				"`web.webPageDetails.URL`: [not a url] is not a valid URI"}},
		{"local platform, same shape", 400, `{"type":"https://ns.adobe.com/adobecloud/problem/data-collection-service/inlet","status":400,
			"title":"Invalid XDM Message Format","report":{"message":"inletId: [ab] imsOrgId: [x@AdobeOrg] Message is invalid","cause":{"_streamingValidation":[
			{"pointerToViolation":"#","message":"2 schema violations found","causingExceptions":[
			{"pointerToViolation":"#/_acme/customerio/url","message":"want an absolute URI such as https://example.com/x, got \"concat(a)\""},
			{"pointerToViolation":"#/timestamp","message":"want a date-time in RFC 3339 form such as 2024-05-01T12:00:00Z, got \"not-a-date\""}]}]}}}`,
			[]string{"Invalid XDM Message Format", "`_acme.customerio.url`: want an absolute URI such as https://example.com/x, got \"concat(a)\"",
				"`timestamp`: want a date-time in RFC 3339 form such as 2024-05-01T12:00:00Z, got \"not-a-date\""}},
		{"failed batch (retrieve-failed-batches.md)", 400, `{"_validationErrors":[{"causingExceptions":[],"keyword":"format",
			"message":"[2018-00-23T22:07:01Z] is not a valid date-time","pointerToViolation":"#/timestamp","schemaLocation":"#/properties/timestamp"}]}`,
			[]string{"HTTP 400", "`timestamp`: [2018-00-23T22:07:01Z] is not a valid date-time"}},
		{"required key (everit)", 400, `{"title":"Invalid XDM Message Format","report":{"message":"inlet validation failed","cause":{"_streamingValidation":[{"schemaLocation":"#","pointerToViolation":"#/_acme","keyword":"required","message":"required key [timestamp] not found"}]}}}`,
			[]string{"Invalid XDM Message Format", "`_acme.timestamp`: is required but missing"}},
		{"missing source name", 400, `{"_errors":{"_streamingValidation":[{"message":"Payload header is missing Source Name"}]}}`,
			[]string{"HTTP 400", "Payload header is missing Source Name"}},
		{"inlet without cause", 400, `{"type":"…/inlet","status":400,"title":"Invalid XDM Message Format","report":{"message":"inletId: [x] imsOrgId: [y@AdobeOrg] Message has unknown xdm format"}}`,
			[]string{"Invalid XDM Message Format: Message has unknown xdm format"}},
		{"inlet 401 with string status", 401, `{"type":"…/inlet","status":"401","title":"Unauthorized","report":{"message":"Customer.io signature check failed: the signing key differs"}}`,
			[]string{"Unauthorized: Customer.io signature check failed: the signing key differs"}},
		{"schema registry sub-errors", 400, `{"type":"http://ns.adobe.com/aep/errors/XDM-1521-400","title":"Invalid request","status":400,
			"report":{"detailed-message":"The request is not valid","sub-errors":[{"path":"/definitions/customFields/properties/email","message":"format is not allowed"}]},"detail":"The request is not valid"}`,
			[]string{"Invalid request", "`definitions.customFields.properties.email`: format is not allowed"}},
		{"flow service", 404, `{"type":"http://ns.adobe.com/aep/errors/FLOW-1439-404","title":"Not Found","status":404,
			"report":{"detailed-message":"Flow with id abc not found","request-id":"r1"},"errorMessage":"Flow with id abc not found","errorDetails":{}}`,
			[]string{"Not Found: Flow with id abc not found"}},
		{"gateway", 401, `{"error_code":"401013","message":"Oauth token is not valid"}`, []string{"Oauth token is not valid"}},
		{"HTML from a proxy", 502, `<html><body>Bad gateway</body></html>`, []string{"HTTP 502"}},
		{"plain text", 500, "upstream connect error\nsecond line", []string{"upstream connect error"}},
		{"hostile", 400, `{"title":"Bad \u001b]52;c;ZXZpbA==\u0007thing","report":{"cause":{"_streamingValidation":[{"pointerToViolation":"#/a\u202eb","message":"x\u001b[2Jy"}]}}}`,
			[]string{"Bad thing", "`ab`: xy"}},
	}
	for _, c := range cases {
		got := ReadReply(c.status, []byte(c.body)).Lines()
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
		for _, l := range got {
			if strings.ContainsAny(l, "{}") && !strings.Contains(c.body, "{}") || strings.ContainsRune(l, 0x1b) {
				t.Errorf("%s: line %q is not for people", c.name, l)
			}
		}
	}
}

// TestReadReplyBounded: an answer with hundreds of violations adds a bounded number of lines.
func TestReadReplyBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"title":"Invalid XDM Message Format","report":{"cause":{"_streamingValidation":[`)
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"pointerToViolation":"#/f` + strings.Repeat("x", i%7) + `/` + string(rune('a'+i%26)) + `","message":"bad ` + strings.Repeat("y", i) + `"}`)
	}
	b.WriteString(`]}}}`)
	r := ReadReply(400, []byte(b.String()))
	if len(r.Problems) != maxReplyProblems || r.More != 300-maxReplyProblems {
		t.Fatalf("%d problems, %d more", len(r.Problems), r.More)
	}
	if last := r.Lines()[len(r.Lines())-1]; last != "… and 288 more" {
		t.Errorf("last line %q", last)
	}
}
