package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
)

// atMapping drives the wizard without a program to the mapping step at the given size, every command
// run to its end, so each key below acts on a settled screen.
func atMapping(t *testing.T, deps Deps, width, height int) (*wizard, *mappingStep) {
	t.Helper()
	w := testWizard(deps)
	syncDrive(w, tea.WindowSizeMsg{Width: width, Height: height})
	for range 5 {
		syncDrive(w, tea.KeyMsg{Type: tea.KeyEnter})
	}
	s, ok := w.steps[w.cur].(*mappingStep)
	if !ok || s.load != loadDone || s.checking {
		t.Fatalf("did not reach a checked mapping step (step %d):\n%s", w.cur, w.View())
	}
	return w, s
}

func keys(w *wizard, ks ...string) {
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "home":
			msg = tea.KeyMsg{Type: tea.KeyHome}
		case "end":
			msg = tea.KeyMsg{Type: tea.KeyEnd}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		syncDrive(w, msg)
	}
}

// shownTargets are the targets of the rows the table shows, in order.
func shownTargets(s *mappingStep) []string {
	var out []string
	for i := range s.shown() {
		out = append(out, s.rows[s.filter.at(i)].target)
	}
	return out
}

func currentTarget(s *mappingStep) string {
	r, _ := s.current()
	return r.target
}

