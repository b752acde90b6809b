// Package engine runs the scheduled jobs: the Job interface, runs and
// their records in the history, catching up, the exactly-once delivery of
// their messages through the notifiers, and the glue to bot/schedule. It
// knows no job and no delivery platform.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/schedule"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// Job is one scheduled job. A new job is one file: a type with these
// methods, listed in jobs.All. Everything else (`prodready run`, the
// scheduler, catching up a missed run, the run's record in the history)
// follows from it; the configuration names the variable of its schedule.
type Job interface {
	Name() string
	// Cron is the job's default schedule, a cron spec.
	Cron() string
	// Period is the span one run stands for (the exactly-once keys and the
	// history count runs per period).
	Period(cfg Config) report.Kind
	// CatchUp says how a run missed while no prodready ran is made up.
	CatchUp() CatchUp
	// Posts says whether the job delivers messages: a run that delivered
	// none is recorded as having had nothing to do.
	Posts() bool
	// Run does one run's work.
	Run(ctx context.Context, j *Jobs, r *Run) error
}

// EveryPeriodJob is a job that Config.DigestPeriod (for tests and demos)
// schedules every such period instead of on its cron.
type EveryPeriodJob interface {
	Job
	EveryDigestPeriod() bool
}

// CatchUp is how a missed run of a job is made up at start.
type CatchUp int

// The ways of catching up.
const (
	// CatchUpNever: the next scheduled run will do.
	CatchUpNever CatchUp = iota
	// CatchUpOnce: one message; anything sent means the run happened.
	CatchUpOnce
	// CatchUpEach: a message per destination; only a run that finished
	// is done, one cut short still owes the destinations it had not reached.
	CatchUpEach
)

// Names lists the names of jobs, in their order.
func Names(jobs []Job) []string {
	var names []string
	for _, job := range jobs {
		names = append(names, job.Name())
	}
	return names
}

func (j *Jobs) named(name string) (Job, bool) {
	for _, job := range j.deps.Jobs {
		if job.Name() == name {
			return job, true
		}
	}
	return nil, false
}

// Config is the jobs' configuration.
type Config struct {
	ReportChannel string               // PRODREADY_REPORT_CHANNEL: where manager digests go
	ReportEmail   []string             // PRODREADY_REPORT_EMAIL: who gets them by e-mail
	TargetLevel   string               // PRODREADY_TARGET_LEVEL; "" means each scorecard's top level
	Routes        *delivery.TeamRoutes // PRODREADY_TEAMS; nil when not set
	ReminderEvery time.Duration        // PRODREADY_REMINDER_EVERY: quiet period for unchanged notices
	Retention     time.Duration        // PRODREADY_RETENTION
	ChartDir      string               // where console and dry-run charts are written
	// Locations are the time zones periods are counted in, per job (from
	// the schedules' CRON_TZ); time.Local when absent.
	Locations map[string]*time.Location
	// DeliveryLease (PRODREADY_DELIVERY_LEASE) is how long a message's
	// claim lasts unless renewed; default delivery.DefaultDeliveryLease.
	DeliveryLease time.Duration
	// DigestPeriod (PRODREADY_TEST_DIGEST_PERIOD), for tests and demos,
	// replaces the digests' calendar periods with periods this long
	// (report.Every); 0 keeps weeks and months.
	DigestPeriod time.Duration
}

// Deps are what the jobs work with.
type Deps struct {
	// Jobs are the jobs there are (jobs.All()).
	Jobs   []Job
	Source scorecard.Source
	Store  *history.Store
	// Notifiers deliver the messages; none is console mode: messages are
	// printed to Out and nothing is recorded as sent. ConsoleWhy says why,
	// in the runs' notes ("no token set").
	Notifiers  []delivery.Notifier
	ConsoleWhy string
	Out        io.Writer
	Log        *slog.Logger
	Now        func() time.Time
}

