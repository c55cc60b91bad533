package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// scalePlatform is a platform with n datasets in prod, written straight to its store in one transaction
// (creating 100,000 through the API would take minutes), and a token to call it with.
func scalePlatform(b *testing.B, datasets int) (*Platform, string) {
	b.Helper()
	p, err := Open(Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	tx, err := p.st.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UnixNano()
	for i := range datasets {
		id := fmt.Sprintf("%024x", i)
		doc, _ := json.Marshal(map[string]any{
			"id": id, "name": fmt.Sprintf("Dataset %06d", i), "description": "customer events", "version": "1.0.0",
			"imsOrg": OrgID, "created": now / 1e6, "updated": now / 1e6, "createdClient": "bench",
			"schemaRef": map[string]any{"id": "https://ns.adobe.com/bench/schemas/" + id, "contentType": "application/vnd.adobe.xed+json;version=1"},
			"tags":      map[string]any{"adobe/pqs/table": []string{"dataset_" + id}},
		})
		if _, err := tx.Exec(`INSERT INTO resources (kind, sandbox, id, created, doc) VALUES (?, 'prod', ?, ?, ?)`, kindDataset, id, now+int64(i), string(doc)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return p, p.issueToken("bench", time.Now())
}

// platformGet calls the platform's handler in process, as the client would over HTTP.
func platformGet(b testing.TB, p *Platform, token, path string) []byte {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range map[string]string{"Authorization": "Bearer " + token, "x-api-key": "bench", "x-gw-ims-org-id": OrgID, "x-sandbox-name": "prod"} {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// BenchmarkDatasetPage100k asks Catalog for one page of 100 datasets, at a random offset, out of
// 100,000, with the properties the client asks for. Budget: 5 ms a page.
func BenchmarkDatasetPage100k(b *testing.B) {
	const n = 100_000
	p, token := scalePlatform(b, n)
	for b.Loop() {
		body := platformGet(b, p, token, fmt.Sprintf("/data/foundation/catalog/dataSets?properties=name,description,schemaRef,tags&limit=100&start=%d&orderBy=asc:created", rand.IntN(n-100)))
		var page map[string]json.RawMessage
		if err := json.Unmarshal(body, &page); err != nil || len(page) != 100 {
			b.Fatalf("page of %d: %v", len(page), err)
		}
	}
}

// BenchmarkDatasetByName100k is the lookup setup makes on a re-run: Catalog's name filter over 100,000.
func BenchmarkDatasetByName100k(b *testing.B) {
	const n = 100_000
	p, token := scalePlatform(b, n)
	for b.Loop() {
		body := platformGet(b, p, token, fmt.Sprintf("/data/foundation/catalog/dataSets?properties=name&limit=100&name=Dataset+%06d", rand.IntN(n)))
		var page map[string]json.RawMessage
		if err := json.Unmarshal(body, &page); err != nil || len(page) != 1 {
			b.Fatalf("found %d: %v", len(page), err)
		}
	}
}

// BenchmarkDatasetPicker100k loads 100,000 datasets through the client the wizard's picker uses, over
// loopback HTTP, and reports when the first page arrived (the picker shows it and takes keys from then
// on; budget 1 s) and when the last did.
func BenchmarkDatasetPicker100k(b *testing.B) {
	const n = 100_000
	p, _ := scalePlatform(b, n)
	srv := httptest.NewServer(p)
	b.Cleanup(srv.Close)
	var first, all time.Duration
	for b.Loop() {
		c := aep.New(aep.Config{PlatformURL: srv.URL, IMSURL: srv.URL, OrgID: OrgID, ClientID: "bench", ClientSecret: "bench"})
		start := time.Now()
		got := 0
		err := c.Datasets(context.Background(), func(ds []aep.Dataset) error {
			if got == 0 {
				first += time.Since(start)
			}
			got += len(ds)
			return nil
		})
		if err != nil || got < n {
			b.Fatalf("%d datasets: %v", got, err)
		}
		all += time.Since(start)
	}
	b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "ms-first-page")
	b.ReportMetric(float64(all.Milliseconds())/float64(b.N), "ms-all")
}

// benchDataEnv names a directory the event benchmarks seed and keep, so the command-line figures in
// the README (`cioaep local events --json --data DIR` against sqlite3) can be taken on the same data.
const benchDataEnv = "CIOAEP_BENCH_DATA"

// eventPlatform is a platform holding n events of one flow, a tenth of them failed, written through the
// event writer as the inlet would (so run summaries are kept too).
func eventPlatform(b *testing.B, n int) (*Platform, string) {
	b.Helper()
	dir := os.Getenv(benchDataEnv)
	if dir == "" {
		dir = b.TempDir()
	}
	p, err := Open(Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	const flow = "c1b2e3d4-0000-4000-8000-000000000001"
	have, err := p.Events(b.Context(), EventFilter{Limit: n})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	next.Store(int64(len(have)))
	var wg sync.WaitGroup
	start := time.Now().Add(-2 * time.Hour).UnixMilli()
	for range 256 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				row := eventRow{XactionID: fmt.Sprintf("%d:1000:%d", start, i), Sandbox: "prod", DatasetID: "5c8c3c555033b814b69f947f",
					FlowID: flow, InletID: "bench", ReceivedMs: start + i, Raw: benchEvent(int(i), 200)}
				if i%10 == 0 {
					row.Failed, row.Reason = true, "XDM validation failed: timestamp: required"
				} else {
					row.Record = fmt.Appendf(nil, `{"_id":"01BENCH%08d","timestamp":"2021-02-11T17:04:49.000Z","_cioaep":{"customerio":{"event_id":"01BENCH%08d","object_type":"email","metric":"sent","email":"a@example.com","id":"42","delivery_id":"d%d"}}}`, i, i, i)
				}
				if err := p.writer.write(b.Context(), row); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return p, flow
}

// BenchmarkRuns100k is what `cioaep status` asks for: a flow's runs, with 100,000 events ingested.
func BenchmarkRuns100k(b *testing.B) {
	p, flow := eventPlatform(b, 100_000)
	token := p.issueToken("bench", time.Now())
	for b.Loop() {
		body := platformGet(b, p, token, flowBase+"/runs?property=flowId=="+flow)
		if !bytes.Contains(body, []byte(`"inputRecordCount"`)) {
			b.Fatalf("runs: %s", body)
		}
	}
}

// BenchmarkEventsJSON100k is `cioaep local events --json` without the process: 100,000 events read
// from the event log and written as JSON lines through a buffer.
func BenchmarkEventsJSON100k(b *testing.B) {
	p, _ := eventPlatform(b, 100_000)
	log := &EventLog{db: p.st.db}
	for b.Loop() {
		out := bufio.NewWriterSize(io.Discard, 64<<10)
		var line []byte
		n := 0
		err := log.Each(b.Context(), EventFilter{}, func(e *Event) error {
			n++
			line = append(e.AppendJSON(line[:0]), '\n')
			_, err := out.Write(line)
			return err
		})
		if err != nil || n < 100_000 {
			b.Fatalf("%d events: %v", n, err)
		}
		out.Flush()
	}
}
