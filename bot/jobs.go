package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// The scheduled jobs, by the names `prodready run` takes.
const (
	JobRefresh = "refresh"
	JobWeekly  = "weekly-report"
	JobMonthly = "monthly-report"
	JobNotices = "team-notices"
)

// JobNames lists the jobs in the order they are documented.
func JobNames() []string { return []string{JobRefresh, JobWeekly, JobMonthly, JobNotices} }

// consoleDest is the destination of messages printed instead of posted.
const consoleDest = "console"

// JobConfig is the jobs' configuration (see JobConfigFromEnv).
type JobConfig struct {
	ReportChannel string        // PRODREADY_REPORT_CHANNEL: where manager digests go
	TargetLevel   string        // PRODREADY_TARGET_LEVEL; "" means each scorecard's top level
	Routes        *TeamRoutes   // PRODREADY_TEAMS; nil when not set
	ReminderEvery time.Duration // PRODREADY_REMINDER_EVERY: quiet period for unchanged notices
	Retention     time.Duration // PRODREADY_RETENTION
	ChartDir      string        // where console and dry-run charts are written
	// Locations are the time zones periods are counted in, per job (from
	// the schedules' CRON_TZ); time.Local when absent.
	Locations map[string]*time.Location
	Delivery  DeliveryOptions
	// DeliveryLease (PRODREADY_DELIVERY_LEASE) is how long a message's
	// claim lasts unless renewed; default DefaultDeliveryLease.
	DeliveryLease time.Duration
	// DigestPeriod (PRODREADY_TEST_DIGEST_PERIOD), for tests and demos,
	// replaces the digests' calendar periods with periods this long
	// (report.Every); 0 keeps weeks and months.
	DigestPeriod time.Duration
}

// JobDeps are what the jobs work with.
type JobDeps struct {
	Source scorecard.Source
	Store  *history.Store
	// Slack posts the messages; nil is console mode: messages are printed
	// to Out and nothing is recorded as sent.
	Slack SlackPoster
	Out   io.Writer
	Log   *slog.Logger
	Now   func() time.Time
}

// Jobs runs the scheduled jobs, from the scheduler or `prodready run`.
type Jobs struct {
	cfg     JobConfig
	deps    JobDeps
	deliver *Deliverer
	mu      sync.Mutex // one job at a time: they share the snapshot tables
	claimer string     // this process in the claims it takes (jobs_claims.go)
	lease   time.Duration
}

// RunOptions change one run.
type RunOptions struct {
	DryRun bool      // print instead of posting; record nothing as sent
	Force  bool      // send even what was sent in this period, or is unchanged
	At     time.Time // the scheduled time the run stands for; zero: now
}

// Outcome is what a run did, for logs and the `run` command.
type Outcome struct {
	Job        string
	Period     string
	SnapshotID int64
	Sent       int
	Skipped    int
	Failed     int
	Notes      []string // why something was not sent, and other remarks
	Files      []string // charts written to disk
}

