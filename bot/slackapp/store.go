package slackapp

import (
	"context"
	"errors"
	"sync"

	"github.com/prodready/prodready/report/history"
)

// errNoHistory is the answer of a lazyHistory that has no database yet.
var errNoHistory = errors.New("the history database (PRODREADY_DB) cannot be opened")

// lazyHistory is the history the buttons and POST /api/results record
// in: a database unavailable when serve starts (a locked SQLite file, a
// Postgres server not up yet) is opened again on each use until it opens,
// as the scheduler's campaign does, rather than off until a restart.
type lazyHistory struct {
	mu   sync.Mutex
	st   *history.Store
	open func(ctx context.Context) (*history.Store, error)
}

// get returns the store, opening it if it is not open yet.
func (l *lazyHistory) get(ctx context.Context) (*history.Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.st != nil {
		return l.st, nil
	}
	if l.open == nil {
		return nil, errNoHistory
	}
	st, err := l.open(ctx)
	if err != nil {
		return nil, errors.Join(errNoHistory, err)
	}
	l.st = st
	return st, nil
}

// RecordCIResults and LatestCIResults make it the store of ciapi.
func (l *lazyHistory) RecordCIResults(ctx context.Context, rs []history.CIResult) error {
	st, err := l.get(ctx)
	if err != nil {
		return err
	}
	return st.RecordCIResults(ctx, rs)
}

func (l *lazyHistory) LatestCIResults(ctx context.Context, service string) ([]history.CIResult, error) {
	st, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return st.LatestCIResults(ctx, service)
}

// history is the history database, opened if need be; an error when there
// is none or it does not open yet.
func (b *Bot) history(ctx context.Context) (*history.Store, error) {
	if b.hist == nil {
		return nil, errNoHistory
	}
	return b.hist.get(ctx)
}
