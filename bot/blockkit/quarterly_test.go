package blockkit

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard/demo"
)

// The quarterly digest speaks in quarters, from the cadence table.
func TestQuarterlyDigestWords(t *testing.T) {
	b, err := demo.Source{}.Load(context.Background(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	cur := report.TakeSnapshot(b.Evaluate(testNow), b.Origin, nil)
	prev := report.TakeSnapshot(b.Evaluate(testNow.AddDate(0, -3, 0)), b.Origin, nil)
	d := report.BuildDigest(report.DigestInput{Period: report.PeriodOf(report.Quarterly, testNow), Cur: cur, Prev: prev, TeamNames: teamNamesOf(b)})
	_, blocks := DigestMessage(d, "quarterly-report")
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	all := blockText(raw)
	for _, want := range []string{"Production readiness, Q4 2026", "since last quarter"} {
		if !strings.Contains(all, want) {
			t.Errorf("the quarterly digest lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "since last week") || strings.Contains(all, "since last month") {
		t.Errorf("the quarterly digest speaks of weeks or months:\n%s", all)
	}
}
