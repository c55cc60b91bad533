package local

import (
	"mime"
	"net/http"
	"strings"
)

// The Schema Registry chooses its answer's form from the Accept header, and is strict about it: lists
// take a form without a version, lookups need "; version=1", and a form that does not exist for the
// resource is 406 Not Acceptable.

// xedForm is a parsed lookup Accept header.
type xedForm struct {
	full   bool // xed-full: every reference resolved
	noText bool // -notext: no titles or descriptions
	desc   bool // -desc: descriptions but no titles
}

// lookupForms maps the lookup media types the registry serves to their forms.
var lookupForms = map[string]xedForm{
	"application/vnd.adobe.xed+json":             {},
	"application/vnd.adobe.xed-full+json":        {full: true},
	"application/vnd.adobe.xed-notext+json":      {noText: true},
	"application/vnd.adobe.xed-full-notext+json": {full: true, noText: true},
	"application/vnd.adobe.xed-full-desc+json":   {full: true, desc: true},
}

// lookupAccept parses a lookup's Accept header, answering 400 XDM-1007 without a version and 406 for
// a form or version the registry does not serve.
func lookupAccept(w http.ResponseWriter, r *http.Request) (xedForm, bool) {
	accept := r.Header.Get("Accept")
	mt, params, err := mime.ParseMediaType(accept)
	if err != nil || !strings.HasPrefix(mt, "application/vnd.adobe.") {
		xdmError(w, http.StatusNotAcceptable, "1010-406", "Not Acceptable", "The specified Accept format %q is not available for this resource. Use application/vnd.adobe.xed-full+json; version=1.", accept)
		return xedForm{}, false
	}
	v, hasVersion := params["version"]
	if !hasVersion {
		xdmError(w, http.StatusBadRequest, "1007-400", "Accept header invalid",
			"The supplied Accept header is not valid: %s - A valid Accept value should look like application/vnd.adobe.'{xed|xdm'}+json; version=1 (Version should be specified)", accept)
		return xedForm{}, false
	}
	form, ok := lookupForms[mt]
	if !ok || (v != "1" && v != "1.0") {
		xdmError(w, http.StatusNotAcceptable, "1010-406", "Not Acceptable", "The specified Accept format/version %q is not available for this resource.", accept)
		return xedForm{}, false
	}
	return form, true
}

// listAccept parses a list's Accept header: xed-id+json for summaries, xed+json for whole resources,
// never with a version. It answers 400 XDM-1006 otherwise.
func listAccept(w http.ResponseWriter, r *http.Request) (full bool, ok bool) {
	accept := r.Header.Get("Accept")
	mt, params, err := mime.ParseMediaType(accept)
	_, hasVersion := params["version"]
	if err == nil && !hasVersion {
		switch mt {
		case "application/vnd.adobe.xed-id+json":
			return false, true
		case "application/vnd.adobe.xed+json":
			return true, true
		}
	}
	xdmError(w, http.StatusBadRequest, "1006-400", "Accept header invalid",
		"The supplied Accept header is not valid: %s - A valid Accept value should look like application/vnd.adobe.'{xed|xdm'}+json", accept)
	return false, false
}

// stripText removes titles (and, unless keepDesc, descriptions) from a JSON Schema tree.
func stripText(v any, keepDesc bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if k == "title" || (k == "description" && !keepDesc) {
				if _, isString := e.(string); isString {
					continue
				}
			}
			out[k] = stripText(e, keepDesc)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = stripText(e, keepDesc)
		}
		return out
	}
	return v
}
