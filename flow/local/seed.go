package local

import (
	"context"
	"encoding/hex"
	"fmt"
)

// seed prepares a new data directory: a tenant id, the token signing key, and in each sandbox a few
// schemas and datasets unrelated to Customer.io, so pickers show a realistic organization. An existing
// directory keeps what it has; seeding runs once.
func (p *Platform) seed() error {
	tenant, ok, err := p.st.meta("tenant")
	if err != nil {
		return fmt.Errorf("local platform: read database: %w", err)
	}
	if ok {
		p.tenant = tenant
		key, _, err := p.st.meta("signkey")
		if err != nil {
			return fmt.Errorf("local platform: read database: %w", err)
		}
		p.signKey, err = hex.DecodeString(key)
		return err
	}
	// A seed interrupted by a crash left no tenant behind; start it again from nothing.
	if _, err := p.st.db.Exec(`DELETE FROM resources`); err != nil {
		return fmt.Errorf("local platform: reset database: %w", err)
	}
	p.tenant = "cioaep" + randomHex(3)
	key := randomHex(32)
	p.signKey, _ = hex.DecodeString(key)
	ctx := context.Background()
	for _, sb := range sandboxes {
		c := &call{ClientID: "cioaep-local-seed", OrgID: OrgID, Sandbox: sb}
		for _, s := range seedSchemas(p.tenant) {
			if err := p.seedSchema(ctx, c, s); err != nil {
				return fmt.Errorf("local platform: seed %s: %w", sb.Name, err)
			}
		}
	}
	_, err = p.st.db.Exec(`INSERT INTO meta (key, value) VALUES ('tenant', ?), ('signkey', ?)`, p.tenant, key)
	return err
}

// seedSpec is one seeded field group, the schema built on it, and its dataset.
type seedSpec struct {
	group, schema, dataset, description string
	fields                              map[string]any
}

func seedSchemas(tenant string) []seedSpec {
	str := map[string]any{"type": "string"}
	return []seedSpec{
		{
			group: "Web Interactions", schema: "Website Events", dataset: "Website Events",
			description: "Page views and clicks from the website tag.",
			fields: map[string]any{"web": map[string]any{"type": "object", "properties": map[string]any{
				"pageName": map[string]any{"type": "string", "title": "Page name"},
				"url":      map[string]any{"type": "string", "format": "uri", "title": "URL"},
				"referrer": str,
			}}},
		},
		{
			group: "Loyalty Activity", schema: "Loyalty Events", dataset: "Loyalty Program Events",
			description: "Points earned and redeemed in the loyalty program.",
			fields: map[string]any{"loyalty": map[string]any{"type": "object", "properties": map[string]any{
				"points":   map[string]any{"type": "integer", "title": "Points"},
				"tier":     map[string]any{"type": "string", "title": "Tier"},
				"memberId": str,
			}}},
		},
		{
			group: "Support Tickets", schema: "Support Ticket Events", dataset: "Zendesk Tickets",
			description: "Ticket lifecycle events from the help desk.",
			fields: map[string]any{"support": map[string]any{"type": "object", "properties": map[string]any{
				"ticketId": str,
				"status":   map[string]any{"type": "string", "enum": []any{"open", "pending", "solved"}},
				"opened":   map[string]any{"type": "string", "format": "date-time"},
			}}},
		},
	}
}

// seedSchema creates one field group, schema and dataset through the same code the API uses.
func (p *Platform) seedSchema(ctx context.Context, c *call, s seedSpec) error {
	fg, err := p.createFieldGroup(ctx, c, map[string]any{
		"type": "object", "title": s.group, "description": s.description,
		"meta:intendedToExtend": []any{experienceEventClass},
		"definitions": map[string]any{"fields": map[string]any{"properties": map[string]any{
			"_" + p.tenant: map[string]any{"type": "object", "properties": s.fields},
		}}},
		"allOf": []any{map[string]any{"$ref": "#/definitions/fields"}},
	})
	if err != nil {
		return err
	}
	sch, err := p.createSchema(ctx, c, map[string]any{
		"type": "object", "title": s.schema, "description": s.description,
		"allOf": []any{map[string]any{"$ref": experienceEventClass}, map[string]any{"$ref": fg.id()}},
	})
	if err != nil {
		return err
	}
	_, err = p.createDataset(ctx, c, map[string]any{"name": s.dataset, "description": s.description},
		sch.id(), "application/vnd.adobe.xed+json;version=1")
	return err
}
