package flow

import (
	"encoding/json"
	"fmt"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// customerIOMapping is the default mapping for a schema made from the Customer.io field group. The
// template is embedded and tested, so failing to decode it is a build defect, not a user's problem.
func customerIOMapping(tenant string) []dataprep.Rule {
	var rules []dataprep.Rule
	if err := json.Unmarshal(assets.CustomerIOMapping(tenant), &rules); err != nil {
		panic(fmt.Sprintf("assets: the default Customer.io mapping does not decode: %v", err))
	}
	return rules
}

// customerIOFieldGroup is the Schema Registry body of the Customer.io field group, titled.
func customerIOFieldGroup(tenant, title string) map[string]any {
	var fg map[string]any
	if err := json.Unmarshal(assets.CustomerIOFieldGroup(tenant), &fg); err != nil {
		panic(fmt.Sprintf("assets: the Customer.io field group does not decode: %v", err))
	}
	fg["title"] = title
	return fg
}

// identityPath is where the Customer.io field group keeps the email the identity descriptor points at.
func identityPath(tenant string) string { return "/_" + tenant + "/customerio/email" }
