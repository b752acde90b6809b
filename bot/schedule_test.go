package bot

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/schedule"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// scheduleOf is the entry of job in entries.
func scheduleOf(t *testing.T, entries []schedule.Entry, job string) schedule.Entry {
	t.Helper()
	for _, e := range entries {
		if e.Job == job {
			return e
		}
	}
	t.Fatalf("no schedule for %s", job)
	return schedule.Entry{}
}

// dgScheduled is serve's scheduled jobs as cmd builds them, from the
// settings tests use: PRODREADY_DB, the cron variables, PRODREADY_LEADER_POLL.
func dgScheduled(ctx context.Context, env map[string]string, deps SchedulerDeps) (*Scheduled, error) {
	// The variables name the jobs as cmd's table does.
	specs := map[string]string{}
	for variable, job := range map[string]string{"PRODREADY_REFRESH_CRON": jobs.Refresh, "PRODREADY_WEEKLY_CRON": jobs.Weekly,
		"PRODREADY_MONTHLY_CRON": jobs.Monthly, "PRODREADY_QUARTERLY_CRON": jobs.Quarterly, "PRODREADY_NOTICE_CRON": jobs.Notices} {
		specs[job] = env[variable]
	}
	entries, err := engine.Schedules(jobs.All(), specs)
	if err != nil {
		return nil, err
	}
	cfg := ScheduledConfig{Schedules: entries, DB: env["PRODREADY_DB"], Jobs: engine.Config{Locations: engine.Locations(entries)}}
	if v := env["PRODREADY_LEADER_POLL"]; v != "" {
		if cfg.LeaderPoll, err = time.ParseDuration(v); err != nil {
			return nil, err
		}
	}
	return NewScheduled(ctx, cfg, deps)
}

func TestMissedDigestSentOnce(t *testing.T) {
	w := dgNewWorld(t)
	// The bot ran on Friday 2026-11-20 (a refresh), then was down over
	// Monday 09:00; it starts again on Tuesday.
	w.clock.now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	w.run(w.jobs(), jobs.Refresh, engine.RunOptions{})
	w.clock.now = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	cfg, err := engine.Schedules(jobs.All(), map[string]string{jobs.Weekly: "CRON_TZ=UTC 0 9 * * MON", jobs.Monthly: "CRON_TZ=UTC 0 9 1 * *"})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		js := w.jobs()
		s := schedule.New(js.Entries(cfg), js.Runner(), schedule.Options{})
		at, missed, err := js.Missed(context.Background(), jobs.Monthly, scheduleOf(t, cfg, jobs.Monthly).Schedule, w.clock.Now())
		if err != nil || missed {
			t.Errorf("monthly digest of 1 Nov predates the first run; missed=%v at %v err %v", missed, at, err)
		}
		s.Start(context.Background())
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(w.emu.Messages(w.reports)); n != 1 {
			t.Errorf("start %d: %d digests in the report channel, want exactly 1", round+1, n)
		}
	}
	msgs := w.emu.Messages(w.reports)
	if len(msgs) == 0 || !strings.Contains(dgText(t, msgs[0]), "week of 23 Nov 2026") {
		t.Errorf("the missed digest should be the one for the week of 23 Nov 2026 (2026-W48)")
	}
}

// A leader killed half-way through the team notices: the replica (or the
// restart) that takes over sends the rest at start, once.
func TestNoticesCutShortResumeOnStart(t *testing.T) {
	w := dgNewWorld(t)
	w.clock.now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	w.run(w.jobs(), jobs.Refresh, engine.RunOptions{})
	// Tuesday 10:00 UTC: the notice run started and died before finishing.
	w.clock.now = time.Date(2026, 11, 24, 10, 20, 0, 0, time.UTC)
	st, err := history.Open(context.Background(), w.db, w.storeOpts)
	if err != nil {
		t.Fatal(err)
	}
	day := report.PeriodOf(report.Daily, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)).Key
	if _, err := st.StartRun(context.Background(), jobs.Notices, day, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cfg, err := engine.Schedules(jobs.All(), map[string]string{jobs.Notices: "CRON_TZ=UTC 0 10 * * MON-FRI", jobs.Weekly: "CRON_TZ=UTC 0 9 * * MON"})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for round := 0; round < 2; round++ {
		js := w.jobs()
		s := schedule.New(js.Entries(cfg), js.Runner(), schedule.Options{})
		_, missed, err := js.Missed(context.Background(), jobs.Notices, scheduleOf(t, cfg, jobs.Notices).Schedule, w.clock.Now())
		if err != nil || missed != (round == 0) {
			t.Errorf("start %d: notices missed=%v (err %v); want %v", round+1, missed, err, round == 0)
		}
		s.Start(context.Background())
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, msgs := range w.noticesTo() {
			n += len(msgs)
		}
		if round == 0 && n == 0 {
			t.Fatal("the notices cut short were not resumed")
		}
		if round == 1 && n != sent {
			t.Errorf("second start sent %d more notices; want none", n-sent)
		}
		sent = n
	}
	t.Logf("notices resumed at start: %d, then 0 on the next start", sent)
}

