package local

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Observability Insights, computed from the events the inlet stored. Request and answer shapes, metric
// names, the filter form and the error body follow help/observability/api/metrics.md (V2).
const observabilityBase = "/data/infrastructure/observability/insights"

// Metric names this platform can compute from its event store. metrics.md's appendix lists the first
// and the inlet one; the ingestion recordfailed name is not in the appendix (the identity and profile
// ones are) but Adobe's clients query it, so it is served too, counted from failed events.
const (
	metricRecordSuccess = "timeseries.ingestion.dataset.recordsuccess.count"
	metricRecordFailed  = "timeseries.ingestion.dataset.recordfailed.count"
	metricInletReceived = "timeseries.data.collection.inlet.total.messages.received"
)

// knownMetrics are every name of metrics.md's appendix. A name outside it is INSGHT-1000-400 ("Invalid
// metrics"); a known one this platform has no data for answers with empty series rather than an error.
var knownMetrics = []string{
	"timeseries.ingestion.dataset.size", "timeseries.ingestion.dataset.dailysize",
	"timeseries.ingestion.dataset.batchfailed.count", "timeseries.ingestion.dataset.batchsuccess.count",
	metricRecordSuccess, metricRecordFailed,
	"timeseries.data.collection.validation.category.presence.count",
	metricInletReceived, "timeseries.data.collection.inlet.total.messages.size.received",
	"timeseries.data.collection.inlet.success", "timeseries.data.collection.inlet.failure",
	"timeseries.identity.dataset.recordsuccess.count", "timeseries.identity.dataset.recordfailed.count",
	"timeseries.identity.dataset.namespacecode.recordfailed.count", "timeseries.identity.dataset.namespacecode.recordskipped.count",
	"timeseries.identity.graph.imsorg.uniqueidentities.count", "timeseries.identity.graph.imsorg.namespacecode.uniqueidentities.count",
	"timeseries.identity.graph.imsorg.graphstrength.uniqueidentities.count",
	"timeseries.profiles.dataset.recordread.count", "timeseries.profiles.dataset.recordsuccess.count",
	"timeseries.profiles.dataset.batchsuccess.count",
}

// functions are the OpenTSDB aggregators metrics.md points to that make sense for counts; zimsum, mimmin
// and mimmax differ from sum, min and max only in how they fill gaps, and here every bucket exists.
var functions = map[string]string{"sum": "sum", "zimsum": "sum", "avg": "avg", "min": "min", "mimmin": "min",
	"max": "max", "mimmax": "max", "count": "count"}

// granularities are the bucket sizes this platform serves; metrics.md names DAY and MONTH as examples.
var granularities = map[string]time.Duration{"MINUTE": time.Minute, "HOUR": time.Hour, "DAY": 24 * time.Hour}

// maxBuckets bounds one series, so a year at minute granularity is refused rather than built.
const maxBuckets = 50000

type metricFilter struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	GroupBy bool   `json:"groupBy"`
}

type metricQuery struct {
	Name       string         `json:"name"`
	Filters    []metricFilter `json:"filters"`
	Aggregator string         `json:"aggregator"`
	Downsample string         `json:"downsample"`
}

type metricsRequest struct {
	Start       string        `json:"start"`
	End         string        `json:"end"`
	Granularity string        `json:"granularity"`
	Metrics     []metricQuery `json:"metrics"`
}

// insightsError answers in the shape of metrics.md's "Error messages".
func insightsError(w http.ResponseWriter, c *call, status int, code, title string) {
	writeJSON(w, status, map[string]any{
		"type":   "http://ns.adobe.com/aep/errors/" + code,
		"title":  title,
		"status": status,
		"report": map[string]any{
			"tenantInfo":        map[string]any{"sandboxName": c.Sandbox.Name, "sandboxId": c.Sandbox.ID, "imsOrgId": c.OrgID},
			"additionalContext": nil,
		},
		"error-chain": []any{map[string]any{"serviceId": "INSGHT", "errorCode": code, "invokingServiceId": "INSGHT",
			"unixTimeStampMs": time.Now().UnixMilli()}},
	})
}