// NewJobs checks the configuration and returns the jobs.
func NewJobs(cfg JobConfig, deps JobDeps) (*Jobs, error) {
	if deps.Source == nil || deps.Store == nil {
		return nil, errors.New("jobs need a catalog source and a history store")
	}
	if deps.Out == nil {
		deps.Out = io.Discard
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if cfg.ReminderEvery <= 0 {
		cfg.ReminderEvery = 7 * 24 * time.Hour
	}
	if cfg.Retention <= 0 {
		cfg.Retention = history.DefaultRetention
	}
	if cfg.ChartDir == "" {
		cfg.ChartDir = os.TempDir()
	}
	if cfg.DeliveryLease <= 0 {
		cfg.DeliveryLease = DefaultDeliveryLease
	}
	j := &Jobs{cfg: cfg, deps: deps, claimer: claimerID(), lease: cfg.DeliveryLease}
	if deps.Slack != nil {
		j.deliver = NewDeliverer(deps.Slack, deps.Log, cfg.Delivery)
	}
	return j, nil
}

func (j *Jobs) location(job string) *time.Location {
	if l := j.cfg.Locations[job]; l != nil {
		return l
	}
	return time.Local
}

func (j *Jobs) console(opt RunOptions) bool { return j.deliver == nil || opt.DryRun }

// Run runs one job now. A failed delivery to one destination does not
// stop the others; it is recorded, listed in the next digest, and makes
// the error returned.
func (j *Jobs) Run(ctx context.Context, job string, opt RunOptions) (Outcome, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.deps.Now()
	at := opt.At
	if at.IsZero() {
		at = now
	}
	at = at.In(j.location(job))
	switch job {
	case JobRefresh, JobNotices, JobWeekly, JobMonthly:
	default:
		return Outcome{Job: job}, fmt.Errorf("unknown job %q (known: %s)", job, scorecard.OrList(JobNames()))
	}
	period := report.PeriodOf(j.kindOf(job), at)
	out := Outcome{Job: job, Period: period.Key}
	var runID int64
	if !opt.DryRun {
		var err error
		if runID, err = j.deps.Store.StartRun(ctx, job, period.Key, now); err != nil {
			return out, err
		}
	}
	if runID != 0 {
		defer func() {
			// A panic is the scheduler's to log (cron's Recover); the run is
			// recorded as failed first, so it is not taken for one in progress.
			if p := recover(); p != nil {
				j.deps.Store.FinishRun(context.WithoutCancel(ctx), history.Run{ID: runID, Job: job, Finished: j.deps.Now(),
					Status: history.RunFailed, Detail: fmt.Sprint("panic: ", p)})
				panic(p)
			}
		}()
	}
	var err error
	switch job {
	case JobRefresh:
		var snap *report.Snapshot
		snap, _, err = j.refresh(ctx, now)
		if err == nil {
			out.SnapshotID = snap.ID
			if _, perr := j.deps.Store.Prune(ctx, now, j.cfg.Retention); perr != nil {
				j.deps.Log.Warn("prune history", "err", perr)
			}
			if _, perr := j.deps.Store.PruneClaims(ctx, now.Add(-j.cfg.Retention)); perr != nil {
				j.deps.Log.Warn("prune history", "err", perr)
			}
		}
	case JobWeekly, JobMonthly:
		err = j.digest(ctx, job, period, now, opt, runID, &out)
	case JobNotices:
		err = j.notices(ctx, period, now, opt, runID, &out)
	}
	if runID != 0 {
		status := history.RunOK
		switch {
		case err != nil && out.Sent == 0:
			status = history.RunFailed
		case err != nil || out.Failed > 0:
			status = history.RunPartial
		case out.Sent == 0 && job != JobRefresh && !j.console(opt):
			status = history.RunNothing
		}
		detail := strings.Join(out.Notes, "; ")
		if err != nil {
			detail = err.Error()
		}
		// Record the end even when the run's context was canceled.
		ferr := j.deps.Store.FinishRun(context.WithoutCancel(ctx), history.Run{ID: runID, Job: job, Finished: j.deps.Now(), Status: status,
			SnapshotID: out.SnapshotID, Sent: out.Sent, Skipped: out.Skipped, Failed: out.Failed, Detail: detail})
		if err == nil {
			err = ferr
		}
	}
	j.deps.Log.Info("job run", "job", job, "period", period.Key, "sent", out.Sent, "skipped", out.Skipped, "failed", out.Failed, "notes", out.Notes, "err", err)
	return out, err
}

// refresh loads the catalog, evaluates it and stores a snapshot.
func (j *Jobs) refresh(ctx context.Context, now time.Time) (*report.Snapshot, *scorecard.Bundle, error) {
	b, err := j.deps.Source.Load(ctx, now)
	if err != nil {
		return nil, nil, fmt.Errorf("load catalog from %s: %w", j.deps.Source.Describe(), err)
	}
	snap := report.TakeSnapshot(b.Evaluate(now), b.Origin, b.EntityURL)
	if _, err := j.deps.Store.SaveSnapshot(ctx, snap); err != nil {
		return nil, nil, err
	}
	return snap, b, nil
}

// refreshOrLast is refresh for digests: when the catalog cannot be loaded
// (Port down, slow, refusing the credentials), the digest is not skipped
// but reports the last stored snapshot, and says how old it is. The bundle
// is nil then.
func (j *Jobs) refreshOrLast(ctx context.Context, now time.Time) (*report.Snapshot, *scorecard.Bundle, *report.Staleness, error) {
	b, err := j.deps.Source.Load(ctx, now)
	if err == nil {
		snap := report.TakeSnapshot(b.Evaluate(now), b.Origin, b.EntityURL)
		if _, err := j.deps.Store.SaveSnapshot(ctx, snap); err != nil {
			return nil, nil, nil, err
		}
		return snap, b, nil, nil
	}
	loadErr := fmt.Errorf("load catalog from %s: %w", j.deps.Source.Describe(), err)
	if ctx.Err() != nil {
		return nil, nil, nil, loadErr
	}
	info, ok, serr := j.deps.Store.LatestSnapshot(ctx, now)
	if serr != nil {
		return nil, nil, nil, fmt.Errorf("%w; and no stored snapshot could be read instead: %w", loadErr, serr)
	}
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w; and there is no stored snapshot to report instead", loadErr)
	}
	snap, serr := j.deps.Store.LoadSnapshot(ctx, info.ID)
	if serr != nil {
		return nil, nil, nil, fmt.Errorf("%w; and the last stored snapshot could not be read instead: %w", loadErr, serr)
	}
	j.deps.Log.Warn("catalog could not be loaded; the digest reports the last stored snapshot", "err", loadErr, "snapshot_taken", snap.Taken)
	return snap, nil, &report.Staleness{At: now, Reason: loadErr.Error()}, nil
}