// Jobs runs the scheduled jobs, from the scheduler or `prodready run`.
type Jobs struct {
	cfg     Config
	deps    Deps
	console *delivery.ConsoleNotifier
	mu      sync.Mutex // one job at a time: they share the snapshot tables
	claimer string     // this process in the claims it takes (delivery.ClaimGate)
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

// Run is one run of a job, as the job sees it.
type Run struct {
	Period report.Period
	Now    time.Time
	Opt    RunOptions
	ID     int64 // the run in the history; 0 for a dry run
	Out    *Outcome

	records bool
}

// NewJobs checks the configuration and returns the jobs.
func NewJobs(cfg Config, deps Deps) (*Jobs, error) {
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
		cfg.DeliveryLease = delivery.DefaultDeliveryLease
	}
	if deps.ConsoleWhy == "" {
		deps.ConsoleWhy = "no delivery configured"
	}
	j := &Jobs{cfg: cfg, deps: deps, claimer: delivery.ClaimerID(), lease: cfg.DeliveryLease,
		console: &delivery.ConsoleNotifier{W: deps.Out, ChartDir: cfg.ChartDir}}
	return j, nil
}

// Config is the jobs' configuration, defaults filled in.
func (j *Jobs) Config() Config { return j.cfg }

// Store is the history the jobs record in.
func (j *Jobs) Store() *history.Store { return j.deps.Store }

// Source is the catalog the jobs load.
func (j *Jobs) Source() scorecard.Source { return j.deps.Source }

// Log is the jobs' logger.
func (j *Jobs) Log() *slog.Logger { return j.deps.Log }

// Console reports whether no notifier is configured (console mode), and
// why: messages are printed, never sent.
func (j *Jobs) Console() (bool, string) { return len(j.deps.Notifiers) == 0, j.deps.ConsoleWhy }

// Names lists the jobs' names in their order.
func (j *Jobs) Names() []string { return Names(j.deps.Jobs) }

func (j *Jobs) location(job string) *time.Location {
	if l := j.cfg.Locations[job]; l != nil {
		return l
	}
	return time.Local
}

// notifiers are where a run's messages go: the notifiers configured, or
// the console in console mode and for a dry run.
func (j *Jobs) notifiers(opt RunOptions) []delivery.Notifier {
	if len(j.deps.Notifiers) == 0 || opt.DryRun {
		return []delivery.Notifier{j.console}
	}
	return j.deps.Notifiers
}

// Records reports whether what the run delivers reaches people, and so is
// recorded as sent: not in console mode, nor in a dry run.
func (r *Run) Records() bool { return r.records }

// Run runs one job now. A failed delivery to one destination does not
// stop the others; it is recorded, listed in the next digest, and makes
// the error returned.
func (j *Jobs) Run(ctx context.Context, name string, opt RunOptions) (Outcome, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.named(name)
	if !ok {
		return Outcome{Job: name}, fmt.Errorf("unknown job %q (known: %s)", name, scorecard.OrList(j.Names()))
	}
	now := j.deps.Now()
	at := opt.At
	if at.IsZero() {
		at = now
	}
	at = at.In(j.location(name))
	period := report.PeriodOf(job.Period(j.cfg), at)
	out := Outcome{Job: name, Period: period.Key}
	r := &Run{Period: period, Now: now, Opt: opt, Out: &out, records: recording(j.notifiers(opt))}
	if !opt.DryRun {
		var err error
		if r.ID, err = j.deps.Store.StartRun(ctx, name, period.Key, now); err != nil {
			return out, err
		}
		defer func() {
			// A panic is the scheduler's to log (cron's Recover); the run is
			// recorded as failed first, so it is not taken for one in progress.
			if p := recover(); p != nil {
				j.deps.Store.FinishRun(context.WithoutCancel(ctx), history.Run{ID: r.ID, Job: name, Finished: j.deps.Now(),
					Status: history.RunFailed, Detail: fmt.Sprint("panic: ", p)})
				panic(p)
			}
		}()
	}
	err := job.Run(ctx, j, r)
	if r.ID != 0 {
		status := history.RunOK
		switch {
		case err != nil && out.Sent == 0:
			status = history.RunFailed
		case err != nil || out.Failed > 0:
			status = history.RunPartial
		case out.Sent == 0 && job.Posts() && r.records:
			status = history.RunNothing
		}
		detail := strings.Join(out.Notes, "; ")
		if err != nil {
			detail = err.Error()
		}
		// Record the end even when the run's context was canceled.
		ferr := j.deps.Store.FinishRun(context.WithoutCancel(ctx), history.Run{ID: r.ID, Job: name, Finished: j.deps.Now(), Status: status,
			SnapshotID: out.SnapshotID, Sent: out.Sent, Skipped: out.Skipped, Failed: out.Failed, Detail: detail})
		if err == nil {
			err = ferr
		}
	}
	j.deps.Log.Info("job run", "job", name, "period", period.Key, "sent", out.Sent, "skipped", out.Skipped, "failed", out.Failed, "notes", out.Notes, "err", err)
	return out, err
}

