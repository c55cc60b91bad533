package flow

import "github.com/cioaep/cioaep/flow/dataprep"

// DestinationKind says where Customer.io events land.
type DestinationKind int

const (
	// ExistingDataset streams into a dataset that already exists, on its schema.
	ExistingDataset DestinationKind = iota
	// NewDataset creates a dataset on an existing schema.
	NewDataset
	// NewSchema creates the Customer.io field group, schema, identity descriptor and a dataset on it.
	NewSchema
)

// Destination is the dataset (and schema) the dataflow writes to.
type Destination struct {
	Kind               DestinationKind
	DatasetID          string // ExistingDataset
	SchemaID           string // ExistingDataset (filled in from the dataset) and NewDataset
	DatasetName        string // NewDataset and NewSchema
	DatasetDescription string
}

// Options are the dataflow toggles of Adobe's "Dataflow detail" page.
type Options struct {
	ProfileEnabled          bool
	ErrorDiagnostics        bool
	PartialIngestionPercent int // 0 leaves partial ingestion off
}

// Plan is everything the user chose; Apply makes it real.
type Plan struct {
	// ID is the short id carried in every resource name so a re-run can find what it made. Callers leave
	// it empty and flow decides: the profile's unfinished setup is continued, else a new id is drawn.
	ID          string
	Profile     string
	Sandbox     string
	Events      []string // Customer.io object types
	Destination Destination
	Options     Options
	Mapping     []dataprep.Rule // empty: the default mapping for the destination
	Name        string
	Description string
}
