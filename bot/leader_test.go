package bot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/schedule"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/report/history/historytest"
)

// workLog is the work a Leader runs: it records which replicas run it.
type workLog struct {
	mu      sync.Mutex
	running map[string]bool
	starts  map[string]int
}

type replicaWork struct {
	w    *workLog
	name string
}

func (r replicaWork) Start(ctx context.Context) {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	r.w.running[r.name] = true
	r.w.starts[r.name]++
}

func (r replicaWork) Stop(ctx context.Context) error {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	r.w.running[r.name] = false
	return nil
}

// runners lists the replicas running the work now.
func (w *workLog) runners() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for name, on := range w.running {
		if on {
			out = append(out, name)
		}
	}
	return out
}

// waitOneRunner waits until exactly one replica other than not runs the
// work, and returns it.
func (w *workLog) waitOneRunner(t *testing.T, within time.Duration, not string) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if r := w.runners(); len(r) == 1 && r[0] != not {
			return r[0], time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("after %v the work runs on %v; want exactly one replica other than %q", within, w.runners(), not)
	return "", 0
}

// TestLeaderTakeover: three replicas on one Postgres schema; one runs the
// work. Its database sessions are ended abruptly, as when its process is
// killed; another replica takes over within the poll interval, and the
// old leader stops its work.
func TestLeaderTakeover(t *testing.T) {
	dsn := historytest.PostgresDSN(t)
	ctx := context.Background()
	const poll = 300 * time.Millisecond
	w := &workLog{running: map[string]bool{}, starts: map[string]int{}}
	var logs dgSyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	changes := map[string][]bool{}
	var chMu sync.Mutex
	leaders := map[string]*schedule.Leader{}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("replica-%d", i)
		// Each replica has its own pool, named so its sessions can be found.
		st, err := history.Open(ctx, historytest.WithParam(t, dsn, "application_name", name), history.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		l := schedule.NewLeader(leaderStore{st}, replicaWork{w, name}, schedule.LeaderOptions{Poll: poll, Log: log, Identity: name, OnChange: func(on bool) {
			chMu.Lock()
			changes[name] = append(changes[name], on)
			chMu.Unlock()
		}})
		l.Start(ctx)
		t.Cleanup(func() { l.Stop(ctx) })
		leaders[name] = l
	}
	first, _ := w.waitOneRunner(t, 5*time.Second, "")
	// A few polls later, still only the one.
	waitPolls(t, leaders, 3, "")
	if r := w.runners(); len(r) != 1 || r[0] != first {
		t.Fatalf("the work runs on %v; want only %s", r, first)
	}
	for name, l := range leaders {
		if l.IsLeader() != (name == first) {
			t.Errorf("%s: IsLeader() = %v", name, l.IsLeader())
		}
	}

	// The leader's process dies: the server ends its sessions.
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, first).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("ending %s's sessions: %d ended, %v", first, killed, err)
	}
	second, took := w.waitOneRunner(t, poll+5*time.Second, first)
	t.Logf("%s's sessions ended (%d); %s took over in %v (poll %v)", first, killed, second, took.Round(time.Millisecond), poll)
	if took > poll+3*time.Second { // one poll, plus room for a loaded machine
		t.Errorf("takeover took %v; want within about one poll (%v)", took, poll)
	}
	waitPolls(t, leaders, 3, first)
	if r := w.runners(); len(r) != 1 || r[0] != second {
		t.Fatalf("after the takeover the work runs on %v; want only %s", r, second)
	}
	if leaders[first].IsLeader() {
		t.Errorf("%s still believes it leads", first)
	}
	chMu.Lock()
	if got := changes[first]; len(got) != 2 || !got[0] || got[1] {
		t.Errorf("%s's leadership changes: %v, want [true false]", first, got)
	}
	if got := changes[second]; len(got) != 1 || !got[0] {
		t.Errorf("%s's leadership changes: %v, want [true]", second, got)
	}
	chMu.Unlock()
	out := logs.String()
	for _, want := range []string{"replica=" + first, "lost the lead", "replica=" + second + " ", "now runs the scheduled jobs"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}

	// A leader that stops hands over too.
	if err := leaders[second].Stop(ctx); err != nil {
		t.Fatal(err)
	}
	third, took := w.waitOneRunner(t, poll+5*time.Second, second)
	t.Logf("%s stopped; %s took over in %v", second, third, took.Round(time.Millisecond))
}

