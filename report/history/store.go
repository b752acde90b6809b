// Package history is prodready's memory: every snapshot of the catalog's
// standing, every job run, every message sent with its exactly-once key,
// and every failed delivery. It runs on SQLite (modernc.org/sqlite, pure
// Go) through database/sql; what differs between databases is in dialect.go.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultRetention is how long history is kept unless PRODREADY_RETENTION says otherwise.
const DefaultRetention = 400 * 24 * time.Hour

// Store is the history database.
type Store struct {
	db    *sql.DB
	d     dialect
	where string // the file, for messages

	mu       sync.Mutex
	entities map[entityKey]int64 // entity_versions, loaded on first snapshot
	scs      map[string]int64    // scorecard_versions by hash
	base     *baseRows           // the last full snapshot's rows
}

// Options tune OpenSQLite.
type Options struct {
	// BusyTimeout is how long a write waits for another process's lock
	// before failing with ErrLocked. Default 5s.
	BusyTimeout time.Duration
}

// OpenSQLite opens (creating if needed) the SQLite history at path and
// brings its schema up to date. A locked, unwritable or newer database is
// an error that names the file.
func OpenSQLite(ctx context.Context, path string, opt Options) (*Store, error) {
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = 5 * time.Second
	}
	if dir := filepath.Dir(path); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("history database %s: directory %s does not exist (set PRODREADY_DB to a writable path)", path, dir)
		}
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opt.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open(sqliteDialect.driver, dsn)
	if err != nil {
		return nil, sqliteDialect.explain(path, err)
	}
	// One connection: SQLite has one writer anyway, and this keeps the
	// process's own transactions from waiting on each other.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, d: sqliteDialect, where: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Where names the database for messages.
func (s *Store) Where() string { return s.where }

func (s *Store) q(query string) string { return s.d.rebind(query) }

func (s *Store) err(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("history database %s: %s: %w", s.where, op, err)
	}
	return fmt.Errorf("%s: %w", op, s.d.explain(s.where, err))
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Prune deletes what is older than keep before now: snapshots no kept
// snapshot builds on, job runs, messages and failures.
func (s *Store) Prune(ctx context.Context, now time.Time, keep time.Duration) (int64, error) {
	cut := millis(now.Add(-keep))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.err("prune", err)
	}
	defer tx.Rollback()
	old := `SELECT id FROM snapshots WHERE taken_at < ? AND id NOT IN (SELECT base_id FROM snapshots WHERE base_id IS NOT NULL AND taken_at >= ?)`
	var n int64
	for _, q := range []string{
		`DELETE FROM results WHERE snapshot_id IN (` + old + `)`,
		`DELETE FROM snapshots WHERE id IN (` + old + `)`,
	} {
		res, err := tx.ExecContext(ctx, s.q(q), cut, cut)
		if err != nil {
			return 0, s.err("prune", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	for _, q := range []string{
		`DELETE FROM job_runs WHERE started_at < ?`,
		`DELETE FROM messages WHERE sent_at < ?`,
		`DELETE FROM failures WHERE at < ?`,
	} {
		res, err := tx.ExecContext(ctx, s.q(q), cut)
		if err != nil {
			return 0, s.err("prune", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if err := tx.Commit(); err != nil {
		return 0, s.err("prune", err)
	}
	s.mu.Lock()
	s.base = nil // the base may be gone
	s.mu.Unlock()
	return n, nil
}
