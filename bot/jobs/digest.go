package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/chart"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// digestJob sends a manager digest of its cadence (weekly, monthly,
// quarterly: report.Cadence) to PRODREADY_REPORT_CHANNEL.
type digestJob struct {
	name string
	kind report.Kind
	spec string
	// testEvery: PRODREADY_TEST_DIGEST_PERIOD schedules this digest every
	// such period instead of on its cron.
	testEvery bool
}

func (d digestJob) Name() string            { return d.name }
func (d digestJob) EveryDigestPeriod() bool { return d.testEvery }
func (d digestJob) Cron() string            { return d.spec }
func (digestJob) CatchUp() engine.CatchUp   { return engine.CatchUpOnce }
func (digestJob) Posts() bool               { return true }

func (d digestJob) Period(cfg engine.Config) report.Kind {
	if cfg.DigestPeriod > 0 {
		return report.Every(cfg.DigestPeriod)
	}
	return d.kind
}

func (d digestJob) Run(ctx context.Context, j *engine.Jobs, r *engine.Run) error {
	st := j.Store()
	job, period, now, opt, out := d.name, r.Period, r.Now, r.Opt, r.Out
	kind := d.Period(j.Config())
	cfg := j.Config()
	dest := delivery.ConsoleDest
	var sent map[string]history.Message
	if r.Records() {
		if cfg.ReportChannel == "" && len(cfg.ReportEmail) == 0 {
			return fmt.Errorf("%s: neither engine.Config.ReportChannel nor engine.Config.ReportEmail is set, so the digest has nowhere to go (set a channel ID or e-mail addresses, or use --dry-run)", job)
		}
		dest = cfg.ReportChannel
		if dest == "" {
			dest = "report"
		}
		keys := j.Keys(r, &delivery.Outgoing{Destination: dest, Channel: cfg.ReportChannel, Mail: cfg.ReportEmail})
		if len(keys) == 0 {
			return fmt.Errorf("%s: no configured delivery takes the digest: engine.Config.ReportChannel needs Slack (a bot token), engine.Config.ReportEmail needs an e-mail server", job)
		}
		var err error
		if sent, err = st.Sent(ctx, job, period.Key); err != nil {
			return err
		}
		var first *history.Message
		for _, k := range keys {
			m, ok := sent[k]
			if !ok {
				first = nil
				break
			}
			if first == nil {
				first = &m
			}
		}
		if first != nil && !opt.Force {
			out.Skipped++
			out.Notes = append(out.Notes, fmt.Sprintf("the %s digest for %s was already sent to %s at %s; nothing sent (--force sends it again)",
				kind, period.Key, strings.Join(keys, " and "), first.Sent.In(period.Start.Location()).Format("2006-01-02 15:04 MST")))
			return nil
		}
	}
	snap, b, stale, err := refreshOrLast(ctx, j, now)
	if err != nil {
		return err
	}
	out.SnapshotID = snap.ID
	if err := checkTarget(j, snap, out); err != nil {
		return err
	}
	if stale != nil {
		out.Notes = append(out.Notes, fmt.Sprintf("the catalog could not be loaded (%s): the digest reports the last stored snapshot, taken %s, %s old",
			stale.Reason, snap.Taken.Format(time.RFC3339), report.Age(stale.At.Sub(snap.Taken))))
	}

	var prev *report.Snapshot
	since := kind.Back(period.Start, 1)
	if run, ok, err := st.LastRun(ctx, job, period.Key); err != nil {
		return err
	} else if ok {
		since = run.Started
		if prev, err = st.LoadSnapshot(ctx, run.SnapshotID); err != nil {
			j.Log().Warn("previous digest's snapshot is unreadable; comparing with the closest one", "job", job, "err", err)
			prev = nil
		}
	}
	if prev == nil {
		info, ok, err := st.LatestSnapshot(ctx, kind.Back(now, 1))
		if err != nil {
			return err
		}
		if ok {
			if prev, err = st.LoadSnapshot(ctx, info.ID); err != nil {
				return err
			}
		}
	}
	// The chart spans the cadence's chart periods (report.Cadence); a
	// digest every test period (testEvery) keeps its cadence's chart. The
	// digest itself compares with the cadence's history periods.
	points, chartSize, chartOver, keep := 3, chart.Size{}, "", 3
	if c, ok := report.CadenceOf(d.kind); ok && c.ChartPeriods > 0 && (kind == d.kind || d.testEvery) {
		points, chartSize, chartOver, keep = c.ChartPeriods-1, chart.Small, c.ChartOver(), c.HistoryPeriods
		if c.ChartLarge {
			chartSize = chart.Large
		}
	}
	labels := make([]string, 0, points)
	instants := make([]time.Time, 0, points)
	for k := points; k >= 1; k-- {
		labels = append(labels, report.PeriodOf(kind, kind.Back(period.Start, k)).Key)
		instants = append(instants, kind.Back(now, k))
	}
	mixes, err := st.Mixes(ctx, labels, instants)
	if err != nil {
		return err
	}
	failures, err := st.Failures(ctx, since)
	if err != nil {
		return err
	}
	earlier := false
	if prev == nil {
		// No snapshot a period back; an older one than this run's (a
		// digest earlier this period) means this is not the first digest.
		_, earlier, err = st.LatestSnapshot(ctx, snap.Taken.Add(-time.Millisecond))
		if err != nil {
			return err
		}
	}
	history := mixes
	if keep > 0 && len(mixes) > keep {
		history = mixes[len(mixes)-keep:]
	}
	dg := report.BuildDigest(report.DigestInput{Period: period, Cur: snap, Prev: prev, History: history,
		Target: j.Config().TargetLevel, TeamNames: TeamNames(b), Failures: failures, Stale: stale, Earlier: earlier})

	msg := &delivery.Outgoing{Destination: dest, Origin: "engine.Config.ReportChannel", Channel: cfg.ReportChannel, Mail: cfg.ReportEmail, MailOrigin: "engine.Config.ReportEmail", Digest: dg}
	if dest == delivery.ConsoleDest {
		msg.Channel = dest
	}
	if console, _ := j.Console(); opt.DryRun && !console {
		msg.Heading = fmt.Sprintf("(dry run: would post to %s)", dest)
	}
	if chartSize.Width > 0 {
		all := append(mixes, report.MixOf(snap, period.Key))
		in := chart.Input{Scorecards: snap.Scorecards, Colors: levelColors(b), Mixes: all, Target: j.Config().TargetLevel, Size: chartSize}
		png, err := chart.LevelChart(in)
		if err != nil {
			return err
		}
		msg.File = &delivery.OutFile{Name: "prodready-level-mix-" + period.Key + ".png", Title: "Level mix " + chartOver,
			AltText: "Stacked bars: the share of services at each level per period, with a line for the share at target and its value",
			Label:   "Chart of the level mix", Data: png, Chart: &in, Over: chartOver}
	}
	// Each delivery has its own copy: --force sends the next one; otherwise
	// a copy already sent is claimed again, found sent, and not repeated.
	copyOf := func(d string) int {
		m, ok := sent[d]
		switch {
		case !ok:
			return 0
		case opt.Force:
			return m.Copy + 1
		}
		return m.Copy
	}
	errs := j.Deliver(ctx, r, []*delivery.Outgoing{msg}, copyOf, func(string) string { return "" })
	return engine.JoinSorted(errs)
}

