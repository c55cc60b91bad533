package local

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// metricsPath is Observability Insights' metrics endpoint (help/observability/api/metrics.md).
const metricsPath = "/data/infrastructure/observability/insights/metrics"

// docMetricsRequest is metrics.md's request example, byte for byte in its fields.
const docMetricsRequest = `{
        "start": "2020-07-14T00:00:00.000Z",
        "end": "2020-07-22T00:00:00.000Z",
        "granularity": "day",
        "metrics": [
          {
            "name": "timeseries.ingestion.dataset.recordsuccess.count",
            "filters": [
              {
                "name": "dataSetId",
                "value": "5edcfb2fbb642119194c7d94|5eddb21420f516191b7a8dad",
                "groupBy": true
              }
            ],
            "aggregator": "sum",
            "downsample": "sum"
          },
          {
            "name": "timeseries.ingestion.dataset.dailysize",
            "filters": [
              {
                "name": "dataSetId",
                "value": "5eddb21420f516191b7a8dad",
                "groupBy": false
              }
            ],
            "aggregator": "sum",
            "downsample": "sum"
          }
        ]
      }`

// metricsAnswer is metrics.md's response shape.
type metricsAnswer struct {
	MetricResponses []struct {
		Metric  string `json:"metric"`
		Filters []struct {
			Name    string `json:"name"`
			Value   string `json:"value"`
			GroupBy bool   `json:"groupBy"`
		} `json:"filters"`
		Datapoints []struct {
			GroupBy map[string]string  `json:"groupBy"`
			Dps     map[string]float64 `json:"dps"`
		} `json:"datapoints"`
		Granularity string `json:"granularity"`
	} `json:"metricResponses"`
}

// The doc's example request gets the doc's example answer's shape: one object per metric in order,
// the filters echoed, one datapoints entry per grouped dataset and one with an empty groupBy for the
// ungrouped filter, a dps key for every day from start to end inclusive, granularity in capitals.
func TestMetricsDocExample(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.must(http.StatusOK, req{method: "POST", path: metricsPath, body: docMetricsRequest})
	var got metricsAnswer
	if err := json.Unmarshal(r.raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.MetricResponses) != 2 {
		t.Fatalf("metricResponses: %d, want 2: %s", len(got.MetricResponses), r.raw)
	}
	first, second := got.MetricResponses[0], got.MetricResponses[1]
	if first.Metric != "timeseries.ingestion.dataset.recordsuccess.count" || second.Metric != "timeseries.ingestion.dataset.dailysize" {
		t.Errorf("metrics out of order: %q, %q", first.Metric, second.Metric)
	}
	if first.Granularity != "DAY" || second.Granularity != "DAY" {
		t.Errorf("granularity %q %q, want DAY", first.Granularity, second.Granularity)
	}
	if len(first.Filters) != 1 || first.Filters[0].Value != "5edcfb2fbb642119194c7d94|5eddb21420f516191b7a8dad" || !first.Filters[0].GroupBy {
		t.Errorf("filters not echoed: %+v", first.Filters)
	}
	if len(first.Datapoints) != 2 || first.Datapoints[0].GroupBy["dataSetId"] != "5edcfb2fbb642119194c7d94" ||
		first.Datapoints[1].GroupBy["dataSetId"] != "5eddb21420f516191b7a8dad" {
		t.Fatalf("grouped datapoints: %+v", first.Datapoints)
	}
	if len(second.Datapoints) != 1 || len(second.Datapoints[0].GroupBy) != 0 {
		t.Errorf("ungrouped datapoints: %+v", second.Datapoints)
	}
	dps := first.Datapoints[0].Dps
	for _, day := range []string{"2020-07-14T00:00:00Z", "2020-07-18T00:00:00Z", "2020-07-22T00:00:00Z"} {
		if _, ok := dps[day]; !ok {
			t.Errorf("dps has no %s: %v", day, dps)
		}
	}
	if len(dps) != 9 {
		t.Errorf("dps has %d days, want 9 (14th to 22nd): %v", len(dps), dps)
	}
}

