package local

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// TestMappingLimitsOnValidateAndCreate: a mapping that crashed the process (10^6 nested parentheses,
// about 2 MB) or that builds gigabytes per event is answered 400 on validate and on create, and the
// platform keeps serving.
func TestMappingLimitsOnValidateAndCreate(t *testing.T) {
	e := newEnv(t, Config{})
	schema := seededSchema(t, e, "Website Events")
	deep := strings.Repeat("(", 1_000_000) + "1" + strings.Repeat(")", 1_000_000)
	for name, rule := range map[string]map[string]string{
		"deep":  {"sourceType": "EXPRESSION", "source": deep, "destination": "_id"},
		"index": {"sourceType": "ATTRIBUTE", "source": "event_id", "destination": "_id[100000000]"},
		"regex": {"sourceType": "EXPRESSION", "source": `matches_regex(event_id, "(")`, "destination": "_id"},
		"range": {"sourceType": "EXPRESSION", "source": "size_of(1..2000000000)", "destination": "_id"},
	} {
		body := localtest.MappingBody(schema, []map[string]string{rule})
		// validate answers 200 with a verdict per rule (data-prep.yaml); create refuses the set.
		if r := e.do(req{method: "POST", path: prepBase + "/mappingSets/validate", body: body}); r.status != http.StatusOK || !strings.Contains(string(r.raw), `"status":"FAILED"`) {
			t.Errorf("%s on validate: %d %.300s", name, r.status, r.raw)
		}
		if r := e.do(req{method: "POST", path: prepBase + "/mappingSets", body: body}); r.status != http.StatusBadRequest {
			t.Errorf("%s on create: %d %.300s", name, r.status, r.raw)
		}
	}
	e.must(http.StatusOK, req{method: "GET", path: flowBase + "/connectionSpecs"})
}
