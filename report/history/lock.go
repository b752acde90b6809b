package history

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// Lock names shared by the processes of one installation.
const (
	// LockLeader is held by the one serve that runs the scheduled jobs.
	LockLeader = "leader"
)

// JobLock is the name of the lock held while job runs, by the scheduler
// and by `prodready run` alike, so that one job never runs twice at once.
func JobLock(job string) string { return "job:" + job }

// Lock is a named lock held by this process among all the processes
// sharing the database. On Postgres it is a session advisory lock on a
// connection of its own: when the process dies, its session ends and the
// lock is free. On SQLite it is an exclusive flock on a file next to the
// database, which the kernel releases when the process dies.
type Lock struct {
	name    string
	mu      sync.Mutex
	conn    *sql.Conn // Postgres
	file    *os.File  // SQLite
	cleanup func()    // SQLite without flock: remove the lock file
	store   *Store
}

// TryLock takes the named lock if no other holder has it, without
// waiting: ok is false when another process (or another Lock of this
// process) holds it.
func (s *Store) TryLock(ctx context.Context, name string) (l *Lock, ok bool, err error) {
	if s.d.name == "postgres" {
		return s.tryAdvisory(ctx, name)
	}
	return s.tryLockFile(name)
}

// WaitLock takes the named lock, trying again every poll while another
// process holds it, until ctx ends. waiting is called once, the first
// time it is held elsewhere (nil: nothing).
func (s *Store) WaitLock(ctx context.Context, name string, poll time.Duration, waiting func()) (*Lock, error) {
	if poll <= 0 {
		poll = time.Second
	}
	for first := true; ; first = false {
		l, ok, err := s.TryLock(ctx, name)
		if err != nil || ok {
			return l, err
		}
		if first && waiting != nil {
			waiting()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("history database %s: wait for lock %q: %w", s.where, name, ctx.Err())
		case <-time.After(poll):
		}
	}
}

func (s *Store) tryAdvisory(ctx context.Context, name string) (*Lock, bool, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, s.err(fmt.Sprintf("lock %q", name), err)
	}
	// The server frees the lock when it notices the session is gone: at
	// once when the process dies (its socket closes), and, with these
	// keepalives, within about 25s when its host or network does.
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false), pg_try_advisory_lock($1)`,
		s.lockKey(name)).Scan(new(string), new(string), new(string), &got); err != nil {
		discard(conn)
		return nil, false, s.err(fmt.Sprintf("lock %q", name), err)
	}
	if !got {
		conn.Close()
		return nil, false, nil
	}
	return &Lock{name: name, conn: conn, store: s}, true, nil
}

// discard closes conn's session instead of returning it to the pool, so
// that any session lock on it ends with it.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}

// lockPath is the lock file of name next to the SQLite database.
func (s *Store) lockPath(name string) string {
	return s.path + "." + strings.ReplaceAll(name, ":", "-") + ".lock"
}

// LockHolder describes who holds the named lock, as the holder wrote it
// in the lock file (SQLite: "pid 1234 on host since …"); "" when unknown.
func (s *Store) LockHolder(name string) string {
	if s.d.name != "sqlite" {
		return ""
	}
	b, err := os.ReadFile(s.lockPath(name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// LockFile is the file that carries the named lock on SQLite ("" on Postgres).
func (s *Store) LockFile(name string) string {
	if s.d.name != "sqlite" {
		return ""
	}
	return s.lockPath(name)
}

func holderNote() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
}

// Name is the lock's name.
func (l *Lock) Name() string { return l.name }

// Alive checks that the lock is still held: on Postgres, that its session
// still answers (a session that ended has released the lock, and another
// process may hold it now). A file lock cannot be lost.
func (l *Lock) Alive(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		if l.file == nil && l.cleanup == nil {
			return fmt.Errorf("lock %q was released", l.name)
		}
		return nil
	}
	var one int
	if err := l.conn.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return l.store.err(fmt.Sprintf("check lock %q", l.name), err)
	}
	return nil
}

// Release gives the lock up. It may be called more than once.
func (l *Lock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	if l.conn != nil {
		// Unlocked first, because the server ends a closed session a
		// moment after the socket closes, and another process trying at
		// once would still find the lock held. Then the session is ended,
		// which frees the lock whatever happened to the unlock.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, l.store.lockKey(l.name))
		cancel()
		discard(l.conn)
		l.conn = nil
	}
	if l.file != nil {
		// Emptied first: a holder note must not outlive the hold.
		l.file.Truncate(0)
		err = l.file.Close()
		l.file = nil
	}
	if l.cleanup != nil {
		l.cleanup()
		l.cleanup = nil
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("release lock %s: %w", l.name, err)
	}
	return nil
}
