package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prodready/prodready/report"
)

type entityKey struct{ identifier, title, teams string }

type pairKey struct{ entity, scorecard int64 }

type rowVal struct {
	level int16
	pass  string
}

type baseRows struct {
	id   int64
	rows map[pairKey]rowVal
}

// teamSep joins team identifiers in one column; it cannot occur in them.
const teamSep = "\x1f"

// deltaShare is the share of changed rows above which a snapshot is stored
// in full rather than as a delta of the last full one.
const deltaShare = 4

// insertBatch is how many result rows one INSERT carries.
const insertBatch = 200

func (s *Store) loadCaches(ctx context.Context) error {
	if s.entities != nil {
		return nil
	}
	ents := map[entityKey]int64{}
	rows, err := s.db.QueryContext(ctx, `SELECT id, identifier, title, teams FROM entity_versions`)
	if err != nil {
		return s.err("read entities", err)
	}
	for rows.Next() {
		var id int64
		var k entityKey
		if err := rows.Scan(&id, &k.identifier, &k.title, &k.teams); err != nil {
			rows.Close()
			return s.err("read entities", err)
		}
		ents[k] = id
	}
	if err := rows.Close(); err != nil {
		return s.err("read entities", err)
	}
	scs := map[string]int64{}
	rows, err = s.db.QueryContext(ctx, `SELECT id, hash FROM scorecard_versions`)
	if err != nil {
		return s.err("read scorecards", err)
	}
	for rows.Next() {
		var id int64
		var h string
		if err := rows.Scan(&id, &h); err != nil {
			rows.Close()
			return s.err("read scorecards", err)
		}
		scs[h] = id
	}
	if err := rows.Close(); err != nil {
		return s.err("read scorecards", err)
	}
	s.entities, s.scs = ents, scs
	return nil
}

func defHash(d *report.ScorecardDef) (string, []byte) {
	js, _ := json.Marshal(d) // plain strings and ints: cannot fail
	h := sha256.Sum256(js)
	return hex.EncodeToString(h[:16]), js
}

// SaveSnapshot stores snap in one transaction and sets snap.ID. A snapshot
// close to the last full one is stored as the rows that differ from it.
func (s *Store) SaveSnapshot(ctx context.Context, snap *report.Snapshot) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadCaches(ctx); err != nil {
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

func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, snapID int64, rows map[pairKey]rowVal) error {
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

func (s *Store) loadBase(ctx context.Context) error {
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

func (s *Store) readRows(ctx context.Context, snapID int64) (map[pairKey]rowVal, error) {
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

// SnapshotInfo describes a stored snapshot without its results.
type SnapshotInfo struct {
	ID    int64
	Taken time.Time
	Mix   map[string]map[string]int
}

// LatestSnapshot returns the newest snapshot taken at or before t.
func (s *Store) LatestSnapshot(ctx context.Context, t time.Time) (SnapshotInfo, bool, error) {
	var in SnapshotInfo
	var taken int64
	var mix string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, taken_at, mix FROM snapshots WHERE taken_at <= ? ORDER BY taken_at DESC, id DESC LIMIT 1`), millis(t)).Scan(&in.ID, &taken, &mix)
	if err == sql.ErrNoRows {
		return in, false, nil
	}
	if err != nil {
		return in, false, s.err("find snapshot", err)
	}
	in.Taken = fromMillis(taken)
	if err := json.Unmarshal([]byte(mix), &in.Mix); err != nil {
		return in, false, fmt.Errorf("history database %s: snapshot %d: level mix: %w", s.where, in.ID, err)
	}
	return in, true, nil
}

// Mixes returns, for each label and instant, the level mix of the newest
// snapshot taken at or before it; instants with no snapshot are left out,
// and so is a snapshot already used for an earlier instant.
func (s *Store) Mixes(ctx context.Context, labels []string, at []time.Time) ([]report.Mix, error) {
	var out []report.Mix
	seen := map[int64]bool{}
	for i, t := range at {
		in, ok, err := s.LatestSnapshot(ctx, t)
		if err != nil {
			return nil, err
		}
		if !ok || seen[in.ID] {
			continue
		}
		seen[in.ID] = true
		out = append(out, report.Mix{Label: labels[i], Taken: in.Taken, Counts: in.Mix})
	}
	return out, nil
}

// LoadSnapshot reads a stored snapshot back. Entities come in the order
// they were first stored; URLs are not kept.
func (s *Store) LoadSnapshot(ctx context.Context, id int64) (*report.Snapshot, error) {
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

func (s *Store) entityRefs(ctx context.Context, ids []int64) ([]report.EntityRef, error) {
	byID := make(map[int64]report.EntityRef, len(ids))
	rows, err := s.db.QueryContext(ctx, `SELECT id, identifier, title, teams FROM entity_versions`)
	if err != nil {
		return nil, s.err("read entities", err)
	}
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	for rows.Next() {
		var id int64
		var ident, title, teams string
		if err := rows.Scan(&id, &ident, &title, &teams); err != nil {
			rows.Close()
			return nil, s.err("read entities", err)
		}
		if !want[id] {
			continue
		}
		ref := report.EntityRef{Identifier: ident, Title: title}
		if teams != "" {
			ref.Teams = strings.Split(teams, teamSep)
		}
		byID[id] = ref
	}
	if err := rows.Close(); err != nil {
		return nil, s.err("read entities", err)
	}
	out := make([]report.EntityRef, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}
