package cio

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

type vector struct {
	Name      string `json:"name"`
	Key       string `json:"key"`
	Timestamp string `json:"timestamp"`
	BodyFile  string `json:"body_file"`
	Signature string `json:"signature"`
}

// loadVectors reads testdata/signatures.json, whose signatures were computed with openssl and Python
// (see testdata/README.md), so Sign is checked against something other than itself.
func loadVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "signatures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []vector
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) < 3 {
		t.Fatalf("expected at least 3 vectors, found %d", len(out))
	}
	return out
}

func readBody(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignMatchesIndependentVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			body := readBody(t, v.BodyFile)
			if got := Sign([]byte(v.Key), v.Timestamp, body); got != v.Signature {
				t.Fatalf("Sign = %s, want %s", got, v.Signature)
			}
			ts, _ := strconv.ParseInt(v.Timestamp, 10, 64)
			if err := Verify([]byte(v.Key), v.Timestamp, v.Signature, body, time.Unix(ts, 0).Add(time.Minute), time.Hour); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// Customer.io's reference code decodes hex without caring about case.
			if err := Verify([]byte(v.Key), v.Timestamp, strings.ToUpper(v.Signature), body, time.Unix(ts, 0), time.Hour); err != nil {
				t.Fatalf("Verify upper-case hex: %v", err)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)[0]
	body := readBody(t, v.BodyFile)
	key := []byte(v.Key)
	sent := time.Unix(1613063089, 0)
	changed := []byte(strings.Replace(string(body), `"sent"`, `"opened"`, 1))

	cases := []struct {
		name      string
		key       []byte
		timestamp string
		signature string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"changed body", key, v.Timestamp, v.Signature, changed, sent, time.Minute, ErrSignatureMismatch},
		{"body with a trailing newline", key, v.Timestamp, v.Signature, append(append([]byte{}, body...), '\n'), sent, time.Minute, ErrSignatureMismatch},
		{"wrong key", []byte("not-the-key"), v.Timestamp, v.Signature, body, sent, time.Minute, ErrSignatureMismatch},
		{"changed timestamp", key, "1613063090", v.Signature, body, sent, time.Minute, ErrSignatureMismatch},
		{"too old", key, v.Timestamp, v.Signature, body, sent.Add(6 * time.Minute), 5 * time.Minute, ErrStaleTimestamp},
		{"from the future", key, v.Timestamp, v.Signature, body, sent.Add(-6 * time.Minute), 5 * time.Minute, ErrStaleTimestamp},
		{"default tolerance", key, v.Timestamp, v.Signature, body, sent.Add(DefaultTolerance + time.Second), 0, ErrStaleTimestamp},
		{"not hex", key, v.Timestamp, strings.Repeat("zz", 32), body, sent, time.Minute, ErrMalformedSignature},
		{"short", key, v.Timestamp, v.Signature[:62], body, sent, time.Minute, ErrMalformedSignature},
		{"empty signature", key, v.Timestamp, "", body, sent, time.Minute, ErrMalformedSignature},
		{"milliseconds timestamp", key, v.Timestamp + "000", v.Signature, body, sent, time.Minute, ErrSignatureMismatch},
		{"timestamp not a number", key, "yesterday", v.Signature, body, sent, time.Minute, ErrMalformedTimestamp},
		{"empty timestamp", key, "", v.Signature, body, sent, time.Minute, ErrMalformedTimestamp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.key, c.timestamp, c.signature, c.body, c.now, c.tolerance)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
	// The edges of the window are inside it.
	for _, now := range []time.Time{sent.Add(5 * time.Minute), sent.Add(-5 * time.Minute)} {
		if err := Verify(key, v.Timestamp, v.Signature, body, now, 5*time.Minute); err != nil {
			t.Errorf("at %s: %v", now.Sub(sent), err)
		}
	}
}

func TestVerifyErrorDoesNotEchoControlCharacters(t *testing.T) {
	t.Parallel()
	err := Verify([]byte("k"), "\x1b[2J1613063089", "00", nil, time.Now(), time.Minute)
	if !errors.Is(err, ErrMalformedTimestamp) || strings.ContainsRune(err.Error(), 0x1b) {
		t.Fatalf("Verify = %q", err)
	}
}

// FuzzVerify checks that Verify never panics, accepts exactly what Sign produces, and notices any change to
// the body.
func FuzzVerify(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add([]byte(v.Key), v.Timestamp, v.Signature, readBody(f, v.BodyFile))
	}
	f.Add([]byte{}, "0", "", []byte("{}"))
	f.Add([]byte("k"), "-1", strings.Repeat("0", 64), []byte{0xff, 0x00})
	f.Fuzz(func(t *testing.T, key []byte, timestamp, signature string, body []byte) {
		timestamp = strings.TrimSpace(timestamp) // as an HTTP header arrives
		ts, err := strconv.ParseInt(timestamp, 10, 64)
		now := time.Unix(ts, 0)
		if err := Verify(key, timestamp, signature, body, now, time.Minute); err == nil {
			if !strings.EqualFold(strings.TrimSpace(signature), Sign(key, timestamp, body)) {
				t.Fatalf("accepted signature %q that Sign does not produce", signature)
			}
		}
		if err != nil {
			return
		}
		good := Sign(key, timestamp, body)
		err = Verify(key, timestamp, good, body, now, time.Minute)
		if ts < minUnix || ts > maxUnix { // no date at all: refused, whatever the clock says
			if !errors.Is(err, ErrStaleTimestamp) {
				t.Fatalf("timestamp %d outside years 1–9999: %v, want ErrStaleTimestamp", ts, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("rejected its own signature: %v", err)
		}
		tampered := append([]byte{'x'}, body...)
		if err := Verify(key, timestamp, good, tampered, now, time.Minute); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("tampered body: %v", err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v := loadVectors(b)[0]
	body, key, now := readBody(b, v.BodyFile), []byte(v.Key), time.Unix(1613063089, 0)
	for b.Loop() {
		if err := Verify(key, v.Timestamp, v.Signature, body, now, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyTimestampExtremes: a signed timestamp of int64's extremes is stale, and the message does not
// print a year like 292277026596.
func TestVerifyTimestampExtremes(t *testing.T) {
	t.Parallel()
	key, body := []byte("k"), []byte(`{}`)
	for _, ts := range []string{"-9223372036854775808", "9223372036854775807", "-62135596801", "253402300800"} {
		err := Verify(key, ts, Sign(key, ts, body), body, time.Now(), 0)
		if !errors.Is(err, ErrStaleTimestamp) || strings.Contains(err.Error(), "292277") || !strings.Contains(err.Error(), "not a date") {
			t.Errorf("timestamp %s: %v", ts, err)
		}
	}
}
