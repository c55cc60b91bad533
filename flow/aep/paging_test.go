package aep_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/aep"
)

// catalogServer serves n datasets by offset like Catalog, optionally slowed by latency, and records
// how many requests were in flight at once.
type catalogServer struct {
	n        int
	latency  time.Duration
	inflight atomic.Int32
	peak     atomic.Int32
	requests atomic.Int32
	fail     func(offset int) bool
}

func (cs *catalogServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cs.requests.Add(1)
	now := cs.inflight.Add(1)
	defer cs.inflight.Add(-1)
	for {
		peak := cs.peak.Load()
		if now <= peak || cs.peak.CompareAndSwap(peak, now) {
			break
		}
	}
	if cs.latency > 0 {
		time.Sleep(cs.latency)
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	if limit < 1 || limit > 100 {
		writeJSON(w, 400, `{"message":"limit must be 1-100"}`)
		return
	}
	if cs.fail != nil && cs.fail(start) {
		writeJSON(w, 500, `{"message":"boom"}`)
		return
	}
	var b strings.Builder
	b.WriteString("{")
	for i := start; i < min(start+limit, cs.n); i++ {
		if i > start {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"ds%05d":{"name":"Dataset %d","schemaRef":{"id":"https://ns.adobe.com/acme/schemas/s%d","contentType":"application/vnd.adobe.xed+json;version=1"}}`, i, i, i%7)
	}
	b.WriteString("}")
	writeJSON(w, 200, b.String())
}

func TestDatasetsParallelOffsetPages(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 50, 100, 1001, 10000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			p := newPlatform(t)
			cs := &catalogServer{n: n}
			p.handle("GET /data/foundation/catalog/dataSets", cs.ServeHTTP)
			c, _ := p.client()
			got := map[string]bool{}
			pages := 0
			err := c.Datasets(ctx(t), func(ds []aep.Dataset) error {
				pages++
				for _, d := range ds {
					if got[d.ID] {
						t.Errorf("dataset %s delivered twice", d.ID)
					}
					got[d.ID] = true
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d datasets delivered, want %d", len(got), n)
			}
			full := n / 100 // full pages, then one short (maybe empty) page ends the listing
			max := int32(full + 1)
			if full > 0 {
				max += aep.DatasetConcurrency - 1 // pages already in flight when the short one lands
			}
			if r := cs.requests.Load(); r < int32(full+1) || r > max {
				t.Errorf("%d requests for %d datasets, want %d..%d", r, n, full+1, max)
			}
			if pk := cs.peak.Load(); pk > aep.DatasetConcurrency {
				t.Errorf("%d requests in flight at once, bound is %d", pk, aep.DatasetConcurrency)
			}
		})
	}
}

func TestDatasetsStopOnError(t *testing.T) {
	t.Parallel()
	t.Run("a_failing_page/error_returned", func(t *testing.T) {
		p := newPlatform(t)
		cs := &catalogServer{n: 5000, fail: func(off int) bool { return off == 1200 }}
		p.handle("GET /data/foundation/catalog/dataSets", cs.ServeHTTP)
		c, _ := p.client()
		err := c.Datasets(ctx(t), func([]aep.Dataset) error { return nil })
		var ae *aep.Error
		if !errors.As(err, &ae) || ae.Status != 500 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("callback_error/listing_stops", func(t *testing.T) {
		p := newPlatform(t)
		cs := &catalogServer{n: 10000}
		p.handle("GET /data/foundation/catalog/dataSets", cs.ServeHTTP)
		c, _ := p.client()
		stop := errors.New("enough")
		err := c.Datasets(ctx(t), func([]aep.Dataset) error { return stop })
		if !errors.Is(err, stop) {
			t.Fatalf("err = %v", err)
		}
		if r := cs.requests.Load(); r > 1 {
			t.Errorf("%d requests after the caller stopped at the first page", r)
		}
	})
}

// TestFindDatasetsWhenTheFilterIsIgnored: a server that ignores name= is paged through and
// filtered here, so an existing dataset is still found and never created twice.
func TestFindDatasetsWhenTheFilterIsIgnored(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	cs := &catalogServer{n: 2500}
	p.handle("GET /data/foundation/catalog/dataSets", cs.ServeHTTP)
	c, _ := p.client()
	ds, err := c.FindDatasets(ctx(t), "Dataset 2345")
	if err != nil || len(ds) != 1 || ds[0].ID != "ds02345" {
		t.Fatalf("FindDatasets = %+v, %v", ds, err)
	}
}

// registryServer pages n schemas by title cursor like the Schema Registry.
func registryServer(t testing.TB, n int, gate func(start string)) (http.HandlerFunc, *[]string) {
	titles := make([]string, n)
	for i := range titles {
		titles[i] = fmt.Sprintf("Schema %05d", i)
	}
	var mu sync.Mutex
	var starts []string
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		start := q.Get("start")
		mu.Lock()
		starts = append(starts, start)
		mu.Unlock()
		if q.Get("orderby") != "title" || (start != "" && q.Get("orderby") == "") {
			writeJSON(w, 400, `{"title":"start needs orderby"}`)
			return
		}
		if gate != nil {
			gate(start)
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		i := sort.SearchStrings(titles, start)
		if start != "" && i < n && titles[i] == start {
			i++
		}
		end := min(i+limit, n)
		var items []string
		for _, title := range titles[i:end] {
			items = append(items, fmt.Sprintf(`{"$id":"https://ns.adobe.com/acme/schemas/%x","meta:altId":"_acme.schemas.x","version":"1.0","title":%q}`, title, title))
		}
		next := "null"
		if end < n {
			next = strconv.Quote(titles[end-1])
		}
		writeJSON(w, 200, fmt.Sprintf(`{"results":[%s],"_page":{"orderby":"title","next":%s,"count":%d}}`, strings.Join(items, ","), next, len(items)))
	}, &starts
}

// TestSchemasFirstPageAfterOneRoundTrip: with 3,000 schemas the picker gets the first 300 while the
// second page is still being served.
func TestSchemasFirstPageAfterOneRoundTrip(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	firstDelivered := make(chan struct{})
	h, starts := registryServer(t, 3000, func(start string) {
		if start == "" {
			return
		}
		select { // the second page is answered only once the caller has the first
		case <-firstDelivered:
		case <-time.After(5 * time.Second):
			t.Error("the second page was requested but the first never reached the caller")
		}
	})
	p.handle("GET /data/foundation/schemaregistry/tenant/schemas", h)
	c, _ := p.client()
	var got []aep.SchemaRef
	pages := 0
	err := c.Schemas(ctx(t), func(refs []aep.SchemaRef) error {
		if pages == 0 {
			close(firstDelivered)
		}
		pages++
		got = append(got, refs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3000 || pages != 10 || len(*starts) != 10 {
		t.Fatalf("%d schemas in %d pages over %d requests, want 3000 in 10 over 10", len(got), pages, len(*starts))
	}
	if got[2999].Title != "Schema 02999" {
		t.Errorf("last title %q", got[2999].Title)
	}
	if (*starts)[1] != "Schema 00299" {
		t.Errorf("second request started at %q, want the previous page's _page.next", (*starts)[1])
	}
}

func TestFindSchemaPagesUntilFound(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	h, starts := registryServer(t, 1000, nil) // ignores the property filter, as a server may
	p.handle("GET /data/foundation/schemaregistry/tenant/schemas", h)
	c, _ := p.client()
	ref, ok, err := c.FindSchema(ctx(t), "Schema 00450")
	if err != nil || !ok || ref.Title != "Schema 00450" {
		t.Fatalf("FindSchema = %+v %v %v", ref, ok, err)
	}
	if len(*starts) != 2 {
		t.Errorf("%d pages read, want 2 (stop once found)", len(*starts))
	}
	if _, ok, err := c.FindSchema(ctx(t), "missing"); ok || err != nil {
		t.Errorf("missing schema: ok=%v err=%v", ok, err)
	}
}

func TestFlowServiceContinuationTokens(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	var queries []url.Values
	var mu sync.Mutex
	p.handle("GET /data/foundation/flowservice/flows", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		queries = append(queries, q)
		mu.Unlock()
		if q.Has("count") && q.Has("limit") {
			writeJSON(w, 400, `{"title":"limit and count together"}`)
			return
		}
		page, _ := strconv.Atoi(strings.TrimPrefix(q.Get("continuationToken"), "tok"))
		var items []string
		for i := page * 100; i < min(page*100+100, 250); i++ {
			items = append(items, fmt.Sprintf(`{"id":"f-%d","name":"flow %d"}`, i, i))
		}
		links := "{}"
		if page < 2 { // a next link on another host: only its token may be used
			links = fmt.Sprintf(`{"next":{"href":"https://platform.adobe.io/data/foundation/flowservice/flows?limit=100&property=x&continuationToken=tok%d"}}`, page+1)
		}
		writeJSON(w, 200, fmt.Sprintf(`{"items":[%s],"_links":%s}`, strings.Join(items, ","), links))
	})
	c, _ := p.client()
	flows, err := c.Flows(ctx(t), "sourceConnectionIds[]==s-1,s-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 250 || flows[249].ID != "f-249" {
		t.Fatalf("%d flows", len(flows))
	}
	if len(queries) != 3 {
		t.Fatalf("%d requests, want 3", len(queries))
	}
	for i, q := range queries {
		if q.Get("property") != "sourceConnectionIds[]==s-1,s-2" {
			t.Errorf("request %d lost the filter: %v", i, q)
		}
	}
	if queries[2].Get("continuationToken") != "tok2" {
		t.Errorf("third request token %q", queries[2].Get("continuationToken"))
	}
}

func TestSandboxesFollowNextLinks(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.handle("GET /data/foundation/sandbox-management/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "" {
			writeJSON(w, 200, `{"sandboxes":[{"name":"prod","state":"active"}],"_links":{"next":{"href":"/data/foundation/sandbox-management/?limit=1&offset=1"}}}`)
			return
		}
		writeJSON(w, 200, `{"sandboxes":[{"name":"dev","state":"failed"}],"_links":{"next":{"href":"/data/foundation/sandbox-management/?limit=1&offset=1"}}}`)
	})
	c, _ := p.client()
	sbs, err := c.Sandboxes(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(sbs) != 2 || !sbs[0].Active() || sbs[1].Active() {
		t.Fatalf("sandboxes %+v", sbs)
	}
	if n := len(p.calls("/data/")); n != 2 {
		t.Errorf("%d requests, want 2 (a repeated next link ends the listing)", n)
	}
}

// BenchmarkDatasets10k loads 10,000 datasets with 50 ms of latency per request and reports the wall
// time in round trips (issue 3 asks for at most 20).
func BenchmarkDatasets10k(b *testing.B) {
	const latency = 50 * time.Millisecond
	cs := &catalogServer{n: 10000, latency: latency}
	p := newPlatform(b)
	p.handle("GET /data/foundation/catalog/dataSets", cs.ServeHTTP)
	c, _ := p.client()
	if _, err := c.Token(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n := 0
		if err := c.Datasets(context.Background(), func(ds []aep.Dataset) error { n += len(ds); return nil }); err != nil || n != 10000 {
			b.Fatalf("%d datasets, %v", n, err)
		}
	}
	wall := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(wall)/float64(latency), "round-trips")
	b.ReportMetric(float64(cs.requests.Load())/float64(b.N), "requests")
}

// BenchmarkSchemasFirstPage3k reports how many round trips pass before a 3,000-schema listing hands
// the caller its first page (issue 3: one).
func BenchmarkSchemasFirstPage3k(b *testing.B) {
	const latency = 50 * time.Millisecond
	p := newPlatform(b)
	h, _ := registryServer(nil, 3000, func(string) { time.Sleep(latency) })
	p.handle("GET /data/foundation/schemaregistry/tenant/schemas", h)
	c, _ := p.client()
	if _, err := c.Token(context.Background()); err != nil {
		b.Fatal(err)
	}
	stop := errors.New("first page seen")
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := c.Schemas(context.Background(), func([]aep.SchemaRef) error { return stop }); !errors.Is(err, stop) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start)/time.Duration(b.N))/float64(latency), "round-trips-to-first-page")
}
