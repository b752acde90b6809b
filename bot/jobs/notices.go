package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
)

// noticesJob sends each owning team one notice about its services below
// target, unless it has nothing new to say before the reminder period ends.
type noticesJob struct{}

func (noticesJob) Name() string                     { return Notices }
func (noticesJob) Cron() (string, string)           { return "PRODREADY_NOTICE_CRON", "0 10 * * MON-FRI" }
func (noticesJob) Period(engine.Config) report.Kind { return report.Daily }
func (noticesJob) CatchUp() engine.CatchUp          { return engine.CatchUpEach }
func (noticesJob) Posts() bool                      { return true }

// NoticeDest is the destination of team's notices in their exactly-once keys.
func NoticeDest(team string) string { return "team:" + team }

func (noticesJob) Run(ctx context.Context, j *engine.Jobs, r *engine.Run) error {
	st := j.Store()
	period, now, opt, out := r.Period, r.Now, r.Opt, r.Out
	if r.Records() && j.Config().Routes == nil {
		return errors.New("team-notices: PRODREADY_TEAMS is not set, so no team has a route (point it at a teams file, or use --dry-run)")
	}
	snap, b, err := refresh(ctx, j, now)
	if err != nil {
		return err
	}
	out.SnapshotID = snap.ID
	if err := checkTarget(j, snap, out); err != nil {
		return err
	}
	for _, w := range delivery.UnmatchedRoutes(j.Config().Routes, b) {
		j.Log().Warn("teams file", "warning", w)
		out.Notes = append(out.Notes, w)
	}
	notices := report.BuildNotices(snap, j.Config().TargetLevel, TeamNames(b))
	notices, noted, err := noticeExtras(ctx, j, snap, notices, now, out)
	if err != nil {
		return err
	}
	if len(notices) == 0 {
		out.Notes = append(out.Notes, "every service is at its target level: no team has anything to hear")
		return nil
	}
	if console, why := j.Console(); console {
		// Console mode: nothing was ever sent, so everything is new.
		msgs := make([]*delivery.Outgoing, len(notices))
		for i, n := range notices {
			n.MarkSince(nil, nil)
			msgs[i] = &delivery.Outgoing{Destination: NoticeDest(n.Team), Notice: n}
		}
		if errs := j.Deliver(ctx, r, msgs, nil, nil); len(errs) > 0 {
			return engine.JoinSorted(errs)
		}
		out.Notes = append(out.Notes, fmt.Sprintf("console mode (%s): printed %d notices, sent none", why, len(notices)))
		return nil
	}
	today, err := st.Sent(ctx, Notices, period.Key)
	if err != nil {
		return err
	}
	last, err := st.LastSent(ctx, Notices)
	if err != nil {
		return err
	}
	snaps := map[int64]*report.Snapshot{}
	idxs := map[int64]map[string]int{}
	var msgs []*delivery.Outgoing
	byDest := map[string]*report.Notice{}
	var already, quiet []string
	var errs []error
	for _, n := range notices {
		dest := NoticeDest(n.Team)
		// The comparison with the last notice comes first: a regression
		// since a notice sent earlier today goes out now, as the period's
		// next copy, whose exactly-once key still stops a second run
		// from sending it too.
		if m, ok := last[dest]; ok && m.SnapshotID != 0 {
			prev, ok := snaps[m.SnapshotID]
			if !ok {
				if prev, err = st.LoadSnapshot(ctx, m.SnapshotID); err != nil {
					j.Log().Warn("last notice's snapshot is unreadable; sending as new", "team", n.Team, "err", err)
					prev = nil
				}
				snaps[m.SnapshotID] = prev
				if prev != nil {
					idxs[m.SnapshotID] = prev.EntityIndex()
				}
			}
			n.MarkSince(prev, idxs[m.SnapshotID])
			if _, sentToday := today[dest]; !sentToday && !opt.Force && prev != nil && m.ContentHash == n.Hash && !n.Regressed && now.Sub(m.Sent) < j.Config().ReminderEvery {
				quiet = append(quiet, n.Name())
				out.Skipped++
				continue
			}
		} else {
			n.MarkSince(nil, nil)
		}
		if _, ok := today[dest]; ok && !opt.Force && !n.Regressed {
			already = append(already, n.Name())
			out.Skipped++
			continue
		}
		route, ok := j.Config().Routes.For(n.Team)
		if opt.DryRun && j.Config().Routes == nil {
			route, ok = delivery.TeamRoute{Channel: "(no route: PRODREADY_TEAMS not set)"}, true
		}
		if !ok {
			err := fmt.Errorf("team %q has no route in %s and there is no default_channel", n.Name(), j.Config().Routes.File)
			errs = append(errs, err)
			out.Failed++
			j.Log().Error("team notice", "err", err)
			if rerr := st.RecordFailure(ctx, r.ID, report.Failure{Job: Notices, Period: period.Key, Destination: dest, Reason: err.Error(), At: now}); rerr != nil {
				return rerr
			}
			continue
		}
		m := &delivery.Outgoing{Destination: dest, Channel: route.Channel, Emails: route.DM, Where: route.Where(), Notice: n}
		if !opt.DryRun {
			m.Origin = fmt.Sprintf("teams.%s in %s", n.Team, j.Config().Routes.File)
			if _, own := j.Config().Routes.Teams[n.Team]; !own || n.Team == "" {
				m.Origin = "default_channel in " + j.Config().Routes.File
			}
		}
		msgs = append(msgs, m)
		byDest[dest] = n
	}
	if len(already) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("already notified in %s, not sent again (--force sends again): %s", period.Key, strings.Join(already, ", ")))
	}
	if len(quiet) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("nothing new since their last notice, quiet for %s after it: %s", j.Config().ReminderEvery, strings.Join(quiet, ", ")))
	}
	if len(msgs) > 0 {
		copyOf := func(dest string) int {
			if m, ok := today[dest]; ok {
				return m.Copy + 1
			}
			return 0
		}
		errs = append(errs, j.Deliver(ctx, r, msgs, copyOf, func(dest string) string { return byDest[dest].Hash })...)
		if len(errs) == 0 && !opt.DryRun {
			errs = append(errs, noted.mark(ctx, st, byDest, now)...)
		}
	}
	return engine.JoinSorted(errs)
}
