package aep

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/cioaep/cioaep/flow/safetext"
)

const flowService = "/data/foundation/flowservice"

// The fixed Flow Service ids of the Customer.io source (platform.md).
const (
	CustomerIOConnectionSpecID = "96479064-7b8a-4d69-b9ed-21c5683837ea"
	CustomerIOProviderID       = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
	// StreamingFlowSpecID (GenericStreamingAEP) is shared by every Streaming SDK source, so flows are
	// found through their source connection, never by flow spec alone.
	StreamingFlowSpecID      = "e77fde5a-22a8-11ed-861d-0242ac120002"
	DataLakeConnectionSpecID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
	SpecVersion              = "1.0"
	// MappingTransformation is the only transformation name Flow Service accepts for Data Prep.
	MappingTransformation = "Mapping"
)

// SpecRef points at a connection or flow spec.
type SpecRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// ConnectionSpec is the part of a connection spec the product checks (that the source exists in
// this organisation and sandbox).
type ConnectionSpec struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ProviderID string `json:"providerId"`
	Version    string `json:"version"`
}

// ConnectionData is a connection's data format and, for targets, the schema written.
type ConnectionData struct {
	Format string         `json:"format"`
	Schema *SchemaVersion `json:"schema,omitempty"`
}

// SchemaVersion names a schema and the representation Flow Service uses (XEDFullContentType).
type SchemaVersion struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// SourceConnection is a Flow Service source connection. Customer.io's has no base connection.
type SourceConnection struct {
	ID             string         `json:"id,omitempty"`
	Name           string         `json:"name"`
	Description    string         `json:"description,omitempty"`
	ProviderID     string         `json:"providerId,omitempty"`
	ConnectionSpec SpecRef        `json:"connectionSpec"`
	Data           ConnectionData `json:"data"`
	ETag           string         `json:"etag,omitempty"`
	State          string         `json:"state,omitempty"`
}

// TargetConnection is a Flow Service target connection; the data lake one writes to a dataset.
type TargetConnection struct {
	ID             string         `json:"id,omitempty"`
	Name           string         `json:"name"`
	Description    string         `json:"description,omitempty"`
	ConnectionSpec SpecRef        `json:"connectionSpec"`
	Data           ConnectionData `json:"data"`
	Params         TargetParams   `json:"params"`
	ETag           string         `json:"etag,omitempty"`
	State          string         `json:"state,omitempty"`
}

// TargetParams are a data lake target's parameters.
type TargetParams struct {
	DataSetID string `json:"dataSetId"`
}

// Created is what Flow Service answers to a create, patch or action. ETag includes its quotes.
type Created struct {
	ID   string `json:"id"`
	ETag string `json:"etag"`
}

// Flow is a dataflow.
type Flow struct {
	ID                  string           `json:"id,omitempty"`
	Name                string           `json:"name"`
	Description         string           `json:"description,omitempty"`
	FlowSpec            SpecRef          `json:"flowSpec"`
	SourceConnectionIDs []string         `json:"sourceConnectionIds"`
	TargetConnectionIDs []string         `json:"targetConnectionIds"`
	Transformations     []Transformation `json:"transformations,omitempty"`
	Options             *FlowOptions     `json:"options,omitempty"`
	// Read-only: CreateFlow never sends these (a state on create is rejected with 1410-400).
	State string `json:"state,omitempty"` // "enabled" | "disabled"
	ETag  string `json:"etag,omitempty"`
}

// InletURL is the streaming endpoint, once Flow Service has provisioned it ("" until then, and "" when
// it is not a plain http(s) URL: see Inlet).
func (f Flow) InletURL() string {
	u, _ := f.Inlet()
	return u
}

// Inlet is the streaming endpoint ("" until Flow Service has provisioned it), or an error when the
// platform sent something other than a plain http(s) URL. The URL is printed, copied and saved as the
// webhook address, so an escape sequence or a bidi override in it must be refused before any of that.
func (f Flow) Inlet() (string, error) {
	if f.Options == nil || f.Options.InletURL == "" {
		return "", nil
	}
	if err := safetext.CheckURL(f.Options.InletURL); err != nil {
		return "", fmt.Errorf("flow %s has an inlet URL cioaep refuses to print or save: %w", safetext.Line(f.ID), err)
	}
	return f.Options.InletURL, nil
}

// MappingID returns the Data Prep mapping set and version the flow uses, if any.
func (f Flow) MappingID() (id string, version int, ok bool) {
	for _, t := range f.Transformations {
		if t.Name == MappingTransformation {
			return t.Params.MappingID, t.Params.MappingVersion, true
		}
	}
	return "", 0, false
}

// Transformation attaches a mapping set to a flow.
type Transformation struct {
	Name   string               `json:"name"`
	Params TransformationParams `json:"params"`
}

// TransformationParams name the mapping set version.
type TransformationParams struct {
	MappingID      string `json:"mappingId"`
	MappingVersion int    `json:"mappingVersion"`
}

