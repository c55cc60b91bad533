package local

import (
	"net/http"
	"strconv"
	"strings"
)

// Service base paths, as Adobe mounts them on platform.adobe.io.
const (
	sandboxBase = "/data/foundation/sandbox-management"
	schemaBase  = "/data/foundation/schemaregistry"
	catalogBase = "/data/foundation/catalog"
	flowBase    = "/data/foundation/flowservice"
	prepBase    = "/data/foundation/conversion"
)

// HealthPath answers GET with {"service":"cioaep-local"}; `cioaep --local` uses it to recognise a
// local platform already listening, since no Adobe endpoint has that path.
const HealthPath = "/local/health"

func (p *Platform) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /ims/token/v3", p.handleToken)
	m.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"service": "cioaep-local", "tenantId": p.tenant})
	})
	m.HandleFunc("POST /collection/{inlet}", p.handleInlet)

	m.Handle("GET "+sandboxBase+"/{$}", p.gateway(false, p.handleSandboxes))
	m.Handle("GET "+sandboxBase+"/sandboxes", p.gateway(false, p.handleSandboxes))
	m.Handle("GET "+sandboxBase+"/sandboxTypes", p.gateway(false, p.handleSandboxTypes))
	m.Handle("GET "+sandboxBase+"/sandboxes/{name}", p.gateway(false, p.handleSandbox))

	sr := func(h handler) http.Handler { return p.gateway(true, h) }
	m.Handle("GET "+schemaBase+"/stats", sr(p.handleStats))
	m.Handle("GET "+schemaBase+"/tenant/schemas", sr(p.handleXDMList(kindSchema)))
	m.Handle("POST "+schemaBase+"/tenant/schemas", sr(p.handleSchemaCreate))
	m.Handle("GET "+schemaBase+"/tenant/schemas/{id}", sr(p.handleXDMLookup(kindSchema)))
	m.Handle("PATCH "+schemaBase+"/tenant/schemas/{id}", sr(p.handleSchemaPatch))
	m.Handle("DELETE "+schemaBase+"/tenant/schemas/{id}", sr(p.handleXDMDelete(kindSchema)))
	m.Handle("GET "+schemaBase+"/tenant/fieldgroups", sr(p.handleXDMList(kindFieldGroup)))
	m.Handle("POST "+schemaBase+"/tenant/fieldgroups", sr(p.handleFieldGroupCreate))
	m.Handle("GET "+schemaBase+"/tenant/fieldgroups/{id}", sr(p.handleXDMLookup(kindFieldGroup)))
	m.Handle("DELETE "+schemaBase+"/tenant/fieldgroups/{id}", sr(p.handleXDMDelete(kindFieldGroup)))
	m.Handle("GET "+schemaBase+"/tenant/descriptors", sr(p.handleDescriptorList))
	m.Handle("POST "+schemaBase+"/tenant/descriptors", sr(p.handleDescriptorCreate))
	m.Handle("GET "+schemaBase+"/tenant/descriptors/{id}", sr(p.handleDescriptor))
	m.Handle("DELETE "+schemaBase+"/tenant/descriptors/{id}", sr(p.handleDescriptor))

	m.Handle("GET "+catalogBase+"/dataSets", sr(p.handleDatasetList))
	m.Handle("POST "+catalogBase+"/dataSets", sr(p.handleDatasetCreate))
	m.Handle("GET "+catalogBase+"/dataSets/{id}", sr(p.handleDataset))
	m.Handle("DELETE "+catalogBase+"/dataSets/{id}", sr(p.handleDataset))
	m.Handle("PATCH "+catalogBase+"/dataSets/{id}", sr(p.handleDatasetPatch))

	fs := func(h handler) http.Handler { return p.gateway(true, rejectSandboxID(h)) }
	m.Handle("GET "+flowBase+"/connectionSpecs", fs(p.handleConnectionSpecs))
	m.Handle("GET "+flowBase+"/connectionSpecs/{id}", fs(p.handleConnectionSpec))
	m.Handle("GET "+flowBase+"/flowSpecs", fs(p.handleFlowSpecs))
	m.Handle("GET "+flowBase+"/flowSpecs/{id}", fs(p.handleFlowSpec))
	for _, kind := range []string{kindSourceConn, kindTargetConn} {
		base := flowBase + "/" + kind + "s"
		m.Handle("GET "+base, fs(p.handleConnectionList(kind)))
		m.Handle("POST "+base, fs(p.handleConnectionCreate(kind)))
		m.Handle("GET "+base+"/{id}", fs(p.handleConnection(kind)))
		m.Handle("DELETE "+base+"/{id}", fs(p.handleConnection(kind)))
	}
	m.Handle("GET "+flowBase+"/flows", fs(p.handleFlowList))
	m.Handle("POST "+flowBase+"/flows", fs(p.handleFlowCreate))
	m.Handle("GET "+flowBase+"/flows/{id}", fs(p.handleFlow))
	m.Handle("DELETE "+flowBase+"/flows/{id}", fs(p.handleFlow))
	m.Handle("PATCH "+flowBase+"/flows/{id}", fs(p.handleFlowPatch))
	m.Handle("POST "+flowBase+"/flows/{id}/action", fs(p.handleFlowAction))
	m.Handle("GET "+flowBase+"/runs", fs(p.handleRuns))

	m.Handle("POST "+observabilityBase+"/metrics", sr(p.handleMetrics))
	m.Handle("GET /local/flows/{id}/activity", sr(p.handleActivity))
	m.Handle("POST /local/alerts/subscriptions", sr(p.handleAlertSubscribe))

	m.Handle("GET "+prepBase+"/mappingSets", sr(p.handleMappingSetList))
	m.Handle("POST "+prepBase+"/mappingSets", sr(p.handleMappingSetCreate))
	m.Handle("POST "+prepBase+"/mappingSets/validate", sr(p.handleMappingSetValidate))
	m.Handle("POST "+prepBase+"/mappingSets/preview", sr(p.handleMappingSetPreview))
	m.Handle("GET "+prepBase+"/mappingSets/{id}", sr(p.handleMappingSet))
	m.Handle("PUT "+prepBase+"/mappingSets/{id}", sr(p.handleMappingSetPut))

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if trimmed, ok := withoutTrailingSlash(r); ok {
			if _, pattern := m.Handler(trimmed); pattern != "/" {
				m.ServeHTTP(w, trimmed)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error_code": "404", "message": "the local platform has no endpoint " + r.Method + " " + r.URL.Path,
		})
	})
	return m
}

