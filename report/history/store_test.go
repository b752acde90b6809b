package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history/historytest"
	"github.com/prodready/prodready/scorecard"
)

const ladderJSON = `[{"identifier":"pr","title":"Readiness",
 "levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"},{"title":"Gold"}],
 "rules":[
  {"identifier":"readme","title":"Has a README","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}},
  {"identifier":"oncall","title":"Has an on-call","level":"Silver","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}},
  {"identifier":"slo","title":"SLO at least 99","level":"Gold","query":{"combinator":"and","conditions":[{"property":"slo","operator":">=","value":99}]}}]},
 {"identifier":"ops","title":"Operations","levels":[{"title":"Unready"},{"title":"Ready"}],
 "rules":[
  {"identifier":"oncall","title":"Has an on-call","level":"Ready","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}},
  {"identifier":"readme","title":"Has a README","level":"Ready","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}}]}]`

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// catalog makes n services over teams teams; level(i) picks service i's level.
func snapshot(tb testing.TB, now time.Time, n, teams int, level func(i int) int) *report.Snapshot {
	tb.Helper()
	scs, f := scorecard.ParseScorecards("ladder.json", []byte(ladderJSON))
	if err := f.Err(); err != nil {
		tb.Fatal(err)
	}
	ents := make([]scorecard.Entity, n)
	for i := range ents {
		p := map[string]any{}
		l := level(i)
		if l >= 1 {
			p["readme"] = "README.md"
		}
		if l >= 2 {
			p["on_call"] = "x"
		}
		if l >= 3 {
			p["slo"] = 99.5
		}
		ents[i] = scorecard.Entity{Identifier: fmt.Sprintf("svc-%05d", i), Title: fmt.Sprintf("Service %d", i), Blueprint: "service",
			Team: scorecard.Teams{fmt.Sprintf("team-%03d", i%teams)}, Properties: p}
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		tb.Fatal(err)
	}
	return report.TakeSnapshot(scorecard.Evaluate(now, scs, cat), "test", nil)
}

// open opens the history dsn names (a SQLite path or a postgres:// URL).
func open(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), dsn, Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// eachBackend runs f against an empty database of every backend
// (historytest.Backends): SQLite, and Postgres when a server is reachable.
func eachBackend(t *testing.T, f func(t *testing.T, dsn string)) {
	for _, b := range historytest.Backends() {
		t.Run(b.Name, func(t *testing.T) { f(t, b.Fresh(t)) })
	}
}

func sameResults(t *testing.T, want, got *report.Snapshot) {
	t.Helper()
	idx := got.EntityIndex()
	if len(got.Entities) != len(want.Entities) {
		t.Fatalf("loaded %d entities, stored %d", len(got.Entities), len(want.Entities))
	}
	for e, ent := range want.Entities {
		ge, ok := idx[ent.Identifier]
		if !ok {
			t.Fatalf("entity %s lost", ent.Identifier)
		}
		if strings.Join(got.Entities[ge].Teams, ",") != strings.Join(ent.Teams, ",") || got.Entities[ge].Title != ent.Title {
			t.Errorf("entity %s: got %+v, want %+v", ent.Identifier, got.Entities[ge], ent)
		}
		for si := range want.Scorecards {
			if w, g := want.Result(e, si), got.Result(ge, si); w != g {
				t.Errorf("%s: got %+v, want %+v", ent.Identifier, g, w)
			}
		}
	}
}

// rowsOf counts the result rows snapshot id wrote: those it opened.
func rowsOf(t *testing.T, s *Store, id int64) int {
	var n int
	if err := s.db.QueryRow(s.q(`SELECT (SELECT COUNT(*) FROM results_open WHERE valid_from = ?) + (SELECT COUNT(*) FROM results_closed WHERE valid_from = ?)`), id, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSnapshotRoundTrip(t *testing.T) { eachBackend(t, testSnapshotRoundTrip) }

func testSnapshotRoundTrip(t *testing.T, path string) {
	ctx := context.Background()
	s := open(t, path)
	steps := []struct {
		name     string
		level    func(int) int
		wantRows func(n int) bool
	}{
		{"first is full", func(i int) int { return i % 4 }, func(n int) bool { return n == 200 }},
		{"unchanged writes no result", func(i int) int { return i % 4 }, func(n int) bool { return n == 0 }},
		{"one change writes its rows", func(i int) int {
			if i == 7 {
				return 0
			}
			return i % 4
		}, func(n int) bool { return n == 2 }},
		// All but service 7's two rows: it stays at level 0.
		{"big change writes the changed rows", func(i int) int { return 3 - i%4 }, func(n int) bool { return n == 198 }},
	}
	for k, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			snap := snapshot(t, t0.Add(time.Duration(k)*time.Hour), 100, 5, st.level)
			id, err := s.SaveSnapshot(ctx, snap)
			if err != nil {
				t.Fatal(err)
			}
			if n := rowsOf(t, s, id); !st.wantRows(n) {
				t.Errorf("stored %d result rows", n)
			}
			// A fresh store (no caches) reads the same back.
			s2 := open(t, path)
			got, err := s2.LoadSnapshot(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			sameResults(t, snap, got)
			if !got.Taken.Equal(snap.Taken) {
				t.Errorf("taken %v, want %v", got.Taken, snap.Taken)
			}
		})
	}
	info, ok, err := s.LatestSnapshot(ctx, t0.Add(90*time.Minute))
	if err != nil || !ok || !info.Taken.Equal(t0.Add(time.Hour)) || info.Mix["pr"]["Gold"] != 25 {
		t.Errorf("latest snapshot before 1h30: %+v %v %v", info, ok, err)
	}
}

