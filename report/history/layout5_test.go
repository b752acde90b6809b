package history

// The store as of schema version 5: full snapshots and deltas from the
// last full one. It is the oracle the change layout is compared with
// (layout_test.go), and writes the histories MigrateLayout is tested on.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/report"
)

type baseRows struct {
	id   int64
	rows map[pairKey]rowVal
}

// deltaShare is the share of changed rows above which a snapshot is stored
// in full rather than as a delta of the last full one.
const deltaShare = 4

// oldStore writes and reads snapshots as schema version 5 did, on a Store
// opened at that version (openAt).
type oldStore struct {
	*Store
	mu       sync.Mutex
	entities map[entityKey]int64
	scs      map[string]int64
	base     *baseRows
}

func (s *oldStore) loadOldCaches(ctx context.Context) error {
	if s.entities != nil {
		return nil
	}
	if err := s.Store.loadCaches(ctx); err != nil {
		return err
	}
	s.entities, s.scs = s.Store.entities, s.Store.scs
	return nil
}

// Prune (schema version 5) deletes snapshots older than keep before now
// that no kept snapshot builds on.
func (s *oldStore) Prune(ctx context.Context, now time.Time, keep time.Duration) (int64, error) {
	cut := millis(now.Add(-keep))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.err("prune", err)
	}
	defer tx.Rollback()
	old := `SELECT id FROM snapshots WHERE taken_at < ? AND id NOT IN (SELECT base_id FROM snapshots WHERE base_id IS NOT NULL AND taken_at >= ?)`
	var n int64
	for _, q := range []string{
		`DELETE FROM results WHERE snapshot_id IN (` + old + `)`,
		`DELETE FROM snapshots WHERE id IN (` + old + `)`,
	} {
		res, err := tx.ExecContext(ctx, s.q(q), cut, cut)
		if err != nil {
			return 0, s.err("prune", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if err := tx.Commit(); err != nil {
		return 0, s.err("prune", err)
	}
	s.mu.Lock()
	s.base = nil
	s.mu.Unlock()
	return n, nil
}

// SaveSnapshot (schema version 5) stores snap in one transaction and sets snap.ID. A snapshot
// close to the last full one is stored as the rows that differ from it.
func (s *oldStore) SaveSnapshot(ctx context.Context, snap *report.Snapshot) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadOldCaches(ctx); err != nil {
		return 0, err
	}
	if s.base == nil {
		if err := s.loadBase(ctx); err != nil {
			return 0, err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.err("store snapshot", err)
	}
	defer tx.Rollback()

	newScs := map[string]int64{}
	scIDs := make([]int64, len(snap.Scorecards))
	for i := range snap.Scorecards {
		h, js := defHash(&snap.Scorecards[i])
		id, ok := s.scs[h]
		if !ok {
			if id, ok = newScs[h]; !ok {
				// Another process may have stored the same version since
				// this one loaded its cache: then use that row.
				err := tx.QueryRowContext(ctx, s.q(`INSERT INTO scorecard_versions (identifier, hash, definition) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING id`),
					snap.Scorecards[i].Identifier, h, string(js)).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM scorecard_versions WHERE hash = ?`), h).Scan(&id)
				}
				if err != nil {
					return 0, s.err("store scorecard "+snap.Scorecards[i].Identifier, err)
				}
				newScs[h] = id
			}
		}
		scIDs[i] = id
	}

	newEnts := map[entityKey]int64{}
	entIDs := make([]int64, len(snap.Entities))
	var insEnt *sql.Stmt
	for i := range snap.Entities {
		e := &snap.Entities[i]
		k := entityKey{e.Identifier, e.Title, strings.Join(e.Teams, teamSep)}
		id, ok := s.entities[k]
		if !ok {
			if id, ok = newEnts[k]; !ok {
				if insEnt == nil {
					insEnt, err = tx.PrepareContext(ctx, s.q(`INSERT INTO entity_versions (identifier, title, teams) VALUES (?, ?, ?) ON CONFLICT (identifier, title, teams) DO NOTHING RETURNING id`))
					if err != nil {
						return 0, s.err("store entities", err)
					}
					defer insEnt.Close()
				}
				err := insEnt.QueryRowContext(ctx, k.identifier, k.title, k.teams).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) { // stored by another process meanwhile
					err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM entity_versions WHERE identifier = ? AND title = ? AND teams = ?`), k.identifier, k.title, k.teams).Scan(&id)
				}
				if err != nil {
					return 0, s.err("store entity "+e.Identifier, err)
				}
				newEnts[k] = id
			}
		}
		entIDs[i] = id
	}

	ns := len(snap.Scorecards)
	cur := make(map[pairKey]rowVal, len(snap.Results))
	for e := range snap.Entities {
		for si := 0; si < ns; si++ {
			r := snap.Results[e*ns+si]
			if r.Applies {
				cur[pairKey{entIDs[e], scIDs[si]}] = rowVal{int16(r.Level), r.Pass}
			}
		}
	}
	// Rows to write: the delta from the base when it is small, else all.
	// The base is cached; another process sharing the database may have
	// pruned it since, and a delta of a deleted base would be unreadable.
	if s.base != nil {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM snapshots WHERE id = ?`), s.base.id).Scan(&n); err != nil {
			return 0, s.err("store snapshot", err)
		}
		if n == 0 {
			s.base = nil
		}
	}
	var write map[pairKey]rowVal
	var baseID sql.NullInt64
	if s.base != nil {
		delta := map[pairKey]rowVal{}
		for k, v := range cur {
			if b, ok := s.base.rows[k]; !ok || b != v {
				delta[k] = v
			}
		}
		for k := range s.base.rows {
			if _, ok := cur[k]; !ok {
				delta[k] = rowVal{level: -1}
			}
		}
		if len(delta)*deltaShare <= len(cur) {
			write = delta
			baseID = sql.NullInt64{Int64: s.base.id, Valid: true}
		}
	}
	if write == nil {
		write = cur
	}

	mix := report.MixOf(snap, "")
	mixJSON, _ := json.Marshal(mix.Counts)
	idList := make([]string, len(scIDs))
	for i, id := range scIDs {
		idList[i] = strconv.FormatInt(id, 10)
	}
	var id int64
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO snapshots (taken_at, origin, base_id, scorecards, entities, mix) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		millis(snap.Taken), snap.Origin, baseID, strings.Join(idList, ","), len(snap.Entities), string(mixJSON)).Scan(&id)
	if err != nil {
		return 0, s.err("store snapshot", err)
	}
	if err := s.insertRows(ctx, tx, id, write); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, s.err("store snapshot", err)
	}
	for k, v := range newEnts {
		s.entities[k] = v
	}
	for k, v := range newScs {
		s.scs[k] = v
	}
	if !baseID.Valid {
		s.base = &baseRows{id: id, rows: cur}
	}
	snap.ID = id
	return id, nil
}

func (s *oldStore) insertRows(ctx context.Context, tx *sql.Tx, snapID int64, rows map[pairKey]rowVal) error {
	keys := make([]pairKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	// Primary-key order makes the inserts append to the table's B-tree.
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].entity != keys[j].entity {
			return keys[i].entity < keys[j].entity
		}
		return keys[i].scorecard < keys[j].scorecard
	})
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, 5*insertBatch)
	for start := 0; start < len(keys); start += insertBatch {
		end := min(start+insertBatch, len(keys))
		n := end - start
		st, ok := stmts[n]
		if !ok {
			q := `INSERT INTO results (snapshot_id, entity_id, scorecard_id, level, pass) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", n), ", ")
			var err error
			if st, err = tx.PrepareContext(ctx, s.q(q)); err != nil {
				return s.err("store results", err)
			}
			stmts[n] = st
		}
		args = args[:0]
		for _, k := range keys[start:end] {
			v := rows[k]
			args = append(args, snapID, k.entity, k.scorecard, v.level, []byte(v.pass))
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return s.err("store results", err)
		}
	}
	return nil
}

