package local

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// BenchmarkInlet measures the inlet end to end: single-event POSTs over loopback HTTP from 32
// concurrent senders, each answered only after its event is durably committed (synchronous=FULL, group
// commit). It reports events/s and the 99th-percentile latency.
func BenchmarkInlet(b *testing.B) {
	const senders = 32
	p, err := Open(Config{DataDir: b.TempDir(), InletRate: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(p)
	defer srv.Close()
	defer p.Close()
	p.SetBaseURL(srv.URL)
	e := &env{t: b, p: p, srv: srv, base: srv.URL, id: "bench"}
	e.token = p.issueToken("bench", time.Now())
	d := localtest.NewDataflow(b, e.base, "prod")
	target := d.WebhookURL()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}

	var next atomic.Int64
	lat := make([][]time.Duration, senders)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				body := fmt.Appendf(nil, `{"event_id":"01BENCH%08d","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"a@example.com","id":"42"},"delivery_id":"d%d"}}`, i, i)
				t0 := time.Now()
				res, err := client.Post(target, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				lat[s] = append(lat[s], time.Since(t0))
			}
		}(s)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}
