package aep

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

const catalog = "/data/foundation/catalog"

// Dataset is a Catalog dataset as the product needs it.
type Dataset struct {
	ID                string
	Name              string
	Description       string
	SchemaID          string // schemaRef.id
	SchemaContentType string // schemaRef.contentType
	Tags              map[string][]string
}

// catalogDataset is Catalog's wire form: the id is the key of the enclosing object, not a field.
type catalogDataset struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	SchemaRef   struct {
		ID          string `json:"id"`
		ContentType string `json:"contentType"`
	} `json:"schemaRef"`
	Tags map[string][]string `json:"tags"`
}

func (d catalogDataset) dataset(id string) Dataset {
	return Dataset{ID: id, Name: d.Name, Description: d.Description, SchemaID: d.SchemaRef.ID,
		SchemaContentType: d.SchemaRef.ContentType, Tags: d.Tags}
}

// Catalog paging: 100 is the largest page Catalog serves; DatasetConcurrency pages are in flight at
// once, which loads 10,000 datasets in about 12 round trips without hammering Catalog.
const (
	datasetPageSize    = 100
	DatasetConcurrency = 10
)

// Datasets lists every dataset in the sandbox (name and schema only), handing pages to page as they
// arrive, in no particular order. Catalog pages by offset, so after the first page the client fetches
// the following ones in parallel, keeping DatasetConcurrency requests in flight until a page comes back
// short. page runs on the caller's goroutine, one call at a time; an error from it stops the listing.
func (c *Client) Datasets(ctx context.Context, page func([]Dataset) error) error {
	return c.datasetPages(ctx, nil, page)
}

// FindDatasets returns the datasets named exactly name (Catalog does not enforce unique names). The
// name filter goes to Catalog and is checked again here; a server that ignores it is paged through.
func (c *Client) FindDatasets(ctx context.Context, name string) ([]Dataset, error) {
	var out []Dataset
	err := c.datasetPages(ctx, url.Values{"name": {name}}, func(ds []Dataset) error {
		for _, d := range ds {
			if d.Name == name {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

func (c *Client) datasetPages(ctx context.Context, filter url.Values, page func([]Dataset) error) error {
	seen := map[string]bool{}
	deliver := func(ds []Dataset) error {
		fresh := ds[:0:0]
		for _, d := range ds {
			if !seen[d.ID] { // offsets shift if a dataset is created while listing
				seen[d.ID] = true
				fresh = append(fresh, d)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		return page(fresh)
	}

	first, err := c.datasetPage(ctx, filter, 0)
	if err != nil {
		return err
	}
	if err := deliver(first); err != nil {
		return err
	}
	if len(first) < datasetPageSize {
		return nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		offset int
		ds     []Dataset
		err    error
	}
	results := make(chan result, DatasetConcurrency)
	next, inflight, end := datasetPageSize, 0, -1 // end: offset of the first short page seen
	launch := func() {
		off := next
		next += datasetPageSize
		inflight++
		go func() {
			ds, err := c.datasetPage(ctx, filter, off)
			results <- result{off, ds, err}
		}()
	}
	for range DatasetConcurrency {
		launch()
	}
	var failed error
	for inflight > 0 {
		r := <-results
		inflight--
		if failed != nil {
			continue // draining, so no goroutine is left behind
		}
		if r.err == nil {
			r.err = deliver(r.ds)
		}
		if r.err != nil {
			failed = r.err
			cancel()
			continue
		}
		if len(r.ds) < datasetPageSize && (end < 0 || r.offset < end) {
			end = r.offset
		}
		if end < 0 {
			launch()
		}
	}
	return failed
}

func (c *Client) datasetPage(ctx context.Context, filter url.Values, offset int) ([]Dataset, error) {
	q := url.Values{
		"properties": {"name,description,schemaRef,tags"},
		"limit":      {strconv.Itoa(datasetPageSize)},
		"start":      {strconv.Itoa(offset)},
		// a stable order keeps offsets meaningful across parallel requests
		"orderBy": {"asc:created"},
	}
	for k, v := range filter {
		q[k] = v
	}
	return c.datasetList(ctx, q)
}

func (c *Client) datasetList(ctx context.Context, q url.Values) ([]Dataset, error) {
	var byID map[string]catalogDataset
	if _, err := c.do(ctx, request{method: "GET", path: catalog + "/dataSets", query: q, out: &byID}); err != nil {
		return nil, err
	}
	out := make([]Dataset, 0, len(byID))
	for _, id := range sortedKeys(byID) {
		out = append(out, byID[id].dataset(id))
	}
	return out, nil
}

// Dataset looks one dataset up. A missing one is an *Error matching ErrNotFound.
func (c *Client) Dataset(ctx context.Context, id string) (Dataset, error) {
	var byID map[string]catalogDataset
	if _, err := c.do(ctx, request{method: "GET", path: catalog + "/dataSets/" + url.PathEscape(id), out: &byID}); err != nil {
		return Dataset{}, err
	}
	d, ok := byID[id]
	if !ok {
		if len(byID) != 1 {
			return Dataset{}, fmt.Errorf("GET %s%s/dataSets/%s: the answer does not contain that dataset", c.cfg.PlatformURL, catalog, id)
		}
		for _, only := range byID { // a proxy or local platform may key it differently; one entry is unambiguous
			d = only
		}
	}
	return d.dataset(id), nil
}

// NewDataset is what CreateDataset needs.
type NewDataset struct {
	Name        string
	Description string
	SchemaID    string
	// Profile tags the dataset for Real-Time Customer Profile and Identity Service; the schema must
	// be Profile-enabled too.
	Profile bool
}

// CreateDataset creates a dataset on a schema and returns its id. An unknown outcome is
// ErrAmbiguous: look it up with FindDatasets before trying again.
func (c *Client) CreateDataset(ctx context.Context, nd NewDataset) (string, error) {
	body := map[string]any{
		"name":        nd.Name,
		"description": nd.Description,
		"schemaRef":   map[string]string{"id": nd.SchemaID, "contentType": XEDContentType},
	}
	if nd.Profile {
		body["tags"] = map[string][]string{"unifiedProfile": {"enabled:true"}, "unifiedIdentity": {"enabled:true"}}
	}
	var refs []string
	_, err := c.do(ctx, request{method: "POST", path: catalog + "/dataSets", query: url.Values{"requestDataSource": {"true"}},
		body: body, kind: mutate, out: &refs})
	if err != nil {
		return "", err
	}
	for _, ref := range refs { // "@/dataSets/<id>"
		if i := strings.LastIndex(ref, "/"); i >= 0 && i < len(ref)-1 {
			return ref[i+1:], nil
		}
	}
	return "", ambiguous(fmt.Errorf("POST %s%s/dataSets: the answer %q names no dataset", c.cfg.PlatformURL, catalog, refs))
}

// DeleteDataset deletes a dataset and every batch in it (Catalog answers 200 with ["@/dataSets/<id>"]).
// One that is already gone is not an error: a retried DELETE whose first attempt succeeded finds
// nothing. Delete the dataflows writing to it first.
func (c *Client) DeleteDataset(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: "DELETE", path: catalog + "/dataSets/" + url.PathEscape(id), kind: repeatable})
	if isStatus(err, 404) {
		return nil
	}
	return err
}
