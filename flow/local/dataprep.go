package local

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/xdm"
)

// Data Prep (/data/foundation/conversion): mapping sets. A create answers 200, not 201; every PUT adds
// a version, and flows name the version they use.

// mappingSetRec keeps every version of a mapping set; Versions[n] is version n.
type mappingSetRec struct {
	Versions []mappingSetVersion `json:"versions"`
}

// mappingSetVersion is one version as GET returns it.
type mappingSetVersion map[string]any

func (v mappingSetVersion) schemaID() string {
	s, _ := resolveString(v, "outputSchema", "schemaRef", "id")
	return s
}

// rules reads the version's mappings back as dataprep rules.
func (v mappingSetVersion) rules() ([]dataprep.Rule, error) {
	raw, err := json.Marshal(v["mappings"])
	if err != nil {
		return nil, err
	}
	return dataprep.ParseRules(raw)
}

// mappingSetBody is a create, PUT, validate or preview body. Name is data-prep.yaml's MappingSet.name,
// which the list endpoint filters on.
type mappingSetBody struct {
	Name         string `json:"name"`
	OutputSchema struct {
		SchemaRef schemaRef `json:"schemaRef"`
	} `json:"outputSchema"`
	Mappings json.RawMessage `json:"mappings"`
}

// prepError answers in Data Prep's problem shape.
func prepError(w http.ResponseWriter, status int, format string, a ...any) {
	title := map[int]string{400: "Invalid mapping set request", 404: "Mapping set not found", 413: "Payload too large", 500: "Internal server error"}[status]
	problem(w, status, "DP", strconv.Itoa(status), title, format, a...)
}

func prepBodyError(w http.ResponseWriter) func(int, string) {
	return func(status int, msg string) { prepError(w, status, "%s", msg) }
}

// checkedMapping is a mapping set body that passed validation, with per-rule results.
type checkedMapping struct {
	rules   []dataprep.Rule
	results []dataprep.RuleResult
	schema  xdmDoc
}

// failed reports whether any rule failed.
func (m checkedMapping) failed() bool {
	for _, r := range m.results {
		if r.Status != dataprep.Success {
			return true
		}
	}
	return false
}

// checkMappingSet validates a body: the output schema must exist in the sandbox, every rule must pass
// Data Prep's own checks, and every destination must be a field of the output schema.
func (p *Platform) checkMappingSet(r *http.Request, c *call, body mappingSetBody) (checkedMapping, error) {
	var m checkedMapping
	id := body.OutputSchema.SchemaRef.ID
	if id == "" {
		return m, errors.New("outputSchema.schemaRef.id is required: the XDM schema the mapping writes")
	}
	sch, err := p.findSchema(r.Context(), c.Sandbox.Name, id)
	if err != nil {
		return m, fmt.Errorf("output schema %s does not exist in sandbox %s", id, c.Sandbox.Name)
	}
	if len(body.Mappings) == 0 || string(body.Mappings) == "null" {
		return m, errors.New("mappings is required: a list of {sourceType, source, destination}")
	}
	rules, err := dataprep.ParseRules(body.Mappings)
	if err != nil {
		return m, err
	}
	if len(rules) == 0 {
		return m, errors.New("mappings is empty: add at least one mapping")
	}
	full, err := p.composeSchema(r.Context(), c.Sandbox.Name, sch)
	if err != nil {
		return m, err
	}
	fields := map[string]bool{}
	for _, f := range xdm.Flatten(full) {
		fields[f.Path] = true
	}
	m = checkedMapping{rules: rules, results: dataprep.Validate(rules), schema: sch}
	for i, rule := range rules {
		if !fields[rule.Destination] {
			m.results[i].Status = dataprep.Failed
			m.results[i].Errors = append(m.results[i].Errors, fmt.Sprintf("destination %s is not a field of schema %s", rule.Destination, sch.title()))
		}
	}
	return m, nil
}

