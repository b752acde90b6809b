package history

import (
	"context"
	"testing"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history/historysim"
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
	// The first snapshot is stored untimed; the timed ones are made beforehand.
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

// BenchmarkSaveSnapshotFull: every snapshot changes most services' results
// (levels flip between two states), so each writes most rows.
func BenchmarkSaveSnapshotFull(b *testing.B) {
	benchmarkSave(b, func(k, i int) int { return (i + k) % 4 })
}

// BenchmarkSaveSnapshotUnchanged: the usual refresh, nothing changed since
// the last snapshot: only the snapshot's own row is written.
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

// BenchmarkSaveSnapshotChurn: refreshes every 15 minutes of 10,000
// services of which 1% change a rule's outcome a day (historysim): about
// one changed service per save.
func BenchmarkSaveSnapshotChurn(b *testing.B) {
	for _, be := range historytest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			s := open(b, be.Fresh(b))
			g := historysim.New(historysim.Config{Services: 10000, Start: t0, Every: 15 * time.Minute, ChurnPerDay: 0.01, Seed: 1})
			if _, err := s.SaveSnapshot(ctx, g.Next()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				snap := g.Next()
				b.StartTimer()
				if _, err := s.SaveSnapshot(ctx, snap); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDigestReads: what a monthly digest reads of a 400-day history
// of 10,000 services changing at 1% a day (one snapshot a day here; the
// results stored depend on the changes, not on the cadence): the
// snapshot a month back, whole, and the 12-month chart's level mixes.
func BenchmarkDigestReads(b *testing.B) {
	for _, be := range historytest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			s := open(b, be.Fresh(b))
			g := historysim.New(historysim.Config{Services: 10000, Start: t0, Every: 24 * time.Hour, ChurnPerDay: 0.01, Seed: 1})
			var now time.Time
			for range 400 {
				snap := g.Next()
				if _, err := s.SaveSnapshot(ctx, snap); err != nil {
					b.Fatal(err)
				}
				now = snap.Taken
			}
			labels := make([]string, 11)
			at := make([]time.Time, 11)
			for p := range at {
				at[p] = report.Monthly.Back(now, 11-p)
				labels[p] = report.PeriodOf(report.Monthly, at[p]).Key
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				info, ok, err := s.LatestSnapshot(ctx, report.Monthly.Back(now, 1))
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
				prev, err := s.LoadSnapshot(ctx, info.ID)
				if err != nil || len(prev.Entities) != 10000 {
					b.Fatal(err)
				}
				mixes, err := s.Mixes(ctx, labels, at)
				if err != nil || len(mixes) != 11 {
					b.Fatal(len(mixes), err)
				}
			}
		})
	}
}