func (s *oldStore) loadBase(ctx context.Context) error {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM snapshots WHERE base_id IS NULL ORDER BY id DESC LIMIT 1`).Scan(&id)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return s.err("read last snapshot", err)
	}
	rows, err := s.readRows(ctx, id)
	if err != nil {
		return err
	}
	s.base = &baseRows{id: id, rows: rows}
	return nil
}

func (s *oldStore) readRows(ctx context.Context, snapID int64) (map[pairKey]rowVal, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT entity_id, scorecard_id, level, pass FROM results WHERE snapshot_id = ?`), snapID)
	if err != nil {
		return nil, s.err("read snapshot results", err)
	}
	defer rows.Close()
	out := map[pairKey]rowVal{}
	for rows.Next() {
		var k pairKey
		var v rowVal
		var pass []byte
		if err := rows.Scan(&k.entity, &k.scorecard, &v.level, &pass); err != nil {
			return nil, s.err("read snapshot results", err)
		}
		v.pass = string(pass)
		out[k] = v
	}
	return out, s.err("read snapshot results", rows.Err())
}

// LoadSnapshot (schema version 5) reads a stored snapshot back. Entities come in the order
// they were first stored; URLs are not kept.
func (s *oldStore) LoadSnapshot(ctx context.Context, id int64) (*report.Snapshot, error) {
	var taken int64
	var origin, scList string
	var base sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT taken_at, origin, base_id, scorecards FROM snapshots WHERE id = ?`), id).Scan(&taken, &origin, &base, &scList)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("history database %s: no snapshot %d", s.where, id)
	}
	if err != nil {
		return nil, s.err("read snapshot", err)
	}
	snap := &report.Snapshot{ID: id, Taken: fromMillis(taken), Origin: origin}
	scPos := map[int64]int{}
	for _, f := range strings.Split(scList, ",") {
		if f == "" {
			continue
		}
		scID, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("history database %s: snapshot %d: scorecard list %q: %w", s.where, id, scList, err)
		}
		var def string
		if err := s.db.QueryRowContext(ctx, s.q(`SELECT definition FROM scorecard_versions WHERE id = ?`), scID).Scan(&def); err != nil {
			return nil, s.err(fmt.Sprintf("read scorecard version %d", scID), err)
		}
		var d report.ScorecardDef
		if err := json.Unmarshal([]byte(def), &d); err != nil {
			return nil, fmt.Errorf("history database %s: scorecard version %d: %w", s.where, scID, err)
		}
		scPos[scID] = len(snap.Scorecards)
		snap.Scorecards = append(snap.Scorecards, d)
	}
	rows := map[pairKey]rowVal{}
	if base.Valid {
		if rows, err = s.readRows(ctx, base.Int64); err != nil {
			return nil, err
		}
	}
	delta, err := s.readRows(ctx, id)
	if err != nil {
		return nil, err
	}
	for k, v := range delta {
		if v.level < 0 {
			delete(rows, k)
		} else {
			rows[k] = v
		}
	}
	entIDs := map[int64]bool{}
	for k := range rows {
		entIDs[k.entity] = true
	}
	ids := make([]int64, 0, len(entIDs))
	for e := range entIDs {
		ids = append(ids, e)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	refs, err := s.entityRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(ids))
	for i, e := range ids {
		pos[e] = i
	}
	snap.Entities = refs
	ns := len(snap.Scorecards)
	snap.Results = make([]report.Result, len(ids)*ns)
	for k, v := range rows {
		si, ok := scPos[k.scorecard]
		if !ok {
			continue
		}
		snap.Results[pos[k.entity]*ns+si] = report.Result{Applies: true, Level: int(v.level), Pass: v.pass}
	}
	return snap, nil
}