func TestExactlyOnceKey(t *testing.T) { eachBackend(t, testExactlyOnceKey) }

func testExactlyOnceKey(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	m := Message{Job: "weekly-report", Period: "2026-W48", Destination: "C1", Channel: "C1", TS: "1.1", Sent: t0, RunID: 1}
	if err := s.RecordSent(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSent(ctx, m); !errors.Is(err, ErrAlreadySent) {
		t.Errorf("second record of the same key: %v, want ErrAlreadySent", err)
	}
	m.Copy = 1
	if err := s.RecordSent(ctx, m); err != nil {
		t.Errorf("forced copy: %v", err)
	}
	sent, err := s.Sent(ctx, "weekly-report", "2026-W48")
	if err != nil || sent["C1"].Copy != 1 {
		t.Errorf("sent: %+v %v", sent, err)
	}
}

// TestOpenErrors covers SQLite's failures at open; TestOpenErrorsPostgres
// and TestNewerSchema Postgres's.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	newer := filepath.Join(dir, "newer.db")
	s := open(t, newer)
	if _, err := s.db.Exec(`INSERT INTO schema_version (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	locked := filepath.Join(dir, "locked.db")
	open(t, locked).Close()
	holder, err := sql.Open("sqlite", locked)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `ROLLBACK`)

	notADB := filepath.Join(dir, "text.db")
	os.WriteFile(notADB, []byte(strings.Repeat("not a database\n", 100)), 0o644)

	tests := []struct {
		name string
		path string
		is   error
		want string
	}{
		{"newer schema", newer, ErrNewerSchema, "schema version 99"},
		{"locked", locked, ErrLocked, "locked"},
		{"missing directory", filepath.Join(dir, "nope", "h.db"), nil, "does not exist"},
		{"not a database", notADB, nil, "not a prodready SQLite database"},
		{"a directory", dir, ErrReadOnly, "not writable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenSQLite(ctx, tt.path, Options{BusyTimeout: 100 * time.Millisecond})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q should name %s and say %q", err, tt.path, tt.want)
			}
		})
	}
}

func TestOpenReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes read-only files; permissions cannot be tested as root")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ro.db")
	open(t, path).Close()
	os.Chmod(path, 0o444)
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	_, err := OpenSQLite(context.Background(), path, Options{})
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path) {
		t.Errorf("read-only database: %v", err)
	}
}

func TestPrune(t *testing.T) { eachBackend(t, testPrune) }

func testPrune(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	old := snapshot(t, t0.AddDate(-2, 0, 0), 10, 2, func(i int) int { return i % 4 })
	if _, err := s.SaveSnapshot(ctx, old); err != nil {
		t.Fatal(err)
	}
	full := snapshot(t, t0.AddDate(-1, -3, 0), 10, 2, func(i int) int { return 3 - i%4 })
	fullID, _ := s.SaveSnapshot(ctx, full)
	delta := snapshot(t, t0, 10, 2, func(i int) int { return 3 - i%4 })
	deltaID, _ := s.SaveSnapshot(ctx, delta)
	if _, err := s.Prune(ctx, t0, DefaultRetention); err != nil {
		t.Fatal(err)
	}
	var n, closed int
	s.db.QueryRow(`SELECT COUNT(*) FROM snapshots`).Scan(&n)
	s.db.QueryRow(`SELECT COUNT(*) FROM results_closed`).Scan(&closed)
	if n != 1 || closed != 0 {
		t.Errorf("%d snapshots and %d closed results left; want the recent snapshot, which reads only open ones", n, closed)
	}
	got, err := s.LoadSnapshot(ctx, deltaID)
	if err != nil {
		t.Fatal(err)
	}
	sameResults(t, delta, got)
	if _, err := s.LoadSnapshot(ctx, fullID); err == nil {
		t.Errorf("the pruned snapshot %d still loads", fullID)
	}
}

// Results pushed from CI follow the retention like the rest of the history.
func TestPruneCIResults(t *testing.T) { eachBackend(t, testPruneCIResults) }

func testPruneCIResults(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	rs := []CIResult{
		{Service: "old", Scorecard: "pr", Level: "Gold", ReceivedAt: t0.Add(-DefaultRetention - time.Hour)},
		{Service: "new", Scorecard: "pr", Level: "Gold", ReceivedAt: t0.Add(-time.Hour)},
	}
	if err := s.RecordCIResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, t0, DefaultRetention); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		service string
		want    int
	}{{"old", 0}, {"new", 1}} {
		got, err := s.LatestCIResults(ctx, c.service)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want {
			t.Errorf("%s: %d CI results after pruning; want %d", c.service, len(got), c.want)
		}
	}
}
