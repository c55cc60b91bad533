package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/guptarohit/asciigraph"

	"github.com/cioaep/cioaep/flow"
)

// chartMinWidth is the narrowest body a chart is drawn in (sixty minutes, one column each, and the axis);
// below it the per-minute counts are numbers.
const chartMinWidth = 78

// chartMinHeight is the fewest rows a chart is drawn in: the totals, a chart two rows high with its axis
// and legend, and the counts by type, with the blank lines between them. The done screen's monitor sits
// below the printed URL at 80×24 and has about nine.
const chartMinHeight = 8

// minuteSeries picks one count out of each minute of the window.
func minuteSeries(s flow.Snapshot, pick func(flow.MinuteCount) int64) []float64 {
	out := make([]float64, len(s.PerMinute))
	for i, m := range s.PerMinute {
		out[i] = float64(pick(m))
	}
	return out
}

// dotted draws the ingested series, which often runs under the received one: where they differ it shows.
var dotted = asciigraph.CharSet{Horizontal: "┄", VerticalLine: "┆", ArcDownRight: "╭", ArcDownLeft: "╮", ArcUpRight: "╰",
	ArcUpLeft: "╯", EndCap: "╴", StartCap: "╶", UpRight: "└", DownHorizontal: "┬"}

// chartLegend names the series of minuteChart by their line, so it reads without colour too.
const chartLegend = "─ received  ┄ ingested  • failed   per minute, last hour, oldest on the left"

// minuteChart draws the window's received, ingested and failed counts, one column per minute and no
// resampling (a resampled chart loses a one-minute spike), height rows tall plus the axis. asciigraph
// draws it as a plain string, so the view stays a pure function of the snapshot; colour is added only
// when the terminal has it.
func minuteChart(s flow.Snapshot, height int, colour bool) string {
	received := minuteSeries(s, func(m flow.MinuteCount) int64 { return m.Received })
	most := 0.0
	for _, v := range received {
		most = max(most, v)
	}
	// No more rows than there are whole values, so small counts get no repeated labels (0 0 1 1).
	height = min(height, max(int(most), 1))
	opts := []asciigraph.Option{
		asciigraph.Height(height),
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(max(most, 1)), // an empty hour is a flat line at 0
		asciigraph.Precision(0),
		asciigraph.SeriesChars(asciigraph.CreateCharSet("•"), dotted, asciigraph.DefaultCharSet),
	}
	if colour {
		opts = append(opts, asciigraph.SeriesColors(asciigraph.Red, asciigraph.Green, asciigraph.Default))
	}
	// Minutes without a failure are gaps (NaN), not dots along the axis.
	failed := minuteSeries(s, func(m flow.MinuteCount) int64 { return m.Failed })
	anyFailed := false
	for i, v := range failed {
		if v == 0 {
			failed[i] = math.NaN()
		}
		anyFailed = anyFailed || v > 0
	}
	if !anyFailed {
		failed[len(failed)-1] = 0 // asciigraph needs one number per series
	}
	plot := asciigraph.PlotMany([][]float64{
		failed,
		minuteSeries(s, func(m flow.MinuteCount) int64 { return m.Ingested }),
		received, // drawn last, so its line stays whole where the others run along it
	}, opts...)
	lines := strings.Split(plot, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// minuteNumbers is the same series as numbers, for terminals too narrow for a chart and for accessible
// mode: the last n minutes, oldest first.
func minuteNumbers(s flow.Snapshot, n int) string {
	pm := s.PerMinute
	if len(pm) > n {
		pm = pm[len(pm)-n:]
	}
	var b strings.Builder
	for i, m := range pm {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%d", m.Received)
		if m.Failed > 0 {
			fmt.Fprintf(&b, "(%d✗)", m.Failed)
		}
	}
	return b.String()
}
