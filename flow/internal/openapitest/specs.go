// Package openapitest checks HTTP exchanges against Adobe's published OpenAPI files, so tests of the
// local platform (server side) and of the aep client (client side) both fail when either drifts from
// what Adobe documents. The files live in testdata/ (Apache-2.0, see testdata/LICENSE).
package openapitest

import (
	"embed"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed testdata/*.yaml
var files embed.FS

// spec is one parsed Adobe file, rebased so its paths carry the service's base path
// (`/data/foundation/catalog/dataSets`) and match a request on any host: the local platform, an httptest
// server and platform.adobe.io all serve the same paths.
type spec struct {
	file string
	doc  *openapi3.T
}

var (
	loadOnce sync.Once
	loaded   *catalog
	loadErr  error
)

// Specs validates exchanges against every Adobe file. Each Load returns a fresh coverage record over
// the shared, parsed files.
type Specs struct {
	specs *catalog
	mu    sync.Mutex
	seen  map[string]bool
}

// Load parses the files once per process (about 0.2 s of CPU, too slow to repeat per test) and fails t if any
// does not load.
func Load(t testing.TB) *Specs {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = loadAll() })
	if loadErr != nil {
		t.Fatalf("openapitest: %v", loadErr)
	}
	return &Specs{specs: loaded, seen: map[string]bool{}}
}

func loadAll() (*catalog, error) {
	names, err := files.ReadDir("testdata")
	if err != nil {
		return nil, err
	}
	var out []*spec
	for _, n := range names {
		if !strings.HasSuffix(n.Name(), ".yaml") {
			continue
		}
		s, err := loadOne(n.Name())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name(), err)
		}
		out = append(out, s)
	}
	return newCatalog(out)
}

func loadOne(name string) (*spec, error) {
	data, err := files.ReadFile("testdata/" + name)
	if err != nil {
		return nil, err
	}
	data = repairText(data)
	var doc *openapi3.T
	if strings.HasPrefix(string(data), "swagger:") {
		var v2 openapi2.T
		if err := openapi2.UnmarshalFromData(data, &v2); err != nil {
			return nil, fmt.Errorf("parse Swagger 2.0: %w", err)
		}
		if doc, err = openapi2conv.ToV3(&v2); err != nil {
			return nil, fmt.Errorf("convert Swagger 2.0: %w", err)
		}
	} else {
		loader := openapi3.NewLoader()
		if doc, err = loader.LoadFromData(data); err != nil {
			return nil, fmt.Errorf("parse: %w", err)
		}
	}
	base, err := basePath(doc)
	if err != nil {
		return nil, err
	}
	rebase(doc, base)
	repair(doc)
	return &spec{file: name, doc: doc}, nil
}

// basePath takes the path part of the first server URL ("//{environment}.adobe.io/data/foundation/catalog"
// → "/data/foundation/catalog"); variables only ever appear in the host.
func basePath(doc *openapi3.T) (string, error) {
	if len(doc.Servers) == 0 {
		return "", nil
	}
	raw := doc.Servers[0].URL
	raw = strings.NewReplacer("{", "", "}", "").Replace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("server URL %q: %w", doc.Servers[0].URL, err)
	}
	return strings.TrimSuffix(u.Path, "/"), nil
}

func rebase(doc *openapi3.T, base string) {
	paths := openapi3.NewPaths()
	for p, item := range doc.Paths.Map() {
		full := base + p
		if p != "/" {
			full = path.Clean(full)
			if strings.HasSuffix(p, "/") {
				full += "/"
			}
		}
		paths.Set(full, item)
	}
	doc.Paths = paths
	doc.Servers = nil
}

// Covered lists the operations this Specs has seen, as "METHOD /path/template", sorted, so a test can
// assert that it exercised every endpoint it claims to.
func (s *Specs) Covered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.seen))
	for k := range s.seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Specs) cover(op string) {
	s.mu.Lock()
	s.seen[op] = true
	s.mu.Unlock()
}
