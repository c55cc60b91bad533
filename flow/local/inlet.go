package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cioaep/cioaep/flow/cio"
	"github.com/cioaep/cioaep/flow/xdm"
)

// The streaming inlet (dcs.adobedc.net): POST /collection/<inletId>?x-adobe-flow-id=<flow id> with the
// source's raw JSON. Each event is mapped by the flow's mapping set, validated against the target
// dataset's XDM schema and written durably to the dataset, or to its failed records with the reason.
// The 200 is sent only after that write has committed.

// maxInletBody is Adobe's documented limit for one message.
const maxInletBody = 1 << 20

// syncValidationPerMinute is Adobe's limit for ?syncValidation=true, per inlet.
const syncValidationPerMinute = 60

// xactionSeq and xactionNode make xactionIds unique across requests and restarts.
var (
	xactionSeq  atomic.Uint64
	xactionNode = rand.IntN(9000) + 1000
)

// handleInlet answers POST /collection/{inlet}: checks in the order Adobe applies them, then ingest.
func (p *Platform) handleInlet(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	inletID := r.PathValue("inlet")
	rt, found, err := p.route(r.Context(), inletID)
	if err != nil {
		inletError(w, http.StatusInternalServerError, "Internal Server Error", "the local platform could not read the inlet: "+err.Error(), nil)
		return
	}
	if !found {
		inletError(w, http.StatusNotFound, "Inlet Not Found", fmt.Sprintf("There is no streaming inlet %s. Take the inletUrl from GET /flows/<flow id>.", inletID), nil)
		return
	}
	if !p.limits.allow("inlet/"+inletID, float64(p.cfg.InletRate), float64(p.cfg.InletRate), received) {
		w.Header().Set("Retry-After", "1")
		inletError(w, http.StatusTooManyRequests, "Too Many Requests", fmt.Sprintf("This inlet accepts %d requests per second; retry after 1 second.", p.cfg.InletRate), nil)
		return
	}
	var body []byte
	// refuse answers as Adobe's inlet does and keeps the refusal for `local events --failed`.
	refuse := func(status int, title, message string, cause any) {
		reason := title + ": " + message
		if why, ok := cause.(rejectReason); ok {
			reason, cause = why.reason, why.cause
		}
		p.recordRejection(r.Context(), rejection{rt: rt, inletID: inletID, received: received, status: status, reason: reason, raw: body})
		inletError(w, status, title, message, cause)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		refuse(http.StatusBadRequest, "Bad Request", "Content-Type must be application/json", nil)
		return
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxInletBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		refuse(http.StatusRequestEntityTooLarge, "Payload Too Large", "The message is larger than 1 MB.", nil)
		return
	}
	if err != nil {
		refuse(http.StatusBadRequest, "Bad Request", "could not read the message: "+err.Error(), nil)
		return
	}
	flowID := r.URL.Query().Get("x-adobe-flow-id")
	if flowID == "" {
		flowID = r.Header.Get("x-adobe-flow-id")
	}
	if flowID == "" {
		refuse(http.StatusBadRequest, "Bad Request", "x-adobe-flow-id is required: send <inletUrl>?x-adobe-flow-id=<flow id>", nil)
		return
	}
	if flowID != rt.flowID {
		refuse(http.StatusBadRequest, "Bad Request", fmt.Sprintf("flow %s does not stream into this inlet", flowID), nil)
		return
	}
	stored := false
	if p.cfg.SigningKey != "" {
		err := cio.Verify([]byte(p.cfg.SigningKey), r.Header.Get(cio.HeaderTimestamp), r.Header.Get(cio.HeaderSignature), body, received, 0)
		if err != nil {
			refuse(http.StatusUnauthorized, "Unauthorized", "Customer.io signature check failed: "+err.Error(), nil)
			return
		}
		sig := strings.ToLower(strings.TrimSpace(r.Header.Get(cio.HeaderSignature)))
		if p.replays.seen(sig, received) {
			refuse(http.StatusUnauthorized, "Unauthorized", "Customer.io signature check failed: this signed request was already received (a replay)", nil)
			return
		}
		// Customer.io retries every non-2xx answer; only a request answered 200 counts as received.
		defer func() {
			if !stored {
				p.replays.forget(sig)
			}
		}()
	}
	var event map[string]any
	if err := json.Unmarshal(body, &event); err != nil || event == nil {
		refuse(http.StatusBadRequest, "Invalid JSON", "The message is not a JSON object: "+jsonProblem(errOrNil(err)), nil)
		return
	}
	sync := r.URL.Query().Get("syncValidation") == "true"
	if sync && !p.limits.allow("sync/"+inletID, syncValidationPerMinute/60.0, syncValidationPerMinute, received) {
		w.Header().Set("Retry-After", "60")
		inletError(w, http.StatusTooManyRequests, "Too Many Requests", "syncValidation is limited to 60 requests per minute per inlet.", nil)
		return
	}
	record, reason, violations := rt.ingest(event)
	if sync && reason != "" {
		refuse(http.StatusBadRequest, "Invalid XDM Message Format", "inletId: ["+inletID+"] Message is invalid",
			rejectReason{reason, map[string]any{"_streamingValidation": streamingValidation(reason, violations)}})
		return
	}
	row := eventRow{
		XactionID: fmt.Sprintf("%d:%d:%d", received.UnixMilli(), xactionNode, xactionSeq.Add(1)),
		Sandbox:   rt.sandbox, DatasetID: rt.datasetID, FlowID: rt.flowID, InletID: inletID,
		ReceivedMs: received.UnixMilli(), Failed: reason != "", Raw: body, Reason: reason,
	}
	if reason == "" {
		row.Record, _ = json.Marshal(record)
	}
	if err := p.writer.write(r.Context(), row); err != nil {
		w.Header().Set("Retry-After", "1")
		inletError(w, http.StatusServiceUnavailable, "Service Unavailable", "the event could not be stored: "+err.Error(), nil)
		return
	}
	stored = true
	// Written by hand: this is the one answer sent thousands of times a second, and its fields (hex, digits
	// and colons) need no escaping.
	validation := `{"skipped":true}`
	if sync {
		validation = `{"status":"pass"}`
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprintf(w, `{"inletId":"%s","xactionId":"%s","receivedTimeMs":%d,"syncValidation":%s}`+"\n", inletID, row.XactionID, row.ReceivedMs, validation)
}

// rejectReason carries the reason to keep for a refusal whose answer words it for programs.
type rejectReason struct {
	reason string
	cause  any
}

// ingest maps and validates one event; it returns the record, or why it failed for people and, when
// validation failed, each violation.
func (rt *route) ingest(event map[string]any) (map[string]any, string, []xdm.Violation) {
	switch {
	case rt.broken != "":
		return nil, rt.broken, nil
	case !rt.enabled:
		return nil, "the dataflow " + rt.flowID + " is disabled; enable it to ingest events", nil
	}
	record, err := rt.mapping.Apply(event)
	if err != nil {
		return nil, "mapping failed: " + err.Error(), nil
	}
	if vs := xdm.Validate(rt.schema, record); len(vs) > 0 {
		msgs := make([]string, len(vs))
		for i, v := range vs {
			msgs[i] = v.Path + ": " + v.Message
		}
		return nil, "XDM validation failed: " + strings.Join(msgs, "; "), vs
	}
	return record, "", nil
}

// streamingValidation is the cause of a failed syncValidation in the form Adobe's inlet answers it
// (help/ingestion/quality/streaming-validation.md): one entry counting the violations, each violation a
// causingException with the JSON pointer to the field. Like Adobe's, it stops after five violations.
// A failure that is no schema violation (mapping, a disabled flow) is an entry with only a message.
func streamingValidation(reason string, vs []xdm.Violation) []any {
	if len(vs) == 0 {
		return []any{map[string]any{"message": reason}}
	}
	causes := make([]any, 0, min(len(vs), 5))
	for _, v := range vs[:min(len(vs), 5)] {
		causes = append(causes, map[string]any{
			"pointerToViolation": violationPointer(v.Path),
			"causingExceptions":  []any{},
			"message":            v.Message,
		})
	}
	return []any{map[string]any{
		"pointerToViolation": "#",
		"causingExceptions":  causes,
		"message":            fmt.Sprintf("%d schema violations found", len(vs)),
	}}
}

// violationPointer turns a violation's dot path ("a.b", "list[2].c") into the JSON pointer Adobe reports ("#/a/b",
// "#/list/2/c"), escaping ~ and / in names as RFC 6901 asks.
func violationPointer(path string) string {
	if path == "" {
		return "#"
	}
	var b strings.Builder
	b.WriteString("#")
	for _, seg := range strings.Split(strings.ReplaceAll(path, "[", ".["), ".") {
		if strings.HasPrefix(seg, "[") && strings.HasSuffix(seg, "]") {
			seg = seg[1 : len(seg)-1]
		}
		b.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(seg, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// errOrNil turns "valid JSON but not an object" into an error for jsonProblem.
func errOrNil(err error) error {
	if err == nil {
		return errors.New("the body is JSON but not an object")
	}
	return err
}
