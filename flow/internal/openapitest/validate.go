package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// side says who is under test. A client must never send what the spec forbids; a server may receive
// it (tests send bad requests on purpose) but must then refuse it with a 4xx.
type side int

const (
	server side = iota
	client
)

// exchange is one request and its response, bodies read in full.
type exchange struct {
	req      *http.Request
	reqBody  []byte
	status   int
	header   http.Header
	respBody []byte
}

// check validates one exchange and reports every mismatch on t, naming the operation. Exchanges with no
// operation in any file (IMS, anything Adobe does not document) pass unchecked.
func (s *Specs) check(t interface{ Errorf(string, ...any) }, who side, ex exchange) {
	route, params, ok := s.specs.find(ex.req)
	if !ok {
		return
	}
	op := ex.req.Method + " " + route.Path
	s.cover(op)
	name := op
	if route.Operation.OperationID != "" {
		name += " (" + route.Operation.OperationID + ")"
	}

	req := ex.req.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(ex.reqBody))
	opts := &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	opts.WithCustomSchemaErrorFunc(schemaMessage)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}

	var problems []string
	reqProblems := allowed(op, 0, "request", flatten(openapi3filter.ValidateRequest(context.Background(), in)))
	if len(reqProblems) > 0 && (who == client || ex.status < 400) {
		verb := "sent"
		if who == server {
			verb = fmt.Sprintf("was answered %d for", ex.status)
		}
		for _, p := range reqProblems {
			problems = append(problems, fmt.Sprintf("the request it %s does not match the spec: %s", verb, p))
		}
	}

	if msg := undocumentedSuccess(route.Operation, ex.status); msg != "" {
		problems = append(problems, allowed(op, ex.status, "status", []string{msg})...)
	}
	for _, p := range allowed(op, ex.status, "response", validateResponse(in, op, ex)) {
		problems = append(problems, fmt.Sprintf("the %d response does not match the spec: %s", ex.status, p))
	}
	if len(problems) > 0 {
		t.Errorf("openapitest: %s:\n  %s", name, strings.Join(problems, "\n  "))
	}
}

// undocumentedSuccess flags a 2xx the operation does not list: a success code is part of the contract a
// client relies on (201 vs 200). Undocumented error codes pass, because Adobe's files list only a few
// of the errors its services really return, and their bodies are checked by the local platform's own
// tests against platform.md.
func undocumentedSuccess(op *openapi3.Operation, status int) string {
	if status < 200 || status > 299 || op.Responses == nil {
		return ""
	}
	if op.Responses.Status(status) != nil || op.Responses.Default() != nil {
		return ""
	}
	var documented []string
	for code := range op.Responses.Map() {
		documented = append(documented, code)
	}
	sort.Strings(documented)
	return fmt.Sprintf("status %d is not documented (the spec lists %s)", status, strings.Join(documented, ", "))
}

// flatten splits kin-openapi's nested multi-errors into one readable line each, keeping where each
// one was found (which parameter, or the body).
func flatten(err error) []string {
	switch e := err.(type) {
	case nil:
		return nil
	case openapi3.MultiError:
		var out []string
		for _, inner := range e {
			out = append(out, flatten(inner)...)
		}
		return out
	case *openapi3filter.RequestError:
		where := "body"
		if e.Parameter != nil {
			where = e.Parameter.In + " parameter " + strconv.Quote(e.Parameter.Name)
		}
		inner := flatten(e.Err)
		if len(inner) == 0 {
			return []string{where + ": " + e.Reason}
		}
		for i := range inner {
			inner[i] = where + ": " + inner[i]
		}
		return inner
	case *openapi3filter.ResponseError:
		if inner := flatten(e.Err); len(inner) > 0 {
			return inner
		}
		return []string{e.Reason}
	case *openapi3.SchemaError:
		// allOf/anyOf failures wrap the specific reasons; report those rather than "doesn't match all schemas".
		var multi openapi3.MultiError
		var inner *openapi3.SchemaError
		if errors.As(e.Origin, &multi) {
			if lines := flatten(multi); len(lines) > 0 {
				return lines
			}
		} else if errors.As(e.Origin, &inner) {
			return flatten(inner)
		}
		return []string{schemaMessage(e)}
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		return []string{schemaMessage(schemaErr)}
	}
	return []string{strings.ReplaceAll(err.Error(), "\n", " ")}
}

// schemaMessage keeps a schema error to where and why; kin-openapi's default prints the whole schema.
func schemaMessage(err *openapi3.SchemaError) string {
	ptr := "/" + strings.Join(err.JSONPointer(), "/")
	return fmt.Sprintf("at %s: %s", ptr, err.Reason)
}

// validateResponse applies the documented media-type aliases and list-of-objects answers before
// handing the response to kin-openapi.
func validateResponse(in *openapi3filter.RequestValidationInput, op string, ex exchange) []string {
	header := ex.header
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err == nil {
		if prefix, ok := jsonAliases[mt]; ok && strings.HasPrefix(in.Route.Path, prefix) {
			header = header.Clone()
			header.Set("Content-Type", "application/json")
		}
	}
	bodies := [][]byte{ex.respBody}
	var list []json.RawMessage
	if _, ok := arrayResponses[op]; ok && json.Unmarshal(ex.respBody, &list) == nil {
		bodies = bodies[:0]
		for _, e := range list {
			bodies = append(bodies, e)
		}
	}
	var problems []string
	for i, body := range bodies {
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 ex.status,
			Header:                 header,
			Body:                   io.NopCloser(bytes.NewReader(body)),
			Options:                in.Options,
		}
		for _, p := range flatten(openapi3filter.ValidateResponse(context.Background(), out)) {
			if len(bodies) > 1 || list != nil {
				p = fmt.Sprintf("list element %d: %s", i, p)
			}
			problems = append(problems, p)
		}
	}
	return problems
}