// Runner is the jobs as the scheduler runs them: each run holds the job's
// lock (RunExclusive).
func (j *Jobs) Runner() schedule.Runner { return scheduledJobs{j} }

type scheduledJobs struct{ j *Jobs }

func (s scheduledJobs) Run(ctx context.Context, job string, at time.Time) error {
	_, err := s.j.RunExclusive(ctx, job, RunOptions{At: at})
	return err
}

func (s scheduledJobs) Now() time.Time { return s.j.deps.Now() }

func (s scheduledJobs) Missed(ctx context.Context, job string, sched cron.Schedule, now time.Time) (time.Time, bool, error) {
	return s.j.Missed(ctx, job, sched, now)
}

// Entries are the scheduler's entries for the jobs: the schedules given,
// with Config.DigestPeriod's every-period schedule for the weekly
// digest, and each job's way of catching up.
func (j *Jobs) Entries(given []schedule.Entry) []schedule.Entry {
	out := make([]schedule.Entry, 0, len(given))
	for _, e := range given {
		job, ok := j.named(e.Job)
		if !ok {
			continue
		}
		e.CatchUp = job.CatchUp() != CatchUpNever
		if d, ok := job.(EveryPeriodJob); ok && d.EveryDigestPeriod() && j.cfg.DigestPeriod > 0 {
			e.Spec = fmt.Sprintf("every %s (engine.Config.DigestPeriod)", j.cfg.DigestPeriod)
			e.Schedule = everyPeriod(j.cfg.DigestPeriod)
		}
		out = append(out, e)
	}
	return out
}

// everyPeriod is a schedule at the start of every period of length d, as
// report.Every counts them.
type everyPeriod time.Duration

func (e everyPeriod) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.Truncate(d).Add(d)
}

// Missed reports whether job's latest scheduled time before now passed
// without a run for its period, while this database was already in use
// (a run for the period, even the database's first, shows it was), or
// (for a job whose run has many destinations) with only a run that never
// finished.
func (j *Jobs) Missed(ctx context.Context, name string, sched cron.Schedule, now time.Time) (time.Time, bool, error) {
	job, ok := j.named(name)
	if !ok || sched == nil || job.CatchUp() == CatchUpNever {
		return time.Time{}, false, nil
	}
	kind := job.Period(j.cfg)
	prev, ok := lastActivation(sched, now, kind)
	if !ok {
		return time.Time{}, false, nil
	}
	st := j.deps.Store
	period := report.PeriodOf(kind, prev.In(j.location(name)))
	runs, err := st.Runs(ctx, name, period.Key)
	if err != nil {
		return time.Time{}, false, err
	}
	// A run for the period shows the database was in use when it was
	// due, even when that run was its first (killed on a new database);
	// without one, a time before the first run was not missed, only
	// before prodready was deployed.
	if len(runs) == 0 {
		first, known, err := st.FirstRun(ctx)
		if err != nil || !known || !first.Before(prev) {
			return time.Time{}, false, err
		}
	}
	each := job.CatchUp() == CatchUpEach
	for _, r := range runs {
		finished := !r.Finished.IsZero()
		if each && finished || !each && (r.Status != "failed" && finished || r.Sent > 0) {
			return time.Time{}, false, nil
		}
	}
	if !each {
		sent, err := st.Sent(ctx, name, period.Key)
		if err != nil || len(sent) > 0 {
			return time.Time{}, false, err
		}
	}
	return prev, true, nil
}

// lastActivation finds the schedule's latest time at or before now,
// looking back a little more than one period of kind.
func lastActivation(s cron.Schedule, now time.Time, k report.Kind) (time.Time, bool) {
	t := k.Back(now, 1).Add(-24 * time.Hour)
	var last time.Time
	for i := 0; i < 100000; i++ {
		next := s.Next(t)
		if next.IsZero() || next.After(now) {
			break
		}
		last, t = next, next
	}
	return last, !last.IsZero()
}

