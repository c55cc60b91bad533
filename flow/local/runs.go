package local

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// Streaming flows report their activity as runs. The local platform keeps one run per flow and UTC hour,
// summed by the event writer in the same transaction as the events (table runs), so `GET
// /runs?property=flowId==<id>` shows real counts without reading the events.

// handleRuns answers GET /runs with property filters and paging, newest first.
func (p *Platform) handleRuns(w http.ResponseWriter, r *http.Request, c *call) {
	rows, err := p.st.db.QueryContext(r.Context(), `
		SELECT flow_id, hour, total, failed, first_ms, last_ms, in_bytes, out_bytes
		FROM runs WHERE sandbox = ? ORDER BY hour DESC, flow_id`, c.Sandbox.Name)
	if err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read runs: %v", err)
		return
	}
	defer rows.Close()
	docs := []map[string]any{}
	for rows.Next() {
		var flowID string
		var hour, total, failed, first, last, inBytes, outBytes int64
		if err := rows.Scan(&flowID, &hour, &total, &failed, &first, &last, &inBytes, &outBytes); err != nil {
			flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read runs: %v", err)
			return
		}
		docs = append(docs, runDoc(c, flowID, hour, total, failed, first, last, inBytes, outBytes))
	}
	if err := rows.Err(); err != nil {
		flowError(w, http.StatusInternalServerError, "1400-500", "Internal Error", "read runs: %v", err)
		return
	}
	flowList(w, r, docs)
}

// runDoc builds one run in Flow Service's shape. Its id is derived from the flow and hour, so it stays
// the same from one request to the next.
func runDoc(c *call, flowID string, hour, total, failed, first, last, inBytes, outBytes int64) map[string]any {
	sum := sha256.Sum256([]byte(flowID + "/" + time.UnixMilli(hour*3600000).UTC().Format(time.RFC3339)))
	h := hex.EncodeToString(sum[:16])
	id := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	status, errs := "success", []any{}
	switch {
	case failed == total:
		status = "failed"
	case failed > 0:
		status = "partialSuccess"
	}
	if failed > 0 {
		errs = append(errs, map[string]any{"code": "CONNECTOR-2001-500", "message": strconv.FormatInt(failed, 10) + " record(s) failed mapping or XDM validation; see `cioaep local events --failed`"})
	}
	end := (hour + 1) * 3600000
	return map[string]any{
		"id": id, "createdAt": first, "updatedAt": last,
		"createdBy": c.ClientID + "@AdobeID", "updatedBy": c.ClientID + "@AdobeID",
		"sandboxId": c.Sandbox.ID, "sandboxName": c.Sandbox.Name, "imsOrgId": c.OrgID,
		"flowId":   flowID,
		"flowSpec": map[string]any{"id": streamingFlowID, "version": specVersion},
		"eTag":     `"` + h[:8] + `-0000-0200-0000-000000000000"`,
		"metrics": map[string]any{
			"durationSummary": map[string]any{"startedAtUTC": hour * 3600000, "completedAtUTC": end},
			"sizeSummary":     map[string]any{"inputBytes": inBytes, "outputBytes": outBytes},
			"recordSummary": map[string]any{
				"inputRecordCount": total, "createdRecordCount": total - failed,
				"outputRecordCount": total - failed, "failedRecordCount": failed,
			},
			"statusSummary": map[string]any{"status": status, "errors": errs},
		},
	}
}
