package openapitest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy/pathpattern"
)

// catalog routes a request to the operation that describes it, across all files. kin-openapi's own
// router first lints the whole document, and Adobe's files fail lints (duplicate parameters, stray
// sibling keywords) that have nothing to do with the operations cioaep uses; routing does not need them.
type catalog struct {
	specs []*spec
	trie  *pathpattern.Node
}

func newCatalog(specs []*spec) (*catalog, error) {
	c := &catalog{specs: specs, trie: &pathpattern.Node{}}
	for _, s := range specs {
		for p, item := range s.doc.Paths.Map() {
			for method, op := range item.Operations() {
				route := &routers.Route{Spec: s.doc, Path: p, PathItem: item, Method: method, Operation: op}
				if err := c.trie.Add(method+" "+p, route, nil); err != nil {
					return nil, fmt.Errorf("%s: %s %s: %w", s.file, method, p, err)
				}
			}
		}
	}
	return c, nil
}

// find matches on the escaped path so an id such as a url-encoded schema $id stays one segment; the
// path parameters come back decoded. A trailing slash is not significant (Adobe's gateway ignores it).
func (c *catalog) find(r *http.Request) (*routers.Route, map[string]string, bool) {
	p := r.URL.EscapedPath()
	candidates := []string{p}
	if strings.HasSuffix(p, "/") && len(p) > 1 {
		candidates = append(candidates, strings.TrimSuffix(p, "/"))
	} else {
		candidates = append(candidates, p+"/")
	}
	for _, cand := range candidates {
		node, values := c.trie.Match(r.Method + " " + cand)
		if node == nil {
			continue
		}
		route, ok := node.Value.(*routers.Route)
		if !ok {
			continue
		}
		params := make(map[string]string, len(values))
		for i, v := range values {
			if i >= len(node.VariableNames) {
				break
			}
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			params[strings.TrimSuffix(node.VariableNames[i], "*")] = v
		}
		return route, params, true
	}
	return nil, nil, false
}
