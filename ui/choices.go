package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/cioaep/cioaep/flow"
)

// destDefaults are the destination step's starting values. The full-screen form and the accessible
// prompts both start from them, so the two modes cannot drift apart (a test drives both with defaults
// only and compares what they create).
var destDefaults = struct {
	Kind                            flow.DestinationKind
	DatasetName, DatasetDescription string
	Profile, Diagnostics, Partial   bool
	Threshold                       string // percent, once partial ingestion is on
	FlowName, FlowDescription       string
}{
	Kind:               flow.NewSchema,
	DatasetName:        "Customer.io events",
	DatasetDescription: "Reporting webhook events from Customer.io",
	// Adobe's UI tutorial leaves error diagnostics and partial ingestion off by default.
	Profile: false, Diagnostics: false, Partial: false,
	Threshold:       "5",
	FlowName:        "Customer.io → AEP",
	FlowDescription: "Customer.io reporting webhooks, set up by cioaep",
}

// wrapLines wraps prose to width cells (at least 20) and returns its lines, for a note set in a column.
func wrapLines(s string, width int) []string {
	lines := strings.Split(lipgloss.NewStyle().Width(max(width, 20)).Render(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}
