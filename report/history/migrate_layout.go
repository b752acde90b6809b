package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LayoutOptions steer MigrateLayout.
type LayoutOptions struct {
	// DryRun reads the history and reports the sizes, writing nothing.
	DryRun bool
	// Batch is how many snapshots one transaction moves. Default 200.
	Batch int
	// Progress, when set, is told after each transaction (or, on a dry
	// run, each batch read) how many of the snapshots are done.
	Progress func(done, total int64)
}

// LayoutReport is what MigrateLayout did or, on a dry run, would do.
type LayoutReport struct {
	Where       string
	AlreadyDone bool  // the history was in the change layout already
	Snapshots   int64 // snapshots in the history
	Resumed     int64 // snapshots an interrupted run had moved before
	OldRows     int64 // result rows of the old layout
	NewRows     int64 // result rows of the change layout
	SizeBefore  int64 // bytes
	SizeAfter   int64 // bytes: measured, or on a dry run estimated
	Estimated   bool
	Took        time.Duration
}

// migrationLock is held by a migration's transactions (Postgres) so two
// migrations of one history take turns.
const migrationLock = "migrate-layout"

// MigrateLayout moves the history PRODREADY_DB names from full snapshots
// and deltas (schema version 5) to results stored by change (schema
// version 6), in place.
//
// The old tables stay as they are, and remain the history, until the
// last transaction: each transaction before it copies a batch of
// snapshots into the new tables and records how far it got, so an
// interrupted migration resumes there when run again. The last one
// copies what remains, drops the old results, and records schema version
// 6, in one commit: a history is read in one layout or the other, never
// half of each. Processes of an older prodready may keep adding
// snapshots meanwhile (they are moved too); once migrated, their writes
// are refused with an error that names the schema version to run.
func MigrateLayout(ctx context.Context, dsn string, opt Options, lo LayoutOptions) (LayoutReport, error) {
	start := time.Now()
	if lo.Batch <= 0 {
		lo.Batch = 200
	}
	s, err := openAt(ctx, dsn, opt, layoutVersion-1)
	if err != nil {
		return LayoutReport{}, err
	}
	defer s.Close()
	rep := LayoutReport{Where: s.where}
	if rep.SizeBefore, err = s.Size(ctx); err != nil {
		return rep, err
	}
	if s.version >= layoutVersion {
		rep.AlreadyDone = true
		rep.SizeAfter = rep.SizeBefore
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots`).Scan(&rep.Snapshots); err != nil {
			return rep, s.err("count snapshots", err)
		}
		return rep, nil
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots`).Scan(&rep.Snapshots); err != nil {
		return rep, s.err("count snapshots", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM results`).Scan(&rep.OldRows); err != nil {
		return rep, s.err("count results", err)
	}
	m := &layoutMover{s: s, lo: lo, rep: &rep}
	if lo.DryRun {
		err = m.dryRun(ctx)
	} else {
		err = m.run(ctx)
	}
	rep.Took = time.Since(start)
	return rep, err
}

// layoutMover carries a migration's state between its transactions.
type layoutMover struct {
	s    *Store
	lo   LayoutOptions
	rep  *LayoutReport
	open map[pairKey]*openRow
	gen  uint64
	base *oldBase
	done int64
}

// oldBase is a full snapshot of the old layout, which deltas build on.
type oldBase struct {
	id   int64
	rows map[pairKey]rowVal
}

type oldSnapshot struct{ id, base int64 }

// next lists up to n snapshots after id, in id order.
func (m *layoutMover) next(ctx context.Context, q querier, after int64, n int) ([]oldSnapshot, error) {
	rows, err := q.QueryContext(ctx, m.s.q(`SELECT id, base_id FROM snapshots WHERE id > ? ORDER BY id LIMIT ?`), after, n)
	if err != nil {
		return nil, m.s.err("read snapshots", err)
	}
	defer rows.Close()
	var out []oldSnapshot
	for rows.Next() {
		var o oldSnapshot
		var base sql.NullInt64
		if err := rows.Scan(&o.id, &base); err != nil {
			return nil, m.s.err("read snapshots", err)
		}
		o.base = base.Int64
		out = append(out, o)
	}
	return out, m.s.err("read snapshots", rows.Err())
}

// oldRows reads snapshot o's results in the old layout: its base's rows
// with its own laid over them (level -1: the pair is gone).
func (m *layoutMover) oldRows(ctx context.Context, q querier, o oldSnapshot) (map[pairKey]rowVal, error) {
	read := func(id int64) (map[pairKey]rowVal, error) {
		rows, err := q.QueryContext(ctx, m.s.q(`SELECT entity_id, scorecard_id, level, pass FROM results WHERE snapshot_id = ?`), id)
		if err != nil {
			return nil, m.s.err(fmt.Sprintf("read results of snapshot %d", id), err)
		}
		defer rows.Close()
		out := map[pairKey]rowVal{}
		interned := map[string]string{}
		for rows.Next() {
			var k pairKey
			var v rowVal
			var pass []byte
			if err := rows.Scan(&k.entity, &k.scorecard, &v.level, &pass); err != nil {
				return nil, m.s.err(fmt.Sprintf("read results of snapshot %d", id), err)
			}
			v.pass = intern(interned, pass)
			out[k] = v
		}
		return out, m.s.err(fmt.Sprintf("read results of snapshot %d", id), rows.Err())
	}
	own, err := read(o.id)
	if err != nil {
		return nil, err
	}
	if o.base == 0 {
		m.base = &oldBase{id: o.id, rows: own}
		return own, nil
	}
	if m.base == nil || m.base.id != o.base {
		rows, err := read(o.base)
		if err != nil {
			return nil, err
		}
		m.base = &oldBase{id: o.base, rows: rows}
	}
	out := make(map[pairKey]rowVal, len(m.base.rows))
	for k, v := range m.base.rows {
		out[k] = v
	}
	for k, v := range own {
		if v.level < 0 {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out, nil
}

// diffRows is Store.diff for rows read back from the old layout.
func (m *layoutMover) diffRows(rows map[pairKey]rowVal) []change {
	m.gen++
	var out []change
	matched := 0
	for k, v := range rows {
		o, ok := m.open[k]
		if ok {
			o.seen = m.gen
			matched++
			if o.rowVal == v {
				continue
			}
		}
		out = append(out, change{key: k, val: v, old: o})
	}
	if matched < len(m.open) {
		for k, o := range m.open {
			if o.seen != m.gen {
				out = append(out, change{key: k, gone: true, old: o})
			}
		}
	}
	return out
}

func (m *layoutMover) progress() {
	// Snapshots an older prodready adds meanwhile are moved too.
	m.rep.Snapshots = max(m.rep.Snapshots, m.done)
	if m.lo.Progress != nil {
		m.lo.Progress(m.done, m.rep.Snapshots)
	}
}

// dryRun replays the history in memory, counting the rows the change
// layout would hold, and estimates its size from what a result row of
// the old layout takes.
func (m *layoutMover) dryRun(ctx context.Context) error {
	m.open = map[pairKey]*openRow{}
	var closed, after int64
	for {
		batch, err := m.next(ctx, m.s.db, after, m.lo.Batch)
		if err != nil {
			return err
		}
		for _, o := range batch {
			rows, err := m.oldRows(ctx, m.s.db, o)
			if err != nil {
				return err
			}
			changes := m.diffRows(rows)
			for _, c := range changes {
				if c.old != nil {
					closed++
				}
			}
			applyChanges(m.open, o.id, changes, nil)
			after = o.id
			m.done++
		}
		m.progress()
		if len(batch) < m.lo.Batch {
			break
		}
	}
	m.rep.NewRows = int64(len(m.open)) + closed
	m.rep.Estimated = true
	oldBytes, err := m.s.tableBytes(ctx, "results")
	if err != nil {
		return err
	}
	perRow := 40.0 // bytes a result row takes, when the old layout has none to measure
	if m.rep.OldRows > 0 && oldBytes > 0 {
		perRow = float64(oldBytes) / float64(m.rep.OldRows)
	}
	// A row of the change layout has one integer more than one of the old.
	perRow += 8
	var free int64
	if m.s.d.name == "sqlite" {
		// The VACUUM after the migration gives back the free pages too.
		if err := m.s.db.QueryRowContext(ctx, `SELECT freelist_count * page_size FROM pragma_freelist_count(), pragma_page_size()`).Scan(&free); err != nil {
			return m.s.err("size", err)
		}
	}
	m.rep.SizeAfter = m.rep.SizeBefore - free - oldBytes + int64(perRow*float64(m.rep.NewRows))
	return nil
}

// tableBytes is what table takes on disk with its indexes.
func (s *Store) tableBytes(ctx context.Context, table string) (int64, error) {
	q := `SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?`
	if s.d.name == "postgres" {
		q = `SELECT COALESCE(pg_total_relation_size(to_regclass(?)), 0)::BIGINT`
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, s.q(q), table).Scan(&n); err != nil {
		return 0, s.err("size of table "+table, err)
	}
	return n, nil
}

func (m *layoutMover) run(ctx context.Context) error {
	s := m.s
	// The new tables and the mark of progress: invisible to the old
	// layout's readers and writers.
	tx, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range append(layoutTables(s.d), `CREATE TABLE IF NOT EXISTS layout_migration (last_snapshot BIGINT NOT NULL)`) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return s.err("prepare migration", err)
		}
	}
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(last_snapshot) FROM layout_migration`).Scan(&last); err != nil {
		return s.err("read migration progress", err)
	}
	if !last.Valid {
		// A first run: whatever an earlier run left uncommitted is gone,
		// and nothing committed without a mark of progress.
		for _, stmt := range []string{`DELETE FROM results_open`, `DELETE FROM results_closed`, `INSERT INTO layout_migration (last_snapshot) VALUES (0)`} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return s.err("prepare migration", err)
			}
		}
	}
	if m.open, err = s.readOpen(ctx, tx); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM snapshots WHERE id <= ?`), last.Int64).Scan(&m.rep.Resumed); err != nil {
		return s.err("read migration progress", err)
	}
	if err := tx.Commit(); err != nil {
		return s.err("prepare migration", err)
	}
	m.done = m.rep.Resumed
	after := last.Int64
	for {
		n, err := m.batch(ctx, &after)
		if err != nil {
			return err
		}
		if n < m.lo.Batch {
			break // the rest, and the switch, in the last transaction
		}
		m.progress()
	}
	return m.finish(ctx, after)
}

// batch moves one batch in a transaction of its own; the last one, which
// finds fewer snapshots than a batch, is left to finish.
func (m *layoutMover) batch(ctx context.Context, after *int64) (int, error) {
	tx, err := m.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n, err := m.move(ctx, tx, after, m.lo.Batch)
	if err != nil || n < m.lo.Batch {
		m.done -= int64(n) // not committed: finish moves them
		return n, err
	}
	return n, m.s.err("migrate", tx.Commit())
}

// begin starts a transaction of the migration: one writer at a time.
func (m *layoutMover) begin(ctx context.Context) (*sql.Tx, error) {
	s := m.s
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.err("migrate", err)
	}
	if s.d.migrateLock != "" {
		if _, err := tx.ExecContext(ctx, s.q(s.d.migrateLock), s.lockKey(migrationLock)); err != nil {
			tx.Rollback()
			return nil, s.err("lock for migration", err)
		}
	}
	return tx, nil
}

// move copies up to n snapshots after *after into the new tables and
// records the progress, in tx; after moves on; the open rows in memory
// are ahead of the database until tx commits.
func (m *layoutMover) move(ctx context.Context, tx *sql.Tx, after *int64, n int) (int, error) {
	s := m.s
	batch, err := m.next(ctx, tx, *after, n)
	if err != nil {
		return 0, err
	}
	for _, o := range batch {
		rows, err := m.oldRows(ctx, tx, o)
		if err != nil {
			return 0, err
		}
		changes := m.diffRows(rows)
		for _, c := range changes {
			if c.old != nil {
				m.rep.NewRows++ // closed
			}
		}
		if err := s.writeChanges(ctx, tx, o.id, changes); err != nil {
			return 0, err
		}
		applyChanges(m.open, o.id, changes, nil)
		*after = o.id
		m.done++
	}
	if len(batch) > 0 {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE layout_migration SET last_snapshot = ?`), *after); err != nil {
			return 0, s.err("record migration progress", err)
		}
	}
	return len(batch), nil
}

