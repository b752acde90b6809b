package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// openRow is a row of results_open in the store's memory.
type openRow struct {
	rowVal
	from int64  // valid_from
	seen uint64 // the save (Store.gen) that last found it in its snapshot
	dead bool   // replaced or gone: no longer in results_open
}

// teamSep joins team identifiers in one column; it cannot occur in them.
const teamSep = "\x1f"

// insertBatch is how many result rows one INSERT carries.
const insertBatch = 200

// saveLock serialises saves across processes (Postgres; SQLite's write
// transaction already does): snapshot ids must grow in commit order for a
// span of ids to name the snapshots a result held for.
const saveLock = "snapshots"

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
	s.entityByID = make(map[int64]entityKey, len(ents))
	for k, id := range ents {
		s.entityByID[id] = k
	}
	return nil
}

func defHash(d *report.ScorecardDef) (string, []byte) {
	js, _ := json.Marshal(d) // plain strings and ints: cannot fail
	h := sha256.Sum256(js)
	return hex.EncodeToString(h[:16]), js
}

// change is a result a save writes: a pair's new value (gone: it no
// longer applies), and the open row it replaces (nil: none).
type change struct {
	key  pairKey
	val  rowVal
	gone bool
	old  *openRow
	pos  int // in the snapshot's results
}

// SaveSnapshot stores snap in one transaction and sets snap.ID. Only the
// results that differ from the newest stored snapshot are written: a
// refresh in which nothing changed writes the snapshot's one row.
func (s *Store) SaveSnapshot(ctx context.Context, snap *report.Snapshot) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadCaches(ctx); err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.err("store snapshot", err)
	}
	defer tx.Rollback()
	if s.d.migrateLock != "" {
		if _, err := tx.ExecContext(ctx, s.q(s.d.migrateLock), s.lockKey(saveLock)); err != nil {
			return 0, s.err("lock for snapshot", err)
		}
	}
	// Another process may have saved since this one did: then the open
	// rows in memory are stale and are read again.
	var head sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(id) FROM snapshots`).Scan(&head); err != nil {
		return 0, s.err("store snapshot", err)
	}
	if s.open == nil || head.Int64 != s.head {
		s.open, s.lastPtrs = nil, nil
		open, err := s.readOpen(ctx, tx)
		if err != nil {
			return 0, err
		}
		s.open = open
	}

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
	var kb strings.Builder
	for i := range snap.Entities {
		e := &snap.Entities[i]
		// Most entities are where and as they were in the last save.
		if i < len(s.lastEnts) && sameRef(&s.lastEnts[i], e) {
			entIDs[i] = s.lastEntIDs[i]
			continue
		}
		kb.Reset()
		for j, t := range e.Teams {
			if j > 0 {
				kb.WriteString(teamSep)
			}
			kb.WriteString(t)
		}
		k := entityKey{e.Identifier, e.Title, kb.String()}
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

	changes, ptrs := s.diff(snap, entIDs, scIDs)

	mix := report.MixOf(snap, "")
	mixJSON, _ := json.Marshal(mix.Counts)
	idList := make([]string, len(scIDs))
	for i, id := range scIDs {
		idList[i] = strconv.FormatInt(id, 10)
	}
	var id int64
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO snapshots (taken_at, origin, base_id, scorecards, entities, mix, layout) VALUES (?, ?, 0, ?, ?, ?, ?) RETURNING id`),
		millis(snap.Taken), snap.Origin, strings.Join(idList, ","), len(snap.Entities), string(mixJSON), layoutVersion).Scan(&id)
	if err != nil {
		return 0, s.err("store snapshot", err)
	}
	if err := s.writeChanges(ctx, tx, id, changes); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		s.open, s.lastPtrs = nil, nil
		return 0, s.err("store snapshot", err)
	}
	for k, v := range newEnts {
		s.entities[k] = v
		s.entityByID[v] = k
	}
	for k, v := range newScs {
		s.scs[k] = v
	}
	applyChanges(s.open, id, changes, ptrs)
	s.head = id
	s.lastEnts = append(s.lastEnts[:0], snap.Entities...)
	s.lastEntIDs, s.lastScIDs, s.lastPtrs = entIDs, scIDs, ptrs
	snap.ID = id
	return id, nil
}

// sameRef: a and b are the same entity version (URL aside).
func sameRef(a, b *report.EntityRef) bool {
	if a.Identifier != b.Identifier || a.Title != b.Title || len(a.Teams) != len(b.Teams) {
		return false
	}
	for i := range a.Teams {
		if a.Teams[i] != b.Teams[i] {
			return false
		}
	}
	return true
}