// failures words the failed rules for an error body.
func (m checkedMapping) failures() string {
	var parts []string
	for i, res := range m.results {
		if res.Status != dataprep.Success {
			parts = append(parts, fmt.Sprintf("mapping %d (%s → %s): %s", i+1, m.rules[i].Source, m.rules[i].Destination, strings.Join(res.Errors, "; ")))
		}
	}
	return strings.Join(parts, "; ")
}

// newVersion builds the stored form of version n. A mapping set without a name (the UI and older
// clients send none) has no name property, as in Adobe's examples.
func newVersion(c *call, id string, n int, body mappingSetBody, rules []dataprep.Rule, created int64) mappingSetVersion {
	now := nowMs()
	mappings := make([]any, len(rules))
	for i, rule := range rules {
		mappings[i] = map[string]any{
			"id": randomHex(16), "version": n, "createdDate": now, "modifiedDate": now,
			"createdBy": c.ClientID, "modifiedBy": c.ClientID,
			"sourceType": rule.SourceType, "source": rule.Source, "destination": rule.Destination,
		}
	}
	v := mappingSetVersion{
		"id": id, "version": n, "createdDate": created, "modifiedDate": now,
		"createdBy": c.ClientID, "modifiedBy": c.ClientID,
		"outputSchema": map[string]any{"schemaRef": map[string]any{
			"id": body.OutputSchema.SchemaRef.ID, "contentType": body.OutputSchema.SchemaRef.ContentType,
		}},
		"mappings": mappings,
	}
	if body.Name != "" {
		v["name"] = body.Name
	}
	return v
}

func (v mappingSetVersion) name() string {
	s, _ := v["name"].(string)
	return s
}

// handleMappingSetCreate answers POST /mappingSets with 200 and the new set's id and version 0.
func (p *Platform) handleMappingSetCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var body mappingSetBody
	if _, ok := decodeBody(w, r, &body, prepBodyError(w)); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.checkMappingSet(r, c, body)
	if err != nil || m.failed() {
		prepError(w, http.StatusBadRequest, "%s", errOr(err, m.failures()))
		return
	}
	body.OutputSchema.SchemaRef.ID = m.schema.id()
	id := newMappingSetID()
	v := newVersion(c, id, 0, body, m.rules, nowMs())
	if err := p.st.put(r.Context(), kindMappingSet, c.Sandbox.Name, id, mappingSetRec{Versions: []mappingSetVersion{v}}); err != nil {
		prepError(w, http.StatusInternalServerError, "store mapping set: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "version": 0, "createdDate": v["createdDate"], "modifiedDate": v["modifiedDate"],
		"createdBy": c.ClientID, "modifiedBy": c.ClientID,
	})
}

// mappingSetMaxLimit bounds one list page; Data Prep documents no maximum, so this only keeps a page's
// size sane.
const mappingSetMaxLimit = 1000

