package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/report/history"
)

// DefaultLeaderPoll is how often a replica that is not the leader tries to
// take the lead, and how often the leader checks it still holds it: a dead
// leader is replaced within about this long.
const DefaultLeaderPoll = 5 * time.Second

// ErrAnotherServe means another serve already runs on the SQLite database.
var ErrAnotherServe = errors.New("another prodready serve uses this database")

// LeaderOptions tune a Leader.
type LeaderOptions struct {
	// Poll is how often to try for the lead, and to check it is still
	// held. Default DefaultLeaderPoll.
	Poll time.Duration
	// StopGrace bounds how long the work may take to stop when the lead is
	// lost (another replica may be leader already). Default 2s.
	StopGrace time.Duration
	Log       *slog.Logger
	// OnChange is told when this replica becomes the leader (true) and
	// when it stops being the leader (false): Metrics.SetLeader.
	OnChange func(leader bool)
	// Identity names this replica in the logs. Default "host/pid".
	Identity string
	// Open opens the history when NewLeader got none (the database could
	// not be reached at start): the campaign tries it every Poll first.
	Open func(ctx context.Context) (*history.Store, error)
}

// Leader runs work (the scheduler) only while this process holds the
// history's leader lock (history.LockLeader), so that of several serve
// replicas sharing one Postgres exactly one runs the scheduled jobs. The
// others try again every Poll; when the leader dies its database session
// ends, the lock is free, and one of them takes over within Poll. A leader
// that finds its session gone stops its work at once: for a moment (at
// most Poll) two replicas may run jobs, which the messages' exactly-once
// keys keep from sending anything twice.
//
// On SQLite the lock is a file lock next to the database, taken by serve
// at start (TryLead): a second serve on the same file is refused.
type Leader struct {
	store *history.Store
	work  Companion
	opt   LeaderOptions

	mu      sync.Mutex
	lock    *history.Lock // held while leading
	leading bool
	workCtx context.Context
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewLeader makes work run only while this process leads through store;
// store may be nil when opt.Open is set.
func NewLeader(store *history.Store, work Companion, opt LeaderOptions) *Leader {
	if opt.Poll <= 0 {
		opt.Poll = DefaultLeaderPoll
	}
	if opt.StopGrace <= 0 {
		opt.StopGrace = 2 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Identity == "" {
		host, _ := os.Hostname()
		opt.Identity = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	return &Leader{store: store, work: work, opt: opt}
}

// IsLeader reports whether this replica leads now.
func (l *Leader) IsLeader() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leading
}

func (l *Leader) storeWhere() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store == nil {
		return ""
	}
	return l.store.Where()
}

// Store is the history the lead is taken in; nil while Open has not
// succeeded yet.
func (l *Leader) Store() *history.Store {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.store
}

// historyStore is the scheduler's history, safe to call from any
// goroutine; waiting is true while the database has not answered yet
// (waitForDatabase), when the jobs do not exist yet either.
func (s *Scheduler) historyStore() (st *history.Store, waiting bool) {
	if s.leader != nil {
		st = s.leader.Store()
		return st, st == nil
	}
	if s.jobs == nil {
		return nil, false
	}
	return s.jobs.deps.Store, false
}

// Identity is the name this replica goes by in the logs.
func (l *Leader) Identity() string { return l.opt.Identity }

// TryLead takes the lead if it is free, without starting the work (Start
// does): serve calls it at start so that on SQLite a second serve is
// refused before it does anything. ok is false when another process leads.
func (l *Leader) TryLead(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lock != nil {
		return true, nil
	}
	if l.store == nil {
		if l.opt.Open == nil {
			return false, errors.New("leader election: no history database")
		}
		st, err := l.opt.Open(ctx)
		if err != nil {
			return false, err
		}
		l.store = st
		l.opt.Log.Info("leader election: the history database answers now; campaigning", "replica", l.opt.Identity, "database", st.Where())
	}
	lock, ok, err := l.store.TryLock(ctx, history.LockLeader)
	if err != nil || !ok {
		return false, err
	}
	l.lock = lock
	return true, nil
}

// Start campaigns for the lead in the background and runs the work while
// leading. It returns at once.
func (l *Leader) Start(ctx context.Context) {
	l.mu.Lock()
	l.workCtx = ctx
	ctx, l.cancel = context.WithCancel(ctx)
	l.done = make(chan struct{})
	held := l.lock != nil
	l.mu.Unlock()
	if held { // taken by TryLead: the work starts now, not a moment later
		l.become(ctx)
	}
	go l.loop(ctx)
}

// Stop ends the campaign, stops the work (waiting for running jobs until
// ctx ends) and gives the lead up for another replica to take.
func (l *Leader) Stop(ctx context.Context) error {
	l.mu.Lock()
	cancel, done := l.cancel, l.done
	l.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return l.stepDown(ctx, "stopping")
}

func (l *Leader) loop(ctx context.Context) {
	defer close(l.done)
	warned := false
	for {
		err := l.tick(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !warned:
			l.opt.Log.Warn("leader election: the database does not answer; trying again", "replica", l.opt.Identity, "every", l.opt.Poll.String(), "err", err)
			warned = true
		case err == nil:
			warned = false
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.opt.Poll):
		}
	}
}

