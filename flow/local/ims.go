package local

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// tokenLifetime matches IMS: about 24 hours.
const tokenLifetime = 86399 * time.Second

// IMS answers POST /ims/token/v3 like Adobe's OAuth Server-to-Server endpoint. Tokens are JWT-shaped and
// signed with a key kept in the database, so they stay valid across restarts of `local serve` and need no
// lookup on every call.
func (p *Platform) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be form-encoded (Content-Type: application/x-www-form-urlencoded)")
		return
	}
	f := r.PostForm
	if gt := f.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	id, secret := f.Get("client_id"), f.Get("client_secret")
	switch {
	case id == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "missing client_id parameter")
		return
	case secret == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "missing client_secret parameter")
		return
	case f.Get("scope") == "":
		oauthError(w, http.StatusBadRequest, "invalid_scope", "missing scope parameter")
		return
	}
	if p.cfg.ClientID != "" && p.cfg.ClientSecret != "" {
		if id != p.cfg.ClientID {
			oauthError(w, http.StatusBadRequest, "invalid_client", "invalid client_id parameter")
			return
		}
		if subtle.ConstantTimeCompare([]byte(secret), []byte(p.cfg.ClientSecret)) != 1 {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "invalid client_secret parameter")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": p.issueToken(id, time.Now()),
		"token_type":   "bearer",
		"expires_in":   int(tokenLifetime / time.Second),
	})
}

// oauthError is IMS's OAuth-style error body.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// tokenClaims are the fields of an access token that the gateway checks. created_at and expires_in are
// milliseconds as strings, as in Adobe's tokens.
type tokenClaims struct {
	ClientID  string `json:"client_id"`
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
	ExpiresIn string `json:"expires_in"`
}

var b64 = base64.RawURLEncoding

// issueToken signs a token for clientID.
func (p *Platform) issueToken(clientID string, now time.Time) string {
	header := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","x5u":"cioaep-local"}`))
	claims, _ := json.Marshal(tokenClaims{
		ClientID:  clientID,
		Type:      "access_token",
		CreatedAt: strconv.FormatInt(now.UnixMilli(), 10),
		ExpiresIn: strconv.FormatInt(tokenLifetime.Milliseconds(), 10),
	})
	body := header + "." + b64.EncodeToString(claims)
	return body + "." + b64.EncodeToString(p.sign(body))
}

// verifyToken returns the client id a token was issued to, or false when it is forged, garbled or expired.
func (p *Platform) verifyToken(token string, now time.Time) (string, bool) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", false
	}
	sig, err := b64.DecodeString(token[i+1:])
	if err != nil || !hmac.Equal(sig, p.sign(token[:i])) {
		return "", false
	}
	parts := strings.Split(token[:i], ".")
	if len(parts) != 2 {
		return "", false
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var c tokenClaims
	if json.Unmarshal(raw, &c) != nil || c.ClientID == "" {
		return "", false
	}
	created, err1 := strconv.ParseInt(c.CreatedAt, 10, 64)
	life, err2 := strconv.ParseInt(c.ExpiresIn, 10, 64)
	if err1 != nil || err2 != nil || now.UnixMilli() >= created+life {
		return "", false
	}
	return c.ClientID, true
}

func (p *Platform) sign(s string) []byte {
	m := hmac.New(sha256.New, p.signKey)
	m.Write([]byte(s))
	return m.Sum(nil)
}
