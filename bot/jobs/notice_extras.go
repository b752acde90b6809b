package jobs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
)

// noticeNoted is what the notices of one run told teams, to record once
// they are delivered so that no later notice says it again.
type noticeNoted struct {
	expired map[string][]int64 // notice destination -> exemption IDs
	snoozes map[string][]int64 // notice destination -> snooze IDs
}

// noticeExtras takes the notices of snoozed teams out (said in out's
// notes) and tells the others which exemptions of their services expired
// and which snooze of theirs ended, from the history.
func noticeExtras(ctx context.Context, j *engine.Jobs, snap *report.Snapshot, notices []*report.Notice, now time.Time, out *engine.Outcome) ([]*report.Notice, noticeNoted, error) {
	noted := noticeNoted{expired: map[string][]int64{}, snoozes: map[string][]int64{}}
	st := j.Store()
	if st == nil {
		return notices, noted, nil
	}
	expired, err := st.ExpiredUnnoticed(ctx, now)
	if err != nil {
		return nil, noted, err
	}
	idx := snap.EntityIndex()
	byTeam := map[string][]history.ExemptionRecord{}
	for _, x := range expired {
		e, ok := idx[x.Service]
		if !ok {
			continue // the service left the catalog: no team to tell
		}
		for _, t := range snap.Entities[e].Teams {
			byTeam[t] = append(byTeam[t], x)
		}
	}
	kept := notices[:0]
	var snoozed []string
	for _, n := range notices {
		if n.Team != "" {
			z, ok, err := st.SnoozeOf(ctx, n.Team, now)
			if err != nil {
				return nil, noted, err
			}
			if ok {
				snoozed = append(snoozed, fmt.Sprintf("%s (by %s until %s)", n.Name(), z.By, z.Until.UTC().Format(time.DateOnly)))
				out.Skipped++
				continue
			}
			ended, err := st.EndedSnoozes(ctx, n.Team, now)
			if err != nil {
				return nil, noted, err
			}
			if len(ended) > 0 {
				last := ended[len(ended)-1]
				n.Snoozed = &report.SnoozeNote{ID: last.ID, By: last.By, At: last.At, Until: last.Until}
				for _, z := range ended {
					noted.snoozes[NoticeDest(n.Team)] = append(noted.snoozes[NoticeDest(n.Team)], z.ID)
				}
			}
		}
		for _, x := range byTeam[n.Team] {
			n.Expired = append(n.Expired, report.ExpiredExemption{ID: x.ID, Exemption: x.Exemption})
			noted.expired[NoticeDest(n.Team)] = append(noted.expired[NoticeDest(n.Team)], x.ID)
		}
		kept = append(kept, n)
	}
	if len(snoozed) > 0 {
		sort.Strings(snoozed)
		out.Notes = append(out.Notes, "snoozed, not sent: "+strings.Join(snoozed, ", "))
	}
	return kept, noted, nil
}

// mark records what the delivered notices said.
func (n noticeNoted) mark(ctx context.Context, st *history.Store, delivered map[string]*report.Notice, now time.Time) []error {
	var errs []error
	for dest := range delivered {
		if err := st.MarkExpiryNoticed(ctx, n.expired[dest], now); err != nil {
			errs = append(errs, err)
		}
		if err := st.MarkSnoozesNoticed(ctx, n.snoozes[dest], now); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
