package blockkit

import (
	"fmt"
	"math"
	"strings"

	"github.com/prodready/prodready/bot/chart"
	"github.com/prodready/prodready/report"
)

// ChartComment is the message that goes with the chart in the digest's
// thread: per scorecard, the share at target now and its change over the
// chart's periods.
func ChartComment(scorecards []report.ScorecardDef, mixes []report.Mix, target string, over string) string {
	var lines []string
	for i := range scorecards {
		sc := &scorecards[i]
		shares, totals, has := chart.TargetShares(sc, mixes, target)
		n := len(mixes) - 1
		if n < 0 || !has[n] {
			continue
		}
		tr := chart.TargetRank(sc, target)
		line := fmt.Sprintf("*%s*: %.0f%% of %d services %s", Esc(sc.Name()), math.Round(100*shares[n]), totals[n], Esc(chart.AtLevel(sc, tr)))
		for k := 0; k < n; k++ {
			if has[k] {
				d := math.Round(100*shares[n]) - math.Round(100*shares[k])
				switch {
				case d > 0:
					line += fmt.Sprintf(", ▲ %.0f points since %s", d, chart.PeriodWords(mixes[k].Label, true, false))
				case d < 0:
					line += fmt.Sprintf(", ▼ %.0f points since %s", -d, chart.PeriodWords(mixes[k].Label, true, false))
				default:
					line += ", unchanged since " + chart.PeriodWords(mixes[k].Label, true, false)
				}
				break
			}
		}
		lines = append(lines, line)
	}
	head := "The level mix " + over + ": each bar is a period's services by level; the line is the share at target."
	if len(lines) == 0 {
		return head
	}
	return head + "\n" + strings.Join(lines, "\n")
}