// handleMetrics answers POST /metrics.
func (p *Platform) handleMetrics(w http.ResponseWriter, r *http.Request, c *call) {
	bad := func(title string) {
		insightsError(w, c, http.StatusBadRequest, "INSGHT-1000-400", "Bad Request - "+title)
	}
	var req metricsRequest
	if _, ok := decodeBody(w, r, &req, func(_ int, msg string) { bad(msg) }); !ok {
		return
	}
	start, err1 := parseMetricTime(req.Start)
	end, err2 := parseMetricTime(req.End)
	switch {
	case err1 != nil:
		bad("start must be a date-time such as 2020-07-14T00:00:00.000Z.")
		return
	case err2 != nil:
		bad("end must be a date-time such as 2020-07-22T00:00:00.000Z.")
		return
	case start.After(end):
		bad("Start date cannot be after end date.")
		return
	case len(req.Metrics) == 0:
		bad("metrics must list at least one metric.")
		return
	}
	step := time.Duration(0)
	gran := strings.ToUpper(req.Granularity)
	if req.Granularity != "" {
		var ok bool
		if step, ok = granularities[gran]; !ok {
			bad(fmt.Sprintf("Invalid granularity %q: use minute, hour or day.", req.Granularity))
			return
		}
		if int(end.Sub(start)/step) > maxBuckets {
			bad(fmt.Sprintf("The range holds more than %d %s buckets: narrow it or use a coarser granularity.", maxBuckets, strings.ToLower(gran)))
			return
		}
	}
	for _, m := range req.Metrics {
		switch {
		case !slices.Contains(knownMetrics, m.Name):
			bad(fmt.Sprintf("Invalid metrics: %q is not a metric Observability Insights knows.", m.Name))
			return
		case m.Aggregator == "":
			bad(fmt.Sprintf("Missing required field aggregator for metric %q.", m.Name))
			return
		case functions[m.Aggregator] == "":
			bad(fmt.Sprintf("Invalid aggregator %q for metric %q.", m.Aggregator, m.Name))
			return
		case req.Granularity != "" && m.Downsample == "":
			// metrics.md: "When using this field, a corresponding downsample property must also be provided".
			bad(fmt.Sprintf("granularity needs a downsample for metric %q.", m.Name))
			return
		case m.Downsample != "" && functions[m.Downsample] == "":
			bad(fmt.Sprintf("Invalid downsample %q for metric %q.", m.Downsample, m.Name))
			return
		}
		for _, f := range m.Filters {
			if f.Name != filterFor(m.Name) || strings.Trim(f.Value, "|") == "" {
				bad(fmt.Sprintf("Invalid filter %q for metric %q: it takes %s with one id or several joined by |.", f.Name, m.Name, filterFor(m.Name)))
				return
			}
		}
	}
	if step == 0 {
		step = end.Sub(start) + time.Millisecond // no granularity: one bucket for the whole range
	}
	out := []any{}
	for _, m := range req.Metrics {
		mr, err := p.metricResponse(r.Context(), c, m, start, end, step, gran)
		if err != nil {
			insightsError(w, c, http.StatusInternalServerError, "INSGHT-1001-500", "Metrics query failed")
			return
		}
		out = append(out, mr)
	}
	writeJSON(w, http.StatusOK, map[string]any{"metricResponses": out})
}

func parseMetricTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("empty")
	}
	return time.Parse(time.RFC3339Nano, s)
}

// filterFor is the filter a metric takes: inlet metrics are per inlet, the rest per dataset.
func filterFor(metric string) string {
	if strings.HasPrefix(metric, "timeseries.data.collection.inlet.") {
		return "inletId"
	}
	return "dataSetId"
}