// handleMappingSetList answers GET /mappingSets?limit=&start=[&name=][&orderBy=] in Data Prep's
// MapperSetPage shape: {"data":[latest version of each set],"_page":{"count","limit"},"_links":{…}}.
// limit is required. data-prep.yaml and Adobe's guide also require start ("you must include both"), but
// Adobe's own Python client (aepp, getMappingSets) sends only limit and gets the first page, so a missing
// start means 0; a start that is there must be a zero-based offset. name keeps the sets with exactly that name. orderBy is createdDate or updatedDate
// with a + (ascending) or - (descending) prefix; without it the most recently updated come first, as
// Adobe's guide shows ("retrieve the last two mapping sets").
func (p *Platform) handleMappingSetList(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > mappingSetMaxLimit {
		prepError(w, http.StatusBadRequest, "limit is required: a number of mapping sets per page from 1 to %d, got %q", mappingSetMaxLimit, q.Get("limit"))
		return
	}
	start, err := strconv.Atoi(cmp.Or(q.Get("start"), "0"))
	if err != nil || start < 0 {
		prepError(w, http.StatusBadRequest, "start must be the zero-based offset of the page (start=0 for the first), got %q", q.Get("start"))
		return
	}
	raws, err := p.st.list(r.Context(), kindMappingSet, c.Sandbox.Name)
	if err != nil {
		prepError(w, http.StatusInternalServerError, "list mapping sets: %v", err)
		return
	}
	field, desc, ok := mappingSetOrder(q.Get("orderBy"))
	if !ok {
		prepError(w, http.StatusBadRequest, "orderBy %q is not supported: use createdDate or updatedDate, prefixed with + or -", q.Get("orderBy"))
		return
	}
	name, filtered := q.Get("name"), q.Has("name")
	var kept []mappingSetVersion
	for _, raw := range raws {
		var ms mappingSetRec
		if err := json.Unmarshal(raw, &ms); err != nil || len(ms.Versions) == 0 {
			continue
		}
		latest := ms.Versions[len(ms.Versions)-1]
		if filtered && latest.name() != name {
			continue
		}
		kept = append(kept, latest)
	}
	// The store lists oldest first; ties (same millisecond) keep that order, reversed when descending.
	if desc {
		slices.Reverse(kept)
	}
	slices.SortStableFunc(kept, func(a, b mappingSetVersion) int {
		x, _ := a[field].(float64)
		y, _ := b[field].(float64)
		if desc {
			x, y = y, x
		}
		return cmp.Compare(x, y)
	})
	data := []mappingSetVersion{}
	for i := start; i < len(kept) && i < start+limit; i++ {
		data = append(data, kept[i])
	}
	links := map[string]any{}
	if start+limit < len(kept) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("start", strconv.Itoa(start+limit))
		links["next"] = map[string]any{"href": r.URL.Path + "?" + next.Encode()}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data": data, "_page": map[string]any{"count": len(data), "limit": limit}, "_links": links,
	})
}

// mappingSetOrder reads orderBy into the stored field to sort on and the direction. Adobe names the
// field updatedDate where the set itself says modifiedDate.
func mappingSetOrder(v string) (field string, desc, ok bool) {
	if v == "" {
		return "modifiedDate", true, true
	}
	desc = strings.HasPrefix(v, "-")
	switch strings.TrimLeft(v, "+- ") { // a literal + arrives as a space when the client did not escape it
	case "createdDate":
		return "createdDate", desc, true
	case "updatedDate", "lastUpdateDate":
		return "modifiedDate", desc, true
	}
	return "", false, false
}

func errOr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

// loadMappingSet reads a mapping set or answers 404.
func (p *Platform) loadMappingSet(w http.ResponseWriter, r *http.Request, c *call) (mappingSetRec, bool) {
	var ms mappingSetRec
	id := r.PathValue("id")
	err := p.st.get(r.Context(), kindMappingSet, c.Sandbox.Name, id, &ms)
	if errors.Is(err, errNotFound) {
		prepError(w, http.StatusNotFound, "mapping set %s was not found in sandbox %s", id, c.Sandbox.Name)
		return ms, false
	}
	if err != nil {
		prepError(w, http.StatusInternalServerError, "read mapping set: %v", err)
		return ms, false
	}
	return ms, true
}

// handleMappingSet answers GET /mappingSets/{id}[?version=n]; without a version, the latest.
func (p *Platform) handleMappingSet(w http.ResponseWriter, r *http.Request, c *call) {
	ms, ok := p.loadMappingSet(w, r, c)
	if !ok {
		return
	}
	n := len(ms.Versions) - 1
	if v := r.URL.Query().Get("version"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 0 || k >= len(ms.Versions) {
			prepError(w, http.StatusNotFound, "mapping set %s has no version %s (latest is %d)", r.PathValue("id"), v, len(ms.Versions)-1)
			return
		}
		n = k
	}
	writeJSON(w, http.StatusOK, ms.Versions[n])
}

