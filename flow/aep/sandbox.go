package aep

import (
	"context"
	"fmt"
	"net/url"
)

// Sandbox is one sandbox the credential may use. The wizard offers only active ones.
type Sandbox struct {
	Name      string `json:"name"` // what x-sandbox-name takes
	Title     string `json:"title"`
	State     string `json:"state"` // "active", "creating", "failed", …
	Type      string `json:"type"`  // "production" | "development"
	Region    string `json:"region"`
	IsDefault bool   `json:"isDefault"`
}

// Active reports whether the sandbox can take requests.
func (s Sandbox) Active() bool { return s.State == "active" }

type links struct {
	Next *struct {
		Href string `json:"href"`
	} `json:"next"`
}

func (l links) next() string {
	if l.Next == nil {
		return ""
	}
	return l.Next.Href
}

// Sandboxes lists every sandbox this credential may use, whatever its state, following _links.next.
// It needs no admin right and is not scoped to a sandbox, so it is also the cheapest credential check.
func (c *Client) Sandboxes(ctx context.Context) ([]Sandbox, error) {
	var all []Sandbox
	query := url.Values(nil)
	for range maxPages {
		var page struct {
			Sandboxes []Sandbox `json:"sandboxes"`
			Links     links     `json:"_links"`
		}
		_, err := c.do(ctx, request{method: "GET", path: "/data/foundation/sandbox-management/", query: query,
			noSandbox: true, out: &page})
		if err != nil {
			return nil, err
		}
		all = append(all, page.Sandboxes...)
		q, ok := nextQuery(page.Links.next(), query)
		if !ok || len(page.Sandboxes) == 0 {
			return all, nil
		}
		query = q
	}
	return nil, fmt.Errorf("listing sandboxes: more than %d pages; the platform keeps sending a next link", maxPages)
}

// maxPages stops a server whose next links never end from keeping the client busy forever.
const maxPages = 1000

// nextQuery takes the query of a _links.next href. Only the query is used: the host and path stay the
// configured ones, so a local platform or proxy behind CIOAEP_PLATFORM_URL keeps receiving the calls.
// ok is false when there is no next page or it would repeat the current one.
func nextQuery(href string, current url.Values) (url.Values, bool) {
	if href == "" {
		return nil, false
	}
	u, err := url.Parse(href)
	if err != nil || u.RawQuery == "" {
		return nil, false
	}
	q := u.Query()
	if q.Encode() == current.Encode() {
		return nil, false
	}
	return q, true
}