// tick takes the lead when it is free, or checks that it still holds it.
func (l *Leader) tick(ctx context.Context) error {
	l.mu.Lock()
	lock, leading := l.lock, l.leading
	l.mu.Unlock()
	check, cancel := context.WithTimeout(ctx, max(l.opt.Poll, time.Second))
	defer cancel()
	if lock == nil {
		ok, err := l.TryLead(check)
		if err != nil || !ok {
			return err
		}
	} else if leading {
		if err := lock.Alive(check); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			l.opt.Log.Error("leader: lost the lead (its database session ended); scheduled jobs stop on this replica", "replica", l.opt.Identity, "err", err)
			stop, cancel := context.WithTimeout(context.Background(), l.opt.StopGrace)
			defer cancel()
			l.stepDown(stop, "lost")
			return nil
		}
		return nil
	}
	l.become(ctx)
	return nil
}

// become starts the work, unless already leading or stopping.
func (l *Leader) become(ctx context.Context) {
	l.mu.Lock()
	if l.leading || l.lock == nil || ctx.Err() != nil {
		l.mu.Unlock()
		return
	}
	l.leading = true
	workCtx := l.workCtx
	l.mu.Unlock()
	l.opt.Log.Info("leader: this replica now runs the scheduled jobs", "replica", l.opt.Identity, "database", l.storeWhere())
	if l.opt.OnChange != nil {
		l.opt.OnChange(true)
	}
	l.work.Start(workCtx)
}

// stepDown stops the work if it runs and releases the lock.
func (l *Leader) stepDown(ctx context.Context, why string) error {
	l.mu.Lock()
	lock, leading := l.lock, l.leading
	l.lock, l.leading = nil, false
	l.mu.Unlock()
	var err error
	if leading {
		err = l.work.Stop(ctx)
		if why != "lost" {
			l.opt.Log.Info("leader: giving up the lead", "replica", l.opt.Identity, "why", why)
		}
		if l.opt.OnChange != nil {
			l.opt.OnChange(false)
		}
	}
	if lock != nil {
		if rerr := lock.Release(); err == nil {
			err = rerr
		}
	}
	return err
}

// jobsCompanion starts and stops the scheduler's jobs for its Leader.
type jobsCompanion struct{ s *Scheduler }

func (c jobsCompanion) Start(ctx context.Context)      { c.s.startJobs(ctx) }
func (c jobsCompanion) Stop(ctx context.Context) error { return c.s.stopJobs(ctx) }

// LeaderPollFromEnv reads PRODREADY_LEADER_POLL: how often a replica tries
// for the lead and the leader checks it holds it (default 5s).
func LeaderPollFromEnv(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv("PRODREADY_LEADER_POLL"))
	if v == "" {
		return DefaultLeaderPoll, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > 30*time.Second {
		return 0, fmt.Errorf("PRODREADY_LEADER_POLL=%q: want a duration above 0 and at most 30s, like 5s (a dead leader is replaced within about this long)", v)
	}
	return d, nil
}

// waitForDatabase is NewSchedulerFromEnv's way when the Postgres history
// cannot be reached at start: serve starts anyway (slash commands need no
// database), and the scheduler's campaign opens the history every poll;
// once it can, it builds the jobs and campaigns for the lead as usual.
func waitForDatabase(dsn string, sched ScheduleConfig, cfg JobConfig, poll time.Duration, deps SchedulerDeps, openErr error) *Scheduler {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{cfg: sched, log: log}
	s.SetMetrics(deps.Metrics)
	open := func(ctx context.Context) (*history.Store, error) {
		store, err := history.Open(ctx, dsn, history.Options{})
		if err != nil {
			return nil, err
		}
		jobs, err := NewJobs(cfg, JobDeps{Source: deps.Source, Store: store, Slack: deps.Slack, Out: deps.Out, Log: log, Now: time.Now})
		if err != nil {
			store.Close()
			return nil, err
		}
		// The campaign's goroutine sets these before it starts the jobs;
		// Stop reads them after it has ended.
		s.jobs, s.closer = jobs, store
		return store, nil
	}
	opt := LeaderOptions{Poll: poll, Log: log, Open: open}
	if deps.Metrics != nil {
		opt.OnChange = deps.Metrics.SetLeader
	}
	s.leader = NewLeader(nil, jobsCompanion{s}, opt)
	log.Error("the history database cannot be reached; slash commands work, and the scheduled jobs start once it answers", "every", poll.String(), "err", openErr)
	return s
}

// lead puts the scheduler's jobs under a Leader on store, and takes the
// lead now if it is free. On SQLite the lead is the database's lock file:
// held by another serve, it is refused, since SQLite cannot be shared by
// replicas.
func (s *Scheduler) lead(ctx context.Context, store *history.Store, poll time.Duration, deps SchedulerDeps) error {
	opt := LeaderOptions{Poll: poll, Log: s.log}
	if deps.Metrics != nil {
		opt.OnChange = deps.Metrics.SetLeader
	}
	s.leader = NewLeader(store, jobsCompanion{s}, opt)
	ok, err := s.leader.TryLead(ctx)
	if err != nil {
		if store.Dialect() == "sqlite" {
			return fmt.Errorf("history database %s: %w", store.Where(), err)
		}
		// Postgres may come back: the campaign tries again.
		s.log.Warn("leader election: first attempt failed; trying again", "every", poll.String(), "err", err)
		return nil
	}
	if ok || store.Dialect() != "sqlite" {
		if !ok {
			s.log.Info("leader: another replica runs the scheduled jobs; this one answers slash commands and takes over if it goes", "database", store.Where(), "poll", poll.String())
		}
		return nil
	}
	holder := store.LockHolder(history.LockLeader)
	if holder == "" {
		holder = "another process"
	}
	return fmt.Errorf("history database %s: %w (%s holds %s): SQLite cannot be shared by several serve processes; stop the other one, or give each its own PRODREADY_DB, or use Postgres (PRODREADY_DB=postgres://…) to run replicas",
		store.Where(), ErrAnotherServe, holder, store.LockFile(history.LockLeader))
}
