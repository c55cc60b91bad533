package aep

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/cioaep/cioaep/flow/dataprep"
)

const conversion = "/data/foundation/conversion"

// MappingSet is a Data Prep mapping set: the rules that turn a Customer.io event into an XDM record
// of one schema.
type MappingSet struct {
	ID       string
	Name     string // "" for mapping sets created without one (the UI and older clients send none)
	Version  int
	SchemaID string
	Mappings []dataprep.Rule
}

// MappingInput is what creates, updates, validation and previews send.
type MappingInput struct {
	// Name is the mapping set's name (data-prep.yaml's MappingSet.name), sent on create and update so an
	// interrupted create can be found again with FindMappingSets. Validation and previews leave it out.
	Name     string
	SchemaID string // the target schema's $id; must match the flow's target connection (1425-400)
	Mappings []dataprep.Rule
}

func (in MappingInput) wire() map[string]any {
	mappings := in.Mappings
	if mappings == nil {
		mappings = []dataprep.Rule{}
	}
	return map[string]any{
		"outputSchema": map[string]any{"schemaRef": map[string]string{"id": in.SchemaID, "contentType": XEDFullContentType}},
		"mappings":     mappings,
	}
}

// stored is the body of a create or a PUT: the wire form plus the name, when there is one.
func (in MappingInput) stored() map[string]any {
	w := in.wire()
	if in.Name != "" {
		w["name"] = in.Name
	}
	return w
}

// wireMappingSet reads both the current and the older (sourceAttribute/destinationXdmPath) rule forms.
type wireMappingSet struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Version      int    `json:"version"`
	OutputSchema struct {
		SchemaRef struct {
			ID string `json:"id"`
		} `json:"schemaRef"`
	} `json:"outputSchema"`
	Mappings []struct {
		SourceType         string `json:"sourceType"`
		Source             string `json:"source"`
		Destination        string `json:"destination"`
		SourceAttribute    string `json:"sourceAttribute"`
		DestinationXDMPath string `json:"destinationXdmPath"`
	} `json:"mappings"`
}

func (w wireMappingSet) mappingSet() MappingSet {
	ms := MappingSet{ID: w.ID, Name: w.Name, Version: w.Version, SchemaID: w.OutputSchema.SchemaRef.ID}
	for _, m := range w.Mappings {
		r := dataprep.Rule{SourceType: m.SourceType, Source: first(m.Source, m.SourceAttribute),
			Destination: first(m.Destination, m.DestinationXDMPath)}
		switch m.SourceType { // the older form names source types by media type
		case "text/x.schema-path":
			r.SourceType = dataprep.Attribute
		case "text/x.aep-xl":
			r.SourceType = dataprep.Expression
		}
		ms.Mappings = append(ms.Mappings, r)
	}
	return ms
}

// CreateMappingSet creates a mapping set (Data Prep answers 200, not 201) and returns its id and
// version 0. An unknown outcome is ErrAmbiguous: give the set a Name and look it up with
// FindMappingSets before trying again.
func (c *Client) CreateMappingSet(ctx context.Context, in MappingInput) (MappingSet, error) {
	var w wireMappingSet
	if _, err := c.do(ctx, request{method: "POST", path: conversion + "/mappingSets", body: in.stored(), kind: mutate, out: &w}); err != nil {
		return MappingSet{}, err
	}
	if w.ID == "" {
		return MappingSet{}, ambiguous(fmt.Errorf("POST %s%s/mappingSets: the answer has no id", c.cfg.PlatformURL, conversion))
	}
	ms := w.mappingSet() // the create answer is only id, version and dates (SimpleRepresentation)
	if ms.SchemaID == "" {
		ms.SchemaID, ms.Mappings = in.SchemaID, in.Mappings
	}
	ms.Name = first(ms.Name, in.Name)
	return ms, nil
}

// mappingSetPageSize is how many mapping sets one list call asks for. Data Prep requires limit and
// start on every list call (data-prep.yaml marks both required).
const mappingSetPageSize = 100