// withoutTrailingSlash is r with one trailing slash removed from its path, and whether there was one.
// Adobe's gateway answers GET …/schemaregistry/stats/ and …/tenant/fieldgroups/ as it answers the paths
// without the slash, and Adobe's own clients send both forms (adobe/aepp's schema module, for one).
func withoutTrailingSlash(r *http.Request) (*http.Request, bool) {
	if len(r.URL.Path) < 2 || !strings.HasSuffix(r.URL.Path, "/") {
		return nil, false
	}
	c := r.Clone(r.Context())
	c.URL.Path = strings.TrimSuffix(r.URL.Path, "/")
	c.URL.RawPath = strings.TrimSuffix(r.URL.RawPath, "/")
	return c, true
}

// rejectSandboxID refuses x-sandbox-id, which Flow Service answers with an error: clients must send only
// x-sandbox-name.
func rejectSandboxID(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		if r.Header.Get("x-sandbox-id") != "" {
			flowError(w, http.StatusBadRequest, "1100-400", "Invalid request", "The header 'x-sandbox-id' is not supported. Send only 'x-sandbox-name'.")
			return
		}
		h(w, r, c)
	}
}

// newRequestID numbers requests so people can match a client's error to a server log line.
func (p *Platform) newRequestID() string {
	return "local-" + strconv.FormatUint(p.reqSeq.Add(1), 10)
}
