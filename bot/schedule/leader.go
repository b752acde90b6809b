package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLeaderPoll is how often a replica that is not the leader tries to
// take the lead, and how often the leader checks it still holds it: a dead
// leader is replaced within about this long.
const DefaultLeaderPoll = 5 * time.Second

// ErrAnotherServe means another serve already runs on the SQLite database.
var ErrAnotherServe = errors.New("another prodready serve uses this database")

// Store is the database the lead is taken in: the history
// (bot.leaderStore adapts *history.Store).
type Store interface {
	// Where names the database for logs, without credentials.
	Where() string
	// TryLead takes the leader lock if it is free; ok is false when
	// another process holds it.
	TryLead(ctx context.Context) (lock Lock, ok bool, err error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}

// Lock is the held leader lock.
type Lock interface {
	// Alive fails when the lock is lost (its database session ended).
	Alive(ctx context.Context) error
	Release() error
}

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
	// Open opens the history, and makes the work over it, when NewLeader
	// got none (the database could not be reached at start): the campaign
	// tries it every Poll first.
	Open func(ctx context.Context) (Store, Work, error)
}

// Work is what a Leader runs while it leads: Start must not block, Stop
// waits for what is running until its context ends.
type Work interface {
	Start(ctx context.Context)
	Stop(ctx context.Context) error
}

// Leader runs work (the scheduler) only while this process holds the
// history's leader lock (Store.TryLead), so that of several serve
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
	store Store
	work  Work
	opt   LeaderOptions

	// polls counts the campaign's turns, so that a caller can wait for a
	// few of them instead of for a guessed time.
	polls atomic.Int64

	mu      sync.Mutex
	lock    Lock // held while leading
	leading bool
	workCtx context.Context
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewLeader makes work run only while this process leads through store;
// store and work may be nil when opt.Open is set.
func NewLeader(store Store, work Work, opt LeaderOptions) *Leader {
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
func (l *Leader) Store() Store {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.store
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
		st, work, err := l.opt.Open(ctx)
		if err != nil {
			return false, err
		}
		l.store, l.work = st, work
		l.opt.Log.Info("leader election: the history database answers now; campaigning", "replica", l.opt.Identity, "database", st.Where())
	}
	lock, ok, err := l.store.TryLead(ctx)
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
		l.polls.Add(1)
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
	workCtx, work := l.workCtx, l.work
	l.mu.Unlock()
	l.opt.Log.Info("leader: this replica now runs the scheduled jobs", "replica", l.opt.Identity, "database", l.storeWhere())
	if l.opt.OnChange != nil {
		l.opt.OnChange(true)
	}
	work.Start(workCtx)
}

// stepDown stops the work if it runs and releases the lock.
func (l *Leader) stepDown(ctx context.Context, why string) error {
	l.mu.Lock()
	lock, leading, work := l.lock, l.leading, l.work
	l.lock, l.leading = nil, false
	l.mu.Unlock()
	var err error
	if leading {
		err = work.Stop(ctx)
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

// readyTimeout bounds one readiness check: a probe that hangs is a probe
// that fails, and Kubernetes' default probe timeout is 1 s.
const readyTimeout = 900 * time.Millisecond

// Ready reports whether the history database the lead is taken in answers.
func (l *Leader) Ready(ctx context.Context) error {
	st := l.Store()
	if st == nil {
		return errors.New("history database cannot be reached yet")
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := st.Ping(ctx); err != nil {
		return fmt.Errorf("history database does not answer: %w", err)
	}
	return nil
}

// Polls is how many turns the campaign has taken: tries for the lead, or
// checks that it still holds it.
func (l *Leader) Polls() int64 { return l.polls.Load() }

// Poll is how often the lead is tried for and checked.
func (l *Leader) Poll() time.Duration { return l.opt.Poll }
