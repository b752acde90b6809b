// Package schedule runs jobs on cron schedules, and only on the replica
// that leads. It knows nothing of what the jobs do: a Runner runs them by
// name and says which runs were missed; the Leader decides where they run.
// Neither starts the other: the caller puts a Scheduler under a Leader.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Entry is one job's schedule.
type Entry struct {
	Job  string
	Spec string // as written, for logs
	Env  string // the setting it came from, for logs
	// Schedule is the parsed Spec (or a test schedule).
	Schedule cron.Schedule
	// CatchUp runs, once at start, the job's latest run if it was missed
	// or cut short while no process ran it.
	CatchUp bool
}

// Parse reads a cron spec: five fields, a "CRON_TZ=Europe/Paris " prefix
// or a descriptor (@daily). The error names the variable.
func Parse(variable, spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %s", variable, spec, explain(spec, err))
	}
	// cron accepts dates no calendar has (31 February): such a job would
	// silently never run. Next looks five years ahead and returns zero.
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("%s=%q: never fires: no date in the next five years matches it (a day the month never has?)", variable, spec)
	}
	return s, nil
}

// Location is the time zone a schedule counts in: its CRON_TZ, else local.
func Location(s cron.Schedule) *time.Location {
	if s, ok := s.(*cron.SpecSchedule); ok && s.Location != nil {
		return s.Location
	}
	return time.Local
}

// Runner runs the jobs the scheduler starts.
type Runner interface {
	// Run runs job for the time at (its scheduled time).
	Run(ctx context.Context, job string, at time.Time) error
	// Missed reports the latest time of sched before now whose run did not
	// happen, or did not finish.
	Missed(ctx context.Context, job string, sched cron.Schedule, now time.Time) (time.Time, bool, error)
	// Now is the jobs' clock, which the scheduler logs and catches up by.
	Now() time.Time
}

// Scheduler runs a Runner's jobs on their schedules. It implements Work, so
// a Leader can start and stop it.
type Scheduler struct {
	entries []Entry
	runner  Runner
	log     *slog.Logger
	// onRun is told the end of every run (metrics); nil: nobody.
	onRun func(job string, end time.Time, err error)

	cron   *cron.Cron
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Options tune a Scheduler.
type Options struct {
	Log *slog.Logger
	// OnRun is told the end of every run, with its error.
	OnRun func(job string, end time.Time, err error)
}

// New prepares the schedules; Start starts them.
func New(entries []Entry, runner Runner, opt Options) *Scheduler {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{entries: entries, runner: runner, log: opt.Log, onRun: opt.OnRun}
}

// Run runs job now as the scheduler would, and reports it to OnRun.
func (s *Scheduler) Run(ctx context.Context, job string, at time.Time) error {
	err := s.runner.Run(ctx, job, at)
	if s.onRun != nil {
		s.onRun(job, time.Now(), err)
	}
	return err
}

// Start schedules the jobs, logs each one's next run, and runs, once, the
// latest run of each catch-up job that was missed. Jobs stop when ctx ends
// or Stop is called. It returns at once.
func (s *Scheduler) Start(ctx context.Context) {
	cl := cronLogger{s.log}
	// A job that panics is logged and the others keep running; a job still
	// running when its next time comes is skipped, not stacked. A new cron
	// each time: a replica may lead, lose the lead and lead again.
	s.cron = cron.New(cron.WithLogger(cl), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	ctx, s.cancel = context.WithCancel(ctx)
	now := s.runner.Now()
	for _, e := range s.entries {
		if e.Schedule == nil {
			continue
		}
		job := e.Job
		s.cron.Schedule(e.Schedule, cron.FuncJob(func() {
			if err := s.Run(ctx, job, time.Time{}); err != nil {
				s.log.Error("scheduled job failed", "job", job, "err", err)
			}
		}))
		s.log.Info("scheduled job", "job", job, "schedule", e.Spec, "env", e.Env, "next_run", e.Schedule.Next(now).Format(time.RFC3339))
	}
	s.cron.Start()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.catchUp(ctx, now)
	}()
}

// Stop stops scheduling and waits, until ctx ends, for running jobs.
func (s *Scheduler) Stop(ctx context.Context) error {
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

// catchUp runs, once, the catch-up jobs whose latest scheduled time passed
// while no process ran them, or whose run was cut short: for the latest
// period only.
func (s *Scheduler) catchUp(ctx context.Context, now time.Time) {
	for _, e := range s.entries {
		if !e.CatchUp || e.Schedule == nil {
			continue
		}
		at, missed, err := s.runner.Missed(ctx, e.Job, e.Schedule, now)
		if err != nil {
			s.log.Error("check for a missed run", "job", e.Job, "err", err)
			continue
		}
		if !missed {
			continue
		}
		s.log.Info("running a job missed or cut short while prodready was down", "job", e.Job, "scheduled", at.Format(time.RFC3339))
		if err := s.Run(ctx, e.Job, at); err != nil {
			s.log.Error("missed run failed", "job", e.Job, "err", err)
		}
	}
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
