package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/robfig/cron/v3"
)

// ScheduleVars names the environment variable of each job's schedule.
var scheduleVars = []struct{ job, env, def string }{
	{JobRefresh, "PRODREADY_REFRESH_CRON", "*/15 * * * *"},
	{JobWeekly, "PRODREADY_WEEKLY_CRON", "0 9 * * MON"},
	{JobMonthly, "PRODREADY_MONTHLY_CRON", "0 9 1 * *"},
	{JobNotices, "PRODREADY_NOTICE_CRON", "0 10 * * MON-FRI"},
}

// ScheduleConfig holds each job's parsed cron schedule.
type ScheduleConfig struct {
	Specs     map[string]string // job -> spec as written
	Schedules map[string]cron.Schedule
}

// Location returns the time zone of job's schedule (its CRON_TZ=, else local).
func (c ScheduleConfig) Location(job string) *time.Location {
	if s, ok := c.Schedules[job].(*cron.SpecSchedule); ok && s.Location != nil {
		return s.Location
	}
	return time.Local
}

// Locations maps every job to its schedule's time zone, for JobConfig.
func (c ScheduleConfig) Locations() map[string]*time.Location {
	m := map[string]*time.Location{}
	for job := range c.Schedules {
		m[job] = c.Location(job)
	}
	return m
}

// ScheduleFromEnv reads the PRODREADY_*_CRON variables: standard five-field
// specs, "CRON_TZ=Europe/Paris " prefixes and descriptors (@daily) allowed.
// A spec that does not parse is an error naming the variable.
func ScheduleFromEnv(getenv func(string) string) (ScheduleConfig, error) {
	c := ScheduleConfig{Specs: map[string]string{}, Schedules: map[string]cron.Schedule{}}
	for _, v := range scheduleVars {
		spec := getenv(v.env)
		if spec == "" {
			spec = v.def
		}
		s, err := cron.ParseStandard(spec)
		if err != nil {
			return c, fmt.Errorf("%s=%q: %w", v.env, spec, err)
		}
		c.Specs[v.job], c.Schedules[v.job] = spec, s
	}
	return c, nil
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

// Info carries cron's routine chatter (wake, run), kept at debug level,
// and its "skip" when a job is still running at its next time, which an
// operator should see.
func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		l.log.Warn("cron: job still running at its next scheduled time; this run is skipped", kv...)
		return
	}
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// Scheduler runs the jobs on their schedules inside serve.
type Scheduler struct {
	cfg    ScheduleConfig
	jobs   *Jobs
	log    *slog.Logger
	cron   *cron.Cron
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closer io.Closer // the history, when the scheduler opened it
	// leader, when set, runs the jobs only while this replica leads.
	leader *Leader
	// metrics counts job runs; set before Start (SetMetrics).
	metrics *Metrics
}

// SetMetrics counts each job run, and the time of each job's last success,
// in m; call it before Start.
func (s *Scheduler) SetMetrics(m *Metrics) { s.metrics = m }

// run runs job and records the outcome in the metrics.
func (s *Scheduler) run(ctx context.Context, job string, opt RunOptions) error {
	_, err := s.jobs.RunExclusive(ctx, job, opt)
	s.metrics.JobRun(job, time.Now(), err)
	return err
}