// diff compares snap with the open rows: pairs whose result is new or
// differs, and open pairs the snapshot no longer has. It also returns the
// open row of each of snap's results before the save: the next save finds
// a result's row there, without a map lookup, when the entity and the
// scorecards are where they were.
func (s *Store) diff(snap *report.Snapshot, entIDs, scIDs []int64) ([]change, []*openRow) {
	s.gen++
	gen := s.gen
	ns := len(snap.Scorecards)
	var out []change
	matched := 0
	added := map[pairKey]int{} // position in out, against pairs repeated in one snapshot
	ptrs := make([]*openRow, len(snap.Results))
	sameScs := s.lastPtrs != nil && slices.Equal(scIDs, s.lastScIDs)
	for e := range snap.Entities {
		sameEnt := sameScs && e < len(s.lastEntIDs) && s.lastEntIDs[e] == entIDs[e]
		for si := 0; si < ns; si++ {
			p := e*ns + si
			r := snap.Results[p]
			if !r.Applies {
				continue
			}
			k := pairKey{entIDs[e], scIDs[si]}
			v := rowVal{int16(r.Level), r.Pass}
			var o *openRow
			if sameEnt {
				if o = s.lastPtrs[p]; o != nil && o.dead {
					o = nil
				}
			}
			if o == nil {
				o = s.open[k]
			}
			if o != nil {
				ptrs[p] = o
				if o.seen != gen {
					o.seen = gen
					matched++
				}
				if o.rowVal == v {
					continue
				}
			}
			if i, ok := added[k]; ok {
				out[i].val = v
				continue
			}
			added[k] = len(out)
			out = append(out, change{key: k, val: v, old: o, pos: p})
		}
	}
	if matched < len(s.open) {
		for k, o := range s.open {
			if o.seen != gen {
				out = append(out, change{key: k, gone: true, old: o, pos: -1})
			}
		}
	}
	return out, ptrs
}

// applyChanges brings open (and ptrs, when not nil) to snapshot id.
func applyChanges(open map[pairKey]*openRow, id int64, changes []change, ptrs []*openRow) {
	for _, c := range changes {
		if c.old != nil {
			c.old.dead = true
		}
		if c.gone {
			delete(open, c.key)
			continue
		}
		o := &openRow{rowVal: c.val, from: id}
		open[c.key] = o
		if ptrs != nil && c.pos >= 0 {
			ptrs[c.pos] = o
		}
	}
}

// writeChanges closes the replaced rows' spans at snapshot id and opens
// the new ones.
func (s *Store) writeChanges(ctx context.Context, tx *sql.Tx, id int64, changes []change) error {
	// Key order makes the inserts append to the tables' B-trees.
	sort.Slice(changes, func(i, j int) bool {
		a, b := changes[i].key, changes[j].key
		if a.entity != b.entity {
			return a.entity < b.entity
		}
		return a.scorecard < b.scorecard
	})
	var closed, opened, gone [][]any
	for _, c := range changes {
		if c.old != nil {
			closed = append(closed, []any{id, c.key.entity, c.key.scorecard, c.old.level, []byte(c.old.pass), c.old.from})
		}
		if c.gone {
			gone = append(gone, []any{c.key.entity, c.key.scorecard})
		} else {
			opened = append(opened, []any{c.key.entity, c.key.scorecard, c.val.level, []byte(c.val.pass), id})
		}
	}
	if err := s.insertMany(ctx, tx, `INSERT INTO results_closed (valid_to, entity_id, scorecard_id, level, pass, valid_from) VALUES `, "", closed); err != nil {
		return err
	}
	if err := s.insertMany(ctx, tx, `INSERT INTO results_open (entity_id, scorecard_id, level, pass, valid_from) VALUES `,
		` ON CONFLICT (entity_id, scorecard_id) DO UPDATE SET level = excluded.level, pass = excluded.pass, valid_from = excluded.valid_from`, opened); err != nil {
		return err
	}
	if len(gone) > 0 {
		st, err := tx.PrepareContext(ctx, s.q(`DELETE FROM results_open WHERE entity_id = ? AND scorecard_id = ?`))
		if err != nil {
			return s.err("store results", err)
		}
		defer st.Close()
		for _, g := range gone {
			if _, err := st.ExecContext(ctx, g...); err != nil {
				return s.err("store results", err)
			}
		}
	}
	return nil
}

// insertMany inserts rows, insertBatch to a statement.
func (s *Store) insertMany(ctx context.Context, tx *sql.Tx, head, tail string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, width*insertBatch)
	for start := 0; start < len(rows); start += insertBatch {
		end := min(start+insertBatch, len(rows))
		n := end - start
		st, ok := stmts[n]
		if !ok {
			q := head + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + tail
			var err error
			if st, err = tx.PrepareContext(ctx, s.q(q)); err != nil {
				return s.err("store results", err)
			}
			stmts[n] = st
		}
		args = args[:0]
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return s.err("store results", err)
		}
	}
	return nil
}

