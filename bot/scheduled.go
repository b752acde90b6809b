// Package bot composes prodready's parts: Scheduled runs the jobs (bot/jobs,
// through bot/engine) under the leader election of bot/schedule, on the
// history database. Slack's surface is bot/slackapp, delivery bot/delivery
// with bot/blockkit as Slack's notifier.
package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/bot/schedule"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// ErrHistoryUnavailable wraps a history database that cannot be used
// (locked, unwritable, from a newer prodready): serve can keep answering
// slash commands without the scheduled jobs.
var ErrHistoryUnavailable = errors.New("scheduled digests and notices are off")

// ScheduledConfig is what serve's scheduled jobs are configured with.
type ScheduledConfig struct {
	Jobs      engine.Config
	Schedules []schedule.Entry
	// DB is the history: a SQLite file or a postgres:// URL.
	DB string
	// LeaderPoll is how often a replica tries for the lead; default
	// schedule.DefaultLeaderPoll.
	LeaderPoll time.Duration
	// History tunes the database (SQLite's busy timeout); zero: defaults.
	History history.Options
}

// SchedulerDeps are what serve hands the scheduled jobs.
type SchedulerDeps struct {
	Source scorecard.Source
	// Notifiers deliver digests and notices (engine.Deps); none prints
	// them to Out (console mode), ConsoleWhy says why.
	Notifiers  []delivery.Notifier
	ConsoleWhy string
	Out        io.Writer
	Log        *slog.Logger
	// Metrics, when set, counts job runs and their last success.
	Metrics *metrics.Metrics
}

// Scheduled is serve's scheduled jobs: a Scheduler of the Jobs, run under a
// Leader on the history database, so that of several replicas one runs
// them. It is a Companion of the Bot, part of /readyz.
type Scheduled struct {
	leader *schedule.Leader
	log    *slog.Logger

	mu    sync.Mutex
	sched *schedule.Scheduler // nil until the database answers
	store *history.Store
}

// NewScheduled opens the history and prepares the jobs. A database that
// cannot be used is an error wrapping ErrHistoryUnavailable, except a
// Postgres server that does not answer yet or a SQLite file another
// process holds locked: then the jobs wait for it, and Ready says so. On
// SQLite, a database another serve uses is an error wrapping
// schedule.ErrAnotherServe. Stop also closes the database.
func NewScheduled(ctx context.Context, cfg ScheduledConfig, deps SchedulerDeps) (*Scheduled, error) {
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduled{log: deps.Log}
	opt := schedule.LeaderOptions{Poll: cfg.LeaderPoll, Log: deps.Log}
	if deps.Metrics != nil {
		opt.OnChange = deps.Metrics.SetLeader
	}
	build := func(store *history.Store) (*schedule.Scheduler, error) {
		js, err := engine.NewJobs(cfg.Jobs, engine.Deps{Jobs: jobs.All(), Source: deps.Source, Store: store,
			Notifiers: deps.Notifiers, ConsoleWhy: deps.ConsoleWhy, Out: deps.Out, Log: deps.Log, Now: time.Now})
		if err != nil {
			return nil, err
		}
		sched := schedule.New(js.Entries(cfg.Schedules), js.Runner(), schedule.Options{Log: deps.Log, OnRun: deps.Metrics.JobRun})
		s.mu.Lock()
		s.sched, s.store = sched, store
		s.mu.Unlock()
		return sched, nil
	}
	store, err := history.Open(ctx, cfg.DB, cfg.History)
	if errors.Is(err, history.ErrUnreachable) || errors.Is(err, history.ErrLocked) {
		// serve starts anyway (slash commands need no database); the
		// campaign opens the history every poll, then builds the jobs: a
		// Postgres server that does not answer yet, or a SQLite file
		// another process holds the write lock on, may come free.
		opt.Open = func(ctx context.Context) (schedule.Store, schedule.Work, error) {
			store, err := history.Open(ctx, cfg.DB, cfg.History)
			if err != nil {
				return nil, nil, err
			}
			sched, err := build(store)
			if err != nil {
				store.Close()
				return nil, nil, err
			}
			return leaderStore{store}, sched, nil
		}
		s.leader = schedule.NewLeader(nil, nil, opt)
		deps.Log.Error("the history database cannot be used yet (unreachable, or locked by another process); slash commands work, and the scheduled jobs start once it can", "every", s.leader.Poll().String(), "err", err)
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHistoryUnavailable, err)
	}
	sched, err := build(store)
	if err != nil {
		store.Close()
		return nil, err
	}
	s.leader = schedule.NewLeader(leaderStore{store}, sched, opt)
	if err := s.lead(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	return s, nil
}

// lead takes the lead now if it is free. On SQLite the lead is the
// database's lock file: held by another serve, it is refused, since SQLite
// cannot be shared by replicas.
func (s *Scheduled) lead(ctx context.Context, store *history.Store) error {
	poll := s.leader.Poll().String()
	ok, err := s.leader.TryLead(ctx)
	if err != nil {
		if store.Dialect() == "sqlite" {
			return fmt.Errorf("history database %s: %w", store.Where(), err)
		}
		// Postgres may come back: the campaign tries again.
		s.log.Warn("leader election: first attempt failed; trying again", "every", poll, "err", err)
		return nil
	}
	if ok || store.Dialect() != "sqlite" {
		if !ok {
			s.log.Info("leader: another replica runs the scheduled jobs; this one answers slash commands and takes over if it goes", "database", store.Where(), "poll", poll)
		}
		return nil
	}
	holder := store.LockHolder(history.LockLeader)
	if holder == "" {
		holder = "another process"
	}
	return fmt.Errorf("history database %s: %w (%s holds %s): SQLite cannot be shared by several serve processes; stop the other one, or give each its own history.DSN, or use Postgres (a postgres://… history.DSN) to run replicas",
		store.Where(), schedule.ErrAnotherServe, holder, store.LockFile(history.LockLeader))
}

// Leader is the election the jobs run under.
func (s *Scheduled) Leader() *schedule.Leader { return s.leader }

// Start campaigns for the lead and runs the jobs while leading.
func (s *Scheduled) Start(ctx context.Context) { s.leader.Start(ctx) }

// Stop stops the jobs, gives up the lead and closes the history.
func (s *Scheduled) Stop(ctx context.Context) error {
	err := s.leader.Stop(ctx)
	s.mu.Lock()
	store := s.store
	s.mu.Unlock()
	if err == nil && store != nil {
		return store.Close()
	}
	return err
}

// Ready reports whether the history database answers.
func (s *Scheduled) Ready(ctx context.Context) error { return s.leader.Ready(ctx) }

// Run runs job now as the scheduler does (metrics included), whether or
// not this replica leads.
func (s *Scheduled) Run(ctx context.Context, job string) error {
	s.mu.Lock()
	sched := s.sched
	s.mu.Unlock()
	if sched == nil {
		return errors.New("the history database has not answered yet")
	}
	return sched.Run(ctx, job, time.Time{})
}

// leaderStore is the history as the leader election takes its lead in:
// the leader lock (history.LockLeader).
type leaderStore struct{ st *history.Store }

func (s leaderStore) Where() string { return s.st.Where() }

func (s leaderStore) TryLead(ctx context.Context) (schedule.Lock, bool, error) {
	lock, ok, err := s.st.TryLock(ctx, history.LockLeader)
	if err != nil || !ok {
		return nil, ok, err
	}
	return lock, true, nil
}

func (s leaderStore) Ping(ctx context.Context) error {
	_, _, err := s.st.FirstRun(ctx)
	return err
}
