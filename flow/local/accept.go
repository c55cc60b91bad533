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

// parseXedMedia splits application/vnd.adobe.{xed|xdm}[-modifier…]+json into its modifiers. The
// registry names its forms xed or xdm alike (help/xdm/troubleshooting-guide.md, "Accept header
// invalid": "application/vnd.adobe.{xed|xdm}+json"), and Adobe's clients send both (adobe/aepp asks
// for xdm-full+json by default).
func parseXedMedia(mt string) (mods []string, ok bool) {
	rest, ok := strings.CutPrefix(mt, "application/vnd.adobe.")
	if !ok {
		return nil, false
	}
	rest, ok = strings.CutSuffix(rest, "+json")
	if !ok {
		return nil, false
	}
	parts := strings.Split(rest, "-")
	if parts[0] != "xed" && parts[0] != "xdm" {
		return nil, false
	}
	return parts[1:], true
}

// lookupAccept parses a lookup's Accept header (help/xdm/api/getting-started.md, "Accept header"):
// xed, xed-full, xed-notext, xed-full-notext and xed-full-desc, each with "; version={MAJOR_VERSION}"
// ("1", or a minor version such as "1.0", which adobe/aepp sends), and xed-deprecatefield. Without a
// version the answer is 400 XDM-1007; a form the registry does not serve is 406
// (help/xdm/troubleshooting-guide.md).
func lookupAccept(w http.ResponseWriter, r *http.Request) (xedForm, bool) {
	accept := r.Header.Get("Accept")
	mt, params, err := mime.ParseMediaType(accept)
	mods, isXed := parseXedMedia(mt)
	if err != nil || !isXed {
		xdmError(w, http.StatusNotAcceptable, "1010-406", "Not Acceptable", "The specified Accept format %q is not available for this resource. Use application/vnd.adobe.xed-full+json; version=1.", accept)
		return xedForm{}, false
	}
	v, hasVersion := params["version"]
	if !hasVersion {
		xdmError(w, http.StatusBadRequest, "1007-400", "Accept header invalid",
			"The supplied Accept header is not valid: %s - A valid Accept value should look like application/vnd.adobe.'{xed|xdm'}+json; version=1 (Version should be specified)", accept)
		return xedForm{}, false
	}
	var form xedForm
	ok := true
	seen := map[string]bool{}
	for _, m := range mods {
		if seen[m] {
			ok = false
			break
		}
		seen[m] = true
		switch m {
		case "full":
			form.full = true
		case "notext":
			form.noText = true
		case "desc":
			form.desc = true
		case "deprecated", "deprecatefield":
			// help/xdm/api/schemas.md lists xed-deprecatefield+json (deprecated fields marked by
			// meta:status); adobe/aepp sends -deprecated. No local field is deprecated, so both read
			// like xed-full.
			form.full = true
		default:
			ok = false
		}
	}
	major, _, _ := strings.Cut(v, ".")
	if !ok || major != "1" || (form.noText && form.desc) || (form.desc && !form.full) {
		xdmError(w, http.StatusNotAcceptable, "1010-406", "Not Acceptable", "The specified Accept format/version %q is not available for this resource.", accept)
		return xedForm{}, false
	}
	return form, true
}

// listAccept parses a list's Accept header: xed-id+json for summaries, xed+json for whole resources
// (xdm in place of xed alike), never with a version. It answers 400 XDM-1006 otherwise
// (help/xdm/troubleshooting-guide.md, "Accept header invalid").
func listAccept(w http.ResponseWriter, r *http.Request) (full bool, ok bool) {
	accept := r.Header.Get("Accept")
	mt, params, err := mime.ParseMediaType(accept)
	_, hasVersion := params["version"]
	if mods, isXed := parseXedMedia(mt); err == nil && !hasVersion && isXed {
		switch strings.Join(mods, "-") {
		case "id":
			return false, true
		case "":
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
