// Package xdm holds the parts of Adobe's Experience Data Model that cioaep needs without a Platform to
// ask: the ExperienceEvent class, composing a schema from a class and field groups in the form the Schema
// Registry returns (application/vnd.adobe.xed-full+json; version=1), flattening it into pickable fields,
// and validating a record against it the way streaming ingestion does.
package xdm

// ExperienceEventID is the class every Customer.io dataflow's schema is built on.
const ExperienceEventID = "https://ns.adobe.com/xdm/context/experienceevent"

// ExperienceEventClass returns the XDM ExperienceEvent class as the Schema Registry resolves it: the
// class-level fields (_id, timestamp, eventType, eventMergeId, producedBy, identityMap), with _id and
// timestamp required. Each call returns a fresh copy, so callers may change it.
func ExperienceEventClass() map[string]any {
	return map[string]any{
		"$id":                   ExperienceEventID,
		"meta:altId":            "_xdm.context.experienceevent",
		"meta:resourceType":     "classes",
		"version":               "1",
		"title":                 "XDM ExperienceEvent",
		"type":                  "object",
		"description":           "A fact record of what occurred, including the point in time and identity of the individual involved.",
		"meta:abstract":         false,
		"meta:extensible":       true,
		"meta:status":           "stable",
		"meta:intendedToExtend": []any{},
		"meta:extends": []any{
			"https://ns.adobe.com/xdm/data/time-series",
			"https://ns.adobe.com/xdm/common/extensible",
			"https://ns.adobe.com/xdm/context/identitymap",
		},
		"required": []any{"_id", "timestamp"},
		"properties": map[string]any{
			"_id": map[string]any{
				"title":        "Identifier",
				"type":         "string",
				"format":       "uri-reference",
				"meta:xdmType": "string",
				"description":  "A unique identifier for the time-series event.",
			},
			"timestamp": map[string]any{
				"title":        "Timestamp",
				"type":         "string",
				"format":       "date-time",
				"meta:xdmType": "date-time",
				"description":  "The time when the event or observation occurred, as RFC 3339 section 5.6. Must be in the past.",
			},
			"eventType": map[string]any{
				"title":        "Event Type",
				"type":         "string",
				"meta:xdmType": "string",
				"description":  "The primary event type for this time-series record.",
				// meta:enum lists suggestions; XDM leaves the field open to any string.
				"meta:enum": map[string]any{
					"message.feedback":  "Message feedback (sent, bounce, error)",
					"message.tracking":  "Message tracking (open, click)",
					"delivery.feedback": "Delivery feedback",
				},
			},
			"eventMergeId": map[string]any{
				"title":        "ExperienceEvent merge ID",
				"type":         "string",
				"meta:xdmType": "string",
				"description":  "An ID to correlate or merge multiple Experience Events that are essentially the same event.",
			},
			"producedBy": map[string]any{
				"title":        "Produced By",
				"type":         "string",
				"meta:xdmType": "string",
				"description":  "A value describing the producer of the event.",
				"meta:enum": map[string]any{
					"self": "Self", "system": "System", "salesRef": "Sales Representative", "customerRep": "Customer Representative",
				},
			},
			"identityMap": map[string]any{
				"title":        "Identity Map",
				"type":         "object",
				"meta:xdmType": "map",
				"description":  "Namespaced identities of the individual the event applies to, keyed by namespace code.",
				"additionalProperties": map[string]any{
					"type": "array",
					"items": map[string]any{
						"title": "Identity",
						"type":  "object",
						"properties": map[string]any{
							"id": map[string]any{"title": "Identifier", "type": "string", "meta:xdmType": "string"},
							"authenticatedState": map[string]any{
								"title": "Authenticated state", "type": "string", "meta:xdmType": "string",
								"enum": []any{"ambiguous", "authenticated", "loggedOut"}, "default": "ambiguous",
							},
							"primary": map[string]any{"title": "Primary", "type": "boolean", "meta:xdmType": "boolean", "default": false},
						},
					},
				},
			},
		},
	}
}
