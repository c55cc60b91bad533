package aep

import (
	"encoding/json"
	"testing"
	"time"
)

// Series sums a metric's datapoints bucket by bucket, in time order, from metrics.md's answer shape.
func TestMetricsSeries(t *testing.T) {
	var r MetricsResponse
	err := json.Unmarshal([]byte(`{"metricResponses":[
	  {"metric":"timeseries.ingestion.dataset.recordsuccess.count","datapoints":[
	    {"groupBy":{"dataSetId":"a"},"dps":{"2020-07-15T00:00:00Z":46.0,"2020-07-14T00:00:00Z":44.0}},
	    {"groupBy":{"dataSetId":"b"},"dps":{"2020-07-14T00:00:00Z":1.0,"not a time":9.0}}],"granularity":"DAY"},
	  {"metric":"timeseries.ingestion.dataset.dailysize","datapoints":[{"groupBy":{},"dps":{"2020-07-14T00:00:00Z":38455.0}}]}]}`), &r)
	if err != nil {
		t.Fatal(err)
	}
	pts, ok := r.Series(MetricRecordSuccess)
	day := func(d int) time.Time { return time.Date(2020, 7, d, 0, 0, 0, 0, time.UTC) }
	if !ok || len(pts) != 2 || !pts[0].At.Equal(day(14)) || pts[0].Value != 45 || !pts[1].At.Equal(day(15)) || pts[1].Value != 46 {
		t.Errorf("series = %v %v", pts, ok)
	}
	if _, ok := r.Series(MetricRecordFailed); ok {
		t.Error("a metric the answer lacks reported ok")
	}
}

func TestInletID(t *testing.T) {
	for in, want := range map[string]string{
		"https://dcs.adobedc.net/collection/0123abcd": "0123abcd",
		"http://127.0.0.1:8790/collection/ff00/":      "ff00",
		"":                                            "",
	} {
		if got := InletID(in); got != want {
			t.Errorf("InletID(%q) = %q, want %q", in, got, want)
		}
	}
}
