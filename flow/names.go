package flow

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// newPlanID returns a short random id for a new plan. It goes into every resource name as "(cioaep <id>)",
// which is how a re-run recognises what an interrupted run created: six hex digits keep names readable
// in Adobe's UI while making a clash between two plans in one sandbox unlikely.
func newPlanID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// tagPrefix starts the marker cioaep puts in every name it gives a resource.
const tagPrefix = "(cioaep "

// NameTagNote explains the marker where people type a name, so "(cioaep 3f9a1c)" in Adobe's UI is no
// surprise.
const NameTagNote = "cioaep adds “(cioaep <id>)” to each name, so a later run finds what it made."

// tagName appends the plan's marker to a name, unless the name carries one already (a re-run passes back
// names it read from the platform).
func tagName(name, planID string) string {
	name = strings.TrimSpace(name)
	if strings.Contains(name, tagPrefix) {
		return name
	}
	return name + " " + tagPrefix + planID + ")"
}

// Default names of the resources a plan creates, before tagging. The flow's name is the plan's Name when
// the user gave one.
const (
	defaultFlowName       = "Customer.io → AEP"
	defaultFieldGroupName = "Customer.io reporting webhook fields" // not the schema's title: the registry wants every title unique (XDM-1521-400)
	defaultSchemaName     = "Customer.io reporting webhook events"
	defaultDatasetName    = "Customer.io events"
	sourceConnectionName  = "Customer.io source"
	targetConnectionName  = "Customer.io → dataset"
	mappingSetName        = "Customer.io mapping"
)

// planNames are the tagged names of every resource of one plan.
type planNames struct {
	Flow, FieldGroup, Schema, Dataset, Source, Target, Mapping string
}

func namesFor(p Plan) planNames {
	or := func(s, def string) string {
		if strings.TrimSpace(s) == "" {
			return def
		}
		return s
	}
	return planNames{
		Flow:       tagName(or(p.Name, defaultFlowName), p.ID),
		FieldGroup: tagName(defaultFieldGroupName, p.ID),
		Schema:     tagName(defaultSchemaName, p.ID),
		Dataset:    tagName(or(p.Destination.DatasetName, defaultDatasetName), p.ID),
		Source:     tagName(sourceConnectionName, p.ID),
		Target:     tagName(targetConnectionName, p.ID),
		Mapping:    tagName(mappingSetName, p.ID),
	}
}