// Counts come from what the inlet stored: per minute, per dataset, accepted and failed apart, and per
// inlet for messages received.
func TestMetricsCountIngestedEvents(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	good := `{"event_id":"01E4C4C6P79C12J5A6KPE6XNNA","object_type":"email","metric":"sent","timestamp":1700000000,"data":{"identifiers":{"id":"1","email":"a@example.com"}}}`
	for i := range 3 {
		if st, body := d.Send(t, strings.Replace(good, "NNA", "NN"+string(rune('A'+i)), 1)); st != 200 {
			t.Fatalf("send: %d %s", st, body)
		}
	}
	if st, body := d.Send(t, `{"object_type":"sms","metric":"sent","timestamp":1700000000}`); st != 200 {
		t.Fatalf("send bad: %d %s", st, body)
	}
	now := time.Now().UTC()
	inlet := d.Inlet[strings.LastIndex(d.Inlet, "/")+1:]
	body := map[string]any{
		"start": now.Add(-10 * time.Minute).Format("2006-01-02T15:04:05.000Z"), "end": now.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"),
		"granularity": "minute",
		"metrics": []any{
			map[string]any{"name": metricRecordSuccess, "filters": []any{map[string]any{"name": "dataSetId", "value": d.Dataset, "groupBy": false}}, "aggregator": "sum", "downsample": "sum"},
			map[string]any{"name": metricRecordFailed, "filters": []any{map[string]any{"name": "dataSetId", "value": d.Dataset, "groupBy": false}}, "aggregator": "sum", "downsample": "sum"},
			map[string]any{"name": metricInletReceived, "filters": []any{map[string]any{"name": "inletId", "value": inlet, "groupBy": true}}, "aggregator": "sum", "downsample": "sum"},
			map[string]any{"name": metricRecordSuccess, "filters": []any{map[string]any{"name": "dataSetId", "value": "000000000000000000000000", "groupBy": false}}, "aggregator": "sum", "downsample": "sum"},
		},
	}
	r := e.must(http.StatusOK, req{method: "POST", path: metricsPath, body: body})
	var got metricsAnswer
	if err := json.Unmarshal(r.raw, &got); err != nil {
		t.Fatal(err)
	}
	total := func(i int) (sum float64, buckets int) {
		for _, dp := range got.MetricResponses[i].Datapoints {
			for _, v := range dp.Dps {
				sum += v
				buckets++
			}
		}
		return sum, buckets
	}
	if n, buckets := total(0); n != 3 || buckets < 11 {
		t.Errorf("recordsuccess: %v in %d buckets, want 3 in at least 11 minute buckets", n, buckets)
	}
	if n, _ := total(1); n != 1 {
		t.Errorf("recordfailed: %v, want 1", n)
	}
	if n, _ := total(2); n != 4 || got.MetricResponses[2].Datapoints[0].GroupBy["inletId"] != inlet {
		t.Errorf("inlet received: %v (%+v), want 4 for inlet %s", n, got.MetricResponses[2].Datapoints, inlet)
	}
	if n, _ := total(3); n != 0 {
		t.Errorf("another dataset: %v, want 0", n)
	}
	if got.MetricResponses[0].Granularity != "MINUTE" {
		t.Errorf("granularity %q", got.MetricResponses[0].Granularity)
	}
}

// Bad payloads are INSGHT-1000-400 in metrics.md's error shape, with the reason in the title.
func TestMetricsBadRequests(t *testing.T) {
	e := newEnv(t, Config{})
	ok := `{"name":"timeseries.ingestion.dataset.recordsuccess.count","aggregator":"sum","downsample":"sum"}`
	for name, tc := range map[string]struct{ body, title string }{
		"start after end":      {`{"start":"2020-07-22T00:00:00.000Z","end":"2020-07-14T00:00:00.000Z","metrics":[` + ok + `]}`, "Bad Request - Start date cannot be after end date."},
		"unknown metric":       {`{"start":"2020-07-14T00:00:00.000Z","end":"2020-07-22T00:00:00.000Z","metrics":[{"name":"timeseries.nothing","aggregator":"sum"}]}`, "Invalid metrics"},
		"missing aggregator":   {`{"start":"2020-07-14T00:00:00.000Z","end":"2020-07-22T00:00:00.000Z","metrics":[{"name":"timeseries.ingestion.dataset.recordsuccess.count"}]}`, "aggregator"},
		"invalid aggregator":   {`{"start":"2020-07-14T00:00:00.000Z","end":"2020-07-22T00:00:00.000Z","metrics":[{"name":"timeseries.ingestion.dataset.recordsuccess.count","aggregator":"median"}]}`, "Invalid aggregator"},
		"granularity, no down": {`{"start":"2020-07-14T00:00:00.000Z","end":"2020-07-22T00:00:00.000Z","granularity":"day","metrics":[{"name":"timeseries.ingestion.dataset.recordsuccess.count","aggregator":"sum"}]}`, "downsample"},
		"no metrics":           {`{"start":"2020-07-14T00:00:00.000Z","end":"2020-07-22T00:00:00.000Z","metrics":[]}`, "metrics"},
		"bad filter":           {`{"start":"2020-07-14T00:00:00.000Z","end":"2020-07-22T00:00:00.000Z","metrics":[{"name":"timeseries.ingestion.dataset.recordsuccess.count","aggregator":"sum","filters":[{"name":"flowId","value":"x"}]}]}`, "Invalid filter"},
		"too many buckets":     {`{"start":"2000-01-01T00:00:00.000Z","end":"2020-07-22T00:00:00.000Z","granularity":"minute","metrics":[` + ok + `]}`, "buckets"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.with(t).must(http.StatusBadRequest, req{method: "POST", path: metricsPath, body: tc.body})
			if str(r.obj, "type") != "http://ns.adobe.com/aep/errors/INSGHT-1000-400" || !strings.Contains(str(r.obj, "title"), tc.title) {
				t.Errorf("body %s: want INSGHT-1000-400 with %q in the title", r.raw, tc.title)
			}
			if str(r.obj, "report", "tenantInfo", "sandboxName") != "prod" || str(r.obj, "error-chain", 0, "errorCode") != "INSGHT-1000-400" {
				t.Errorf("report or error-chain missing: %s", r.raw)
			}
		})
	}
	// The gateway comes first, as for every Platform API.
	if r := e.do(req{method: "POST", path: metricsPath, body: docMetricsRequest, headers: map[string]string{"Authorization": "-"}}); r.status != http.StatusForbidden {
		t.Errorf("no token: %d %s", r.status, r.raw)
	}
}

