package flow_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cioaep/cioaep/flow"
)

// hasAttention reports whether one of the attention lines contains part.
func hasAttention(lines []string, part string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, part) })
}

func TestStatusWithoutDataflow(t *testing.T) {
	t.Parallel()
	st, err := startOps(t).session(t.TempDir()).Status(context.Background())
	noErr(t, err)
	if st.Dataflow != nil || !hasAttention(st.Attention, "no dataflow yet") {
		t.Errorf("status of a fresh profile = %+v", st)
	}
}

// A journaled dataflow deleted behind cioaep's back is reported as gone, not as "no dataflow yet".
func TestStatusFlowGone(t *testing.T) {
	t.Parallel()
	op := startOps(t)
	s, res := op.setUp(t)
	noErr(t, op.client().DeleteFlow(context.Background(), res.FlowID))
	st, err := s.Status(context.Background())
	noErr(t, err)
	if st.Gone != res.FlowID || st.Dataflow != nil || !hasAttention(st.Attention, "no longer exists") {
		t.Errorf("status with the flow deleted = %+v", st)
	}
}

// A healthy dataflow needs no attention; failed records and a disabled flow each do.
func TestStatusAttention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	op := startOps(t)
	s, res := op.setUp(t)
	postEvent(t, res.WebhookURL, cioEvent)
	st, err := s.Status(ctx)
	noErr(t, err)
	if len(st.Attention) != 0 || st.Dataflow == nil || st.Dataflow.ID != res.FlowID {
		t.Fatalf("healthy status = %+v", st)
	}
	if in, out, failed := st.Totals(); in != 1 || out != 1 || failed != 0 {
		t.Errorf("totals = %d/%d/%d, want 1/1/0", in, out, failed)
	}

	postEvent(t, res.WebhookURL, `{"object_type":"email","metric":"sent"}`) // no event_id: _id stays empty
	_, err = s.SetEnabled(ctx, *st.Dataflow, false)
	noErr(t, err)
	st, err = s.Status(ctx)
	noErr(t, err)
	if _, _, failed := st.Totals(); failed != 1 || !hasAttention(st.Attention, "1 record(s) failed") {
		t.Errorf("after a bad event: failed=%d attention=%q", failed, st.Attention)
	}
	if !hasAttention(st.Attention, "disabled") {
		t.Errorf("attention for a disabled flow = %q", st.Attention)
	}
}

// With the journal gone, status points at the dataflows reconfigure could adopt instead of saying
// there are none.
func TestStatusOffersDiscoveredDataflows(t *testing.T) {
	t.Parallel()
	op := startOps(t)
	s, res := op.setUp(t)
	noErr(t, os.Remove(filepath.Join(s.StateDir(), flow.JournalFile)))
	st, err := s.Status(context.Background())
	noErr(t, err)
	if st.Dataflow != nil || len(st.Found) != 1 || st.Found[0].ID != res.FlowID || !hasAttention(st.Attention, "cioaep reconfigure") {
		t.Errorf("status without a journal = %+v", st)
	}
}
