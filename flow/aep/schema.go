package aep

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

const registry = "/data/foundation/schemaregistry"

// Accept headers the Schema Registry insists on: listings take no version, lookups must carry one
// (without it the answer is 400 XDM-1007), descriptors use "xdm" instead of "xed".
const (
	acceptListing     = "application/vnd.adobe.xed-id+json"
	acceptFull        = "application/vnd.adobe.xed-full+json; version=1"
	acceptDescriptors = "application/vnd.adobe.xdm+json"
)

// Class and content-type ids the product uses.
const (
	ExperienceEventClass = "https://ns.adobe.com/xdm/context/experienceevent"
	// XEDContentType is the schemaRef content type Catalog expects on datasets.
	XEDContentType = "application/vnd.adobe.xed+json;version=1"
	// XEDFullContentType is the schema version Flow Service and Data Prep expect.
	XEDFullContentType = "application/vnd.adobe.xed-full+json;version=1"
)

// SchemaRef is a schema or field group as listings and creates return it.
type SchemaRef struct {
	ID      string `json:"$id"`
	AltID   string `json:"meta:altId"`
	Version string `json:"version"`
	Title   string `json:"title"`
}

// schemaPageSize is the Schema Registry's largest honoured page.
const schemaPageSize = 300

// TenantID returns the organisation's tenant id (custom fields live under "_<tenantId>"). It is the
// same in every sandbox, so it is fetched once per credential.
func (c *Client) TenantID(ctx context.Context) (string, error) {
	c.shared.tenantMu.Lock()
	defer c.shared.tenantMu.Unlock()
	if c.shared.tenant != "" {
		return c.shared.tenant, nil
	}
	var stats struct {
		TenantID string `json:"tenantId"`
	}
	if _, err := c.do(ctx, request{method: "GET", path: registry + "/stats", out: &stats}); err != nil {
		return "", err
	}
	if stats.TenantID == "" {
		return "", fmt.Errorf("GET %s%s/stats: the answer has no tenantId", c.cfg.PlatformURL, registry)
	}
	c.shared.tenant = stats.TenantID
	return stats.TenantID, nil
}

// Schemas lists the tenant's schemas ordered by title, handing each page to page as soon as it
// arrives so a picker can show the first 300 after one round trip. The cursor makes paging
// sequential. An error from page stops the listing and is returned.
func (c *Client) Schemas(ctx context.Context, page func([]SchemaRef) error) error {
	return c.listRegistry(ctx, "/tenant/schemas", nil, page)
}

// Schema returns one schema with every field resolved (xed-full), as nested JSON Schema. id is the
// $id or the meta:altId. A missing schema is an *Error matching ErrNotFound.
func (c *Client) Schema(ctx context.Context, id string) (map[string]any, error) {
	var full map[string]any
	_, err := c.do(ctx, request{method: "GET", path: registry + "/tenant/schemas/" + escapeID(id), accept: acceptFull, out: &full, limit: maxSchemaBody})
	return full, err
}

// CreateFieldGroup posts a field group (title, description, meta:intendedToExtend, definitions under
// "_<tenantId>", allOf) and returns its ids. An unknown outcome is ErrAmbiguous: look it up with
// FindFieldGroup before trying again.
func (c *Client) CreateFieldGroup(ctx context.Context, fieldGroup any) (SchemaRef, error) {
	var ref SchemaRef
	_, err := c.do(ctx, request{method: "POST", path: registry + "/tenant/fieldgroups", body: fieldGroup, kind: mutate, out: &ref})
	return ref, err
}

// FindFieldGroup finds the tenant field group with exactly this title.
func (c *Client) FindFieldGroup(ctx context.Context, title string) (SchemaRef, bool, error) {
	return c.findRegistry(ctx, "/tenant/fieldgroups", title)
}

// CreateSchema posts a schema (type "object", title, description, allOf of the class and field
// groups) and returns its ids. An unknown outcome is ErrAmbiguous: look it up with FindSchema first.
func (c *Client) CreateSchema(ctx context.Context, schema any) (SchemaRef, error) {
	var ref SchemaRef
	_, err := c.do(ctx, request{method: "POST", path: registry + "/tenant/schemas", body: schema, kind: mutate, out: &ref})
	return ref, err
}

// FindSchema finds the tenant schema with exactly this title.
func (c *Client) FindSchema(ctx context.Context, title string) (SchemaRef, bool, error) {
	return c.findRegistry(ctx, "/tenant/schemas", title)
}

// EnableProfile tags a schema for Real-Time Customer Profile (the "union" immutable tag). Adobe cannot
// undo this; the engine asks the user first. Repeating it is harmless, so it is retried like a read.
func (c *Client) EnableProfile(ctx context.Context, schemaID string) error {
	patch := []PatchOp{{Op: "add", Path: "/meta:immutableTags", Value: []string{"union"}}}
	_, err := c.do(ctx, request{method: "PATCH", path: registry + "/tenant/schemas/" + escapeID(schemaID), body: patch, kind: repeatable})
	return err
}

