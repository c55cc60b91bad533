package local

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Flow Service lists are {"items":[…],"_links":{"next":{"href":"…?continuationToken=…"}}}. The token is
// opaque to clients; here it encodes the offset of the next page.

const flowDefaultLimit = 100

// flowList filters, orders and pages docs the way Flow Service list endpoints do, and writes the answer.
// A continuationToken takes precedence. Asking for a count and a page size at once is refused
// (1401-400), but count=false only says "no count": Adobe's own clients (adobe/aepp's flowservice
// module) send limit=100&count=false on every list, and Flow Service answers them with a page.
func flowList(w http.ResponseWriter, r *http.Request, docs []map[string]any) {
	q := r.URL.Query()
	// Booleans are read without regard to case: Python clients send count=False.
	count := strings.ToLower(q.Get("count"))
	switch count {
	case "", "true", "false":
	default:
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "count must be true or false, got %q", q.Get("count"))
		return
	}
	if q.Has("limit") && count == "true" {
		flowError(w, http.StatusBadRequest, "1401-400", "Invalid request",
			"The limit and count parameters cannot be given together in the same request. Please provide either only the limit or the count parameter and try again.")
		return
	}
	conds, err := parseConditions(q["property"])
	if err != nil {
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "%v", err)
		return
	}
	var kept []map[string]any
	for _, d := range docs {
		if matchAll(d, conds) {
			kept = append(kept, d)
		}
	}
	if count == "true" {
		writeJSON(w, http.StatusOK, map[string]any{"count": len(kept)})
		return
	}
	sortDocs(kept, q.Get("orderby"))
	limit := flowDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "limit must be a positive integer, got %q", v)
			return
		}
		limit = n
	}
	offset := 0
	if tok := q.Get("continuationToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(raw))
		if err != nil || err2 != nil || n < 0 {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "the continuationToken %q is not one this service issued", tok)
			return
		}
		offset = n
	}
	page := []map[string]any{}
	for i := offset; i < len(kept) && i < offset+limit; i++ {
		page = append(page, kept[i])
	}
	body := map[string]any{"items": page, "_links": map[string]any{}}
	if offset+limit < len(kept) {
		next := url.Values{}
		for k, v := range q {
			if k != "continuationToken" {
				next[k] = v
			}
		}
		next.Set("continuationToken", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset+limit))))
		body["_links"] = map[string]any{"next": map[string]any{"href": r.URL.Path + "?" + next.Encode()}}
	}
	writeJSON(w, http.StatusOK, body)
}
