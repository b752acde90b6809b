package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
)

// noticesJob sends each owning team one notice about its services below
// target, unless it has nothing new to say before the reminder period ends.
type noticesJob struct{}

func (noticesJob) Name() string                     { return Notices }
func (noticesJob) Cron() string                     { return "0 10 * * MON-FRI" }
func (noticesJob) Period(engine.Config) report.Kind { return report.Daily }
func (noticesJob) CatchUp() engine.CatchUp          { return engine.CatchUpEach }
func (noticesJob) Posts() bool                      { return true }

// NoticeDest is the destination of team's notices in their exactly-once keys.
func NoticeDest(team string) string { return "team:" + team }

func (noticesJob) Run(ctx context.Context, j *engine.Jobs, r *engine.Run) error {
	st := j.Store()
	period, now, opt, out := r.Period, r.Now, r.Opt, r.Out
	if r.Records() && j.Config().Routes == nil {
		return errors.New("team-notices: engine.Config.Routes is not set, so no team has a route (point it at a teams file, or use --dry-run)")
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
	peaks := map[int64]map[history.LevelKey]int{}
	var msgs []*delivery.Outgoing
	byDest := map[string]*report.Notice{}
	resend := map[string]bool{} // a copy sent today goes again: forced, or a regression
	var already, quiet []string
	var errs []error
	for _, n := range notices {
		dest := NoticeDest(n.Team)
		route, ok := j.Config().Routes.For(n.Team)
		if opt.DryRun && j.Config().Routes == nil {
			route, ok = delivery.TeamRoute{Channel: "(no route: engine.Config.Routes not set)"}, true
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
		m := &delivery.Outgoing{Destination: dest, Channel: route.Channel, Emails: route.DM, Mail: route.Email, Where: route.Where(), Notice: n}
		if !opt.DryRun {
			m.Origin = fmt.Sprintf("teams.%s in %s", n.Team, j.Config().Routes.File)
			m.MailOrigin = fmt.Sprintf("teams.%s.email in %s", n.Team, j.Config().Routes.File)
			if _, own := j.Config().Routes.Teams[n.Team]; !own || n.Team == "" {
				m.Origin = "default_channel in " + j.Config().Routes.File
			}
		}
		// Each delivery (Slack, e-mail) records the notice under a key of
		// its own: the last notice is the newest of them, and the team was
		// notified today when every one of them was.
		keys := j.Keys(r, m)
		var lastMsg *history.Message
		sentToday := len(keys) > 0
		for _, k := range keys {
			if lm, ok := last[k]; ok && (lastMsg == nil || lm.Sent.After(lastMsg.Sent)) {
				lastMsg = &lm
			}
			if _, ok := today[k]; !ok {
				sentToday = false
			}
		}
		// The comparison with the last notice comes first: a regression
		// since a notice sent earlier today goes out now, as the period's
		// next copy, whose exactly-once key still stops a second run
		// from sending it too.
		if lastMsg != nil && lastMsg.SnapshotID != 0 {
			prev, ok := snaps[lastMsg.SnapshotID]
			if !ok {
				if prev, err = st.LoadSnapshot(ctx, lastMsg.SnapshotID); err != nil {
					j.Log().Warn("last notice's snapshot is unreadable; sending as new", "team", n.Team, "err", err)
					prev = nil
				}
				snaps[lastMsg.SnapshotID] = prev
				if prev != nil {
					idxs[lastMsg.SnapshotID] = prev.EntityIndex()
				}
			}
			n.MarkSince(prev, idxs[lastMsg.SnapshotID])
			// Levels passed through since that notice: a drop back to
			// the level it showed is still a new regression.
			peak, ok := peaks[lastMsg.SnapshotID]
			if !ok {
				if peak, err = st.PeakLevelsSince(ctx, lastMsg.SnapshotID); err != nil {
					return err
				}
				peaks[lastMsg.SnapshotID] = peak
			}
			if prev != nil {
				n.MarkDropsSince(snap, func(service, scorecard string) (int, bool) {
					r, ok := peak[history.LevelKey{Service: service, Scorecard: scorecard}]
					return r, ok
				})
			}
			if !sentToday && !opt.Force && prev != nil && lastMsg.ContentHash == n.Hash && !n.Regressed && now.Sub(lastMsg.Sent) < j.Config().ReminderEvery {
				quiet = append(quiet, n.Name())
				out.Skipped++
				continue
			}
		} else {
			n.MarkSince(nil, nil)
		}
		if sentToday && !opt.Force && !n.Regressed {
			already = append(already, n.Name())
			out.Skipped++
			continue
		}
		msgs = append(msgs, m)
		byDest[dest] = n
		for _, k := range keys {
			resend[k] = opt.Force || n.Regressed
		}
	}
	if len(already) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("already notified in %s, not sent again (--force sends again): %s", period.Key, strings.Join(already, ", ")))
	}
	if len(quiet) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("nothing new since their last notice, quiet for %s after it: %s", j.Config().ReminderEvery, strings.Join(quiet, ", ")))
	}
	if len(msgs) > 0 {
		// A delivery that sent the notice today sends the next copy only
		// when it goes again; otherwise its copy is claimed, found sent,
		// and not repeated.
		copyOf := func(key string) int {
			m, ok := today[key]
			switch {
			case !ok:
				return 0
			case resend[key]:
				return m.Copy + 1
			}
			return m.Copy
		}
		errs = append(errs, j.Deliver(ctx, r, msgs, copyOf, func(dest string) string { return byDest[dest].Hash })...)
		if len(errs) == 0 && !opt.DryRun {
			errs = append(errs, noted.mark(ctx, st, byDest, now)...)
		}
	}
	return engine.JoinSorted(errs)
}
