package local

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/cioaep/cioaep/flow/dataprep"
)

// inletRec ties an inlet id to the flow that owns it.
type inletRec struct {
	Sandbox string `json:"sandbox"`
	FlowID  string `json:"flowId"`
}

// route is everything the inlet needs to ingest into one flow, prepared once: the compiled mapping and
// the composed target schema. Building it per event would cost several queries and a compile.
type route struct {
	inletID   string
	sandbox   string
	flowID    string
	datasetID string
	enabled   bool
	mapping   *dataprep.Mapping
	schema    map[string]any // xed-full target schema
	broken    string         // why events cannot be mapped (deleted dataset, …); "" when fine
}

// inletCache holds routes by inlet id. Any change to a flow, mapping set, schema or dataset empties it,
// which is rare next to the event rate.
type inletCache struct {
	mu     sync.RWMutex
	routes map[string]*route
}

func newInletCache() *inletCache { return &inletCache{routes: map[string]*route{}} }

func (c *inletCache) invalidate() {
	c.mu.Lock()
	c.routes = map[string]*route{}
	c.mu.Unlock()
}

// route returns the inlet's route, building it on first use; ok is false for an unknown inlet.
func (p *Platform) route(ctx context.Context, inletID string) (*route, bool, error) {
	p.inlets.mu.RLock()
	rt, ok := p.inlets.routes[inletID]
	p.inlets.mu.RUnlock()
	if ok {
		return rt, true, nil
	}
	var in inletRec
	if err := p.st.get(ctx, kindInlet, "", inletID, &in); err != nil {
		if errors.Is(err, errNotFound) {
			return nil, false, nil
		}
		return nil, false, err
	}
	rt, err := p.buildRoute(ctx, inletID, in)
	if err != nil {
		return nil, false, err
	}
	p.inlets.mu.Lock()
	p.inlets.routes[inletID] = rt
	p.inlets.mu.Unlock()
	return rt, true, nil
}

// buildRoute follows flow → target connection → dataset and flow → mapping set → schema. A link that no
// longer holds makes the route broken rather than failing: events are then recorded as failed with the
// reason, as Adobe records records it cannot ingest.
func (p *Platform) buildRoute(ctx context.Context, inletID string, in inletRec) (*route, error) {
	rt := &route{inletID: inletID, sandbox: in.Sandbox, flowID: in.FlowID}
	var f flowRec
	if err := p.st.get(ctx, kindFlow, in.Sandbox, in.FlowID, &f); err != nil {
		return nil, err
	}
	rt.enabled = f.Doc["state"] == "enabled"
	tids := resolve(f.Doc, []string{"targetConnectionIds", "[]"})
	var target map[string]any
	if len(tids) == 0 || p.st.get(ctx, kindTargetConn, in.Sandbox, scalarString(tids[0]), &target) != nil {
		rt.broken = "the dataflow's target connection no longer exists"
		return rt, nil
	}
	rt.datasetID, _ = resolveString(target, "params", "dataSetId")
	var ds map[string]any
	if p.st.get(ctx, kindDataset, in.Sandbox, rt.datasetID, &ds) != nil {
		rt.broken = fmt.Sprintf("dataset %s no longer exists", rt.datasetID)
		return rt, nil
	}
	var params map[string]any
	if ps := resolve(f.Doc, []string{"transformations", "[]", "params"}); len(ps) > 0 {
		params, _ = ps[0].(map[string]any)
	}
	mid, _ := params["mappingId"].(string)
	ver, _ := mappingVersion(params["mappingVersion"])
	var ms mappingSetRec
	if p.st.get(ctx, kindMappingSet, in.Sandbox, mid, &ms) != nil || ver >= len(ms.Versions) {
		rt.broken = fmt.Sprintf("mapping set %s version %d no longer exists", mid, ver)
		return rt, nil
	}
	rules, err := ms.Versions[ver].rules()
	if err == nil {
		rt.mapping, err = dataprep.Compile(rules)
	}
	if err != nil {
		rt.broken = "the dataflow's mapping cannot be used: " + err.Error()
		return rt, nil
	}
	sch, err := p.findSchema(ctx, in.Sandbox, datasetSchemaID(ds))
	if err == nil {
		rt.schema, err = p.composeSchema(ctx, in.Sandbox, sch)
	}
	if err != nil {
		rt.broken = "the dataset's schema cannot be read: " + err.Error()
	}
	return rt, nil
}