// handleMappingSetPut answers PUT /mappingSets/{id}: the full body becomes the next version.
func (p *Platform) handleMappingSetPut(w http.ResponseWriter, r *http.Request, c *call) {
	var body mappingSetBody
	if _, ok := decodeBody(w, r, &body, prepBodyError(w)); !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ms, ok := p.loadMappingSet(w, r, c)
	if !ok {
		return
	}
	m, err := p.checkMappingSet(r, c, body)
	if err != nil || m.failed() {
		prepError(w, http.StatusBadRequest, "%s", errOr(err, m.failures()))
		return
	}
	body.OutputSchema.SchemaRef.ID = m.schema.id()
	if body.Name == "" {
		// Unconfirmed whether Adobe keeps a name a PUT leaves out; keeping it is the reading under which a
		// client that forgets it loses nothing (the aep client always sends it).
		body.Name = ms.Versions[len(ms.Versions)-1].name()
	}
	created, _ := ms.Versions[0]["createdDate"].(float64)
	v := newVersion(c, r.PathValue("id"), len(ms.Versions), body, m.rules, int64(created))
	ms.Versions = append(ms.Versions, v)
	if err := p.st.put(r.Context(), kindMappingSet, c.Sandbox.Name, r.PathValue("id"), ms); err != nil {
		prepError(w, http.StatusInternalServerError, "store mapping set: %v", err)
		return
	}
	p.inlets.invalidate()
	writeJSON(w, http.StatusOK, v)
}

// handleMappingSetValidate answers POST /mappingSets/validate with one result per mapping.
func (p *Platform) handleMappingSetValidate(w http.ResponseWriter, r *http.Request, c *call) {
	var body mappingSetBody
	if _, ok := decodeBody(w, r, &body, prepBodyError(w)); !ok {
		return
	}
	m, err := p.checkMappingSet(r, c, body)
	if err != nil {
		prepError(w, http.StatusBadRequest, "%v", err)
		return
	}
	out := make([]any, len(m.results))
	for i, res := range m.results {
		var errs any // null on success, as Adobe answers
		if res.Status != dataprep.Success {
			list := make([]any, len(res.Errors))
			for j, e := range res.Errors {
				list[j] = map[string]any{"source": m.rules[i].Source, "destination": m.rules[i].Destination, "sourceType": m.rules[i].SourceType, "exception": e}
			}
			errs = list
		}
		out[i] = map[string]any{"status": res.Status, "errors": errs}
	}
	writeJSON(w, http.StatusOK, map[string]any{"validationResponse": out})
}

// handleMappingSetPreview answers POST /mappingSets/preview: each sample mapped, or the reason it
// could not be.
func (p *Platform) handleMappingSetPreview(w http.ResponseWriter, r *http.Request, c *call) {
	var body struct {
		Data       json.RawMessage `json:"data"`
		MappingSet mappingSetBody  `json:"mappingSet"`
	}
	if _, ok := decodeBody(w, r, &body, prepBodyError(w)); !ok {
		return
	}
	var samples []map[string]any
	if err := json.Unmarshal(body.Data, &samples); err != nil {
		var one map[string]any
		if json.Unmarshal(body.Data, &one) != nil || one == nil {
			prepError(w, http.StatusBadRequest, "data must be a list of sample events (JSON objects)")
			return
		}
		samples = []map[string]any{one}
	}
	m, err := p.checkMappingSet(r, c, body.MappingSet)
	if err != nil || m.failed() {
		prepError(w, http.StatusBadRequest, "%s", errOr(err, m.failures()))
		return
	}
	mapping, err := dataprep.Compile(m.rules)
	if err != nil {
		prepError(w, http.StatusBadRequest, "%v", err)
		return
	}
	out := make([]any, len(samples))
	for i, s := range samples {
		rec, err := mapping.Apply(s)
		if err != nil {
			out[i] = map[string]any{"data": nil, "errors": []any{map[string]any{"exception": err.Error()}}}
			continue
		}
		out[i] = map[string]any{"data": rec, "errors": nil}
	}
	writeJSON(w, http.StatusOK, out)
}
