package aep

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// observability is the Observability Insights API's base path.
const observability = "/data/infrastructure/observability/insights"

// Metric names of Observability Insights (help/observability/api/metrics.md, "Available metrics").
const (
	// MetricRecordSuccess counts the records a dataset ingested (filter: dataSetId).
	MetricRecordSuccess = "timeseries.ingestion.dataset.recordsuccess.count"
	// MetricRecordFailed counts the records a dataset failed to ingest (filter: dataSetId). metrics.md's
	// appendix lists the identity and profile variants of this name but not the ingestion one; clients in
	// daily use against Adobe query it, so cioaep asks for it and copes when it is refused (Metrics says
	// which names came back).
	MetricRecordFailed = "timeseries.ingestion.dataset.recordfailed.count"
	// MetricInletReceived counts the messages an inlet received (filter: inletId; the filter's name for
	// inlets is not shown on the page, which only says the ID query parameter is the inlet id).
	MetricInletReceived = "timeseries.data.collection.inlet.total.messages.received"
)

// Granularities of a metrics query. metrics.md writes "day" in the request and answers "DAY".
const (
	Minute = "minute"
	Hour   = "hour"
	Day    = "day"
)

// MetricFilter narrows one metric: Name is the entity ("dataSetId", "inletId"), Value one id or several
// joined with "|", and GroupBy asks for one series per id instead of their sum.
type MetricFilter struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	GroupBy bool   `json:"groupBy"`
}

// MetricQuery is one metric of a metrics request.
type MetricQuery struct {
	Name       string         `json:"name"`
	Filters    []MetricFilter `json:"filters,omitempty"`
	Aggregator string         `json:"aggregator"`
	Downsample string         `json:"downsample,omitempty"`
}

// MetricsRequest is the body of POST /metrics.
type MetricsRequest struct {
	Start       string        `json:"start"` // RFC 3339 with milliseconds, as metrics.md writes them
	End         string        `json:"end"`
	Granularity string        `json:"granularity,omitempty"`
	Metrics     []MetricQuery `json:"metrics"`
}

// MetricDatapoints is one series: GroupBy names the entity it belongs to (empty when the filter's ids were
// summed), Dps maps each bucket's start (RFC 3339) to its value.
type MetricDatapoints struct {
	GroupBy map[string]string  `json:"groupBy"`
	Dps     map[string]float64 `json:"dps"`
}

// MetricResponse is one metric of the answer.
type MetricResponse struct {
	Metric      string             `json:"metric"`
	Filters     []MetricFilter     `json:"filters"`
	Datapoints  []MetricDatapoints `json:"datapoints"`
	Granularity string             `json:"granularity"`
}

// MetricsResponse is the answer of POST /metrics.
type MetricsResponse struct {
	MetricResponses []MetricResponse `json:"metricResponses"`
}

// Point is one bucket of a series, in time order.
type Point struct {
	At    time.Time
	Value float64
}

// Series returns a metric's values summed over its datapoints, bucket by bucket, oldest first; ok is
// false when the answer has no such metric.
func (r MetricsResponse) Series(metric string) (pts []Point, ok bool) {
	sum := map[time.Time]float64{}
	for _, mr := range r.MetricResponses {
		if mr.Metric != metric {
			continue
		}
		ok = true
		for _, dp := range mr.Datapoints {
			for k, v := range dp.Dps {
				at, err := time.Parse(time.RFC3339, k)
				if err != nil {
					continue // a key that is not a time is no bucket
				}
				sum[at.UTC()] += v
			}
		}
	}
	for at, v := range sum {
		pts = append(pts, Point{At: at, Value: v})
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].At.Before(pts[j].At) })
	return pts, ok
}

// Metrics asks Observability Insights for metric series (POST /metrics). It only reads, so it is
// retried like a GET.
func (c *Client) Metrics(ctx context.Context, req MetricsRequest) (MetricsResponse, error) {
	var out MetricsResponse
	_, err := c.do(ctx, request{method: "POST", path: observability + "/metrics", body: req, kind: read, out: &out})
	return out, err
}

// MetricTime formats t the way metrics.md writes start and end.
func MetricTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// InletID is the last path segment of an inlet URL (https://dcs.adobedc.net/collection/<inlet id>).
func InletID(inletURL string) string {
	u, err := url.Parse(inletURL)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(u.Path, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// LocalActivityPath is where the local platform serves a flow's recent events by Customer.io object type
// and metric. Adobe has no such endpoint (its metrics stop at the dataset); it is the local platform's
// own, under the same /local prefix as its health check.
const LocalActivityPath = "/local/flows/"

// Activity is a flow's recent events as the local platform saw them.
type Activity struct {
	ByType []TypeCount         `json:"byType"`
	Events []RecentEvent       `json:"lastEvents"`
	Alerts []AlertSubscription `json:"alerts,omitempty"`
}

// TypeCount counts one Customer.io object type and metric since the query's start.
type TypeCount struct {
	ObjectType string `json:"objectType"`
	Metric     string `json:"metric"`
	Ingested   int64  `json:"ingested"`
	Failed     int64  `json:"failed"`
}

// RecentEvent is one event the inlet received.
type RecentEvent struct {
	Time       time.Time `json:"time"`
	ObjectType string    `json:"objectType"`
	Metric     string    `json:"metric"`
	Accepted   bool      `json:"accepted"`
	Reason     string    `json:"reason,omitempty"`
}

// LocalActivity reads a flow's events since since (newest limit events, and counts by type) from the
// local platform. Adobe answers it with an error: call it only against the local platform.
func (c *Client) LocalActivity(ctx context.Context, flowID string, since time.Time, limit int) (Activity, error) {
	var out Activity
	q := url.Values{"since": {since.UTC().Format(time.RFC3339)}, "limit": {strconv.Itoa(limit)}}
	_, err := c.do(ctx, request{method: "GET", path: LocalActivityPath + url.PathEscape(flowID) + "/activity", query: q, out: &out})
	return out, err
}

// AlertSubscription is a subscription to a dataflow's alerts, as the local platform records it.
type AlertSubscription struct {
	ID      string    `json:"id,omitempty"`
	FlowID  string    `json:"flowId"`
	Rules   []string  `json:"rules"`
	Created time.Time `json:"created,omitzero"`
}

// Alert rules a Customer.io dataflow can subscribe to: the sources alerts of Adobe's dataflow page, named
// as Adobe's I/O events name them (help/sources/notifications.md).
var AlertRules = []string{"sources_flow_run_failure", "sources_flow_run_success"}

// AlertsGuideURL explains how a person subscribes to Platform alerts on Adobe (Experience Platform →
// Alerts → Browse → … → Subscribe). Adobe documents no API for it: help/observability/alerts/ui.md
// describes the UI, and api/alerts.md has a title and no content.
const AlertsGuideURL = "https://experienceleague.adobe.com/en/docs/experience-platform/observability/alerts/ui"

// SubscribeAlertsLocal records a subscription on the local platform (POST /local/alerts/subscriptions).
// Adobe has no API for this; it is the local platform's own.
func (c *Client) SubscribeAlertsLocal(ctx context.Context, s AlertSubscription) (AlertSubscription, error) {
	var out AlertSubscription
	_, err := c.do(ctx, request{method: "POST", path: "/local/alerts/subscriptions", body: s, kind: mutate, out: &out})
	if err == nil && out.ID == "" {
		err = fmt.Errorf("POST /local/alerts/subscriptions: the answer has no id")
	}
	return out, err
}
