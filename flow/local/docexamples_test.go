package local

import (
	"encoding/json"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// docExample is one request/response example from an Adobe API page, transcribed into
// testdata/adobe-doc-examples.json. Values in braces ({TENANT_ID}, {SCHEMA_ID}, …) are filled in from
// the resources the suite made earlier; where the local platform cannot take a page's request as
// written (a custom class it does not offer, a schema id of Adobe's test organization), note says
// what was adapted and why.
type docExample struct {
	Page     string            `json:"page"` // the page (and section) that shows the example
	Name     string            `json:"name"`
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Headers  map[string]string `json:"headers"`
	Body     json.RawMessage   `json:"body"`
	Status   int               `json:"status"`
	Response json.RawMessage   `json:"response"`  // the page's answer; its keys must be in ours
	KeyedBy  bool              `json:"keyedById"` // Catalog: the answer is an object keyed by object id
	Capture  map[string]string `json:"capture"`   // variable → dotted path into our answer
	Note     string            `json:"note"`
}

// TestAdobeDocExamples replays every example in testdata/adobe-doc-examples.json against the local
// platform over HTTP, in order: same status, every key the page's answer shows (and the keys of the
// first entry of items, results or sandboxes), and the same error code where the page shows one. The
// table below says which page settles each endpoint.
//
//	endpoint                                            page
//	GET  /schemaregistry/stats                          help/xdm/api/getting-started.md
//	GET  /schemaregistry/tenant/fieldgroups[/{id}]      help/xdm/api/field-groups.md
//	POST /schemaregistry/tenant/fieldgroups             help/xdm/api/field-groups.md
//	GET  /schemaregistry/tenant/schemas[/{id}]          help/xdm/api/schemas.md
//	POST /schemaregistry/tenant/schemas                 help/xdm/api/schemas.md
//	PATCH /schemaregistry/tenant/schemas/{id}           help/xdm/api/schemas.md, help/xdm/api/unions.md
//	GET|POST /schemaregistry/tenant/descriptors[/{id}]  help/xdm/api/descriptors.md
//	DELETE /schemaregistry/tenant/descriptors/{id}      help/xdm/api/descriptors.md
//	Schema Registry errors                              help/xdm/troubleshooting-guide.md
//	POST /catalog/dataSets                              help/catalog/api/create-dataset.md
//	GET  /catalog/dataSets[/{id}]                       help/catalog/api/list-objects.md, look-up-object.md
//	PATCH /catalog/dataSets/{id}                        help/catalog/api/update-object.md
//	DELETE /catalog/dataSets/{id}                       help/catalog/api/delete-object.md
//	GET  /sandbox-management/sandboxes[/{name}]         help/sandboxes/api/sandboxes.md
//	GET  /sandbox-management/sandboxTypes               help/sandboxes/api/sandbox-types.md
//	POST /flowservice/sourceConnections|targetConnections, POST /conversion/mappingSets,
//	POST /flowservice/flows, GET /flowservice/flows/{id}
//	                                                    help/sources/tutorials/api/create/marketing-automation/customerio-webhook.md
//	PATCH /flowservice/flows/{id} (If-Match)            help/sources/tutorials/api/update-dataflows.md
//	DELETE /flowservice/flows/{id}                      help/sources/tutorials/api/delete-dataflows.md
//	PUT  /conversion/mappingSets/{id}                   help/data-prep/api/mapping-set.md
func TestAdobeDocExamples(t *testing.T) {
	raw, err := os.ReadFile("testdata/adobe-doc-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var examples []docExample
	if err := json.Unmarshal(raw, &examples); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Config{})
	vars := map[string]string{"TENANT_ID": e.p.TenantID(), "SANDBOX_NAME": "prod"}
	fill := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
			s = strings.ReplaceAll(s, "{"+k+"|url}", url.QueryEscape(v))
		}
		return s
	}
	for _, x := range examples {
		ok := t.Run(x.Name, func(t *testing.T) {
			e := e.with(t)
			r := req{method: x.Method, path: fill(x.Path), headers: map[string]string{}}
			for k, v := range x.Headers {
				r.headers[k] = fill(v)
			}
			if len(x.Body) > 0 {
				r.body = fill(string(x.Body))
			}
			if strings.Contains(r.path, "{") || strings.Contains(fill(string(x.Body)), "{TENANT") {
				t.Fatalf("%s: a placeholder is left unfilled in %s", x.Page, r.path)
			}
			got := e.do(r)
			if got.status != x.Status {
				t.Fatalf("%s: %s %s: status %d, want %d; body %s", x.Page, r.method, r.path, got.status, x.Status, got.raw)
			}
			if len(x.Response) > 0 {
				var want any
				if err := json.Unmarshal([]byte(fill(string(x.Response))), &want); err != nil {
					t.Fatalf("%s: the transcribed response is not JSON: %v", x.Name, err)
				}
				var answer any
				_ = json.Unmarshal(got.raw, &answer)
				for _, p := range sameShape(want, answer, x.KeyedBy) {
					t.Errorf("%s: %s", x.Page, p)
				}
			}
			for name, path := range x.Capture {
				var answer any
				_ = json.Unmarshal(got.raw, &answer)
				v := dig(answer, path)
				if v == "" {
					t.Fatalf("%s: no %s in the answer %s", x.Name, path, got.raw)
				}
				vars[name] = v
			}
		})
		if !ok && len(x.Capture) > 0 {
			t.Fatalf("later examples need what %q captures", x.Name)
		}
	}
}

