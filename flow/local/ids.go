package local

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// newUUID returns a random RFC 4122 version 4 id, the form Flow Service uses for its ids.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newETag returns an etag the way Flow Service writes them: a GUID-like value inside literal double
// quotes, which clients must send back verbatim in If-Match.
func newETag() string {
	h := randomHex(4)
	return fmt.Sprintf(`"%s-0000-0200-0000-%08x0000"`, h, time.Now().Unix())
}

// newDatasetID returns a 24-hex id like Catalog's.
func newDatasetID() string { return randomHex(12) }

// newMappingSetID returns a 32-hex id like Data Prep's.
func newMappingSetID() string { return randomHex(16) }

// nowMs is the current time in Unix milliseconds, the unit every Platform timestamp uses.
func nowMs() int64 { return time.Now().UnixMilli() }
