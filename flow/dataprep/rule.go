// Package dataprep implements Adobe Data Prep's mapping language: source paths, constants and expressions
// that turn a source event into an XDM record.
package dataprep

// Source types, as Data Prep names them.
const (
	Attribute  = "ATTRIBUTE"
	Static     = "STATIC"
	Expression = "EXPRESSION"
)

// Rule is one mapping in Data Prep's wire form. Reading also accepts the older
// sourceAttribute/destinationXdmPath form that Adobe's Customer.io tutorial shows.
type Rule struct {
	SourceType  string `json:"sourceType"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
}