// sameShape lists how answer differs from the page's example want: a missing key, a different JSON
// kind, a different error code.
func sameShape(want, answer any, keyedByID bool) []string {
	var out []string
	switch w := want.(type) {
	case map[string]any:
		a, ok := answer.(map[string]any)
		if !ok {
			return []string{"the page answers an object; the local platform answered " + kindOf(answer)}
		}
		if keyedByID {
			for _, wv := range w {
				for id, av := range a {
					for _, p := range sameShape(wv, av, false) {
						out = append(out, id+": "+p)
					}
				}
				break
			}
			return out
		}
		for _, k := range sortedKeysOf(w) {
			av, present := a[k]
			if !present {
				out = append(out, "the answer lacks "+k)
				continue
			}
			switch k {
			case "items", "results", "sandboxes":
				wl, _ := w[k].([]any)
				al, _ := av.([]any)
				if len(wl) > 0 && len(al) == 0 {
					out = append(out, k+" is empty where the page shows entries")
				} else if len(wl) > 0 {
					for _, p := range sameShape(wl[0], al[0], false) {
						out = append(out, k+"[0]: "+p)
					}
				}
			case "type":
				if wt, _ := w[k].(string); strings.Contains(wt, "/errors/") {
					if at, _ := av.(string); codeOf(at) != codeOf(wt) {
						out = append(out, "error code "+codeOf(at)+", the page shows "+codeOf(wt))
					}
				}
			}
		}
	case []any:
		a, ok := answer.([]any)
		if !ok || len(a) != len(w) {
			return []string{"the page answers an array of " + strconv.Itoa(len(w)) + "; the local platform answered " + kindOf(answer)}
		}
	}
	return out
}

func codeOf(typeURI string) string { return typeURI[strings.LastIndex(typeURI, "/")+1:] }

func kindOf(v any) string {
	switch t := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array of " + strconv.Itoa(len(t))
	case nil:
		return "nothing"
	}
	return "a scalar"
}

func sortedKeysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dig follows a dotted path ("items.0.id", or "0" for an array's first element) to a string; a
// Catalog reference "@/dataSets/<id>" gives the id.
func dig(v any, path string) string {
	for _, k := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[k]
		case []any:
			i := 0
			for _, ch := range k {
				i = i*10 + int(ch-'0')
			}
			if i >= len(t) {
				return ""
			}
			v = t[i]
		default:
			return ""
		}
	}
	s, _ := v.(string)
	return strings.TrimPrefix(s, "@/dataSets/")
}
