package local

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
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
func platformGet(b *testing.B, p *Platform, token, path string) []byte {
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