// checkTarget notes each scorecard that has no level named
// PRODREADY_TARGET_LEVEL: its top level is used instead.
func (j *Jobs) checkTarget(snap *report.Snapshot, out *Outcome) {
	if j.cfg.TargetLevel == "" {
		return
	}
	for i := range snap.Scorecards {
		d := &snap.Scorecards[i]
		if d.LevelRank(j.cfg.TargetLevel) >= 0 {
			continue
		}
		note := fmt.Sprintf("PRODREADY_TARGET_LEVEL=%q is not a level of scorecard %q (levels: %s); its top level %q is the target",
			j.cfg.TargetLevel, d.Identifier, strings.Join(d.Levels, ", "), d.Levels[len(d.Levels)-1])
		out.Notes = append(out.Notes, note) // logged with the run's outcome
	}
}

func teamNames(b *scorecard.Bundle) map[string]string {
	if b == nil {
		return nil
	}
	m := make(map[string]string, len(b.Teams))
	for _, t := range b.Teams {
		if t.Name != "" {
			m[t.Identifier] = t.Name
		}
	}
	return m
}

func (j *Jobs) kindOf(job string) report.Kind {
	switch {
	case job == JobRefresh || job == JobNotices:
		return report.Daily
	case j.cfg.DigestPeriod > 0:
		return report.Every(j.cfg.DigestPeriod)
	case job == JobMonthly:
		return report.Monthly
	}
	return report.Weekly
}

