package local

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestDatasetPagingFollowsChanges: offset pages of Catalog's list come in creation order, and a create
// or a delete shows in the very next listing (the store keeps the order between requests).
func TestDatasetPagingFollowsChanges(t *testing.T) {
	e := newEnv(t, Config{})
	ids := func() []string { // every dataset, one a page, in page order
		var all []string
		for start := 0; ; start++ {
			page := e.must(http.StatusOK, req{method: "GET", path: fmt.Sprintf("%s/dataSets?properties=name&limit=1&start=%d", catalogBase, start)})
			if len(page.obj) == 0 {
				return all
			}
			for id := range page.obj {
				all = append(all, id)
			}
		}
	}
	seeded := ids()
	schema := ""
	for _, raw := range e.must(http.StatusOK, req{method: "GET", path: catalogBase + "/dataSets?properties=schemaRef&limit=1"}).obj {
		schema = str(raw, "schemaRef", "id")
	}
	create := func(name string) string {
		r := e.must(http.StatusCreated, req{method: "POST", path: catalogBase + "/dataSets", body: map[string]any{
			"name": name, "schemaRef": map[string]any{"id": schema, "contentType": "application/vnd.adobe.xed+json;version=1"}}})
		return strings.TrimPrefix(str(r.arr, 0), "@/dataSets/")
	}
	var made []string
	for i := range 5 {
		made = append(made, create(fmt.Sprintf("paging %d", i)))
	}
	if got, want := ids(), append(slices.Clone(seeded), made...); !slices.Equal(got, want) {
		t.Fatalf("after creates: %v, want %v", got, want)
	}
	e.must(http.StatusOK, req{method: "DELETE", path: catalogBase + "/dataSets/" + made[1]})
	late := create("paging late")
	want := append(slices.Clone(seeded), made[0], made[2], made[3], made[4], late)
	if got := ids(); !slices.Equal(got, want) {
		t.Errorf("after a delete and a create: %v, want %v", got, want)
	}
	byName := e.must(http.StatusOK, req{method: "GET", path: catalogBase + "/dataSets?limit=10&name=" + url.QueryEscape("paging 3")})
	if len(byName.obj) != 1 || byName.obj[made[3]] == nil {
		t.Errorf("name filter: %s", byName.raw)
	}
	if gone := e.must(http.StatusOK, req{method: "GET", path: catalogBase + "/dataSets?limit=10&name=" + url.QueryEscape("paging 1")}); len(gone.obj) != 0 {
		t.Errorf("a deleted dataset is still found by name: %s", gone.raw)
	}
}
