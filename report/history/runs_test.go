package history

import (
	"context"
	"testing"
	"time"
)

// TestPlainRunsDoNotPileUp: a refresh every 15 minutes keeps two runs a
// day (the first and the newest), while a run that sent, skipped or
// failed stays, as does every run of another period or job.
func TestPlainRunsDoNotPileUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		finish := func(job, period string, at time.Time, r Run) int64 {
			t.Helper()
			id, err := s.StartRun(ctx, job, period, at)
			if err != nil {
				t.Fatal(err)
			}
			r.ID, r.Job, r.Finished = id, job, at.Add(time.Second)
			if r.Status == "" {
				r.Status = RunOK
			}
			if err := s.FinishRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			return id
		}
		var snap int64
		for i := range 96 {
			snap++
			finish("refresh", "2026-11-23", t0.Add(time.Duration(i)*15*time.Minute), Run{SnapshotID: snap})
			if i == 40 {
				finish("refresh", "2026-11-23", t0.Add(time.Duration(i)*15*time.Minute+time.Minute), Run{Status: RunFailed, Detail: "Port down"})
			}
		}
		finish("refresh", "2026-11-24", t0.Add(24*time.Hour), Run{SnapshotID: snap + 1})
		finish("weekly-report", "2026-W48", t0, Run{Sent: 1, SnapshotID: 3})
		finish("weekly-report", "2026-W48", t0.Add(time.Hour), Run{Skipped: 1, SnapshotID: 4})

		runs, err := s.Runs(ctx, "refresh", "2026-11-23")
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 3 || runs[0].SnapshotID != 1 || runs[1].Status != RunFailed || runs[2].SnapshotID != 96 {
			t.Errorf("refresh runs of the day: %+v; want the first, the failed one and the newest", runs)
		}
		if runs, _ := s.Runs(ctx, "weekly-report", "2026-W48"); len(runs) != 2 {
			t.Errorf("weekly runs: %+v; want both, one sent and one skipped", runs)
		}
		if r, ok, err := s.LastRun(ctx, "refresh", "2026-11-24"); err != nil || !ok || r.SnapshotID != 96 {
			t.Errorf("last refresh before 2026-11-24: %+v %v %v", r, ok, err)
		}
		if first, ok, err := s.FirstRun(ctx); err != nil || !ok || !first.Equal(t0) {
			t.Errorf("first run: %v %v %v; want %v", first, ok, err, t0)
		}
	})
}

// TestPruneGivesSpaceBack: on SQLite the pages a prune frees go back to
// the file system.
func TestPruneGivesSpaceBack(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir()+"/history.db")
	var mode int
	if err := s.db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum %d (%v); want 2, incremental", mode, err)
	}
	for k := range 40 {
		// Every snapshot changes every result: much to prune.
		snap := snapshot(t, t0.AddDate(0, 0, k-60), 500, 10, func(i int) int { return (i + k) % 4 })
		if _, err := s.SaveSnapshot(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	checkpoint := func() int64 {
		t.Helper()
		if _, err := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		n, err := s.Size(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := checkpoint()
	if _, err := s.Prune(ctx, t0, 25*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	after := checkpoint()
	var free int64
	if err := s.db.QueryRow(`PRAGMA freelist_count`).Scan(&free); err != nil {
		t.Fatal(err)
	}
	if after >= before*3/4 || free > 0 {
		t.Errorf("size %d before the prune, %d after, %d pages free; want a quarter or more given back", before, after, free)
	}
}
