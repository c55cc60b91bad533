package aep_test

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/cioaep/cioaep/flow/internal/openapitest"
)

// specs checks every exchange of every test against Adobe's OpenAPI files. It is shared so TestMain
// can see which operations the suite exercised.
var (
	specsOnce sync.Once
	specs     *openapitest.Specs
)

// testTransport validates each request the client sends, and each answer the fake platform gives,
// against Adobe's OpenAPI files.
func testTransport(t testing.TB, rt http.RoundTripper) http.RoundTripper {
	specsOnce.Do(func() { specs = openapitest.Load(t) })
	return specs.Transport(t, rt)
}

// usedOperations are the Platform operations the client implements (platform.md); a full run of the
// suite must send each through the OpenAPI check. IMS has no OpenAPI file.
var usedOperations = []string{
	"GET /data/foundation/sandbox-management/",
	"GET /data/foundation/schemaregistry/stats",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/schemas",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/schemas/{SCHEMA_ID}",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/fieldgroups",
	"GET /data/foundation/schemaregistry/{CONTAINER_ID}/descriptors",
	"POST /data/foundation/schemaregistry/tenant/fieldgroups",
	"POST /data/foundation/schemaregistry/tenant/schemas",
	"POST /data/foundation/schemaregistry/tenant/descriptors",
	"PATCH /data/foundation/schemaregistry/tenant/schemas/{SCHEMA_ID}",
	"GET /data/foundation/catalog/dataSets",
	"GET /data/foundation/catalog/dataSets/{DATASET_ID}",
	"POST /data/foundation/catalog/dataSets",
	"DELETE /data/foundation/catalog/dataSets/{DATASET_ID}",
	"DELETE /data/foundation/schemaregistry/tenant/schemas/{SCHEMA_ID}",
	"DELETE /data/foundation/schemaregistry/tenant/fieldgroups/{FIELD_GROUP_ID}",
	"GET /data/foundation/flowservice/connectionSpecs/{CONNECTION_SPEC_ID}",
	"POST /data/foundation/flowservice/sourceConnections",
	"GET /data/foundation/flowservice/sourceConnections",
	"GET /data/foundation/flowservice/sourceConnections/{SOURCE_CONNECTION_ID}",
	"DELETE /data/foundation/flowservice/sourceConnections/{SOURCE_CONNECTION_ID}",
	"POST /data/foundation/flowservice/targetConnections",
	"GET /data/foundation/flowservice/targetConnections",
	"GET /data/foundation/flowservice/targetConnections/{TARGET_CONNECTION_ID}",
	"DELETE /data/foundation/flowservice/targetConnections/{TARGET_CONNECTION_ID}",
	"POST /data/foundation/flowservice/flows",
	"GET /data/foundation/flowservice/flows",
	"GET /data/foundation/flowservice/flows/{FLOW_ID}",
	"PATCH /data/foundation/flowservice/flows/{FLOW_ID}",
	"POST /data/foundation/flowservice/flows/{FLOW_ID}/action",
	"DELETE /data/foundation/flowservice/flows/{FLOW_ID}",
	"GET /data/foundation/flowservice/runs",
	"GET /data/foundation/conversion/mappingSets",
	"POST /data/foundation/conversion/mappingSets",
	"GET /data/foundation/conversion/mappingSets/{MAPPING_SET_ID}",
	"PUT /data/foundation/conversion/mappingSets/{MAPPING_SET_ID}",
	"POST /data/foundation/conversion/mappingSets/validate",
	"POST /data/foundation/conversion/mappingSets/preview",
	"POST /collection/{CONNECTION_ID}",
}

// TestMain fails a full run that left one of usedOperations unchecked, so a new client call cannot
// skip the OpenAPI check unnoticed.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && specs != nil {
		covered := specs.Covered()
		for _, op := range usedOperations {
			if !slices.Contains(covered, op) {
				fmt.Fprintf(os.Stderr, "FAIL: no test sent %s through the OpenAPI check\n", op)
				code = 1
			}
		}
	}
	os.Exit(code)
}