// FindMappingSets returns the mapping sets named exactly name, in the order Data Prep lists them; ""
// returns every mapping set of the sandbox. The name filter goes to Data Prep and is checked again here,
// because the file does not say whether it matches exactly. Data Prep pages by offset (start) and the
// page shape gives no total, so pages are read in turn until one comes back short.
func (c *Client) FindMappingSets(ctx context.Context, name string) ([]MappingSet, error) {
	var out []MappingSet
	seen := map[string]bool{}
	for page := range maxPages {
		q := url.Values{"limit": {strconv.Itoa(mappingSetPageSize)}, "start": {strconv.Itoa(page * mappingSetPageSize)}}
		if name != "" {
			q.Set("name", name)
		}
		var p struct {
			Data []wireMappingSet `json:"data"`
		}
		if _, err := c.do(ctx, request{method: "GET", path: conversion + "/mappingSets", query: q, out: &p}); err != nil {
			return nil, err
		}
		fresh := 0
		for _, w := range p.Data {
			if seen[w.ID] {
				continue // a set created while paging shifts the offsets: the next page repeats one
			}
			seen[w.ID], fresh = true, fresh+1
			if name == "" || w.Name == name {
				out = append(out, w.mappingSet())
			}
		}
		if len(p.Data) < mappingSetPageSize || fresh == 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("listing mapping sets: more than %d pages; the platform keeps sending full pages", maxPages)
}

// MappingSet reads a mapping set's latest version.
func (c *Client) MappingSet(ctx context.Context, id string) (MappingSet, error) {
	var w wireMappingSet
	_, err := c.do(ctx, request{method: "GET", path: conversion + "/mappingSets/" + url.PathEscape(id), out: &w})
	return w.mappingSet(), err
}

// UpdateMappingSet replaces a mapping set's rules and returns the new version, which the flow's
// transformation must then point at (PatchFlow). An unknown outcome is ErrAmbiguous: read the mapping
// set to see whether its version moved. A PUT carries the whole mapping set, so pass its Name too, or a
// later FindMappingSets may no longer find it.
func (c *Client) UpdateMappingSet(ctx context.Context, id string, in MappingInput) (MappingSet, error) {
	var w wireMappingSet
	_, err := c.do(ctx, request{method: "PUT", path: conversion + "/mappingSets/" + url.PathEscape(id), body: in.stored(), kind: mutate, out: &w})
	if err != nil {
		return MappingSet{}, err
	}
	ms := w.mappingSet()
	ms.ID, ms.Name = first(ms.ID, id), first(ms.Name, in.Name)
	if ms.SchemaID == "" {
		ms.SchemaID, ms.Mappings = in.SchemaID, in.Mappings
	}
	return ms, nil
}

// RuleResult is Data Prep's verdict on one rule, in the order of the rules sent.
type RuleResult struct {
	Status string // "SUCCESS" | "FAILED"
	Errors []MappingError
}

// OK reports whether the rule passed.
func (r RuleResult) OK() bool { return strings.EqualFold(r.Status, "SUCCESS") }

// MappingError is one Data Prep complaint about a rule or a previewed record.
type MappingError struct {
	Source      string `json:"source,omitempty"`
	Destination string `json:"destination,omitempty"`
	Message     string `json:"message"`
}

func (e MappingError) String() string {
	if e.Destination != "" {
		return e.Destination + ": " + e.Message
	}
	return e.Message
}

// UnmarshalJSON accepts a plain string or a TransformErrorInfo-like object (exception, message or reason).
func (e *MappingError) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*e = MappingError{Message: clean(s, 1000)}
		return nil
	}
	var o map[string]any
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*e = MappingError{Source: clean(str(o["source"]), 300), Destination: clean(str(o["destination"]), 300),
		Message: clean(first(str(o["exception"]), str(o["message"]), str(o["reason"]), str(o["detail"])), 1000)}
	return nil
}

// ValidateMappings asks Data Prep to check rules against the schema before anything is created.
func (c *Client) ValidateMappings(ctx context.Context, in MappingInput) ([]RuleResult, error) {
	var out struct {
		ValidationResponse []RuleResult `json:"validationResponse"`
	}
	_, err := c.do(ctx, request{method: "POST", path: conversion + "/mappingSets/validate", body: in.wire(), out: &out})
	return out.ValidationResponse, err
}

// Preview is what one sample event becomes under a mapping.
type Preview struct {
	Data   map[string]any
	Errors []MappingError
}

// PreviewMapping maps samples with Data Prep itself, so the user sees exactly what Platform will
// write. It returns one Preview per sample.
func (c *Client) PreviewMapping(ctx context.Context, in MappingInput, samples []map[string]any) ([]Preview, error) {
	if samples == nil {
		samples = []map[string]any{}
	}
	body := map[string]any{"data": samples, "mappingSet": in.wire()}
	resp, err := c.do(ctx, request{method: "POST", path: conversion + "/mappingSets/preview", body: body})
	if err != nil {
		return nil, err
	}
	type wirePreview struct {
		Data   map[string]any `json:"data"`
		Errors []MappingError `json:"errors"`
	}
	// platform.md shows a list, Adobe's OpenAPI file a single object: accept both.
	var list []wirePreview
	trimmed := bytes.TrimSpace(resp.body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var one wirePreview
		err = json.Unmarshal(trimmed, &one)
		list = []wirePreview{one}
	} else {
		err = json.Unmarshal(trimmed, &list)
	}
	if err != nil {
		return nil, fmt.Errorf("POST %s%s/mappingSets/preview: the answer is not the JSON expected (%v)", c.cfg.PlatformURL, conversion, err)
	}
	out := make([]Preview, len(list))
	for i, p := range list {
		out[i] = Preview(p)
	}
	return out, nil
}
