// Package flow is the setup domain: what the user chose (Plan), how it is made real on the Platform (Apply),
// the journal that makes re-runs safe, the Customer.io event catalogue and the default mapping. It has no
// terminal code.
package flow

import (
	"fmt"
	"strings"
)

// ObjectType is one kind of Customer.io reporting-webhook event and the metrics it reports.
type ObjectType struct {
	Name    string // object_type as Customer.io sends it
	Label   string // for people
	Metrics []string
}

// Catalog lists Customer.io's object types in the order Adobe's source page shows them; WhatsApp is newer
// than Adobe's list and flows through unchanged.
var Catalog = []ObjectType{
	{"customer", "Customer", []string{"subscribed", "unsubscribed", "cio_subscription_preferences_changed"}},
	{"email", "Email", []string{"drafted", "attempted", "sent", "delivered", "opened", "clicked", "converted", "unsubscribed", "bounced", "dropped", "spammed", "failed", "undeliverable"}},
	{"sms", "SMS", []string{"drafted", "attempted", "sent", "delivered", "clicked", "converted", "bounced", "failed", "undeliverable", "replied"}},
	{"push", "Push", []string{"drafted", "attempted", "sent", "delivered", "opened", "clicked", "converted", "bounced", "dropped", "failed", "undeliverable"}},
	{"in_app", "In-app", []string{"drafted", "attempted", "sent", "opened", "clicked", "converted", "failed", "undeliverable"}},
	{"slack", "Slack", []string{"drafted", "attempted", "sent", "clicked", "failed", "undeliverable"}},
	{"webhook", "Webhook", []string{"drafted", "attempted", "sent", "clicked", "failed", "undeliverable"}},
	{"whatsapp", "WhatsApp", []string{"drafted", "attempted", "sent", "delivered", "opened", "clicked", "converted", "bounced", "dropped", "failed", "undeliverable", "replied"}},
}

// LookupObjectType finds an object type by its Customer.io name.
func LookupObjectType(name string) (ObjectType, bool) {
	for _, o := range Catalog {
		if o.Name == name {
			return o, true
		}
	}
	return ObjectType{}, false
}

// ParseEvents reads the --events value: object types separated by commas, or "all".
func ParseEvents(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		all := make([]string, len(Catalog))
		for i, o := range Catalog {
			all[i] = o.Name
		}
		return all, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		if name == "in-app" {
			name = "in_app"
		}
		if _, ok := LookupObjectType(name); !ok {
			return nil, fmt.Errorf("unknown Customer.io event type %q: use one of %s, or all", part, strings.Join(objectTypeNames(), ", "))
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out, nil
}

// Subscriptions names the App API events (<object_type>_<metric>) for the chosen object types.
func Subscriptions(objectTypes []string) []string {
	var out []string
	for _, name := range objectTypes {
		o, _ := LookupObjectType(name)
		for _, m := range o.Metrics {
			out = append(out, o.Name+"_"+m)
		}
	}
	return out
}

func objectTypeNames() []string {
	names := make([]string, len(Catalog))
	for i, o := range Catalog {
		names[i] = o.Name
	}
	return names
}
