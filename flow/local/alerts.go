package local

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Alert subscriptions. Adobe lets a person subscribe to a dataflow's alerts in its UI (Alerts → Browse,
// help/observability/alerts/ui.md) and through Adobe I/O Events in Developer Console
// (help/observability/alerts/subscribe.md); it documents no API for either (api/alerts.md is a title
// with no content). So this endpoint is the local platform's own, under /local like its health check:
// it records who asked for which alerts of which flow, so the monitor's "subscribe" does something real
// here and tests can see it.

// kindAlertSub is the resource kind of a stored subscription.
const kindAlertSub = "alertSubscription"

// alertRules are the sources dataflow alerts a subscription may name, as Adobe I/O Events names them
// (help/sources/notifications.md: sources_flow_run_success, sources_flow_run_failure).
var alertRules = []string{"sources_flow_run_failure", "sources_flow_run_success"}

type alertSub struct {
	ID      string    `json:"id"`
	FlowID  string    `json:"flowId"`
	Rules   []string  `json:"rules"`
	Created time.Time `json:"created"`
}

// handleAlertSubscribe answers POST /local/alerts/subscriptions with {"flowId","rules":[…]}: 201 and the
// stored subscription. Subscribing again to the same flow replaces the rules rather than adding a copy.
func (p *Platform) handleAlertSubscribe(w http.ResponseWriter, r *http.Request, c *call) {
	var req alertSub
	if _, ok := decodeBody(w, r, &req, func(status int, msg string) {
		flowError(w, status, "1100-400", "Invalid request", "%s", msg)
	}); !ok {
		return
	}
	if len(req.Rules) == 0 {
		flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "rules must name at least one of %v", alertRules)
		return
	}
	for _, rule := range req.Rules {
		if !slices.Contains(alertRules, rule) {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "unknown alert rule %q: use %v", rule, alertRules)
			return
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var f flowRec
	if err := p.st.get(r.Context(), kindFlow, c.Sandbox.Name, req.FlowID, &f); err != nil {
		flowError(w, http.StatusNotFound, "1439-404", "Not Found", "Flow with id '%s' was not found.", req.FlowID)
		return
	}
	sub := alertSub{ID: req.FlowID, FlowID: req.FlowID, Rules: req.Rules, Created: time.Now().UTC()}
	if err := p.st.put(r.Context(), kindAlertSub, c.Sandbox.Name, sub.ID, sub); err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "store the subscription: %v", err)
		return
	}
	writeJSON(w, http.StatusCreated, sub)
}

// alertSubscriptions lists a flow's subscriptions.
func (p *Platform) alertSubscriptions(ctx context.Context, sandbox, flowID string) ([]alertSub, error) {
	raws, err := p.st.list(ctx, kindAlertSub, sandbox)
	if err != nil {
		return nil, err
	}
	out := []alertSub{}
	for _, raw := range raws {
		var s alertSub
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("a stored alert subscription is unreadable: %w", err)
		}
		if s.FlowID == flowID {
			out = append(out, s)
		}
	}
	return out, nil
}