// waitPolls waits until every leader but skip has taken n more turns of
// its campaign: time enough for a second leader to appear, if one could.
func waitPolls(t *testing.T, leaders map[string]*schedule.Leader, n int64, skip string) {
	t.Helper()
	start := map[string]int64{}
	for name, l := range leaders {
		start[name] = l.Polls()
	}
	deadline := time.Now().Add(30 * time.Second)
	for name, l := range leaders {
		for name != skip && l.Polls() < start[name]+n {
			if time.Now().After(deadline) {
				t.Fatalf("%s took %d turns in 30s; want %d", name, l.Polls()-start[name], n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestSecondServeOnSQLiteIsRefused: SQLite cannot be shared by replicas;
// a second serve on the same file is refused and told why, and may start
// once the first has stopped.
func TestSecondServeOnSQLiteIsRefused(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "h.db")
	env := map[string]string{"PRODREADY_DB": db}
	first, err := dgScheduled(ctx, env, SchedulerDeps{Source: &dgSource{}})
	if err != nil {
		t.Fatal(err)
	}
	first.Start(ctx)
	if !first.Leader().IsLeader() {
		t.Error("the only serve on a SQLite file does not run the jobs")
	}
	_, err = dgScheduled(ctx, env, SchedulerDeps{Source: &dgSource{}})
	if !errors.Is(err, schedule.ErrAnotherServe) {
		t.Fatalf("second serve on %s: %v, want ErrAnotherServe", db, err)
	}
	if errors.Is(err, ErrHistoryUnavailable) {
		t.Error("a refused second serve must stop, not run on without its jobs")
	}
	for _, want := range []string{db, db + ".leader.lock", "pid ", "Postgres"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should say %q", err, want)
		}
	}
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := dgScheduled(ctx, env, SchedulerDeps{Source: &dgSource{}})
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	again.Stop(ctx)
}

// TestRunExclusiveWaitsForTheSameJob: a job another process runs (its
// lock is held) waits and says why; another job does not wait.
func TestRunExclusiveWaitsForTheSameJob(t *testing.T) {
	for _, b := range historytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.Fresh(t)
			other, err := history.Open(ctx, dsn, history.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			mine, err := history.Open(ctx, dsn, history.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer mine.Close()
			var logs dgSyncBuffer
			js, err := engine.NewJobs(engine.Config{}, engine.Deps{Jobs: jobs.All(), Source: &dgSource{}, Store: mine, Log: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			held, ok, err := other.TryLock(ctx, history.JobLock(jobs.Refresh))
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			// Another job runs meanwhile.
			if _, err := js.RunExclusive(ctx, jobs.Weekly, engine.RunOptions{DryRun: true}); err != nil {
				t.Fatalf("weekly-report while refresh is held elsewhere: %v", err)
			}
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				_, err := js.RunExclusive(ctx, jobs.Refresh, engine.RunOptions{})
				done <- err
			}()
			time.Sleep(1500 * time.Millisecond)
			select {
			case err := <-done:
				t.Fatalf("refresh ran while another process held it: %v", err)
			default:
			}
			if !strings.Contains(logs.String(), "running in another prodready process; waiting") {
				t.Errorf("waiting not logged:\n%s", logs.String())
			}
			held.Release()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("refresh waited %v for the other process", time.Since(start).Round(time.Millisecond))
			case <-time.After(5 * time.Second):
				t.Fatal("refresh did not run after the other process released it")
			}
		})
	}
}

// tcpProxy forwards connections on addr to target once started.
func tcpProxy(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer u.Close()
				go io.Copy(u, c)
				io.Copy(c, u)
			}()
		}
	}()
}

// TestSchedulerWaitsForPostgres: serve starting while Postgres does not
// answer keeps its scheduler waiting, says so, and runs the jobs as leader
// once the database answers.
func TestSchedulerWaitsForPostgres(t *testing.T) {
	dsn := historytest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	// A port nothing listens on yet.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	u.Host = addr
	var logs dgSyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	env := map[string]string{"PRODREADY_DB": u.String(), "PRODREADY_LEADER_POLL": "200ms"}
	ctx := context.Background()
	s, err := dgScheduled(ctx, env, SchedulerDeps{Source: &dgSource{}, Log: log})
	if err != nil {
		t.Fatalf("a Postgres that does not answer yet must not stop serve: %v", err)
	}
	s.Start(ctx)
	defer s.Stop(ctx)
	waitPolls(t, map[string]*schedule.Leader{"the replica": s.Leader()}, 3, "")
	if s.Leader().IsLeader() {
		t.Fatal("leads without a database")
	}
	if err := s.Ready(ctx); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("/readyz while the database does not answer: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "cannot be reached") || !strings.Contains(out, addr) {
		t.Errorf("the wait is not explained:\n%s", out)
	}
	tcpProxy(t, addr, target)
	deadline := time.Now().Add(10 * time.Second)
	for !(s.Leader().IsLeader() && strings.Contains(logs.String(), "job=team-notices")) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !s.Leader().IsLeader() {
		t.Fatalf("did not lead once the database answered:\n%s", logs.String())
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("/readyz once the database answers: %v", err)
	}
	for _, want := range []string{"answers now", "now runs the scheduled jobs", `msg="scheduled job" job=refresh`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
