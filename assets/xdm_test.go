package assets

import (
	"embed"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/xdm"
)

// xdmFiles is every XDM asset, so a new one is checked without editing the test.
//
//go:embed xdm
var xdmFiles embed.FS

// TestCustomerIOFieldGroupShape checks the template is a field group Schema Registry accepts: it extends
// ExperienceEvent, keeps every custom field under _<tenant>.customerio, names no other field with a
// leading underscore, and carries the tutorial's mandatory fields.
func TestCustomerIOFieldGroupShape(t *testing.T) {
	t.Parallel()
	raw := CustomerIOFieldGroup("acme")
	if strings.Contains(string(raw), tenantPlaceholder) {
		t.Fatal("tenant placeholder left in the field group")
	}
	var fg struct {
		Extends     []string `json:"meta:intendedToExtend"`
		Definitions map[string]struct {
			Properties map[string]struct {
				Properties map[string]struct {
					Properties map[string]any `json:"properties"`
				} `json:"properties"`
			} `json:"properties"`
		} `json:"definitions"`
		AllOf []map[string]string `json:"allOf"`
	}
	if err := json.Unmarshal(raw, &fg); err != nil {
		t.Fatal(err)
	}
	if len(fg.Extends) != 1 || fg.Extends[0] != "https://ns.adobe.com/xdm/context/experienceevent" {
		t.Errorf("meta:intendedToExtend = %v", fg.Extends)
	}
	def, ok := fg.Definitions["customerio"]
	if !ok || len(fg.AllOf) != 1 || fg.AllOf[0]["$ref"] != "#/definitions/customerio" {
		t.Fatalf("allOf %v does not point at the customerio definition", fg.AllOf)
	}
	if len(def.Properties) != 1 {
		t.Fatalf("definition has %d top-level properties, want only _acme", len(def.Properties))
	}
	fields := def.Properties["_acme"].Properties["customerio"].Properties
	for _, name := range []string{"object_type", "id", "email", "event_id", "cio_id", "metric", "timestamp", "recipients", "headers"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("field group lacks customerio.%s", name)
		}
	}
	for name := range fields {
		if strings.HasPrefix(name, "_") {
			t.Errorf("field %s starts with an underscore, which Schema Registry refuses", name)
		}
	}
}

// unmappedByDefault are field-group fields no default rule fills, each with the reason.
var unmappedByDefault = map[string]string{
	"headers": "Customer.io sends a map of header name to an array of values, and no Data Prep function turns " +
		"such a map into the map of strings XDM allows; people map the headers they need one by one (see xdm/README.md)",
}

// TestCustomerIOMappingCoversFieldGroup checks the default mapping fills the ExperienceEvent core and
// every field of the field group exactly once, so a field added to one file cannot be forgotten in the other.
func TestCustomerIOMappingCoversFieldGroup(t *testing.T) {
	t.Parallel()
	var rules []struct{ SourceType, Source, Destination string }
	if err := json.Unmarshal(CustomerIOMapping("acme"), &rules); err != nil {
		t.Fatal(err)
	}
	var fg map[string]any
	if err := json.Unmarshal(CustomerIOFieldGroup("acme"), &fg); err != nil {
		t.Fatal(err)
	}
	fields := fg["definitions"].(map[string]any)["customerio"].(map[string]any)["properties"].(map[string]any)["_acme"].(map[string]any)["properties"].(map[string]any)["customerio"].(map[string]any)["properties"].(map[string]any)
	want := map[string]bool{"_id": true, "timestamp": true, "eventType": true}
	for name := range fields {
		if _, skip := unmappedByDefault[name]; !skip {
			want["_acme.customerio."+name] = true
		}
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if !want[r.Destination] {
			t.Errorf("rule to %s, which the field group does not have", r.Destination)
		}
		if seen[r.Destination] {
			t.Errorf("two rules write %s", r.Destination)
		}
		seen[r.Destination] = true
		switch r.SourceType {
		case "ATTRIBUTE", "EXPRESSION":
		default:
			t.Errorf("rule to %s has sourceType %q", r.Destination, r.SourceType)
		}
	}
	for d := range want {
		if !seen[d] {
			t.Errorf("no rule writes %s", d)
		}
	}
}

// TestXDMAssetsKeepAdobesFieldRules runs every XDM asset through the same documented field rules the
// local platform enforces (map values string or integer, no arrays of maps, custom fields only under
// _<tenant>, field names, a type on every field), so a change to an asset that Adobe would refuse fails
// here before any platform sees it.
func TestXDMAssetsKeepAdobesFieldRules(t *testing.T) {
	entries, err := fs.ReadDir(xdmFiles, "xdm")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "-fieldgroup.json") {
			continue
		}
		raw, err := xdmFiles.ReadFile("xdm/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var fg map[string]any
		if err := json.Unmarshal(withTenant(raw, "acme"), &fg); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, p := range xdm.CheckFieldGroup(fg, "acme") {
			t.Errorf("%s breaks %s (%s): %s", e.Name(), p.Doc, p.Code, p)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no field-group asset found")
	}
}
