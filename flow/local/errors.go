package local

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Each Adobe service words its errors differently; clients decode them by shape, so each helper below
// reproduces one service's shape exactly (see platform.md, "Every Platform call").

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// gatewayError is the API gateway's shape, used before a request reaches any service.
func gatewayError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"error_code": code, "message": message})
}

// flowError is Flow Service's shape: code is Adobe's "1439-404" form.
func flowError(w http.ResponseWriter, status int, code, title, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	writeJSON(w, status, map[string]any{
		"type":   "http://ns.adobe.com/aep/errors/FLOW-" + code,
		"title":  title,
		"status": status,
		"report": map[string]any{
			"detailed-message": msg,
			"request-id":       w.Header().Get("x-request-id"),
		},
		"errorMessage": msg,
		"errorDetails": map[string]any{},
	})
}

// xdmError is the Schema Registry's shape: code is Adobe's "1012-404" form.
func xdmError(w http.ResponseWriter, status int, code, title, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	writeJSON(w, status, map[string]any{
		"type":   "http://ns.adobe.com/aep/errors/XDM-" + code,
		"title":  title,
		"status": status,
		"report": map[string]any{
			"registryRequestId": w.Header().Get("x-request-id"),
			"timestamp":         time.Now().UTC().Format("01-02-2006 15:04:05"),
			"detailed-message":  msg,
			"sub-errors":        []any{},
		},
		"detail": msg,
	})
}

// problem is the plain problem-JSON shape Catalog and Data Prep answer with; prefix names the service
// ("CAT", "DP") in the type URI.
func problem(w http.ResponseWriter, status int, prefix, code, title, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	writeJSON(w, status, map[string]any{
		"type":   "http://ns.adobe.com/aep/errors/" + prefix + "-" + code,
		"title":  title,
		"status": status,
		"detail": msg,
		"report": map[string]any{"request-id": w.Header().Get("x-request-id")},
	})
}

// inletError is the streaming inlet's shape. Adobe sends status as a string on 401 only.
func inletError(w http.ResponseWriter, status int, title, message string, cause any) {
	var st any = status
	if status == http.StatusUnauthorized {
		st = "401"
	}
	report := map[string]any{"message": message}
	if cause != nil {
		report["cause"] = cause
	}
	writeJSON(w, status, map[string]any{
		"type":   "https://ns.adobe.com/adobecloud/problem/data-collection-service/inlet",
		"status": st,
		"title":  title,
		"report": report,
	})
}