// metricResponse builds one metric's answer: one series per id when a filter groups, else one in all.
func (p *Platform) metricResponse(ctx context.Context, c *call, m metricQuery, start, end time.Time, step time.Duration, gran string) (map[string]any, error) {
	type group struct {
		by  map[string]string
		ids []string // nil: every entity
	}
	groups := []group{{by: map[string]string{}}}
	filters := []any{}
	for _, f := range m.Filters {
		filters = append(filters, map[string]any{"name": f.Name, "value": f.Value, "groupBy": f.GroupBy})
		ids := strings.FieldsFunc(f.Value, func(r rune) bool { return r == '|' })
		if f.GroupBy {
			groups = groups[:0]
			for _, id := range ids {
				groups = append(groups, group{by: map[string]string{f.Name: id}, ids: []string{id}})
			}
		} else {
			groups = []group{{by: map[string]string{}, ids: ids}}
		}
	}
	var dps []any
	for _, g := range groups {
		perID := map[string]map[int64]float64{} // id → minute → count
		if err := p.countPerMinute(ctx, c.Sandbox.Name, m.Name, g.ids, start, end, perID); err != nil {
			return nil, err
		}
		dps = append(dps, map[string]any{"groupBy": g.by, "dps": buckets(perID, start, end, step, m.Downsample, m.Aggregator)})
	}
	mr := map[string]any{"metric": m.Name, "filters": filters, "datapoints": dps}
	if gran != "" {
		mr["granularity"] = gran
	}
	return mr, nil
}

