package history

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/report/history/historytest"
)

// openWait opens dsn with a SQLite busy timeout long enough for the
// concurrent tests' writers to wait their turn even under -race.
func openWait(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), dsn, Options{BusyTimeout: 20 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestNewerSchemaIsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		if _, err := s.db.Exec(`INSERT INTO schema_version (version) VALUES (99)`); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), dsn, Options{})
		if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "schema version 99") || !strings.Contains(err.Error(), s.Where()) {
			t.Errorf("open of a newer schema: %v", err)
		}
	})
}

// TestReplicasMigrateTogether: replicas starting at once on an empty
// database all open it, and each migration is applied once.
func TestReplicasMigrateTogether(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		stores := make([]*Store, n)
		for i := range n {
			wg.Go(func() {
				stores[i], errs[i] = Open(context.Background(), dsn, Options{BusyTimeout: 10 * time.Second})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
				continue
			}
			defer stores[i].Close()
		}
		if t.Failed() {
			return
		}
		var rows, max int
		if err := stores[0].db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_version`).Scan(&rows, &max); err != nil {
			t.Fatal(err)
		}
		if want := len(migrations(sqliteDialect)); rows != want || max != want {
			t.Errorf("schema_version has %d rows up to %d; want %d, each once", rows, max, want)
		}
	})
}

// TestExactlyOnceAcrossProcesses: stores with pools of their own (as
// separate processes have) record the same key at once; exactly one wins.
func TestExactlyOnceAcrossProcesses(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		const procs, tries = 3, 8
		stores := make([]*Store, procs)
		for i := range stores {
			stores[i] = openWait(t, dsn)
		}
		var mu sync.Mutex
		won, dup := 0, 0
		var other []error
		var wg sync.WaitGroup
		for p := range procs {
			for k := range tries {
				wg.Go(func() {
					m := Message{Job: "weekly-report", Period: "2026-W48", Destination: "C1", Channel: "C1", TS: fmt.Sprintf("%d.%d", p, k), Sent: t0, RunID: int64(p)}
					err := stores[p].RecordSent(ctx, m)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.Is(err, ErrAlreadySent):
						dup++
					default:
						other = append(other, err)
					}
				})
			}
		}
		wg.Wait()
		if won != 1 || dup != procs*tries-1 || len(other) > 0 {
			t.Errorf("%d recorded, %d refused as already sent, other errors %v; want 1 and %d", won, dup, other, procs*tries-1)
		}
		sent, err := stores[0].Sent(ctx, "weekly-report", "2026-W48")
		if err != nil || len(sent) != 1 {
			t.Errorf("sent: %v %v", sent, err)
		}
	})
}

// TestSnapshotsFromTwoProcesses: two processes storing the same new
// services at once (serve's leader and a `prodready run refresh`) share
// the entity and scorecard rows instead of failing on them.
func TestSnapshotsFromTwoProcesses(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, b := openWait(t, dsn), openWait(t, dsn)
		var wg sync.WaitGroup
		snaps := []any{}
		ids := make([]int64, 4)
		errs := make([]error, 4)
		for i := range 4 {
			st := a
			if i%2 == 1 {
				st = b
			}
			snap := snapshot(t, t0.Add(time.Duration(i)*time.Minute), 300, 7, func(k int) int { return (k + i) % 4 })
			snaps = append(snaps, snap)
			wg.Go(func() { ids[i], errs[i] = st.SaveSnapshot(ctx, snap) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("snapshot %d: %v", i, err)
			}
		}
		var ents int
		if err := a.db.QueryRow(`SELECT COUNT(*) FROM entity_versions`).Scan(&ents); err != nil || ents != 300 {
			t.Errorf("%d entity versions (%v); want 300, shared", ents, err)
		}
		c := open(t, dsn)
		for i, id := range ids {
			got, err := c.LoadSnapshot(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			sameResults(t, snapshot(t, t0, 300, 7, func(k int) int { return (k + i) % 4 }), got)
		}
		_ = snaps
	})
}

// TestDeltaOfAPrunedBase: a process whose cached base snapshot was pruned
// by another stores a full snapshot, not a delta nobody can read.
func TestDeltaOfAPrunedBase(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, b := open(t, dsn), open(t, dsn)
		level := func(i int) int { return i % 4 }
		if _, err := a.SaveSnapshot(ctx, snapshot(t, t0.AddDate(-2, 0, 0), 50, 3, level)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Prune(ctx, t0, DefaultRetention); err != nil {
			t.Fatal(err)
		}
		want := snapshot(t, t0, 50, 3, level)
		id, err := a.SaveSnapshot(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.LoadSnapshot(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		sameResults(t, want, got)
	})
}

func TestLocks(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Two opens stand for two processes: flock and advisory locks
		// both exclude another open file or session of the same process.
		a, b := open(t, dsn), open(t, dsn)
		la, ok, err := a.TryLock(ctx, LockLeader)
		if err != nil || !ok {
			t.Fatalf("first lock: %v %v", ok, err)
		}
		if err := la.Alive(ctx); err != nil {
			t.Errorf("held lock not alive: %v", err)
		}
		if _, ok, err := b.TryLock(ctx, LockLeader); err != nil || ok {
			t.Fatalf("second process took a held lock: %v %v", ok, err)
		}
		if _, ok, err := a.TryLock(ctx, LockLeader); err != nil || ok {
			t.Fatalf("a second lock in the same process took a held lock: %v %v", ok, err)
		}
		// Other names are other locks.
		lj, ok, err := b.TryLock(ctx, JobLock("weekly-report"))
		if err != nil || !ok {
			t.Fatalf("job lock: %v %v", ok, err)
		}
		if a.Dialect() == "sqlite" {
			if h := b.LockHolder(LockLeader); !strings.Contains(h, "pid ") {
				t.Errorf("lock file %s should say who holds it: %q", b.LockFile(LockLeader), h)
			}
		}
		// WaitLock waits for the release, and says once that it waits.
		waited := 0
		go func() { time.Sleep(300 * time.Millisecond); la.Release() }()
		lb, err := b.WaitLock(ctx, LockLeader, 50*time.Millisecond, func() { waited++ })
		if err != nil {
			t.Fatal(err)
		}
		if waited != 1 {
			t.Errorf("waiting reported %d times, want once", waited)
		}
		if err := la.Alive(ctx); err == nil {
			t.Error("a released lock is still alive")
		}
		// A wait that runs out says which lock.
		short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		defer cancel()
		if _, err := a.WaitLock(short, LockLeader, 20*time.Millisecond, nil); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `"leader"`) {
			t.Errorf("wait that ran out: %v", err)
		}
		lb.Release()
		lj.Release()
		lj.Release() // twice is harmless
		if l, ok, err := a.TryLock(ctx, JobLock("weekly-report")); err != nil || !ok {
			t.Errorf("released job lock: %v %v", ok, err)
		} else {
			l.Release()
		}
	})
}

// TestLockOfADeadSession: when the leader's database session ends (its
// process was killed, or the server dropped it), the lock is free at once
// and the old holder learns it lost the lock.
func TestLockOfADeadSession(t *testing.T) {
	dsn := historytest.PostgresDSN(t)
	ctx := context.Background()
	a, b := open(t, dsn), open(t, dsn)
	la, ok, err := a.TryLock(ctx, LockLeader)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	var pid int
	if err := la.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	lb, err := b.WaitLock(ctx, LockLeader, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Release()
	if err := la.Alive(ctx); !errors.Is(err, ErrUnreachable) {
		t.Errorf("lock on a killed session: Alive = %v, want ErrUnreachable", err)
	}
	la.Release()
}

// TestLocksOfOtherSchemas: installations in different schemas of one
// database have locks of their own.
func TestLocksOfOtherSchemas(t *testing.T) {
	ctx := context.Background()
	a, b := open(t, historytest.PostgresDSN(t)), open(t, historytest.PostgresDSN(t))
	for _, s := range []*Store{a, b} {
		l, ok, err := s.TryLock(ctx, LockLeader)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", s.Where(), ok, err)
		}
		defer l.Release()
	}
}

func TestOpenErrorsPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := historytest.PostgresDSN(t)
	tests := []struct {
		name string
		dsn  string
		is   error
		want string
	}{
		{"nothing listens", "postgres://prodready:hunter2@127.0.0.1:1/test?connect_timeout=2", ErrUnreachable, "127.0.0.1:1"},
		{"schema missing", historytest.WithParam(t, dsn, "search_path", "no_such_schema"), nil, "no schema of the search_path exists"},
		{"database missing", strings.Replace(historytest.DefaultDSN, "/test?", "/no_such_db?", 1), nil, "no_such_db"},
		{"not a URL", "postgres://x:hunter2@127.0.0.1:5432/test?sslmode=bogus", nil, "not a usable postgres:// URL"},
		{"unknown scheme", "mysql://x:hunter2@127.0.0.1/test", nil, "SQLite file path or a postgres:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, tt.dsn, Options{ConnectTimeout: 2 * time.Second})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q should say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestDollarParams(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                                  `SELECT 1`,
		`INSERT INTO t (a, b) VALUES (?, ?)`:        `INSERT INTO t (a, b) VALUES ($1, $2)`,
		`SELECT '?' || ? FROM "a?b" WHERE c = ?`:    `SELECT '?' || $1 FROM "a?b" WHERE c = $2`,
		`SELECT 'it''s ?', ? `:                      `SELECT 'it''s ?', $1 `,
		`DELETE FROM x WHERE a < ? AND b IN (?, ?)`: `DELETE FROM x WHERE a < $1 AND b IN ($2, $3)`,
	} {
		if got := dollarParams(in); got != want {
			t.Errorf("dollarParams(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:hunter2@db:5432/x":           "postgres://u:xxxxx@db:5432/x",
		"postgresql://u@db/x?password=hunter2&a=b": "postgresql://u@db/x?a=b&password=xxxxx",
		"/var/lib/prodready/history.db":            "/var/lib/prodready/history.db",
		"postgres://u:hun%zzter2@db/x":             "postgres://(unparsable URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