// readOpen reads results_open.
func (s *Store) readOpen(ctx context.Context, q querier) (map[pairKey]*openRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT entity_id, scorecard_id, level, pass, valid_from FROM results_open`)
	if err != nil {
		return nil, s.err("read results", err)
	}
	defer rows.Close()
	out := map[pairKey]*openRow{}
	interned := map[string]string{}
	for rows.Next() {
		var k pairKey
		o := &openRow{}
		var pass []byte
		if err := rows.Scan(&k.entity, &k.scorecard, &o.level, &pass, &o.from); err != nil {
			return nil, s.err("read results", err)
		}
		o.pass = intern(interned, pass)
		out[k] = o
	}
	return out, s.err("read results", rows.Err())
}

// intern returns b as a string shared with the equal ones before it: most
// services pass the same rules.
func intern(m map[string]string, b []byte) string {
	if v, ok := m[string(b)]; ok {
		return v
	}
	v := string(b)
	m[v] = v
	return v
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readRows reads snapshot id's results: the open rows it sees and the
// closed rows whose span holds it.
func (s *Store) readRows(ctx context.Context, snapID int64) (map[pairKey]rowVal, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT entity_id, scorecard_id, level, pass FROM results_open WHERE valid_from <= ?
		UNION ALL SELECT entity_id, scorecard_id, level, pass FROM results_closed WHERE valid_to > ? AND valid_from <= ?`), snapID, snapID, snapID)
	if err != nil {
		return nil, s.err("read snapshot results", err)
	}
	defer rows.Close()
	out := map[pairKey]rowVal{}
	interned := map[string]string{}
	for rows.Next() {
		var k pairKey
		var v rowVal
		var pass []byte
		if err := rows.Scan(&k.entity, &k.scorecard, &v.level, &pass); err != nil {
			return nil, s.err("read snapshot results", err)
		}
		v.pass = intern(interned, pass)
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
	err := s.db.QueryRowContext(ctx, s.q(`SELECT taken_at, origin, scorecards FROM snapshots WHERE id = ?`), id).Scan(&taken, &origin, &scList)
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
	rows, err := s.snapshotRows(ctx, id)
	if err != nil {
		return nil, err
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

// snapshotRows reads snapshot id's results. A store that saved the
// newest snapshot has its results in memory, and reads from the database
// only the rows that changed after id: the cost of reading a month-old
// snapshot is then the month's changes, not the catalog's size.
func (s *Store) snapshotRows(ctx context.Context, id int64) (map[pairKey]rowVal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil || id > s.head {
		return s.readRows(ctx, id)
	}
	var head sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(id) FROM snapshots`).Scan(&head); err != nil {
		return nil, s.err("read snapshot", err)
	}
	if head.Int64 != s.head {
		return s.readRows(ctx, id) // another process saved since
	}
	out := make(map[pairKey]rowVal, len(s.open))
	for k, o := range s.open {
		if o.from <= id {
			out[k] = o.rowVal
		}
	}
	// The results a pair had at id before it changed; rows closed by a
	// snapshot after head (another process's, since) are not for these
	// open rows to be corrected by.
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT entity_id, scorecard_id, level, pass FROM results_closed WHERE valid_to > ? AND valid_to <= ? AND valid_from <= ?`), id, s.head, id)
	if err != nil {
		return nil, s.err("read snapshot results", err)
	}
	defer rows.Close()
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

// entityRefs names the entity versions ids, from memory when this store
// has them all (it stored or read them), else from the database.
func (s *Store) entityRefs(ctx context.Context, ids []int64) ([]report.EntityRef, error) {
	if out, ok := s.cachedRefs(ids); ok {
		return out, nil
	}
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

func (s *Store) cachedRefs(ids []int64) ([]report.EntityRef, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entityByID == nil {
		return nil, false
	}
	out := make([]report.EntityRef, len(ids))
	for i, id := range ids {
		k, ok := s.entityByID[id]
		if !ok {
			return nil, false
		}
		out[i] = report.EntityRef{Identifier: k.identifier, Title: k.title}
		if k.teams != "" {
			out[i].Teams = strings.Split(k.teams, teamSep)
		}
	}
	return out, true
}

// LevelKey is one service's standing on one scorecard, by identifiers.
type LevelKey struct{ Service, Scorecard string }

// PeakLevelsSince returns, per service and scorecard, the highest level
// rank held in a snapshot after snapID that a later snapshot no longer
// holds: the levels passed through since then. A level below the one now
// that is lower than such a peak is a drop since snapID, even when
// snapshot snapID itself had the lower level (Silver → Bronze → Silver →
// Bronze drops twice).
func (s *Store) PeakLevelsSince(ctx context.Context, snapID int64) (map[LevelKey]int, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT e.identifier, sc.identifier, MAX(r.level)
		FROM results_closed r
		JOIN entity_versions e ON e.id = r.entity_id
		JOIN scorecard_versions sc ON sc.id = r.scorecard_id
		WHERE r.valid_to > ? AND r.valid_from > ?
		GROUP BY e.identifier, sc.identifier`), snapID, snapID)
	if err != nil {
		return nil, s.err("read levels since a snapshot", err)
	}
	defer rows.Close()
	out := map[LevelKey]int{}
	for rows.Next() {
		var k LevelKey
		var level int
		if err := rows.Scan(&k.Service, &k.Scorecard, &level); err != nil {
			return nil, s.err("read levels since a snapshot", err)
		}
		out[k] = level
	}
	return out, s.err("read levels since a snapshot", rows.Err())
}