// The activity endpoint counts events by Customer.io object type and metric and lists the newest with
// the reason a failed one was refused; alert subscriptions are recorded and listed with it.
func TestActivityAndAlerts(t *testing.T) {
	e := newEnv(t, Config{})
	d := localtest.NewDataflow(t, e.base, "prod")
	d.Send(t, `{"event_id":"01E4C4C6P79C12J5A6KPE6XNNA","object_type":"email","metric":"opened","timestamp":1700000000,"data":{"identifiers":{"id":"1","email":"a@example.com"}}}`)
	d.Send(t, `{"event_id":"01E4C4C6P79C12J5A6KPE6XNNB","object_type":"push","metric":"sent","timestamp":1700000000,"data":{"identifiers":{"id":"1"}}}`)
	d.Send(t, `{"object_type":"sms","metric":"sent","timestamp":1700000000}`)
	r := e.must(http.StatusOK, req{method: "GET", path: "/local/flows/" + d.Flow + "/activity?limit=2"})
	var got struct {
		ByType []struct {
			ObjectType, Metric string
			Ingested, Failed   int
		} `json:"byType"`
		LastEvents []struct {
			ObjectType, Metric, Reason string
			Accepted                   bool
			Time                       time.Time
		} `json:"lastEvents"`
		Alerts []any `json:"alerts"`
	}
	if err := json.Unmarshal(r.raw, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"email/opened": {1, 0}, "push/sent": {1, 0}, "sms/sent": {0, 1}}
	if len(got.ByType) != len(want) {
		t.Fatalf("byType %+v, want %v", got.ByType, want)
	}
	for _, b := range got.ByType {
		if w := want[b.ObjectType+"/"+b.Metric]; w != [2]int{b.Ingested, b.Failed} {
			t.Errorf("%s/%s: %d ingested %d failed, want %v", b.ObjectType, b.Metric, b.Ingested, b.Failed, w)
		}
	}
	if len(got.LastEvents) != 2 || got.LastEvents[0].ObjectType != "sms" || got.LastEvents[0].Accepted || got.LastEvents[0].Reason == "" ||
		got.LastEvents[1].ObjectType != "push" || !got.LastEvents[1].Accepted || got.LastEvents[0].Time.IsZero() {
		t.Errorf("lastEvents, newest first: %+v", got.LastEvents)
	}
	if len(got.Alerts) != 0 {
		t.Errorf("alerts before subscribing: %v", got.Alerts)
	}
	e.must(http.StatusBadRequest, req{method: "POST", path: "/local/alerts/subscriptions", body: map[string]any{"flowId": d.Flow, "rules": []string{"everything"}}})
	e.must(http.StatusNotFound, req{method: "POST", path: "/local/alerts/subscriptions", body: map[string]any{"flowId": "nope", "rules": []string{"sources_flow_run_failure"}}})
	for range 2 { // subscribing twice keeps one subscription
		e.must(http.StatusCreated, req{method: "POST", path: "/local/alerts/subscriptions", body: map[string]any{"flowId": d.Flow, "rules": []string{"sources_flow_run_failure"}}})
	}
	r = e.must(http.StatusOK, req{method: "GET", path: "/local/flows/" + d.Flow + "/activity"})
	if err := json.Unmarshal(r.raw, &got); err != nil || len(got.Alerts) != 1 {
		t.Errorf("alerts after subscribing: %s", r.raw)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/local/flows/nope/activity"})
}
