package history

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history/historysim"
	"github.com/prodready/prodready/report/history/historytest"
)

// openOld opens dsn as a prodready of schema version 5 did.
func openOld(tb testing.TB, dsn string) *oldStore {
	tb.Helper()
	s, err := openAt(context.Background(), dsn, Options{BusyTimeout: 5 * time.Second}, layoutVersion-1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return &oldStore{Store: s}
}

// reader is what the digests ask of a history.
type reader interface {
	LoadSnapshot(ctx context.Context, id int64) (*report.Snapshot, error)
	LatestSnapshot(ctx context.Context, t time.Time) (SnapshotInfo, bool, error)
	Mixes(ctx context.Context, labels []string, at []time.Time) ([]report.Mix, error)
}

func sameSnapshot(t *testing.T, ctx context.Context, what string, id int64, want, got reader) {
	t.Helper()
	w, err := want.LoadSnapshot(ctx, id)
	if err != nil {
		t.Fatalf("%s: old layout, snapshot %d: %v", what, id, err)
	}
	g, err := got.LoadSnapshot(ctx, id)
	if err != nil {
		t.Fatalf("%s: change layout, snapshot %d: %v", what, id, err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Fatalf("%s: snapshot %d differs:\n old %d entities %+v\n new %d entities %+v", what, id, len(w.Entities), w.Entities, len(g.Entities), g.Entities)
	}
}

// sameAnswers compares every question the digests ask of the two
// histories over the snapshots ids (taken at taken), from `from` on.
func sameAnswers(t *testing.T, ctx context.Context, what string, old, cur reader, ids []int64, taken []time.Time, from time.Time) {
	t.Helper()
	// A sample of the snapshots, and the newest ones whole.
	var kept []int
	for k := range ids {
		if !taken[k].Before(from) && (k%5 == 0 || k >= len(ids)-20) {
			kept = append(kept, k)
		}
	}
	// Every stored snapshot, read back whole.
	for _, k := range kept {
		sameSnapshot(t, ctx, what, ids[k], old, cur)
	}
	// The snapshot at or before a time, and the level mix it holds.
	for i, k := range kept {
		for _, at := range []time.Time{taken[k], taken[k].Add(time.Hour), taken[k].Add(-time.Millisecond)} {
			if (i == 0 || k == 0 || taken[k-1].Before(from)) && at.Before(taken[k]) {
				continue
			}
			w, wok, werr := old.LatestSnapshot(ctx, at)
			g, gok, gerr := cur.LatestSnapshot(ctx, at)
			if werr != nil || gerr != nil || wok != gok || !reflect.DeepEqual(w, g) {
				t.Fatalf("%s: latest snapshot at %v: old %+v %v %v, new %+v %v %v", what, at, w, wok, werr, g, gok, gerr)
			}
		}
	}
	last := taken[len(taken)-1]
	for _, kind := range []report.Kind{report.Weekly, report.Monthly} {
		var labels []string
		var at []time.Time
		for p := 11; p >= 1; p-- {
			labels = append(labels, report.PeriodOf(kind, kind.Back(last, p)).Key)
			at = append(at, kind.Back(last, p))
		}
		w, werr := old.Mixes(ctx, labels, at)
		g, gerr := cur.Mixes(ctx, labels, at)
		if werr != nil || gerr != nil || !reflect.DeepEqual(w, g) {
			t.Fatalf("%s: %s mixes: old %+v %v, new %+v %v", what, kind, w, werr, g, gerr)
		}
		// The digest of each period against the one before: promoted and
		// demoted services, newly failing rules, team shares.
		for p := 8; p >= 1; p-- {
			prevInfo, ok1, err1 := cur.LatestSnapshot(ctx, kind.Back(last, p+1))
			curInfo, ok2, err2 := cur.LatestSnapshot(ctx, kind.Back(last, p))
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !ok1 || !ok2 || prevInfo.Taken.Before(from) {
				continue
			}
			digest := func(r reader) *report.Digest {
				prev, err := r.LoadSnapshot(ctx, prevInfo.ID)
				if err != nil {
					t.Fatal(err)
				}
				c, err := r.LoadSnapshot(ctx, curInfo.ID)
				if err != nil {
					t.Fatal(err)
				}
				return report.BuildDigest(report.DigestInput{Period: report.PeriodOf(kind, c.Taken), Cur: c, Prev: prev, History: g})
			}
			if w, g := digest(old), digest(cur); !reflect.DeepEqual(w, g) {
				t.Fatalf("%s: %s digest of snapshot %d against %d differs:\n old %+v\n new %+v", what, kind, curInfo.ID, prevInfo.ID, w, g)
			}
		}
	}
}

// TestLayoutAnswersAsBefore: a year of history, with services changing,
// renamed, moving team, added and removed, and a scorecard gaining a
// rule, stored by the old layout and by the change layout, answers
// every question the digests ask alike; so does the old history after
// MigrateLayout moved it in place, interrupted once.
func TestLayoutAnswersAsBefore(t *testing.T) {
	for _, be := range historytest.Backends() {
		t.Run(be.Name, func(t *testing.T) { testLayoutAnswersAsBefore(t, be.Fresh(t), be.Fresh(t)) })
	}
}

func testLayoutAnswersAsBefore(t *testing.T, oldDSN, newDSN string) {
	ctx := context.Background()
	old := openOld(t, oldDSN)
	cur := open(t, newDSN)
	every, days := 12*time.Hour, 365
	if testing.Short() {
		days = 120
	}
	start := t0.AddDate(0, 0, -days)
	g := historysim.New(historysim.Config{Services: 40, Teams: 6, Start: start, Every: every, ChurnPerDay: 0.05, Variety: true, Seed: 7})
	n := days * int(24*time.Hour/every)
	ids := make([]int64, 0, n)
	taken := make([]time.Time, 0, n)
	var closed int
	for k := 0; k < n; k++ {
		snap := g.Next()
		wid, err := old.SaveSnapshot(ctx, snap)
		if err != nil {
			t.Fatal(err)
		}
		gid, err := cur.SaveSnapshot(ctx, snap)
		if err != nil {
			t.Fatal(err)
		}
		if wid != gid {
			t.Fatalf("snapshot %d: id %d in the old layout, %d in the new", k, wid, gid)
		}
		ids, taken = append(ids, gid), append(taken, snap.Taken)
		if k%50 == 49 {
			// A store with no memory of its own saves reads the same.
			sameSnapshot(t, ctx, "while saving", ids[k/2], old, open(t, newDSN))
		}
	}
	if err := cur.db.QueryRow(`SELECT COUNT(*) FROM results_closed`).Scan(&closed); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d snapshots; %d closed results", n, closed)
	sameAnswers(t, ctx, "a year", old, cur, ids, taken, start)

	// Both pruned to the last 200 days (or 60 with -short).
	keep := time.Duration(days*4/7) * 24 * time.Hour
	now := taken[len(taken)-1]
	if _, err := old.Prune(ctx, now, keep); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Prune(ctx, now, keep); err != nil {
		t.Fatal(err)
	}
	sameAnswers(t, ctx, "pruned", old, cur, ids, taken, now.Add(-keep))

	// The old history moved in place, interrupted after two batches.
	mctx, cancel := context.WithCancel(ctx)
	batches := 0
	_, err := MigrateLayout(mctx, oldDSN, Options{}, LayoutOptions{Batch: 40, Progress: func(done, total int64) {
		if batches++; batches == 2 {
			cancel()
		}
	}})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted migration: %v", err)
	}
	if _, err := Open(ctx, oldDSN, Options{}); !errors.Is(err, ErrOldLayout) || !strings.Contains(err.Error(), "migrate-history") {
		t.Errorf("open of a half-moved history: %v; want ErrOldLayout, naming the command", err)
	}
	// Still whole in the old layout.
	sameAnswers(t, ctx, "interrupted", old, cur, ids, taken, now.Add(-keep))
	dry, err := MigrateLayout(ctx, oldDSN, Options{}, LayoutOptions{DryRun: true})
	if err != nil || !dry.Estimated || dry.SizeBefore <= 0 || dry.SizeAfter <= 0 || dry.NewRows <= 0 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	var seen []int64
	rep, err := MigrateLayout(ctx, oldDSN, Options{}, LayoutOptions{Batch: 40, Progress: func(done, total int64) { seen = append(seen, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Resumed == 0 || len(seen) == 0 || seen[len(seen)-1] != rep.Snapshots || rep.AlreadyDone {
		t.Errorf("resumed migration: %+v, progress %v", rep, seen)
	}
	t.Logf("migration: %+v; dry run said %+v", rep, dry)
	if rep.NewRows != dry.NewRows {
		t.Errorf("migration wrote %d result rows; the dry run said %d", rep.NewRows, dry.NewRows)
	}
	moved := open(t, oldDSN)
	sameAnswers(t, ctx, "migrated", cur, moved, ids, taken, now.Add(-keep))
	again, err := MigrateLayout(ctx, oldDSN, Options{}, LayoutOptions{})
	if err != nil || !again.AlreadyDone {
		t.Errorf("second migration: %+v %v", again, err)
	}

	// A replica still running the old layout cannot add to it.
	_, err = old.SaveSnapshot(ctx, g.Next())
	if err == nil || !strings.Contains(err.Error(), "schema version 6") {
		t.Errorf("old writer on a migrated history: %v; want a refusal naming schema version 6", err)
	}
	// The migrated history goes on in the new layout.
	snap := g.Next()
	id, err := moved.SaveSnapshot(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	got, err := moved.LoadSnapshot(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sameResults(t, snap, got)
}
