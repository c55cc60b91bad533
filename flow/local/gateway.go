package local

import (
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// call is what the gateway learned about an authenticated Platform request.
type call struct {
	ClientID string
	OrgID    string
	Sandbox  sandbox
}

// orgIDPattern is the form of an organization id: 24 hexadecimal characters and @AdobeOrg.
var orgIDPattern = regexp.MustCompile(`^[0-9A-Fa-f]{24}@AdobeOrg$`)

// handler is a Platform endpoint behind the gateway.
type handler func(w http.ResponseWriter, r *http.Request, c *call)

// gateway performs Adobe's API gateway checks in Adobe's order (token, API key, organization, sandbox)
// and answers each failure with the gateway's own error body. needSandbox is false for the sandbox list,
// which Adobe serves without x-sandbox-name.
func (p *Platform) gateway(needSandbox bool, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			gatewayError(w, http.StatusForbidden, "403010", "Oauth token is missing.")
			return
		}
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			token, ok = strings.CutPrefix(auth, "bearer ")
		}
		clientID, valid := p.verifyToken(strings.TrimSpace(token), time.Now())
		if !ok || !valid {
			gatewayError(w, http.StatusUnauthorized, "401013", "Oauth token is not valid")
			return
		}
		key := r.Header.Get("x-api-key")
		if key == "" {
			gatewayError(w, http.StatusForbidden, "403000", "Api Key is required")
			return
		}
		if key != clientID {
			gatewayError(w, http.StatusForbidden, "403003", "Api Key is invalid")
			return
		}
		org := r.Header.Get("x-gw-ims-org-id")
		if org == "" {
			gatewayError(w, http.StatusBadRequest, "400003", "Missing header")
			return
		}
		if !orgIDPattern.MatchString(org) {
			gatewayError(w, http.StatusForbidden, "403027", "User region is missing")
			return
		}
		c := &call{ClientID: clientID, OrgID: org}
		if needSandbox {
			// Without the header Adobe uses the organization's default sandbox; an unknown or mistyped
			// name is refused the way Adobe refuses a sandbox the credential has no role for.
			name := r.Header.Get("x-sandbox-name")
			sb, found := defaultSandbox(), true
			if name != "" {
				sb, found = lookupSandbox(name)
			}
			if !found {
				gatewayError(w, http.StatusForbidden, "403025", "Profile is not valid")
				return
			}
			c.Sandbox = sb
		}
		if hasBody(r) && !jsonContent(r.Header.Get("Content-Type")) {
			writeJSON(w, http.StatusBadRequest, map[string]any{
				"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
				"detail": "A valid content-type must be specified",
			})
			return
		}
		h(w, r, c)
	}
}

// hasBody reports whether a request is a write that carries a body.
func hasBody(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return r.ContentLength != 0
	}
	return false
}

// jsonContent accepts application/json and its +json relatives (json-patch+json).
func jsonContent(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