// NewScheduler prepares the jobs' schedules; Start starts them.
func NewScheduler(cfg ScheduleConfig, jobs *Jobs, log *slog.Logger) (*Scheduler, error) {
	if jobs == nil {
		return nil, fmt.Errorf("scheduler needs the jobs")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{cfg: jobs.testSchedules(cfg), jobs: jobs, log: log}, nil
}

// Leader is the leader election the jobs run under (nil: they always run).
func (s *Scheduler) Leader() *Leader { return s.leader }

// Start schedules the jobs, logs each one's next run, and sends, once, a
// digest whose time passed while prodready was down. Jobs stop when ctx
// ends or Stop is called. Under a Leader, all that happens only while this
// replica leads, again each time it takes the lead.
func (s *Scheduler) Start(ctx context.Context) {
	if s.leader != nil {
		s.leader.Start(ctx)
		return
	}
	s.startJobs(ctx)
}

func (s *Scheduler) startJobs(ctx context.Context) {
	cl := cronLogger{s.log}
	// A job that panics is logged and the others keep running; a job still
	// running when its next time comes is skipped, not stacked. A new cron
	// each time: a replica may lead, lose the lead and lead again.
	s.cron = cron.New(cron.WithLogger(cl), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	ctx, s.cancel = context.WithCancel(ctx)
	now := s.jobs.deps.Now()
	for _, v := range scheduleVars {
		job := v.job
		sched := s.cfg.Schedules[job]
		if sched == nil {
			continue
		}
		s.cron.Schedule(sched, cron.FuncJob(func() {
			if err := s.run(ctx, job, RunOptions{}); err != nil {
				s.log.Error("scheduled job failed", "job", job, "err", err)
			}
		}))
		s.log.Info("scheduled job", "job", job, "schedule", s.cfg.Specs[job], "env", v.env, "next_run", sched.Next(now).Format(time.RFC3339))
	}
	s.cron.Start()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.catchUp(ctx, now)
	}()
}

// Stop stops scheduling and waits, until ctx ends, for running jobs; then
// it gives up the lead and closes the history it opened.
func (s *Scheduler) Stop(ctx context.Context) error {
	var err error
	if s.leader != nil {
		err = s.leader.Stop(ctx)
	} else {
		err = s.stopJobs(ctx)
	}
	if err == nil && s.closer != nil {
		return s.closer.Close()
	}
	return err
}

func (s *Scheduler) stopJobs(ctx context.Context) error {
	if s.cron == nil {
		return nil
	}
	done := s.cron.Stop()
	if s.cancel != nil {
		defer s.cancel()
	}
	finished := make(chan struct{})
	go func() {
		<-done.Done()
		s.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		if s.cancel != nil {
			s.cancel() // let the running job see it must stop
		}
		return fmt.Errorf("scheduler stop: jobs still running: %w", ctx.Err())
	}
}

// catchUp runs, once, the weekly and monthly digests and the team notices
// whose last scheduled time passed while no prodready ran them, or whose
// run was cut short (a leader killed half-way through the teams): for the
// latest period only. Exactly-once keys make a resumed run send only what
// had not gone out.
func (s *Scheduler) catchUp(ctx context.Context, now time.Time) {
	for _, job := range []string{JobWeekly, JobMonthly, JobNotices} {
		at, missed, err := s.Missed(ctx, job, now)
		if err != nil {
			s.log.Error("check for a missed run", "job", job, "err", err)
			continue
		}
		if !missed {
			continue
		}
		s.log.Info("running a job missed or cut short while prodready was down", "job", job, "scheduled", at.Format(time.RFC3339))
		if err := s.run(ctx, job, RunOptions{At: at}); err != nil {
			s.log.Error("missed run failed", "job", job, "err", err)
		}
	}
}

// Missed reports whether job's latest scheduled time before now passed
// without a run for its period, while this database was already in use, or
// (for team notices) with only a run that never finished.
func (s *Scheduler) Missed(ctx context.Context, job string, now time.Time) (time.Time, bool, error) {
	sched := s.cfg.Schedules[job]
	if sched == nil {
		return time.Time{}, false, nil
	}
	prev, ok := lastActivation(sched, now, s.jobs.kindOf(job))
	if !ok {
		return time.Time{}, false, nil
	}
	st := s.jobs.deps.Store
	first, known, err := st.FirstRun(ctx)
	if err != nil || !known || !first.Before(prev) {
		return time.Time{}, false, err
	}
	period := report.PeriodOf(s.jobs.kindOf(job), prev.In(s.jobs.location(job)))
	runs, err := st.Runs(ctx, job, period.Key)
	if err != nil {
		return time.Time{}, false, err
	}
	// A digest is one message: anything sent means it went out. Notices go
	// to many teams: only a run that finished is done; one cut short (its
	// process killed) still owes the teams it had not reached.
	manyDestinations := job == JobNotices
	for _, r := range runs {
		finished := !r.Finished.IsZero()
		if manyDestinations && finished || !manyDestinations && (r.Status != "failed" && finished || r.Sent > 0) {
			return time.Time{}, false, nil
		}
	}
	if !manyDestinations {
		sent, err := st.Sent(ctx, job, period.Key)
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