func TestMappingFilterNarrowsByTargetOrSource(t *testing.T) {
	w, s := atMapping(t, newWorld().deps(false), 80, 24)
	keys(w, "/", "e", "m", "a", "i", "l")
	if got := shownTargets(s); !slices.Equal(got, []string{"_acme.customerio.email"}) {
		t.Fatalf("filter email shows %q", got)
	}
	view := w.View()
	for _, want := range []string{"/email", "1 of 7 rows", "esc clear filter"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if s.edit != nil {
		t.Fatal("the e typed into the filter opened the editor")
	}

	// By source: event_id is the source of _id only.
	keys(w, "esc", "/", "event_id")
	if got := shownTargets(s); !slices.Equal(got, []string{"_id"}) {
		t.Errorf("filter event_id shows %q", got)
	}
	// Case does not matter, and a source matching keeps a row whose target does not: metric is read by
	// the eventType expression too.
	keys(w, "esc", "/", "METRIC")
	if got := shownTargets(s); !slices.Equal(got, []string{"_acme.customerio.metric", "eventType"}) {
		t.Errorf("filter METRIC shows %q", got)
	}
	// enter keeps the filter and gives the keys back to the table; esc then clears it, staying on the row.
	keys(w, "enter", "down")
	if s.filter.typing || currentTarget(s) != "eventType" {
		t.Fatalf("after enter and ↓: typing=%v, on %q", s.filter.typing, currentTarget(s))
	}
	keys(w, "esc")
	if s.shown() != len(s.rows) || currentTarget(s) != "eventType" || w.cur != 5 {
		t.Errorf("esc: %d of %d rows shown, on %q, step %d; want all rows, still on eventType, same step",
			s.shown(), len(s.rows), currentTarget(s), w.cur)
	}
	keys(w, "/", "zzz")
	if view := w.View(); !strings.Contains(view, `no target or source contains "zzz"`) {
		t.Errorf("an empty result says nothing:\n%s", view)
	}
	keys(w, "esc", "esc")
	if w.cur != 4 {
		t.Errorf("esc with no filter should go back a step; on step %d", w.cur)
	}
}

func TestMappingHomeEndJump(t *testing.T) {
	w, s := atMapping(t, newWorld().deps(false), 80, 24)
	keys(w, "end")
	if got := currentTarget(s); got != s.rows[len(s.rows)-1].target {
		t.Errorf("end went to %q", got)
	}
	keys(w, "home")
	if s.cursor != 0 {
		t.Errorf("home went to row %d", s.cursor)
	}
	// Within a filter, end is the last row shown.
	keys(w, "/", "customerio", "enter", "end")
	if got, shown := currentTarget(s), shownTargets(s); got != shown[len(shown)-1] {
		t.Errorf("end within the filter went to %q, want %q", got, shown[len(shown)-1])
	}
	if help := w.View(); !strings.Contains(help, "home/end first/last") || !strings.Contains(help, "/ filter") {
		t.Errorf("the help line does not offer home/end and /:\n%s", help)
	}
}

func TestMappingCyclesThroughTheChosenEventTypes(t *testing.T) {
	w, s := atMapping(t, newWorld().deps(false), 120, 40)
	step := func(want, email string) {
		t.Helper()
		view := w.View()
		if !strings.Contains(view, want) {
			t.Errorf("header lacks %q:\n%s", want, view)
		}
		var emailRow string
		for _, l := range strings.Split(view, "\n") {
			if strings.Contains(l, "* .email") {
				emailRow = l
			}
		}
		if !strings.Contains(emailRow, email) {
			t.Errorf("the email row shows %q, want the sample's value %q", emailRow, email)
		}
	}
	step("Sample 1 of 3: customer.subscribed", "not in this sample")
	keys(w, "]")
	step("Sample 2 of 3: email.sent", "ada@example.com")
	if !strings.Contains(w.View(), "Preview: email.sent becomes") || s.preview["_acme.customerio.metric"] != "sent" {
		t.Errorf("the preview did not follow to email.sent: %v", s.preview)
	}
	keys(w, "]", "]")
	step("Sample 1 of 3: customer.subscribed", "not in this sample")
	keys(w, "[")
	step("Sample 3 of 3: sms.delivered", "not in this sample")
	if help := w.View(); !strings.Contains(help, "[/] sample") {
		t.Errorf("help lacks [/]:\n%s", help)
	}
}

func TestMappingListsTheSampleFieldsNoRuleReads(t *testing.T) {
	w, s := atMapping(t, newWorld().deps(false), 80, 24)
	want := []string{"data.email_address", "data.identifiers.cio_id", "data.identifiers.id", "data.recipient", "data.subject"}
	if !slices.Equal(s.unread, want) {
		t.Fatalf("unread %q, want %q", s.unread, want)
	}
	if view := w.View(); !strings.Contains(view, "! 5 fields in the samples map nowhere: data.email_address") {
		t.Errorf("the table does not say what maps nowhere:\n%s", view)
	}
	keys(w, "u")
	view := w.View()
	for _, line := range []string{"data.subject             in 1 of 3 samples", "data.identifiers.id      in 3 of 3 samples"} {
		if !strings.Contains(view, line) {
			t.Errorf("the list lacks %q:\n%s", line, view)
		}
	}
	keys(w, "esc")
	if s.pane != paneTable || w.cur != 5 {
		t.Fatalf("esc left the list for pane %d, step %d", s.pane, w.cur)
	}
	// Map data.subject onto campaign_id (the last row): it leaves the list.
	keys(w, "end", "e", "/", "subject", "enter", "enter")
	if slices.Contains(s.unread, "data.subject") || len(s.unread) != 4 {
		t.Errorf("after mapping data.subject, unread is %q", s.unread)
	}
}

func TestMappingColumnsFitTheWindow(t *testing.T) {
	world := newWorld()
	long := "_acme.customerio.delivery.recipient.email_address_hashed_sha256"
	world.engine.fields = append(world.engine.fields, flow.TargetField{Path: long, Type: "string"})
	world.engine.rules = append(world.engine.rules, dataprep.Rule{SourceType: dataprep.Attribute, Source: "data.identifiers.email", Destination: long})
	for _, width := range []int{80, 120, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			w, s := atMapping(t, world.deps(false), width, 40)
			view := w.View()
			for _, r := range s.rows {
				shown := r.target
				if rest, ok := strings.CutPrefix(r.target, s.prefix()); ok {
					shown = "." + rest
				}
				if !strings.Contains(view, shown+" ") && !strings.Contains(view, shown+"\n") {
					t.Errorf("target %q is cut at %d columns:\n%s", shown, width, view)
				}
			}
			for _, l := range strings.Split(view, "\n") {
				if lipgloss.Width(l) > width {
					t.Errorf("line wider than %d: %q", width, l)
				}
				// Beside the preview (200 columns) the table is a padded column of the layout.
				if width < 150 && strings.Contains(l, " ← ") && strings.HasSuffix(l, " ") {
					t.Errorf("a row is padded with blanks: %q", l)
				}
			}
			if strings.Contains(view, "Sample value") != (width >= 100) {
				t.Errorf("at %d columns the value column is shown: %v", width, strings.Contains(view, "Sample value"))
			}
			if !strings.Contains(view, "3 of 3 samples accepted · * mandatory") {
				t.Errorf("the status line is cut at %d columns:\n%s", width, view)
			}
		})
	}
}