// Descriptor is a Schema Registry descriptor; the product creates identity descriptors.
type Descriptor struct {
	ID             string `json:"@id,omitempty"`
	Type           string `json:"@type"`
	SourceSchema   string `json:"xdm:sourceSchema"`
	SourceVersion  int    `json:"xdm:sourceVersion"`
	SourceProperty string `json:"xdm:sourceProperty"` // slash path, "/_<tenant>/customerio/email"
	Namespace      string `json:"xdm:namespace,omitempty"`
	Property       string `json:"xdm:property,omitempty"`
	IsPrimary      bool   `json:"xdm:isPrimary"`
}

// UnmarshalJSON accepts xdm:sourceVersion as a number (how platform.md and Adobe's guides send it) or
// a string (how the Schema Registry's OpenAPI file describes the answer).
func (d *Descriptor) UnmarshalJSON(b []byte) error {
	type plain Descriptor
	var w struct {
		plain
		SourceVersion json.RawMessage `json:"xdm:sourceVersion"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Descriptor(w.plain)
	v := strings.Trim(string(w.SourceVersion), `" `)
	if v == "" || v == "null" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("xdm:sourceVersion %s is not a version number", w.SourceVersion)
	}
	d.SourceVersion = n
	return nil
}

// IdentityDescriptor is the @type of identity descriptors.
const IdentityDescriptor = "xdm:descriptorIdentity"

// CreateDescriptor posts d and returns it with its @id. An unknown outcome is ErrAmbiguous: list the
// schema's Descriptors before trying again.
func (c *Client) CreateDescriptor(ctx context.Context, d Descriptor) (Descriptor, error) {
	var out Descriptor
	_, err := c.do(ctx, request{method: "POST", path: registry + "/tenant/descriptors", body: d, kind: mutate, out: &out})
	return out, err
}

// Descriptors lists the descriptors of every type whose source schema is schemaID. The filter is
// also applied here because a server may ignore the property parameter.
func (c *Client) Descriptors(ctx context.Context, schemaID string) ([]Descriptor, error) {
	var byType map[string][]Descriptor
	_, err := c.do(ctx, request{method: "GET", path: registry + "/tenant/descriptors", accept: acceptDescriptors,
		query: url.Values{"property": {"xdm:sourceSchema==" + schemaID}}, out: &byType})
	if err != nil {
		return nil, err
	}
	var out []Descriptor
	for _, typ := range sortedKeys(byType) {
		for _, d := range byType[typ] {
			if d.SourceSchema == schemaID {
				if d.Type == "" {
					d.Type = typ
				}
				out = append(out, d)
			}
		}
	}
	return out, nil
}

type registryPage struct {
	Results []SchemaRef `json:"results"`
	Page    struct {
		Next *string `json:"next"`
	} `json:"_page"`
}

func (c *Client) listRegistry(ctx context.Context, path string, filter url.Values, page func([]SchemaRef) error) error {
	start := ""
	for range maxPages {
		q := url.Values{"orderby": {"title"}, "limit": {fmt.Sprint(schemaPageSize)}}
		for k, v := range filter {
			q[k] = v
		}
		if start != "" {
			q.Set("start", start)
		}
		var p registryPage
		if _, err := c.do(ctx, request{method: "GET", path: registry + path, query: q, accept: acceptListing, out: &p, limit: maxSchemaBody}); err != nil {
			return err
		}
		if err := page(p.Results); err != nil {
			return err
		}
		if p.Page.Next == nil || *p.Page.Next == "" || *p.Page.Next == start {
			return nil
		}
		start = *p.Page.Next
	}
	return fmt.Errorf("listing %s: more than %d pages; the platform keeps sending a next cursor", path, maxPages)
}

// errFound stops a listing early once the wanted resource turned up.
var errFound = fmt.Errorf("found")

func (c *Client) findRegistry(ctx context.Context, path, title string) (SchemaRef, bool, error) {
	var hit SchemaRef
	err := c.listRegistry(ctx, path, url.Values{"property": {"title==" + title}}, func(refs []SchemaRef) error {
		for _, r := range refs {
			if r.Title == title {
				hit = r
				return errFound
			}
		}
		return nil
	})
	switch {
	case err == errFound:
		return hit, true, nil
	case err != nil:
		return SchemaRef{}, false, err
	}
	return SchemaRef{}, false, nil
}

// DeleteSchema deletes a tenant schema (204). The registry refuses while a dataset still uses it:
// delete the dataset first. One that is already gone is not an error.
func (c *Client) DeleteSchema(ctx context.Context, id string) error {
	return c.deleteRegistry(ctx, "/tenant/schemas/"+escapeID(id))
}

// DeleteFieldGroup deletes a tenant field group (204). The registry refuses while a schema still uses
// it: delete the schema first. One that is already gone is not an error.
func (c *Client) DeleteFieldGroup(ctx context.Context, id string) error {
	return c.deleteRegistry(ctx, "/tenant/fieldgroups/"+escapeID(id))
}

func (c *Client) deleteRegistry(ctx context.Context, path string) error {
	_, err := c.do(ctx, request{method: "DELETE", path: registry + path, kind: repeatable})
	if isStatus(err, 404) {
		return nil
	}
	return err
}

// escapeID makes a $id (a URL) or an altId usable as one path segment, as Adobe's examples do.
func escapeID(id string) string {
	return strings.ReplaceAll(url.QueryEscape(id), "+", "%20")
}

// PatchOp is one RFC 6902 operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}