// settle records one delivery: the exactly-once key when the message was
// accepted, a failure otherwise. It runs as each message is settled, so a
// crash later in the run does not lose the record.
func (j *Jobs) settle(ctx context.Context, gate *delivery.ClaimGate, r *Run, where string, copyN int, hash string, d delivery.Delivered) error {
	ctx = context.WithoutCancel(ctx) // what the platform accepted must be recorded
	now := j.deps.Now()
	job, period, out := gate.Job, gate.Period, r.Out
	claim, held := gate.Release(d.Out)
	if d.Skipped != "" {
		out.Skipped++
		out.Notes = append(out.Notes, fmt.Sprintf("%s %s to %s: %s; not posted again", job, period.Key, d.Out.Destination, d.Skipped))
		return nil
	}
	for _, w := range d.Warnings {
		j.deps.Log.Warn("delivery", "job", job, "destination", d.Out.Destination, "warning", w)
		if err := j.deps.Store.RecordFailure(ctx, r.ID, report.Failure{Job: job, Period: period.Key, Destination: d.Out.Destination, Reason: w, At: now}); err != nil {
			return err
		}
	}
	if d.Err != nil && held {
		// Refused (a client error): nothing was posted, the next run tries again.
		// Otherwise it may have been: the next attempt looks first.
		unsure := delivery.ReasonOf(d.Err) != delivery.ReasonClient
		if rerr := j.deps.Store.ReleaseClaim(ctx, claim, now, unsure); rerr != nil {
			j.deps.Log.Warn("could not release a message's claim; it expires by itself", "key", claim.Key(), "err", rerr)
		}
	}
	if d.Err != nil {
		out.Failed++
		err := d.Err
		if d.Out.Origin != "" {
			err = fmt.Errorf("%w (destination from %s)", err, d.Out.Origin)
		}
		j.deps.Log.Error("delivery failed", "job", job, "destination", d.Out.Destination, "err", err)
		if errors.Is(err, context.Canceled) {
			// Stopped, not refused: the next run sends it; nothing for managers to fix.
			return fmt.Errorf("%s to %s: %w", job, d.Out.Destination, err)
		}
		if rerr := j.deps.Store.RecordFailure(ctx, r.ID, report.Failure{Job: job, Period: period.Key, Destination: d.Out.Destination, Reason: err.Error(), At: now}); rerr != nil {
			return fmt.Errorf("%s to %s: %w; and the failure could not be recorded: %w", job, d.Out.Destination, err, rerr)
		}
		return fmt.Errorf("%s to %s: %w", job, d.Out.Destination, err)
	}
	if d.Recovered {
		out.Skipped++
		out.Notes = append(out.Notes, fmt.Sprintf("%s %s to %s: found in %s (ts %s), posted by an earlier attempt that did not record it; recorded now, not posted again", job, period.Key, d.Out.Destination, where, d.TS))
		j.deps.Log.Warn("message found in "+where+", posted by an earlier attempt that did not record it; not posted again", "key", d.Out.DeliveryKey, "channel", d.Channel, "ts", d.TS)
	} else {
		out.Sent++
	}
	if err := j.deps.Store.RecordClaimedSent(ctx, history.Message{Job: job, Period: period.Key, Destination: d.Out.Destination, Copy: copyN,
		Channel: d.Channel, TS: d.TS, Sent: now, RunID: r.ID, SnapshotID: out.SnapshotID, ContentHash: hash}); err != nil {
		// Its claim stays pending: the next attempt finds the message in
		// the platform instead of posting it again.
		return fmt.Errorf("%s to %s was posted (ts %s) but could not be recorded; the next run will find it in %s: %w", job, d.Out.Destination, d.TS, where, err)
	}
	if d.FileErr != nil {
		out.Failed++
		j.deps.Log.Error("upload failed", "job", job, "destination", d.Out.Destination, "err", d.FileErr)
		if err := j.deps.Store.RecordFailure(ctx, r.ID, report.Failure{Job: job, Period: period.Key, Destination: d.Out.Destination, Reason: d.FileErr.Error(), At: now}); err != nil {
			return err
		}
		return d.FileErr
	}
	return nil
}