// TestMappingCutsALongTargetInTheMiddle: at 60 columns the long target cannot fit; its leaf stays.
func TestMappingCutsALongTargetInTheMiddle(t *testing.T) {
	world := newWorld()
	long := "_acme.customerio.delivery.recipient.email_address_hashed_sha256"
	world.engine.fields = append(world.engine.fields, flow.TargetField{Path: long, Type: "string"})
	world.engine.rules = append(world.engine.rules, dataprep.Rule{SourceType: dataprep.Attribute, Source: "data.identifiers.email", Destination: long})
	w, _ := atMapping(t, world.deps(false), 60, 30)
	view := w.View()
	if !strings.Contains(view, ".deliv….email_address_hashed_sha256 ← data.id….email") {
		t.Errorf("the long target is not cut in its middle:\n%s", view)
	}
	// Without a value column the highlighted row tells its sample value under the table.
	if !strings.Contains(view, "_id  string · Identifier  = 01E4C4CT6YDC7Y5M7FE1GWWPQL") {
		t.Errorf("the highlighted row's value is not shown:\n%s", view)
	}
}

func TestMappingStatusLineWrapsInsteadOfCutting(t *testing.T) {
	// A rule the validator refuses makes the longest status there is.
	world := newWorld()
	world.engine.rules = append(slices.Clone(world.engine.rules[:5]), dataprep.Rule{SourceType: dataprep.Expression, Source: "nosuch(object_type)", Destination: "_acme.customerio.object_type"})
	for _, width := range []int{60, 80} {
		w, _ := atMapping(t, world.deps(false), width, 24)
		view := w.View()
		if !strings.Contains(view, "✗ 1 of 6 rules failed the check") || !strings.Contains(view, "* mandatory") {
			t.Errorf("the status line is cut at %d columns:\n%s", width, view)
		}
	}
	parts := []string{"✓ 6 rules checked", "3 of 3 samples accepted", "* mandatory"}
	if got, want := wrapParts(parts, " · ", 30), "✓ 6 rules checked\n3 of 3 samples accepted\n* mandatory"; got != want {
		t.Errorf("wrapParts at 30 = %q, want %q", got, want)
	}
	if got, want := wrapParts(parts, " · ", 45), "✓ 6 rules checked · 3 of 3 samples accepted\n* mandatory"; got != want {
		t.Errorf("wrapParts at 45 = %q, want %q", got, want)
	}
}

