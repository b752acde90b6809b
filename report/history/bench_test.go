package history

import (
	"context"
	"testing"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history/historytest"
)

// benchmarkSave stores snapshots of 10,000 services across 200 teams on
// each backend (historytest.Backends) and reports how much the database
// grows per snapshot. level picks service i's level in snapshot k.
func benchmarkSave(b *testing.B, level func(k, i int) int) {
	for _, be := range historytest.Backends() {
		b.Run(be.Name, func(b *testing.B) { benchmarkSaveOn(b, be.Fresh(b), level) })
	}
}

func benchmarkSaveOn(b *testing.B, dsn string, level func(k, i int) int) {
	ctx := context.Background()
	s := open(b, dsn)
	// The first snapshot is the base; the timed ones are made beforehand.
	first := snapshot(b, t0, 10000, 200, func(i int) int { return level(0, i) })
	if _, err := s.SaveSnapshot(ctx, first); err != nil {
		b.Fatal(err)
	}
	pre := make([]*report.Snapshot, 2)
	for k := range pre {
		pre[k] = snapshot(b, t0, 10000, 200, func(i int) int { return level(k+1, i) })
	}
	size0, err := s.Size(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		snap := pre[i%2]
		snap.Taken = t0.Add(time.Duration(i+1) * time.Minute)
		if _, err := s.SaveSnapshot(ctx, snap); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s.Dialect() == "sqlite" {
		if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
	}
	size1, err := s.Size(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(size1-size0)/float64(b.N), "dbbytes/snapshot")
}

// BenchmarkSaveSnapshotFull: every snapshot differs from the last full one
// in most services (levels flip between two states), so each is stored in full.
func BenchmarkSaveSnapshotFull(b *testing.B) {
	benchmarkSave(b, func(k, i int) int { return (i + k) % 4 })
}

// BenchmarkSaveSnapshotUnchanged: the usual refresh, nothing changed since
// the last full snapshot: stored as an empty delta.
func BenchmarkSaveSnapshotUnchanged(b *testing.B) {
	benchmarkSave(b, func(k, i int) int { return i % 4 })
}

// BenchmarkSaveSnapshotFewChanges: 1% of services changed level.
func BenchmarkSaveSnapshotFewChanges(b *testing.B) {
	benchmarkSave(b, func(k, i int) int {
		if k > 0 && i%100 == 0 {
			return (i + 1) % 4
		}
		return i % 4
	})
}
