package assets

import (
	"bytes"
	_ "embed"
)

// The Customer.io field group and its default mapping are kept as JSON files, not Go literals, so that
// they read like what Adobe's Schema Registry and Data Prep receive, and so a reviewer can diff them
// against Adobe's tutorial. Both carry the placeholder tenantPlaceholder where the organisation's tenant id
// goes; the tenant is only known at run time (GET /stats).
var (
	//go:embed xdm/customerio-fieldgroup.json
	fieldGroupTemplate []byte
	//go:embed xdm/customerio-mapping.json
	mappingTemplate []byte
)

const tenantPlaceholder = "{{tenant}}"

// CustomerIOFieldGroup returns the body of a Schema Registry field-group create request that holds every
// Customer.io reporting-webhook field under _<tenant>.customerio. The caller sets the title.
func CustomerIOFieldGroup(tenant string) []byte {
	return withTenant(fieldGroupTemplate, tenant)
}

// CustomerIOMapping returns the default Data Prep mapping, a JSON array of
// {"sourceType","source","destination"} rules, from a Customer.io event to a schema built on
// CustomerIOFieldGroup: _id, timestamp and eventType for the ExperienceEvent class, then every Customer.io
// field to its tenant field.
func CustomerIOMapping(tenant string) []byte {
	return withTenant(mappingTemplate, tenant)
}

// withTenant substitutes the tenant id. Tenant ids are lower-case letters and digits, so a plain textual
// replacement cannot break the JSON.
func withTenant(template []byte, tenant string) []byte {
	return bytes.ReplaceAll(template, []byte(tenantPlaceholder), []byte(tenant))
}
