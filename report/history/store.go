// Package history is prodready's memory: every snapshot of the catalog's
// standing, every job run, every message sent with its exactly-once key,
// and every failed delivery. It runs on SQLite (modernc.org/sqlite, pure
// Go) or PostgreSQL (pgx), both through database/sql; what differs between
// them is in dialect.go. Open picks the database from PRODREADY_DB's form.
//
// Processes sharing a database coordinate through named locks (TryLock):
// Postgres session advisory locks, or lock files next to a SQLite database.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/prodready/prodready/report"
)

// DefaultRetention is how long history is kept unless PRODREADY_RETENTION says otherwise.
const DefaultRetention = 400 * 24 * time.Hour

// Store is the history database.
type Store struct {
	db    *sql.DB
	d     dialect
	where string // the file, or the URL without its password, for messages
	// path is the SQLite file (lock files go next to it); schema is the
	// Postgres schema the tables live in (lock keys include it).
	path, schema string

	// version is the schema version the database is at after open.
	version int

	mu       sync.Mutex
	entities map[entityKey]int64 // entity_versions, loaded on first snapshot
	// entityByID is entities the other way round; it lacks the versions
	// another process stored since (LoadSnapshot then reads them).
	entityByID map[int64]entityKey
	// lastEnts are the last saved snapshot's entities, with their ids.
	lastEnts   []report.EntityRef
	lastEntIDs []int64
	// lastScIDs are its scorecard versions, and lastPtrs the open row of
	// each of its results (nil: does not apply), for the next diff.
	lastScIDs []int64
	lastPtrs  []*openRow
	scs       map[string]int64 // scorecard_versions by hash
	// open is results_open as of snapshot head, kept between saves so a
	// save reads nothing but the newest snapshot's id; nil until loaded.
	open map[pairKey]*openRow
	head int64
	gen  uint64 // marks the rows a save has seen
}

// Options tune Open.
type Options struct {
	// BusyTimeout is how long a write waits for another process's lock
	// before failing with ErrLocked (SQLite). Default 5s.
	BusyTimeout time.Duration
	// MaxConns caps the Postgres connections of the pool, besides those
	// holding locks. Default 8.
	MaxConns int
	// ConnectTimeout bounds each Postgres connection attempt unless the
	// URL sets connect_timeout. Default 5s.
	ConnectTimeout time.Duration
}

// Open opens the history dsn names: a postgres:// or
// postgresql:// URL, or a libpq key=value string (host=… dbname=…), is
// PostgreSQL, anything else a SQLite file path. The
// schema is created or brought up to date either way. Errors call dsn
// history.DSN, for the program to say what sets it.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	return openAt(ctx, dsn, opt, 0)
}

// openAt is Open bringing the schema up to version upTo only (0: all).
func openAt(ctx context.Context, dsn string, opt Options, upTo int) (*Store, error) {
	dsn = strings.TrimSpace(dsn)
	switch {
	case dsn == "":
		return nil, errors.New("history database: history.DSN is empty; give a file path or a postgres:// URL")
	case IsPostgres(dsn):
		return openPostgres(ctx, dsn, opt, upTo)
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("history database %s: unknown kind of URL; history.DSN takes a SQLite file path or a postgres:// URL", Redact(dsn))
	case !plausiblePath(dsn):
		// A file named with it would put a password in a directory listing.
		return nil, fmt.Errorf("history database: %w", CheckDSN(dsn))
	}
	return openSQLite(ctx, dsn, opt, upTo)
}

