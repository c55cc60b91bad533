package flow

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cioaep/cioaep/flow/safetext"
)

// A platform's error answer is JSON written for programs: the streaming inlet nests its validation
// errors three levels deep with JSON pointers, the Schema Registry lists sub-errors, Flow Service has
// errorDetails. Cut to one line it reads as `{"report":{"cause":{"_streamingValidation":[{…`. ReadReply
// turns any of them into what a person needs: a summary and one line per field.

// ReplyProblem is one thing an error answer says is wrong: the field it names (dot form, as the mapping
// shows targets; "" when it names none) and what is wrong with it.
type ReplyProblem struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String is the problem as one line: "`web.url`: want an absolute URI …".
func (p ReplyProblem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return "`" + p.Field + "`: " + p.Message
}

// Reply is a platform error answer read for people. Every string is sanitised for the terminal.
type Reply struct {
	Summary  string         // "Invalid XDM Message Format", or the whole message when it names no field
	Problems []ReplyProblem // one per field, in the order the platform gave them
	More     int            // problems left out beyond maxReplyProblems
}

// maxReplyProblems bounds the lines one answer adds to a screen. Adobe's inlet stops after five
// violations per message (help/ingestion/quality/streaming-validation.md), so this rarely cuts.
const maxReplyProblems = 12

// Lines is the summary, then one line per problem.
func (r Reply) Lines() []string {
	out := []string{r.Summary}
	for _, p := range r.Problems {
		out = append(out, p.String())
	}
	if r.More > 0 {
		out = append(out, fmt.Sprintf("… and %d more", r.More))
	}
	return out
}

// inletPrefix is the boilerplate Adobe's inlet puts before its message ("inletId: [6aca…] imsOrgId:
// [7BF1…@AdobeOrg] Message is invalid"): ids the user did not ask about.
var inletPrefix = regexp.MustCompile(`^inletId: \[[^\]]*\]\s*(imsOrgId: \[[^\]]*\]\s*)?`)

// extraneousKey and requiredKey are how Adobe's inlet words a field the schema does not have (keyword
// additionalProperties) and a required one the record lacks (keyword required): both at the parent's
// pointer, with the field in brackets.
var (
	extraneousKey = regexp.MustCompile(`^extraneous key \[(.+)\] is not permitted$`)
	requiredKey   = regexp.MustCompile(`^required key \[(.+)\] not found$`)
)

// ReadReply reads an error answer of any Platform service: the inlet's
// {"title","report":{"message","cause":{"_streamingValidation":[…]}}} with everit's nested
// causingExceptions and pointerToViolation (help/ingestion/quality/streaming-validation.md), its
// _errors/_validationErrors variants (help/ingestion/quality/retrieve-failed-batches.md), Schema
// Registry sub-errors, Flow Service errorDetails and the gateway's {"error_code","message"}. A body that
// is not JSON is summarised as its first line; an empty one as the status text.
func ReadReply(status int, body []byte) Reply {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		text := strings.TrimSpace(string(body))
		if text == "" || strings.HasPrefix(text, "<") { // empty, or a proxy's HTML page
			return Reply{Summary: statusSummary(status)}
		}
		line, _, _ := strings.Cut(text, "\n")
		return Reply{Summary: bound(safetext.Line(line), 300)}
	}
	if list, ok := v.([]any); ok && len(list) > 0 {
		v = list[0] // some gateways wrap the error in a list
	}
	m, _ := v.(map[string]any)
	if m == nil {
		return Reply{Summary: statusSummary(status)}
	}
	report, _ := m["report"].(map[string]any)
	title := firstText(m["title"], m["error"])
	detail := firstText(m["detail"], report["detailed-message"], m["errorMessage"], m["message"],
		m["error_description"], report["message"])
	detail = inletPrefix.ReplaceAllString(detail, "")

	var c collector
	for _, src := range []any{report["cause"], report["sub-errors"], m["errorDetails"], m["_errors"], m["_validationErrors"]} {
		c.walk(src, "", 0)
	}
	r := Reply{Problems: c.problems, More: c.more}
	switch {
	case title != "" && len(r.Problems) > 0:
		r.Summary = title
	case title != "" && detail != "" && !strings.EqualFold(title, detail):
		r.Summary = title + ": " + detail
	default:
		r.Summary = firstText(title, detail, m["error_code"])
	}
	if r.Summary == "" {
		r.Summary = statusSummary(status)
	}
	r.Summary = bound(safetext.Line(r.Summary), 300)
	return r
}

func statusSummary(status int) string {
	if status == 0 {
		return "no answer"
	}
	return fmt.Sprintf("HTTP %d", status)
}

// collector gathers problems from nested error documents.
type collector struct {
	problems []ReplyProblem
	more     int
	seen     map[ReplyProblem]bool
}

func (c *collector) add(field, msg string) {
	msg = bound(strings.TrimSpace(safetext.Line(msg)), 300)
	if msg == "" {
		return
	}
	p := ReplyProblem{Field: bound(safetext.Line(field), 200), Message: msg}
	if c.seen[p] {
		return
	}
	if c.seen == nil {
		c.seen = map[ReplyProblem]bool{}
	}
	c.seen[p] = true
	if len(c.problems) >= maxReplyProblems {
		c.more++
		return
	}
	c.problems = append(c.problems, p)
}

// walk visits v: an object with a message is a problem unless it has causes of its own (everit's
// "3 schema violations found" is only a count of its causingExceptions); anything else is searched.
func (c *collector) walk(v any, field string, depth int) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, y := range x {
			c.walk(y, field, depth+1)
		}
	case string:
		c.add(field, x)
	case map[string]any:
		if f := firstText(x["pointerToViolation"], x["path"], x["field"], x["property"]); f != "" {
			field = fieldName(f)
		}
		if causes, ok := x["causingExceptions"].([]any); ok && len(causes) > 0 {
			c.walk(causes, field, depth+1)
			return
		}
		msg := firstText(x["message"], x["detail"], x["errorMessage"], x["title"])
		if msg == "" {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				c.walk(x[k], field, depth+1)
			}
			return
		}
		if m := extraneousKey.FindStringSubmatch(msg); m != nil {
			field, msg = joinField(field, m[1]), "is not a field of this schema"
		} else if m := requiredKey.FindStringSubmatch(msg); m != nil {
			field, msg = joinField(field, m[1]), "is required but missing"
		}
		c.add(field, msg)
	}
}

// fieldName turns a JSON pointer ("#/web/webPageDetails/URL", "/list/2") into the dot form the mapping
// shows ("web.webPageDetails.URL", "list[2]"); a dot or slash path is kept as it is. The record itself
// ("#") is "".
func fieldName(p string) string {
	p = strings.TrimPrefix(p, "#")
	if !strings.HasPrefix(p, "/") {
		return strings.ReplaceAll(p, "/", ".")
	}
	out := ""
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" {
			continue
		}
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(seg); err == nil && out != "" {
			out += "[" + seg + "]"
			continue
		}
		out = joinField(out, seg)
	}
	return out
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// firstText is the first value that is a non-blank string (or a number, as error codes sometimes are).
func firstText(vs ...any) string {
	for _, v := range vs {
		switch x := v.(type) {
		case string:
			if s := strings.TrimSpace(x); s != "" {
				return s
			}
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
	}
	return ""
}

// bound cuts s to n runes, marking the cut.
func bound(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