// finish moves the snapshots still left, with writers of snapshots held
// off, and switches the history to the new layout in the same commit.
func (m *layoutMover) finish(ctx context.Context, after int64) error {
	s := m.s
	// A fresh reading of the open rows: a failed transaction may have
	// left the ones in memory ahead of the database.
	tx, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.d.name == "postgres" {
		// Holds off an older prodready adding a snapshot between the last
		// read of them and the switch; readers go on.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE snapshots IN EXCLUSIVE MODE`); err != nil {
			return s.err("lock snapshots for migration", err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT MAX(last_snapshot) FROM layout_migration`).Scan(&after); err != nil {
		return s.err("read migration progress", err)
	}
	if m.open, err = s.readOpen(ctx, tx); err != nil {
		return err
	}
	m.base = nil
	for {
		n, err := m.move(ctx, tx, &after, m.lo.Batch)
		if err != nil {
			return err
		}
		if n < m.lo.Batch {
			break
		}
	}
	for _, stmt := range layoutMigration(s.d) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return s.err(fmt.Sprintf("migrate to schema version %d", layoutVersion), err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_version (version) VALUES (?)`), layoutVersion); err != nil {
		return s.err("record schema version", err)
	}
	if err := tx.Commit(); err != nil {
		return s.err("migrate", err)
	}
	m.progress()
	var open, closed int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM results_open) + 0, (SELECT COUNT(*) FROM results_closed) + 0`).Scan(&open, &closed); err != nil {
		return s.err("count results", err)
	}
	m.rep.NewRows = open + closed
	if s.d.name == "sqlite" {
		// The old results' pages are free now; VACUUM gives them back and
		// turns on incremental vacuuming for the pruning to come.
		for _, stmt := range []string{`PRAGMA auto_vacuum = INCREMENTAL`, `VACUUM`} {
			if _, err := s.db.ExecContext(ctx, stmt); err != nil {
				return s.err("vacuum after migration", err)
			}
		}
	}
	var err2 error
	m.rep.SizeAfter, err2 = s.Size(ctx)
	return err2
}