func TestCutMiddleKeepsTheLeaf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want string
	}{
		{"_acme.customerio.email", 30, "_acme.customerio.email"},
		{"_acme.customerio.delivery.recipient_email_address", 30, "_acme….recipient_email_address"},
		{"data.identifiers.a_very_long_leaf_name_indeed", 12, "…name_indeed"},
		{"ƒ concat(a, b)", 6, "…a, b)"},
	} {
		got := cutMiddle(tc.in, tc.w)
		if ansi.StringWidth(got) > tc.w {
			t.Errorf("cutMiddle(%q, %d) = %q is %d wide", tc.in, tc.w, got, ansi.StringWidth(got))
		}
		if got != tc.want {
			t.Errorf("cutMiddle(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
}

func TestColumnWidthsShareByContent(t *testing.T) {
	for _, tc := range []struct {
		room int
		need [3]int
		want [3]int
	}{
		{100, [3]int{20, 30, 10}, [3]int{20, 30, 10}},  // everything fits: what each needs, no padding
		{60, [3]int{30, 60, 0}, [3]int{30, 30, 0}},     // the target keeps its width, the source is cut
		{60, [3]int{70, 20, 0}, [3]int{46, 14, 0}},     // a huge target leaves the source its minimum
		{80, [3]int{30, 60, 12}, [3]int{30, 38, 12}},   // the short value gets all it needs
		{80, [3]int{30, 60, 60}, [3]int{30, 30, 20}},   // both long: the source gets the larger share
		{142, [3]int{31, 60, 100}, [3]int{31, 60, 51}}, // but never more than it needs: the value has the rest
		{60, [3]int{70, 10, 10}, [3]int{40, 10, 10}},   // a cut target leaves the short others what they need
	} {
		if got := columnWidths(tc.room, tc.need); got != tc.want {
			t.Errorf("columnWidths(%d, %v) = %v, want %v", tc.room, tc.need, got, tc.want)
		}
	}
}

func TestMappingValuesAreSanitised(t *testing.T) {
	deps := newWorld().deps(false)
	deps.Samples = []Sample{{ObjectType: "customer", Metric: "subscribed", Body: []byte(
		`{"event_id":"e\u001b]52;c;ZXZpbA==\u0007x","object_type":"customer","metric":"subscribed","timestamp":1613063091,"data":{"identifiers":{"id":"42","email":"a\u001b[2Jb@example.com"}}}`)}}
	w, _ := atMapping(t, deps, 120, 40)
	view := w.View()
	if strings.ContainsAny(view, "\x1b\x07") {
		t.Errorf("control characters reached the screen: %q", view)
	}
	if !strings.Contains(view, "ab@example.com") {
		t.Errorf("the value column lost the cleaned value:\n%s", view)
	}
}

// TestMappingLongTableKeepsItsFoot: a mapping longer than the window scrolls inside the table; the
// position, the highlighted row's detail and the dropped fields stay on screen.
func TestMappingLongTableKeepsItsFoot(t *testing.T) {
	world := newWorld()
	for i := range 40 {
		world.engine.fields = append(world.engine.fields, flow.TargetField{Path: fmt.Sprintf("_acme.customerio.extra_%02d", i), Type: "string"})
	}
	for _, sz := range sizes {
		w, s := atMapping(t, world.deps(false), sz[0], sz[1])
		for _, filter := range []bool{false, true} {
			if filter {
				keys(w, "/", "extra", "enter")
			}
			keys(w, "end")
			view := w.View()
			n := s.shown()
			for _, want := range []string{fmt.Sprintf("%d/%d", n, n), "extra_39  string", "map nowhere"} {
				if !strings.Contains(view, want) {
					t.Errorf("%dx%d (filter %v): %q is not on screen:\n%s", sz[0], sz[1], filter, want, view)
				}
			}
			if lipgloss.Height(view) > sz[1] {
				t.Errorf("%dx%d: the view is %d lines", sz[0], sz[1], lipgloss.Height(view))
			}
		}
	}
}

// BenchmarkMappingFilter types a query into the `/` filter of a 2,000-rule mapping; each op is one
// keystroke and the frame drawn after it. The samples are never re-read: a row's text is indexed once.
func BenchmarkMappingFilter(b *testing.B) {
	world := newWorld()
	for i := range 2000 {
		dest := fmt.Sprintf("_acme.customerio.field_%04d", i)
		world.engine.fields = append(world.engine.fields, flow.TargetField{Path: dest, Type: "string"})
		world.engine.rules = append(world.engine.rules, dataprep.Rule{SourceType: dataprep.Attribute, Source: fmt.Sprintf("data.attr_%04d", i), Destination: dest})
	}
	w := testWizard(world.deps(false))
	syncDrive(w, tea.WindowSizeMsg{Width: 120, Height: 40})
	for range 5 {
		syncDrive(w, tea.KeyMsg{Type: tea.KeyEnter})
	}
	s := w.steps[w.cur].(*mappingStep)
	if len(s.rows) < 2000 {
		b.Fatalf("%d rows", len(s.rows))
	}
	keys(w, "/")
	query := "field_12"
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		k := n % (len(query) + 1)
		if k == 0 {
			w.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
		} else {
			w.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{rune(query[k-1])}})
		}
		_ = w.View()
	}
}
