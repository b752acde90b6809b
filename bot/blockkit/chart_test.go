package blockkit

import (
	"strings"
	"testing"

	"github.com/prodready/prodready/report"
)

func TestChartComment(t *testing.T) {
	pr := report.ScorecardDef{Identifier: "pr", Title: "A <b> & c", Levels: []string{"Basic", "Bronze", "Silver", "Gold"}}
	mixes := []report.Mix{
		{Label: "2026-10", Counts: map[string]map[string]int{"pr": {"Basic": 5, "Silver": 5}}},
		{Label: "2026-11", Counts: map[string]map[string]int{"pr": {"Basic": 2, "Silver": 6, "Gold": 2}}},
	}
	got := ChartComment([]report.ScorecardDef{pr}, mixes, "Silver", "over the last 12 months")
	want := "*A &lt;b&gt; &amp; c*: 80% of 10 services at Silver or above, ▲ 30 points since Oct 2026"
	if !strings.Contains(got, want) {
		t.Errorf("comment:\n%s\nwant a line %q", got, want)
	}
}
