package openapitest

import (
	"bytes"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// repair fixes mistakes in Adobe's files that stop kin-openapi from loading them at all. Each fix keeps
// what the file evidently meant; none widens what an exchange may contain.
func repair(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			// catalog.yaml GET /tags/{tagNamespace} lists x-api-key twice.
			op.Parameters = dedupe(op.Parameters)
		}
	}
}

func dedupe(params openapi3.Parameters) openapi3.Parameters {
	seen := map[string]bool{}
	out := params[:0]
	for _, p := range params {
		if p.Value == nil {
			out = append(out, p)
			continue
		}
		key := p.Value.In + " " + strings.ToLower(p.Value.Name)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	return out
}

// repairText fixes references the loader cannot resolve. sandbox.yaml writes '/#components/…' (a file
// path) for two '#/components/…' references in the exim section.
func repairText(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte("'/#components/"), []byte("'#/components/"))
}
