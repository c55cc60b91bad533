// Package cio is the Customer.io side of cioaep: it signs and verifies reporting-webhook requests the way
// Customer.io does, sends sample events exactly as Customer.io would, decodes events people load from files,
// and drives the App API to create the reporting webhook. It has no terminal code and no Platform code.
package cio

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names Customer.io puts on every reporting-webhook request.
const (
	HeaderTimestamp = "X-CIO-Timestamp"
	HeaderSignature = "X-CIO-Signature"
)

// DefaultTolerance is how far X-CIO-Timestamp may be from the verifier's clock when the caller passes no
// tolerance: wide enough for clock skew and a slow hop, narrow enough that a captured request cannot be
// replayed much later.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify, so a receiver can tell a tampered request from a stale or garbled one.
var (
	ErrMalformedTimestamp = errors.New("the X-CIO-Timestamp header is not Unix seconds")
	ErrMalformedSignature = errors.New("the X-CIO-Signature header is not a hex HMAC-SHA256")
	ErrSignatureMismatch  = errors.New("the X-CIO-Signature does not match the body: the signing key differs or the body was changed")
	ErrStaleTimestamp     = errors.New("the X-CIO-Timestamp is outside the allowed window")
)

// Sign returns the X-CIO-Signature for body sent at timestamp: lower-case hex of HMAC-SHA256 over
// "v0:<timestamp>:<body>". body must be the raw bytes on the wire; re-encoded JSON would sign something else.
func Sign(key []byte, timestamp string, body []byte) string {
	return hex.EncodeToString(mac(key, timestamp, body))
}

// Verify checks a received request the way a Customer.io receiver should: the signature must be the HMAC of
// the raw body under key (compared in constant time), and the timestamp must lie within tolerance of now
// (tolerance <= 0 means DefaultTolerance). The returned error wraps one of the Err* values above.
func Verify(key []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w (got %q)", ErrMalformedTimestamp, summarize([]byte(timestamp), 40))
	}
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return ErrMalformedSignature
	}
	if !hmac.Equal(got, mac(key, strings.TrimSpace(timestamp), body)) {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Outside years 1–9999 the timestamp is no date at all (int64's extremes would print as year
	// 292277026596), and the skew below would saturate: say so plainly.
	if ts < minUnix || ts > maxUnix {
		return fmt.Errorf("%w: %d is not a date", ErrStaleTimestamp, ts)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > tolerance || skew < -tolerance {
		return fmt.Errorf("%w: sent %s, %s away from this clock (allowed %s)", ErrStaleTimestamp,
			time.Unix(ts, 0).UTC().Format(time.RFC3339), skew.Abs().Round(time.Second), tolerance)
	}
	return nil
}

// The Unix seconds of 0001-01-01 and 9999-12-31T23:59:59Z, the dates RFC 3339 can write.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

func mac(key []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("v0:" + timestamp + ":"))
	h.Write(body)
	return h.Sum(nil)
}
