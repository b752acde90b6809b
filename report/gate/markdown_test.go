package gate

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// TestMarkdownUnderGitHubsLimit: past about 1,200 services (the rules they fail) and about 9,000 (their rows) the summary
// would pass GitHub's 1 MiB; it stays under it, says how many services
// the table leaves out and counts them all per team.
func TestMarkdownUnderGitHubsLimit(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	big, err := demo.Scaled(context.Background(), now, 12_000, 40)
	if err != nil {
		t.Fatal(err)
	}
	ev := scorecard.Evaluate(now, big.Scorecards, big.Catalog)
	ranks := make([]int, len(ev.Scorecards))
	for si, sc := range ev.Scorecards {
		ranks[si] = sc.LevelRankFold("Silver")
	}
	run, err := NewRun(ev, all(12_000), nil, "Silver", ranks, "")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run.WriteMarkdown(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if out.Len() >= 1<<20 {
		t.Fatalf("the summary is %d bytes, GitHub takes at most %d", out.Len(), 1<<20)
	}
	for _, want := range []string{"## prodready check\n\n❌ ", "more services: the table per team counts every service.", "| Team | Services | Below the bar |", "### What to fix", "with failing rules: `prodready check --format json` lists them all."} {
		if !strings.Contains(s, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	// The per-team table counts every service.
	total := 0
	inTeams := false
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(l, "| Team |"):
			inTeams = true
		case inTeams && strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| --- "):
			var n int
			cells := strings.Split(l, " | ")
			if _, err := fmt.Sscan(cells[1], &n); err != nil {
				t.Fatalf("team row %q: %v", l, err)
			}
			total += n
		case inTeams && l == "":
			inTeams = false
		}
	}
	if total != 12_000 {
		t.Errorf("the teams count %d services, want 12000", total)
	}
	// A small catalog is whole: no team table, no "more".
	run, _ = NewRun(ev, all(20), nil, "Silver", ranks, "")
	out.Reset()
	if err := run.WriteMarkdown(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "more services") || strings.Contains(out.String(), "more with failing") || strings.Contains(out.String(), "| Team | Services") {
		t.Errorf("20 services cut short:\n%s", out.String())
	}
}
