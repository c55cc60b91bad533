package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxAPIBody bounds Platform API bodies; Adobe's own limits are per service, and no request the wizard
// makes comes near this.
const maxAPIBody = 4 << 20

// decodeBody reads a JSON body into v and returns the raw bytes. On failure it calls fail with the status
// and a message for people (413 when too large, 400 when not JSON) and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, fail func(status int, msg string)) ([]byte, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", maxAPIBody))
		return nil, false
	}
	if err != nil {
		fail(http.StatusBadRequest, "could not read the request body: "+err.Error())
		return nil, false
	}
	if len(raw) == 0 {
		fail(http.StatusBadRequest, "the request body is empty; send a JSON document")
		return nil, false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		fail(http.StatusBadRequest, "the request body is not valid JSON for this call: "+jsonProblem(err))
		return nil, false
	}
	return raw, true
}

// jsonProblem words a decoding error without Go type names where it can.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%v (at byte %d)", syn, syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field != "" {
			return fmt.Sprintf("field %s has the wrong type (%s)", typ.Field, typ.Value)
		}
		return fmt.Sprintf("expected a different JSON type, got %s", typ.Value)
	}
	return err.Error()
}

// docs lists a kind's documents in the caller's sandbox as generic maps.
func (p *Platform) docs(r *http.Request, kind, sandbox string) ([]map[string]any, error) {
	raws, err := p.st.list(r.Context(), kind, sandbox)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(raws))
	for _, raw := range raws {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