// Deliver sends a run's messages through each of the run's notifiers
// (each gets its own copy of the messages). To a notifier that records,
// each message goes through the exactly-once gate and is settled
// (recorded) as soon as its fate is known; printed, nothing is recorded.
// copyOf gives a destination's copy number in the period, hashOf the hash
// of what it is told (for notices that stay quiet until it changes); both
// may be nil for a run that records nothing.
func (j *Jobs) Deliver(ctx context.Context, r *Run, msgs []*delivery.Outgoing, copyOf func(dest string) int, hashOf func(dest string) string) []error {
	job := r.Out.Job
	var mu sync.Mutex
	var errs []error
	ns := j.notifiers(r.Opt)
	orig := map[*delivery.Outgoing]string{} // each copy's destination in the job's terms
	for i, n := range ns {
		var own []*delivery.Outgoing
		for _, m := range msgs {
			dest, ok := delivery.Keep(n, m)
			if !ok {
				continue
			}
			c := m
			if i > 0 || dest != m.Destination {
				cp := *m
				c = &cp
			}
			orig[c] = m.Destination
			c.Destination, c.Job = dest, job
			own = append(own, c)
		}
		if len(own) == 0 {
			continue
		}
		if !n.Records() {
			n.Notify(ctx, own, nil, func(d delivery.Delivered) {
				mu.Lock()
				defer mu.Unlock()
				if d.FilePath != "" {
					r.Out.Files = append(r.Out.Files, d.FilePath)
				}
				if d.Err != nil {
					errs = append(errs, d.Err)
				}
			})
			continue
		}
		gate := delivery.NewClaimGate(j.deps.Store, j.claimer, j.lease, j.deps.Log, j.deps.Now, job, r.Period)
		for _, m := range own {
			gate.Prepare(m, copyOf(m.Destination))
		}
		n.Notify(ctx, own, gate, func(d delivery.Delivered) {
			mu.Lock()
			defer mu.Unlock()
			if err := j.settle(ctx, gate, r, n.Name(), copyOf(d.Out.Destination), hashOf(orig[d.Out]), d); err != nil {
				errs = append(errs, err)
			}
		})
	}
	return errs
}

// Keys are the destinations the run's recording notifiers record m under:
// a job has sent m everywhere when each of them is recorded.
func (j *Jobs) Keys(r *Run, m *delivery.Outgoing) []string {
	var out []string
	for _, n := range j.notifiers(r.Opt) {
		if !n.Records() {
			continue
		}
		if dest, ok := delivery.Keep(n, m); ok {
			out = append(out, dest)
		}
	}
	return out
}

// recording reports whether any of ns records what it delivers.
func recording(ns []delivery.Notifier) bool {
	for _, n := range ns {
		if n.Records() {
			return true
		}
	}
	return false
}

// JoinSorted joins errs in a stable order: deliveries finish in any order.
func JoinSorted(errs []error) error {
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// CronField names a job's schedule in errors and logs, as a field of the
// configuration: the program that sets it knows by what.
func CronField(job string) string { return "engine.Job(" + job + ").Cron" }

// Schedules parses each job's cron spec. specs maps a job's name to its
// spec; a job whose spec is absent or empty takes its default. An error
// names the job's CronField.
func Schedules(jobs []Job, specs map[string]string) ([]schedule.Entry, error) {
	var out []schedule.Entry
	for _, job := range jobs {
		spec := job.Cron()
		if s := strings.TrimSpace(specs[job.Name()]); s != "" {
			spec = s
		}
		field := CronField(job.Name())
		sched, err := schedule.Parse(field, spec)
		if err != nil {
			return nil, err
		}
		out = append(out, schedule.Entry{Job: job.Name(), Spec: spec, Env: field, Schedule: sched})
	}
	return out, nil
}

// Locations maps each job to its schedule's time zone, for Config.
func Locations(entries []schedule.Entry) map[string]*time.Location {
	m := map[string]*time.Location{}
	for _, e := range entries {
		m[e.Job] = schedule.Location(e.Schedule)
	}
	return m
}
