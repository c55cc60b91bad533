package local

import (
	"net/http"
	"strconv"
)

// sandbox is one Platform sandbox. The local platform has a fixed pair, like a fresh Adobe organization
// with one development sandbox added; every resource lives in exactly one of them.
type sandbox struct {
	Name      string `json:"name"`
	ID        string `json:"-"`
	Title     string `json:"title"`
	State     string `json:"state"`
	Type      string `json:"type"`
	Region    string `json:"region"`
	IsDefault bool   `json:"isDefault"`
	ETag      int    `json:"eTag"`
	Created   string `json:"createdDate"`
	Modified  string `json:"lastModifiedDate"`
	CreatedBy string `json:"createdBy"`
	ModBy     string `json:"modifiedBy"`
}

// The dates follow sandbox.yaml (RFC 3339 date-time) where help/sandboxes/api/sandboxes.md shows
// "2019-09-04 04:57:24": clients parse the form the OpenAPI file promises, and both carry the same instant.
var sandboxes = []sandbox{
	{Name: "prod", ID: "6b1ec9c0-1f55-11ee-8a1b-000000000001", Title: "Production", State: "active", Type: "production", Region: "VA7", IsDefault: true, ETag: 1,
		Created: "2024-01-01T00:00:00.000+00:00", Modified: "2024-01-01T00:00:00.000+00:00", CreatedBy: "cioaep-local", ModBy: "cioaep-local"},
	{Name: "dev", ID: "6b1ec9c0-1f55-11ee-8a1b-000000000002", Title: "Development", State: "active", Type: "development", Region: "VA7", ETag: 1,
		Created: "2024-01-01T00:00:00.000+00:00", Modified: "2024-01-01T00:00:00.000+00:00", CreatedBy: "cioaep-local", ModBy: "cioaep-local"},
}

func defaultSandbox() sandbox { return sandboxes[0] }

// lookupSandbox finds a sandbox by its exact (lower-case) name.
func lookupSandbox(name string) (sandbox, bool) {
	for _, s := range sandboxes {
		if s.Name == name {
			return s, true
		}
	}
	return sandbox{}, false
}

// handleSandboxes lists the sandboxes the credential may use, GET /data/foundation/sandbox-management/,
// and the organization's sandboxes, GET …/sandboxes; both take limit and offset
// (help/sandboxes/api/sandboxes.md, "Retrieve a list of sandboxes"). The local organization has only the
// two sandboxes this credential may use, so the two lists hold the same entries.
func (p *Platform) handleSandboxes(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	limit, offset := 50, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			problem(w, http.StatusBadRequest, "SMS", "1001-400", "Bad Request", "limit must be a positive integer, got %q", v)
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			problem(w, http.StatusBadRequest, "SMS", "1001-400", "Bad Request", "offset must be zero or a positive integer, got %q", v)
			return
		}
		offset = n
	}
	page := []sandbox{}
	for i := offset; i < len(sandboxes) && i < offset+limit; i++ {
		page = append(page, sandboxes[i])
	}
	links := map[string]any{}
	if offset+limit < len(sandboxes) {
		links["next"] = map[string]any{"href": r.URL.Path + "?limit=" + strconv.Itoa(limit) + "&offset=" + strconv.Itoa(offset+limit)}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sandboxes": page,
		"_page":     map[string]any{"limit": limit, "count": len(page)},
		"_links":    links,
	})
}

// handleSandbox answers GET …/sandboxes/{name} with one sandbox (help/sandboxes/api/sandboxes.md, "Look
// up a sandbox"). An unknown name is 404 in the service's problem shape; no Adobe page shows that answer's
// code, so the code here is the local platform's own.
func (p *Platform) handleSandbox(w http.ResponseWriter, r *http.Request, _ *call) {
	sb, ok := lookupSandbox(r.PathValue("name"))
	if !ok {
		problem(w, http.StatusNotFound, "SMS", "2003-404", "Sandbox not found", "Sandbox %q was not found in the organization.", r.PathValue("name"))
		return
	}
	writeJSON(w, http.StatusOK, sb)
}

// handleSandboxTypes answers GET …/sandboxTypes with the types the organization supports
// (help/sandboxes/api/sandbox-types.md); adobe/aepp asks for them with getSandboxTypes.
func (p *Platform) handleSandboxTypes(w http.ResponseWriter, _ *http.Request, _ *call) {
	writeJSON(w, http.StatusOK, map[string]any{"sandboxTypes": []string{"production", "development"}})
}