// countPerMinute adds, per entity id and minute, the events of metric between start and end to out.
// Metrics this store has no events for stay empty.
func (p *Platform) countPerMinute(ctx context.Context, sandbox, metric string, ids []string, start, end time.Time, out map[string]map[int64]float64) error {
	var column, cond string
	switch metric {
	case metricRecordSuccess:
		column, cond = "dataset_id", "failed = 0"
	case metricRecordFailed:
		column, cond = "dataset_id", "failed = 1"
	case metricInletReceived:
		column, cond = "inlet_id", "1 = 1"
	default:
		return nil
	}
	q := `SELECT ` + column + `, received_ms / 60000, COUNT(*) FROM events WHERE sandbox = ? AND ` + cond +
		` AND received_ms >= ? AND received_ms <= ?`
	args := []any{sandbox, start.UnixMilli(), end.UnixMilli()}
	if ids != nil {
		q += ` AND ` + column + ` IN (` + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := p.st.db.QueryContext(ctx, q+` GROUP BY 1, 2`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var minute int64
		var n float64
		if err := rows.Scan(&id, &minute, &n); err != nil {
			return err
		}
		if out[id] == nil {
			out[id] = map[int64]float64{}
		}
		out[id][minute] = n
	}
	return rows.Err()
}

// buckets downsamples each entity's per-minute counts into buckets of step from start (every bucket
// from start up to the one holding end, as metrics.md's example lists its last day), then aggregates
// the entities bucket by bucket.
func buckets(perID map[string]map[int64]float64, start, end time.Time, step time.Duration, downsample, aggregator string) map[string]float64 {
	first := start.UTC().Truncate(step)
	if step > 24*time.Hour || step%time.Minute != 0 {
		first = start.UTC() // a whole-range bucket starts where the range does
	}
	out := map[string]float64{}
	for at := first; !at.After(end); at = at.Add(step) {
		var vals []float64
		for _, minutes := range perID {
			var inBucket []float64
			for m, n := range minutes {
				t := time.UnixMilli(m * 60000)
				if !t.Before(at) && t.Before(at.Add(step)) {
					inBucket = append(inBucket, n)
				}
			}
			vals = append(vals, apply(functions[downsampleOr(downsample)], inBucket))
		}
		out[at.Format(time.RFC3339)] = apply(functions[aggregator], vals)
	}
	return out
}

func downsampleOr(d string) string {
	if d == "" {
		return "sum"
	}
	return d
}

// apply folds values with one of the functions; no values is 0, the value of a bucket nothing fell in.
func apply(fn string, vals []float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	switch fn {
	case "count":
		return float64(len(vals))
	case "min":
		return slices.Min(vals)
	case "max":
		return slices.Max(vals)
	}
	var sum float64
	for _, v := range vals {
		sum += v
	}
	if fn == "avg" {
		return sum / float64(len(vals))
	}
	return sum
}

// handleActivity answers GET /local/flows/{id}/activity?since=&limit=: the flow's events since a time by
// Customer.io object type and metric, and the newest ones with the reason each failed. Adobe has no such
// endpoint (its metrics stop at the dataset); the monitor uses it on the local platform only.
func (p *Platform) handleActivity(w http.ResponseWriter, r *http.Request, c *call) {
	flowID := r.PathValue("id")
	var f flowRec
	if err := p.st.get(r.Context(), kindFlow, c.Sandbox.Name, flowID, &f); err != nil {
		flowError(w, http.StatusNotFound, "1439-404", "Not Found", "Flow with id '%s' was not found.", flowID)
		return
	}
	since := time.Now().Add(-time.Hour)
	if s := r.URL.Query().Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "since must be an RFC 3339 time, got %q", s)
			return
		}
		since = t
	}
	limit := 10
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "limit must be a number from 0 to 100, got %q", s)
			return
		}
		limit = n
	}
	// Accepted events keep only the mapped record: the default mapping writes the object type and metric
	// under the tenant's customerio object, and eventType as customerio.<type>.<metric>. Failed events
	// keep the raw Customer.io event, which has them at the top.
	base := `'$."_` + p.tenant + `".customerio.`
	typeExpr := `COALESCE(json_extract(record, ` + base + `object_type'), json_extract(raw, '$.object_type'), '')`
	metricExpr := `COALESCE(json_extract(record, ` + base + `metric'), json_extract(raw, '$.metric'), '')`
	ctx := r.Context()
	byType := []map[string]any{}
	rows, err := p.st.db.QueryContext(ctx, `SELECT `+typeExpr+`, `+metricExpr+`, SUM(failed = 0), SUM(failed)
		FROM events WHERE sandbox = ? AND flow_id = ? AND received_ms >= ? GROUP BY 1, 2 ORDER BY 1, 2`,
		c.Sandbox.Name, flowID, since.UnixMilli())
	if err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read events: %v", err)
		return
	}
	for rows.Next() {
		var typ, metric string
		var ok, failed int64
		if err := rows.Scan(&typ, &metric, &ok, &failed); err != nil {
			rows.Close()
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read events: %v", err)
			return
		}
		byType = append(byType, map[string]any{"objectType": typ, "metric": metric, "ingested": ok, "failed": failed})
	}
	rows.Close()
	last := []map[string]any{}
	rows, err = p.st.db.QueryContext(ctx, `SELECT received_ms, `+typeExpr+`, `+metricExpr+`, failed, reason
		FROM events WHERE sandbox = ? AND flow_id = ? ORDER BY seq DESC LIMIT ?`, c.Sandbox.Name, flowID, limit)
	if err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read events: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var ms int64
		var typ, metric, reason string
		var failed bool
		if err := rows.Scan(&ms, &typ, &metric, &failed, &reason); err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read events: %v", err)
			return
		}
		e := map[string]any{"time": time.UnixMilli(ms).UTC().Format(time.RFC3339Nano), "objectType": typ, "metric": metric, "accepted": !failed}
		if failed {
			e["reason"] = reason
		}
		last = append(last, e)
	}
	subs, err := p.alertSubscriptions(ctx, c.Sandbox.Name, flowID)
	if err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read alert subscriptions: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"byType": byType, "lastEvents": last, "alerts": subs})
}
