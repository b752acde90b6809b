package slackapp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/report/history"
)

// lastCI returns what CI last reported for service, or nothing when there
// is no store or it does not answer in time: an answer never waits on it.
func (b *Bot) lastCI(ctx context.Context, service string) []history.CIResult {
	if b.ci == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	rs, err := b.ci.LatestCIResults(ctx, service)
	if err != nil {
		b.log.Warn("could not read the last CI results", "service", service, "err", err)
		return nil
	}
	return rs
}

// lastCILine is "Last CI check: Silver, 2 h ago, commit abc1234
// (pipeline)", linking to the pipeline; scorecards are named when there are
// several, and runs that differ are listed apart.
func lastCILine(rs []history.CIResult, titles func(id string) string, now time.Time) string {
	if len(rs) == 0 {
		return ""
	}
	type run struct {
		commit, url string
		at          time.Time
	}
	var order []run
	levels := map[run][]string{}
	for _, r := range rs {
		k := run{r.Commit, r.PipelineURL, r.ReceivedAt}
		if _, ok := levels[k]; !ok {
			order = append(order, k)
		}
		l := "*" + blockkit.Esc(blockkit.Cut(r.Level, 40)) + "*"
		if len(rs) > 1 {
			l += " on " + blockkit.Esc(blockkit.Cut(titles(r.Scorecard), 60))
		}
		levels[k] = append(levels[k], l)
	}
	var parts []string
	for _, k := range order {
		p := strings.Join(levels[k], ", ") + ", " + agoShort(now.Sub(k.at))
		if k.commit != "" {
			c := k.commit
			if len(c) > 7 && isHex(c) {
				c = c[:7]
			}
			p += ", commit " + blockkit.Code(c)
		}
		if k.url != "" {
			p += " (" + blockkit.Link(k.url, "pipeline") + ")"
		}
		parts = append(parts, p)
	}
	return blockkit.Cut("Last CI check: "+strings.Join(parts, " · "), blockkit.MaxSectionText)
}

func isHex(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
	})
}

// agoShort is "just now", "5 min ago", "2 h ago", "3 d ago".
func agoShort(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d d ago", int(d/(24*time.Hour)))
}