// levelColors are the scorecards' own level colours, by identifier; nil
// when the catalog could not be loaded (the chart falls back to its palette).
func levelColors(b *scorecard.Bundle) map[string][]string {
	if b == nil {
		return nil
	}
	out := make(map[string][]string, len(b.Scorecards))
	for _, sc := range b.Scorecards {
		cs := make([]string, len(sc.Levels))
		for i, lv := range sc.Levels {
			cs[i] = lv.Color
		}
		out[sc.Identifier] = cs
	}
	return out
}

// refreshOrLast is refresh for digests: when the catalog cannot be loaded
// (Port down, slow, refusing the credentials), the digest is not skipped
// but reports the last stored snapshot, and says how old it is. The bundle
// is nil then.
func refreshOrLast(ctx context.Context, j *engine.Jobs, now time.Time) (*report.Snapshot, *scorecard.Bundle, *report.Staleness, error) {
	snap, b, err := refresh(ctx, j, now)
	if err == nil || ctx.Err() != nil || b != nil {
		return snap, b, nil, err
	}
	loadErr := err
	info, ok, serr := j.Store().LatestSnapshot(ctx, now)
	if serr != nil {
		return nil, nil, nil, fmt.Errorf("%w; and no stored snapshot could be read instead: %w", loadErr, serr)
	}
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w; and there is no stored snapshot to report instead", loadErr)
	}
	snap, serr = j.Store().LoadSnapshot(ctx, info.ID)
	if serr != nil {
		return nil, nil, nil, fmt.Errorf("%w; and the last stored snapshot could not be read instead: %w", loadErr, serr)
	}
	j.Log().Warn("catalog could not be loaded; the digest reports the last stored snapshot", "err", loadErr, "snapshot_taken", snap.Taken)
	return snap, nil, &report.Staleness{At: now, Reason: loadErr.Error()}, nil
}