// FlowOptions are the streaming options of the UI's "Dataflow detail" page, plus the inlet URL that
// Flow Service adds.
type FlowOptions struct {
	ErrorDiagnosticsEnabled bool   `json:"errorDiagnosticsEnabled,omitempty"`
	PartialIngestionPercent int    `json:"partialIngestionPercent,omitempty"`
	InletURL                string `json:"inletUrl,omitempty"`
}

// Run is one flow run's record counts and status.
type Run struct {
	ID      string `json:"id"`
	FlowID  string `json:"flowId"`
	Metrics struct {
		RecordSummary struct {
			InputRecordCount  int64 `json:"inputRecordCount"`
			OutputRecordCount int64 `json:"outputRecordCount"`
			FailedRecordCount int64 `json:"failedRecordCount"`
		} `json:"recordSummary"`
		StatusSummary struct {
			Status string `json:"status"`
			Errors []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"errors"`
		} `json:"statusSummary"`
		DurationSummary struct {
			StartedAtUTC   int64 `json:"startedAtUTC"`
			CompletedAtUTC int64 `json:"completedAtUTC"`
		} `json:"durationSummary"`
	} `json:"metrics"`
}

// Flow actions for FlowAction.
const (
	Enable  = "ENABLE"
	Disable = "DISABLE"
)

// ConnectionSpec looks up a connection spec, which tells whether a source is available at all.
func (c *Client) ConnectionSpec(ctx context.Context, id string) (ConnectionSpec, error) {
	var out ConnectionSpec
	err := c.getItem(ctx, "/connectionSpecs/"+url.PathEscape(id), &out)
	return out, err
}

// CreateSourceConnection creates sc (leave ID, ETag and State empty). An unknown outcome is
// ErrAmbiguous: look it up with SourceConnections by name before trying again.
func (c *Client) CreateSourceConnection(ctx context.Context, sc SourceConnection) (Created, error) {
	sc.ID, sc.ETag, sc.State = "", "", ""
	return c.create(ctx, "/sourceConnections", sc)
}

// SourceConnection looks one source connection up.
func (c *Client) SourceConnection(ctx context.Context, id string) (SourceConnection, error) {
	var out SourceConnection
	err := c.getItem(ctx, "/sourceConnections/"+url.PathEscape(id), &out)
	return out, err
}

// SourceConnections lists source connections matching every filter, in Flow Service's property
// syntax ("connectionSpec.id==<id>"), following continuation tokens.
func (c *Client) SourceConnections(ctx context.Context, filters ...string) ([]SourceConnection, error) {
	var out []SourceConnection
	err := listFlowService(c, ctx, "/sourceConnections", filters, &out)
	return out, err
}

// DeleteSourceConnection deletes a source connection; one that is already gone is not an error.
func (c *Client) DeleteSourceConnection(ctx context.Context, id string) error {
	return c.delete(ctx, "/sourceConnections/"+url.PathEscape(id))
}

// CreateTargetConnection creates tc (leave ID, ETag and State empty). An unknown outcome is
// ErrAmbiguous: look it up with TargetConnections by name before trying again.
func (c *Client) CreateTargetConnection(ctx context.Context, tc TargetConnection) (Created, error) {
	tc.ID, tc.ETag, tc.State = "", "", ""
	return c.create(ctx, "/targetConnections", tc)
}

// TargetConnection looks one target connection up.
func (c *Client) TargetConnection(ctx context.Context, id string) (TargetConnection, error) {
	var out TargetConnection
	err := c.getItem(ctx, "/targetConnections/"+url.PathEscape(id), &out)
	return out, err
}

// TargetConnections lists target connections matching every filter ("params.dataSetId==<id>", …).
func (c *Client) TargetConnections(ctx context.Context, filters ...string) ([]TargetConnection, error) {
	var out []TargetConnection
	err := listFlowService(c, ctx, "/targetConnections", filters, &out)
	return out, err
}

// DeleteTargetConnection deletes a target connection; one that is already gone is not an error.
func (c *Client) DeleteTargetConnection(ctx context.Context, id string) error {
	return c.delete(ctx, "/targetConnections/"+url.PathEscape(id))
}

// CreateFlow creates f. ID, State, ETag and the inlet URL are never sent. An unknown outcome is
// ErrAmbiguous: look it up with Flows by source connection before trying again.
func (c *Client) CreateFlow(ctx context.Context, f Flow) (Created, error) {
	f.ID, f.State, f.ETag = "", "", ""
	if f.SourceConnectionIDs == nil { // Flow Service rejects null lists
		f.SourceConnectionIDs = []string{}
	}
	if f.TargetConnectionIDs == nil {
		f.TargetConnectionIDs = []string{}
	}
	if f.Options != nil {
		o := *f.Options
		o.InletURL = ""
		f.Options = &o
		if o == (FlowOptions{}) {
			f.Options = nil
		}
	}
	return c.create(ctx, "/flows", f)
}

// Flow looks one flow up; its InletURL may stay empty for a while after creation.
func (c *Client) Flow(ctx context.Context, id string) (Flow, error) {
	var out Flow
	err := c.getItem(ctx, "/flows/"+url.PathEscape(id), &out)
	return out, err
}

// Flows lists flows matching every filter, e.g. "sourceConnectionIds[]==<id1>,<id2>" (comma = or).
func (c *Client) Flows(ctx context.Context, filters ...string) ([]Flow, error) {
	var out []Flow
	err := listFlowService(c, ctx, "/flows", filters, &out)
	return out, err
}

// PatchFlow applies RFC 6902 ops to a flow whose current etag (quotes included) is etag. A stale etag
// is an *Error with code FLOW-1404-412: read the flow again and retry. An unknown outcome is
// ErrAmbiguous: read the flow to see whether the change is there.
func (c *Client) PatchFlow(ctx context.Context, id, etag string, ops []PatchOp) (Created, error) {
	var out Created
	_, err := c.do(ctx, request{method: "PATCH", path: flowService + "/flows/" + url.PathEscape(id),
		header: map[string][]string{"If-Match": {etag}}, body: ops, kind: mutate, out: &out})
	return out, err
}

// FlowAction enables or disables a flow (op is Enable or Disable). Repeating it is harmless.
func (c *Client) FlowAction(ctx context.Context, id, op string) (Created, error) {
	if op != Enable && op != Disable {
		return Created{}, fmt.Errorf("flow action %q: want %s or %s", op, Enable, Disable)
	}
	var out Created
	_, err := c.do(ctx, request{method: "POST", path: flowService + "/flows/" + url.PathEscape(id) + "/action",
		query: url.Values{"op": {op}}, kind: repeatable, out: &out})
	return out, err
}

// DeleteFlow deletes a flow; one that is already gone is not an error. Delete the flow before its
// connections.
func (c *Client) DeleteFlow(ctx context.Context, id string) error {
	return c.delete(ctx, "/flows/"+url.PathEscape(id))
}

// Runs lists a flow's runs, newest data as Flow Service orders it.
func (c *Client) Runs(ctx context.Context, flowID string) ([]Run, error) {
	var out []Run
	err := listFlowService(c, ctx, "/runs", []string{"flowId==" + flowID}, &out)
	return out, err
}

func (c *Client) create(ctx context.Context, path string, body any) (Created, error) {
	var out Created
	_, err := c.do(ctx, request{method: "POST", path: flowService + path, body: body, kind: mutate, out: &out})
	if err == nil && out.ID == "" {
		err = ambiguous(fmt.Errorf("POST %s%s%s: the answer has no id", c.cfg.PlatformURL, flowService, path))
	}
	return out, err
}

// getItem reads a Flow Service resource, which always comes wrapped as {"items":[…]}.
func (c *Client) getItem(ctx context.Context, path string, out any) error {
	var env struct {
		Items []json.RawMessage `json:"items"`
	}
	if _, err := c.do(ctx, request{method: "GET", path: flowService + path, out: &env}); err != nil {
		return err
	}
	if env.Items == nil { // absent or null: not a Flow Service answer, and no sign that the resource is gone
		return fmt.Errorf("GET %s%s%s: the answer is not the JSON expected (it has no \"items\")", c.cfg.PlatformURL, flowService, path)
	}
	if len(env.Items) == 0 {
		return &Error{Status: 404, Title: "Not found", Detail: "the answer lists no item", Method: "GET",
			URL: c.cfg.PlatformURL + flowService + path, Sandbox: c.sandbox}
	}
	return json.Unmarshal(env.Items[0], out)
}

// delete treats 404 as done: a retried DELETE whose first attempt succeeded finds nothing.
func (c *Client) delete(ctx context.Context, path string) error {
	_, err := c.do(ctx, request{method: "DELETE", path: flowService + path, kind: repeatable})
	if isStatus(err, 404) {
		return nil
	}
	return err
}

// flowServicePageSize is small enough for Flow Service and large enough that few users ever see a
// second page.
const flowServicePageSize = 100

// listFlowService gathers every item of a Flow Service list, following continuation tokens.
// Filters go as separate property parameters (Flow Service ANDs them); limit is never sent with count.
func listFlowService[T any](c *Client, ctx context.Context, path string, filters []string, out *[]T) error {
	token := ""
	for range maxPages {
		q := url.Values{"limit": {strconv.Itoa(flowServicePageSize)}}
		for _, f := range filters {
			q.Add("property", f)
		}
		if token != "" {
			q.Set("continuationToken", token)
		}
		var page struct {
			Items []T   `json:"items"`
			Links links `json:"_links"`
		}
		if _, err := c.do(ctx, request{method: "GET", path: flowService + path, query: q, out: &page}); err != nil {
			return err
		}
		*out = append(*out, page.Items...)
		nq, ok := nextQuery(page.Links.next(), q)
		next := nq.Get("continuationToken")
		if !ok || next == "" || next == token || len(page.Items) == 0 {
			return nil
		}
		token = next
	}
	return fmt.Errorf("listing %s: more than %d pages; the platform keeps sending a continuation token", path, maxPages)
}