func TestNewScheduled(t *testing.T) {
	dir := t.TempDir()
	ok := map[string]string{"PRODREADY_DB": dir + "/h.db"}
	s, err := dgScheduled(context.Background(), ok, SchedulerDeps{Source: &dgSource{}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		env         map[string]string
		want        string
		unavailable bool
	}{
		{"bad schedule", map[string]string{"PRODREADY_WEEKLY_CRON": "weekly"}, engine.CronField(jobs.Weekly), false},
		{"database in a missing directory", map[string]string{"PRODREADY_DB": dir + "/no/h.db"}, dir + "/no/h.db", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dgScheduled(context.Background(), tt.env, SchedulerDeps{Source: &dgSource{}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v should name %s", err, tt.want)
			}
			if errors.Is(err, ErrHistoryUnavailable) != tt.unavailable {
				t.Errorf("errors.Is(err, ErrHistoryUnavailable) = %v", !tt.unavailable)
			}
		})
	}
}

// dgSyncBuffer is a log sink safe for the scheduler's goroutines.
type dgSyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *dgSyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *dgSyncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// dgStuckSource takes longer than the schedule's interval, then panics.
type dgStuckSource struct{ dgSource }

func (s *dgStuckSource) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	select {
	case <-time.After(2500 * time.Millisecond):
	case <-ctx.Done():
	}
	panic("catalog exploded")
}

func TestSchedulerRecoversAndSkips(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for cron ticks")
	}
	var logs dgSyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	env := map[string]string{"PRODREADY_DB": filepath.Join(t.TempDir(), "h.db"), "PRODREADY_REFRESH_CRON": "@every 1s"}
	s, err := dgScheduled(context.Background(), env, SchedulerDeps{Source: &dgStuckSource{}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !(strings.Contains(logs.String(), "catalog exploded") && strings.Contains(logs.String(), "skipped")) {
		time.Sleep(100 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Stop(ctx)
	out := logs.String()
	for _, want := range []string{"scheduled job", "next_run=", "env=" + engine.CronField(jobs.Weekly), "catalog exploded", "this run is skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// The run cut short was the database's first (a new deployment killed
// with -9 after 2 of its 4 notices): it is resumed at start all the same.
func TestNoticesCutShortOnNewDatabaseResume(t *testing.T) {
	w := dgNewWorld(t)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	// What kill -9 leaves: the run started a moment after 10:00, two
	// notices recorded, the run never finished.
	st, err := history.Open(context.Background(), w.db, w.storeOpts)
	if err != nil {
		t.Fatal(err)
	}
	day := report.PeriodOf(report.Daily, at).Key
	id, err := st.StartRun(context.Background(), jobs.Notices, day, at.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, team := range []string{"payments", "search"} {
		if err := st.RecordSent(context.Background(), history.Message{Job: jobs.Notices, Period: day, Destination: jobs.NoticeDest(team),
			Channel: "C1", TS: "1.0", Sent: at.Add(2 * time.Second), RunID: id}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	w.clock.now = at.Add(5 * time.Minute)
	cfg, err := engine.Schedules(jobs.All(), map[string]string{jobs.Notices: "CRON_TZ=UTC 0 10 * * MON-FRI"})
	if err != nil {
		t.Fatal(err)
	}
	js := w.jobs()
	if when, missed, err := js.Missed(context.Background(), jobs.Notices, scheduleOf(t, cfg, jobs.Notices).Schedule, w.clock.Now()); err != nil || !missed || !when.Equal(at) {
		t.Fatalf("notices cut short on a new database: missed=%v at %v (err %v); want missed at %v", missed, when, err, at)
	}
	s := schedule.New(js.Entries(cfg), js.Runner(), schedule.Options{})
	s.Start(context.Background())
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := w.noticesTo()
	if len(got[w.fallback]) != 2 || len(got) != 1 {
		t.Errorf("the restart should send the 2 notices left (both to the default channel), and only them: %v", got)
	}
}

// Another process holds the SQLite write lock when serve starts: the jobs
// wait for it, as for a Postgres server that does not answer yet, and
// /readyz says not ready until they can run.
func TestScheduledWaitsForSQLiteLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	st, err := history.Open(context.Background(), path, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	entries, err := engine.Schedules(jobs.All(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs dgSyncBuffer
	s, err := NewScheduled(context.Background(), ScheduledConfig{Schedules: entries, DB: path, LeaderPoll: 100 * time.Millisecond,
		History: history.Options{BusyTimeout: 50 * time.Millisecond}, Jobs: engine.Config{Locations: engine.Locations(entries)}},
		SchedulerDeps{Source: &dgSource{}, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("a locked SQLite database turned the jobs off: %v", err)
	}
	if err := s.Ready(context.Background()); err == nil {
		t.Error("ready while the jobs wait for the database")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	defer s.Stop(context.Background())
	if _, err := conn.ExecContext(context.Background(), "COMMIT"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Ready(context.Background()) != nil || !s.Leader().IsLeader() {
		if time.Now().After(deadline) {
			t.Fatalf("the jobs did not start once the lock was released: ready %v\n%s", s.Ready(context.Background()), logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
