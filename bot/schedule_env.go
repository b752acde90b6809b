package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// ErrHistoryUnavailable wraps a history database that cannot be used
// (locked, unwritable, from a newer prodready): serve can keep answering
// slash commands without the scheduled jobs.
var ErrHistoryUnavailable = errors.New("scheduled digests and notices are off")

// SchedulerDeps are what serve hands the scheduler.
type SchedulerDeps struct {
	Source scorecard.Source
	// Slack posts digests and notices; build it with NewDeliveryClient so
	// 429s and 5xx are retried. Nil prints them to Out (console mode).
	Slack SlackPoster
	Out   io.Writer
	Log   *slog.Logger
	// Metrics, when set, counts job runs and their last success.
	Metrics *Metrics
}

// NewSchedulerFromEnv reads the schedules (PRODREADY_*_CRON) and the
// jobs' configuration (PRODREADY_REPORT_CHANNEL, PRODREADY_TEAMS, …) from
// the environment and opens the history at PRODREADY_DB. A bad variable or
// teams file is an error naming it (serve should stop); a database that
// cannot be used is an error wrapping ErrHistoryUnavailable, except a
// Postgres server that does not answer yet: then the jobs wait for it. The jobs run
// only while this replica leads (see Leader; PRODREADY_LEADER_POLL); on
// SQLite, a database another serve uses is an error wrapping
// ErrAnotherServe. Stop also closes the database.
func NewSchedulerFromEnv(ctx context.Context, getenv func(string) string, deps SchedulerDeps) (*Scheduler, error) {
	sched, err := ScheduleFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := JobConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfg.Locations = sched.Locations()
	poll, err := LeaderPollFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	dsn := DBPath(getenv)
	store, err := history.Open(ctx, dsn, history.Options{})
	if history.IsPostgres(dsn) && errors.Is(err, history.ErrUnreachable) {
		return waitForDatabase(dsn, sched, cfg, poll, deps, err), nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHistoryUnavailable, err)
	}
	jobs, err := NewJobs(cfg, JobDeps{Source: deps.Source, Store: store, Slack: deps.Slack, Out: deps.Out, Log: deps.Log, Now: time.Now})
	if err != nil {
		store.Close()
		return nil, err
	}
	s, err := NewScheduler(sched, jobs, deps.Log)
	if err != nil {
		store.Close()
		return nil, err
	}
	s.closer = store
	s.SetMetrics(deps.Metrics)
	if err := s.lead(ctx, store, poll, deps); err != nil {
		store.Close()
		return nil, err
	}
	return s, nil
}