// digest builds and sends the weekly or monthly manager digest.
func (j *Jobs) digest(ctx context.Context, job string, period report.Period, now time.Time, opt RunOptions, runID int64, out *Outcome) error {
	st := j.deps.Store
	kind := j.kindOf(job)
	dest := consoleDest
	var prevCopy *history.Message
	if !j.console(opt) {
		if j.cfg.ReportChannel == "" {
			return fmt.Errorf("%s: PRODREADY_REPORT_CHANNEL is not set, so the digest has nowhere to go (set it to a channel ID, or use --dry-run)", job)
		}
		dest = j.cfg.ReportChannel
		sent, err := st.Sent(ctx, job, period.Key)
		if err != nil {
			return err
		}
		if m, ok := sent[dest]; ok {
			if !opt.Force {
				out.Skipped++
				out.Notes = append(out.Notes, fmt.Sprintf("the %s digest for %s was already sent to %s at %s; nothing sent (--force sends it again)",
					kind, period.Key, dest, m.Sent.In(period.Start.Location()).Format("2006-01-02 15:04 MST")))
				return nil
			}
			prevCopy = &m
		}
	}
	snap, b, stale, err := j.refreshOrLast(ctx, now)
	if err != nil {
		return err
	}
	out.SnapshotID = snap.ID
	j.checkTarget(snap, out)
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
			j.deps.Log.Warn("previous digest's snapshot is unreadable; comparing with the closest one", "job", job, "err", err)
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
	points := 3
	if kind == report.Monthly {
		points = 11 // with this month: the chart's 12 periods
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
	d := report.BuildDigest(report.DigestInput{Period: period, Cur: snap, Prev: prev, History: mixes,
		Target: j.cfg.TargetLevel, TeamNames: teamNames(b), Failures: failures, Stale: stale})

	var file *OutFile
	if kind == report.Monthly {
		png, err := LevelMixChart(snap.Scorecards, append(mixes, report.MixOf(snap, period.Key)))
		if err != nil {
			return err
		}
		file = &OutFile{Name: "prodready-level-mix-" + period.Key + ".png", Title: "Level mix, last 12 months", AltText: "Stacked bars: the share of services at each level, per month", Data: png}
	}

	if j.console(opt) {
		if opt.DryRun && j.deliver != nil {
			fmt.Fprintf(j.deps.Out, "(dry run: would post to %s)\n", dest)
		}
		if err := d.WriteText(j.deps.Out); err != nil {
			return err
		}
		if file != nil {
			path := filepath.Join(j.cfg.ChartDir, file.Name)
			if err := os.WriteFile(path, file.Data, 0o644); err != nil {
				return fmt.Errorf("write chart: %w", err)
			}
			fmt.Fprintf(j.deps.Out, "\nChart of the level mix: %s\n", path)
			out.Files = append(out.Files, path)
		}
		return nil
	}

	text, blocks := DigestMessage(d)
	msg := &Outgoing{Key: dest, Origin: "PRODREADY_REPORT_CHANNEL", Channel: dest, Text: text, Blocks: blocks, File: file}
	copyN := 0
	if prevCopy != nil {
		copyN = prevCopy.Copy + 1
	}
	gate := j.newGate(job, period)
	gate.prepare(msg, copyN)
	var derr error
	j.deliver.DeliverGated(ctx, []*Outgoing{msg}, gate, func(r Delivered) {
		derr = j.settle(ctx, gate, runID, snap.ID, copyN, "", r, out)
	})
	return derr
}

// settle records one delivery: the exactly-once key when Slack accepted
// the message, a failure otherwise. It runs as each message is settled, so
// a crash later in the run does not lose the record.
func (j *Jobs) settle(ctx context.Context, gate *claimGate, runID, snapID int64, copyN int, hash string, r Delivered, out *Outcome) error {
	ctx = context.WithoutCancel(ctx) // what Slack accepted must be recorded
	now := j.deps.Now()
	job, period := gate.job, gate.period
	claim, held := gate.release(r.Out)
	if r.Skipped != "" {
		out.Skipped++
		out.Notes = append(out.Notes, fmt.Sprintf("%s %s to %s: %s; not posted again", job, period.Key, r.Out.Key, r.Skipped))
		return nil
	}
	for _, w := range r.Warnings {
		j.deps.Log.Warn("delivery", "job", job, "destination", r.Out.Key, "warning", w)
		if err := j.deps.Store.RecordFailure(ctx, runID, report.Failure{Job: job, Period: period.Key, Destination: r.Out.Key, Reason: w, At: now}); err != nil {
			return err
		}
	}
	if r.Err != nil && held {
		// Refused by Slack: nothing was posted, the next run tries again.
		// Otherwise it may have been: the next attempt looks first.
		unsure := classify(r.Err).Reason != ReasonClient
		if rerr := j.deps.Store.ReleaseClaim(ctx, claim, now, unsure); rerr != nil {
			j.deps.Log.Warn("could not release a message's claim; it expires by itself", "key", claim.Key(), "err", rerr)
		}
	}
	if r.Err != nil {
		out.Failed++
		err := r.Err
		if r.Out.Origin != "" {
			err = fmt.Errorf("%w (destination from %s)", err, r.Out.Origin)
		}
		j.deps.Log.Error("delivery failed", "job", job, "destination", r.Out.Key, "err", err)
		if errors.Is(err, context.Canceled) {
			// Stopped, not refused: the next run sends it; nothing for managers to fix.
			return fmt.Errorf("%s to %s: %w", job, r.Out.Key, err)
		}
		if rerr := j.deps.Store.RecordFailure(ctx, runID, report.Failure{Job: job, Period: period.Key, Destination: r.Out.Key, Reason: err.Error(), At: now}); rerr != nil {
			return fmt.Errorf("%s to %s: %w; and the failure could not be recorded: %w", job, r.Out.Key, err, rerr)
		}
		return fmt.Errorf("%s to %s: %w", job, r.Out.Key, err)
	}
	if r.Recovered {
		out.Skipped++
		out.Notes = append(out.Notes, fmt.Sprintf("%s %s to %s: found in Slack (ts %s), posted by an earlier attempt that did not record it; recorded now, not posted again", job, period.Key, r.Out.Key, r.TS))
		j.deps.Log.Warn("message found in Slack, posted by an earlier attempt that did not record it; not posted again", "key", r.Out.DeliveryKey, "channel", r.Channel, "ts", r.TS)
	} else {
		out.Sent++
	}
	if err := j.deps.Store.RecordClaimedSent(ctx, history.Message{Job: job, Period: period.Key, Destination: r.Out.Key, Copy: copyN,
		Channel: r.Channel, TS: r.TS, Sent: now, RunID: runID, SnapshotID: snapID, ContentHash: hash}); err != nil {
		// Its claim stays pending: the next attempt finds the message in
		// Slack instead of posting it again.
		return fmt.Errorf("%s to %s was posted (ts %s) but could not be recorded; the next run will find it in Slack: %w", job, r.Out.Key, r.TS, err)
	}
	if r.FileErr != nil {
		out.Failed++
		j.deps.Log.Error("upload failed", "job", job, "destination", r.Out.Key, "err", r.FileErr)
		if err := j.deps.Store.RecordFailure(ctx, runID, report.Failure{Job: job, Period: period.Key, Destination: r.Out.Key, Reason: r.FileErr.Error(), At: now}); err != nil {
			return err
		}
		return r.FileErr
	}
	return nil
}

func noticeDest(team string) string { return "team:" + team }

// notices sends each owning team its notice, unless it has nothing new to
// say before the reminder period ends.
func (j *Jobs) notices(ctx context.Context, period report.Period, now time.Time, opt RunOptions, runID int64, out *Outcome) error {
	st := j.deps.Store
	if !j.console(opt) && j.cfg.Routes == nil {
		return errors.New("team-notices: PRODREADY_TEAMS is not set, so no team has a route (point it at a teams file, or use --dry-run)")
	}
	snap, b, err := j.refresh(ctx, now)
	if err != nil {
		return err
	}
	out.SnapshotID = snap.ID
	j.checkTarget(snap, out)
	notices := report.BuildNotices(snap, j.cfg.TargetLevel, teamNames(b))
	if len(notices) == 0 {
		out.Notes = append(out.Notes, "every service is at its target level: no team has anything to hear")
		return nil
	}
	if j.deliver == nil {
		// Console mode: nothing was ever sent, so everything is new.
		for _, n := range notices {
			n.MarkSince(nil, nil)
			fmt.Fprintf(j.deps.Out, "--- to %s\n", n.Name())
			if err := n.WriteText(j.deps.Out); err != nil {
				return err
			}
		}
		out.Notes = append(out.Notes, fmt.Sprintf("console mode (SLACK_BOT_TOKEN not set): printed %d notices, sent none", len(notices)))
		return nil
	}
	today, err := st.Sent(ctx, JobNotices, period.Key)
	if err != nil {
		return err
	}
	last, err := st.LastSent(ctx, JobNotices)
	if err != nil {
		return err
	}
	snaps := map[int64]*report.Snapshot{}
	idxs := map[int64]map[string]int{}
	var msgs []*Outgoing
	byKey := map[string]*report.Notice{}
	var already, quiet []string
	var routeErrs []error
	for _, n := range notices {
		dest := noticeDest(n.Team)
		if _, ok := today[dest]; ok && !opt.Force {
			already = append(already, n.Name())
			out.Skipped++
			continue
		}
		if m, ok := last[dest]; ok && m.SnapshotID != 0 {
			prev, ok := snaps[m.SnapshotID]
			if !ok {
				if prev, err = st.LoadSnapshot(ctx, m.SnapshotID); err != nil {
					j.deps.Log.Warn("last notice's snapshot is unreadable; sending as new", "team", n.Team, "err", err)
					prev = nil
				}
				snaps[m.SnapshotID] = prev
				if prev != nil {
					idxs[m.SnapshotID] = prev.EntityIndex()
				}
			}
			n.MarkSince(prev, idxs[m.SnapshotID])
			if !opt.Force && prev != nil && m.ContentHash == n.Hash && !n.Regressed && now.Sub(m.Sent) < j.cfg.ReminderEvery {
				quiet = append(quiet, n.Name())
				out.Skipped++
				continue
			}
		} else {
			n.MarkSince(nil, nil)
		}
		route, ok := j.cfg.Routes.For(n.Team)
		if opt.DryRun && j.cfg.Routes == nil {
			route, ok = TeamRoute{Channel: "(no route: PRODREADY_TEAMS not set)"}, true
		}
		if !ok {
			err := fmt.Errorf("team %q has no route in %s and there is no default_channel", n.Name(), j.cfg.Routes.File)
			routeErrs = append(routeErrs, err)
			out.Failed++
			j.deps.Log.Error("team notice", "err", err)
			if rerr := st.RecordFailure(ctx, runID, report.Failure{Job: JobNotices, Period: period.Key, Destination: dest, Reason: err.Error(), At: now}); rerr != nil {
				return rerr
			}
			continue
		}
		if opt.DryRun {
			fmt.Fprintf(j.deps.Out, "--- to %s (%s)\n", n.Name(), route.Where())
			if err := n.WriteText(j.deps.Out); err != nil {
				return err
			}
			continue
		}
		text, blocks := NoticeMessage(n)
		origin := fmt.Sprintf("teams.%s in %s", n.Team, j.cfg.Routes.File)
		if _, own := j.cfg.Routes.Teams[n.Team]; !own || n.Team == "" {
			origin = "default_channel in " + j.cfg.Routes.File
		}
		msgs = append(msgs, &Outgoing{Key: dest, Origin: origin, Channel: route.Channel, Emails: route.DM, Text: text, Blocks: blocks})
		byKey[dest] = n
	}
	if len(already) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("already notified in %s, not sent again (--force sends again): %s", period.Key, strings.Join(already, ", ")))
	}
	if len(quiet) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("nothing new since their last notice, quiet for %s after it: %s", j.cfg.ReminderEvery, strings.Join(quiet, ", ")))
	}
	var mu sync.Mutex
	var errs []error
	if len(msgs) > 0 {
		gate := j.newGate(JobNotices, period)
		copyOf := func(key string) int {
			if m, ok := today[key]; ok {
				return m.Copy + 1
			}
			return 0
		}
		for _, m := range msgs {
			gate.prepare(m, copyOf(m.Key))
		}
		j.deliver.DeliverGated(ctx, msgs, gate, func(r Delivered) {
			mu.Lock()
			defer mu.Unlock()
			if err := j.settle(ctx, gate, runID, snap.ID, copyOf(r.Out.Key), byKey[r.Out.Key].Hash, r, out); err != nil {
				errs = append(errs, err)
			}
		})
	}
	errs = append(routeErrs, errs...)
	sort.Slice(errs, func(a, b int) bool { return errs[a].Error() < errs[b].Error() })
	return errors.Join(errs...)
}