// openPostgres opens the history in the PostgreSQL database at dsn, in the
// first schema of its search_path (add ?search_path=name to use another
// than public), and brings the schema up to date. Replicas opening an
// empty database together migrate it once.
func openPostgres(ctx context.Context, dsn string, opt Options, upTo int) (*Store, error) {
	where := Redact(dsn)
	if opt.MaxConns <= 0 {
		opt.MaxConns = 8
	}
	if opt.ConnectTimeout <= 0 {
		opt.ConnectTimeout = 5 * time.Second
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx masks the password only as best it can: mask every spelling.
		return nil, fmt.Errorf("history database %s: history.DSN is not a usable postgres:// URL or key=value string: %s", where, RedactIn(err.Error(), dsn))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = opt.ConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(opt.MaxConns)
	db.SetMaxIdleConns(min(opt.MaxConns, 4))
	// A server restart or a failover leaves dead connections in the pool;
	// recycling them bounds how long an unlucky one lingers.
	db.SetConnMaxLifetime(30 * time.Minute)
	s := &Store{db: db, d: postgresDialect, where: where}
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		db.Close()
		return nil, s.err("open", err)
	}
	if !schema.Valid {
		db.Close()
		return nil, fmt.Errorf("history database %s: no schema of the search_path exists; create it (CREATE SCHEMA …) or fix search_path in history.DSN", where)
	}
	s.schema = schema.String
	if err := s.migrate(ctx, upTo); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenSQLite opens (creating if needed) the SQLite history at path and
// brings its schema up to date. A locked, unwritable or newer database is
// an error that names the file.
func OpenSQLite(ctx context.Context, path string, opt Options) (*Store, error) {
	return openSQLite(ctx, path, opt, 0)
}

func openSQLite(ctx context.Context, path string, opt Options, upTo int) (*Store, error) {
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = 5 * time.Second
	}
	if dir := filepath.Dir(path); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("history database %s: directory %s does not exist (set history.DSN to a writable path)", path, dir)
		}
	}
	q := url.Values{}
	// Set before the first table is created: then pruning can hand freed
	// pages back to the file system (PRAGMA incremental_vacuum). On an
	// existing file it is a no-op until the next VACUUM.
	q.Add("_pragma", "auto_vacuum(incremental)")
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
	s := &Store{db: db, d: sqliteDialect, where: path, path: path}
	// Processes opening a new file at once can get SQLITE_BUSY at once,
	// without SQLite's busy handler waiting (switching the journal to WAL
	// takes the file for a moment): try again for as long as a lock may
	// be waited for.
	for giveUp := time.Now().Add(opt.BusyTimeout); ; {
		err := s.migrate(ctx, upTo)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, ErrLocked) || time.Now().After(giveUp) {
			db.Close()
			return nil, err
		}
		t := time.NewTimer(25 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			db.Close()
			return nil, err
		case <-t.C:
		}
	}
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Where names the database for messages, without its password.
func (s *Store) Where() string { return s.where }

// Dialect names the database kind: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.err("ping", s.db.PingContext(ctx))
}

// lockKey turns a lock name into a Postgres advisory lock key. The schema
// is part of it, so installations (and tests) sharing one database in
// different schemas do not block each other.
func (s *Store) lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("prodready\x00" + s.schema + "\x00" + name))
	return int64(h.Sum64())
}

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

// Prune deletes what is older than keep before now: snapshots, the
// results only they held, job runs, messages, failures, results pushed
// from CI not pushed again since, and HTTP cache
// entries not written since (one unchanged that long is asked for in full
// once more). On SQLite the pages freed go back to the file system.
func (s *Store) Prune(ctx context.Context, now time.Time, keep time.Duration) (int64, error) {
	cut := millis(now.Add(-keep))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.err("prune", err)
	}
	defer tx.Rollback()
	var n int64
	res, err := tx.ExecContext(ctx, s.q(`DELETE FROM snapshots WHERE taken_at < ?`), cut)
	if err != nil {
		return 0, s.err("prune", err)
	}
	k, _ := res.RowsAffected()
	n += k
	// A closed row held for the snapshots before its valid_to: once the
	// oldest kept snapshot is past it, no snapshot left reads it.
	var oldest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(id) FROM snapshots`).Scan(&oldest); err != nil {
		return 0, s.err("prune", err)
	}
	if oldest.Valid {
		res, err = tx.ExecContext(ctx, s.q(`DELETE FROM results_closed WHERE valid_to <= ?`), oldest.Int64)
	} else {
		res, err = tx.ExecContext(ctx, `DELETE FROM results_closed`)
	}
	if err != nil {
		return 0, s.err("prune", err)
	}
	k, _ = res.RowsAffected()
	n += k
	for _, q := range []string{
		`DELETE FROM job_runs WHERE started_at < ?`,
		`DELETE FROM messages WHERE sent_at < ?`,
		`DELETE FROM failures WHERE at < ?`,
		`DELETE FROM http_cache WHERE stored_at < ?`,
		`DELETE FROM ci_results WHERE received_at < ?`,
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
	if n > 0 && s.d.name == "sqlite" {
		// Hands the free pages back (auto_vacuum=incremental); a file
		// made before that setting keeps them for reuse instead.
		if _, err := s.db.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return n, s.err("prune: give freed pages back", err)
		}
	}
	return n, nil
}
