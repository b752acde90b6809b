package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Exemptions and snoozes are decisions people make, so the history keeps
// who made each and when: an exemption is requested (from Slack, or by the
// file's author), then approved or denied once; a snooze quiets a team's
// notices for a while.

// Exemption states.
const (
	ExemptionRequested = "requested"
	ExemptionApproved  = "approved"
	ExemptionDenied    = "denied"
)

// exemptionsMigration is schema version 3; migrations() appends it.
func exemptionsMigration(d dialect) []string {
	return []string{
		`CREATE TABLE exemptions (
			id ` + d.autoID + `,
			service TEXT NOT NULL,
			scorecard TEXT NOT NULL,
			rule TEXT NOT NULL,
			until_at BIGINT NOT NULL,
			reason TEXT NOT NULL,
			origin TEXT NOT NULL,
			status TEXT NOT NULL,
			requested_by TEXT NOT NULL,
			requested_at BIGINT NOT NULL,
			decided_by TEXT NOT NULL DEFAULT '',
			decided_at BIGINT,
			expiry_noticed_at BIGINT)`,
		// One open request per rule of a service: a second click on
		// Request exemption finds the first.
		`CREATE UNIQUE INDEX exemptions_open ON exemptions (service, scorecard, rule) WHERE status = 'requested'`,
		// Replicas syncing the same file at once add each entry once.
		`CREATE UNIQUE INDEX exemptions_file ON exemptions (service, scorecard, rule, until_at, reason, requested_by) WHERE origin = 'file'`,
		`CREATE INDEX exemptions_until ON exemptions (status, until_at)`,
		`CREATE TABLE snoozes (
			id ` + d.autoID + `,
			team TEXT NOT NULL,
			until_at BIGINT NOT NULL,
			snoozed_by TEXT NOT NULL,
			snoozed_at BIGINT NOT NULL,
			noticed_at BIGINT)`,
		`CREATE INDEX snoozes_team ON snoozes (team, until_at)`,
	}
}

// ExemptionRecord is an exemption as the history keeps it.
type ExemptionRecord struct {
	ID int64
	scorecard.Exemption
	Status      string
	RequestedBy string
	Requested   time.Time
	DecidedBy   string    // "" while requested
	Decided     time.Time // zero while requested
	// ExpiryNoticed is when a team notice said the exemption expired; zero
	// before that.
	ExpiryNoticed time.Time
}

// ErrAlreadyDecided means the exemption was approved or denied before.
var ErrAlreadyDecided = errors.New("exemption already decided")

// ErrAlreadyRequested means an open request for the same rule exists.
var ErrAlreadyRequested = errors.New("an exemption for this rule is already waiting for a decision")

// ErrNoExemption means no exemption has the ID.
var ErrNoExemption = errors.New("no such exemption")

const exemptionCols = `id, service, scorecard, rule, until_at, reason, origin, status, requested_by, requested_at, decided_by, decided_at, expiry_noticed_at`

func scanExemption(row interface{ Scan(...any) error }) (ExemptionRecord, error) {
	var x ExemptionRecord
	var until, requested int64
	var decided, noticed sql.NullInt64
	err := row.Scan(&x.ID, &x.Service, &x.Scorecard, &x.Rule, &until, &x.Reason, &x.Origin, &x.Status,
		&x.RequestedBy, &requested, &x.DecidedBy, &decided, &noticed)
	x.Until, x.Requested = fromMillis(until), fromMillis(requested)
	if decided.Valid {
		x.Decided = fromMillis(decided.Int64)
	}
	if noticed.Valid {
		x.ExpiryNoticed = fromMillis(noticed.Int64)
	}
	x.By = x.DecidedBy
	return x, err
}

// RequestExemption records a request from Slack and returns its ID. An
// open request for the same service, scorecard and rule fails with
// ErrAlreadyRequested, returning the open one.
func (s *Store) RequestExemption(ctx context.Context, x scorecard.Exemption, by string, now time.Time) (ExemptionRecord, error) {
	op := fmt.Sprintf("request exemption for %s/%s/%s", x.Service, x.Scorecard, x.Rule)
	if x.Origin == "" {
		x.Origin = scorecard.OriginSlack
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO exemptions (service, scorecard, rule, until_at, reason, origin, status, requested_by, requested_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
		x.Service, x.Scorecard, x.Rule, millis(x.Until), x.Reason, x.Origin, ExemptionRequested, by, millis(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		open, err := scanExemption(s.db.QueryRowContext(ctx, s.q(`SELECT `+exemptionCols+` FROM exemptions WHERE service = ? AND scorecard = ? AND rule = ? AND status = ?`),
			x.Service, x.Scorecard, x.Rule, ExemptionRequested))
		if err != nil {
			return ExemptionRecord{}, s.err(op, err)
		}
		return open, fmt.Errorf("%s: %w (requested by %s)", op, ErrAlreadyRequested, open.RequestedBy)
	}
	if err != nil {
		return ExemptionRecord{}, s.err(op, err)
	}
	return s.Exemption(ctx, id)
}

// Exemption reads one exemption by ID.
func (s *Store) Exemption(ctx context.Context, id int64) (ExemptionRecord, error) {
	x, err := scanExemption(s.db.QueryRowContext(ctx, s.q(`SELECT `+exemptionCols+` FROM exemptions WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return ExemptionRecord{}, fmt.Errorf("exemption %d: %w", id, ErrNoExemption)
	}
	return x, s.err(fmt.Sprintf("read exemption %d", id), err)
}

// DecideExemption approves or denies a requested exemption, once: the
// state changes only from requested, so a second click (or a second
// approver at the same moment) gets ErrAlreadyDecided with the record as
// the first decision left it.
func (s *Store) DecideExemption(ctx context.Context, id int64, approve bool, by string, now time.Time) (ExemptionRecord, error) {
	status := ExemptionDenied
	if approve {
		status = ExemptionApproved
	}
	op := fmt.Sprintf("decide exemption %d", id)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE exemptions SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?`),
		status, by, millis(now), id, ExemptionRequested)
	if err != nil {
		return ExemptionRecord{}, s.err(op, err)
	}
	n, _ := res.RowsAffected()
	x, err := s.Exemption(ctx, id)
	if err != nil {
		return ExemptionRecord{}, err
	}
	if n == 0 {
		return x, fmt.Errorf("%s: %w: %s by %s", op, ErrAlreadyDecided, x.Status, x.DecidedBy)
	}
	return x, nil
}

// SyncFileExemptions makes the file's exemptions (PRODREADY_EXEMPTIONS)
// the approved ones of origin file: new entries are added, those gone from
// the file are removed, unchanged ones keep their history. by of each
// entry is both requester and approver.
func (s *Store) SyncFileExemptions(ctx context.Context, xs []scorecard.Exemption, now time.Time) error {
	op := "record the exemptions file"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.err(op, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, s.q(`SELECT `+exemptionCols+` FROM exemptions WHERE origin = ?`), scorecard.OriginFile)
	if err != nil {
		return s.err(op, err)
	}
	key := func(x scorecard.Exemption) string {
		return fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%s\x00%s", x.Service, x.Scorecard, x.Rule, millis(x.Until), x.Reason, x.By)
	}
	have := map[string]int64{}
	for rows.Next() {
		x, err := scanExemption(rows)
		if err != nil {
			rows.Close()
			return s.err(op, err)
		}
		have[key(x.Exemption)] = x.ID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.err(op, err)
	}
	for _, x := range xs {
		k := key(x)
		if _, ok := have[k]; ok {
			delete(have, k)
			continue
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO exemptions (service, scorecard, rule, until_at, reason, origin, status, requested_by, requested_at, decided_by, decided_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			x.Service, x.Scorecard, x.Rule, millis(x.Until), x.Reason, scorecard.OriginFile, ExemptionApproved, x.By, millis(now), x.By, millis(now)); err != nil {
			return s.err(op, err)
		}
	}
	for _, id := range have {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM exemptions WHERE id = ?`), id); err != nil {
			return s.err(op, err)
		}
	}
	return s.err(op, tx.Commit())
}

// Exemptions lists exemptions in status (all when ""), by until.
func (s *Store) Exemptions(ctx context.Context, status string) ([]ExemptionRecord, error) {
	return s.exemptions(ctx, "read exemptions", `SELECT `+exemptionCols+` FROM exemptions WHERE status = ? OR ? = '' ORDER BY until_at, id`, status, status)
}

// ActiveExemptions are the approved exemptions that count at now, of both
// origins, ready for scorecard.Evaluation.Exempt.
func (s *Store) ActiveExemptions(ctx context.Context, now time.Time) ([]scorecard.Exemption, error) {
	recs, err := s.exemptions(ctx, "read active exemptions", `SELECT `+exemptionCols+` FROM exemptions WHERE status = ? AND until_at >= ? ORDER BY until_at, id`,
		ExemptionApproved, millis(now))
	if err != nil {
		return nil, err
	}
	out := make([]scorecard.Exemption, len(recs))
	for i := range recs {
		out[i] = recs[i].Exemption
	}
	return out, nil
}

// ExpiredUnnoticed lists the approved exemptions that expired before now
// and that no team notice has mentioned yet.
func (s *Store) ExpiredUnnoticed(ctx context.Context, now time.Time) ([]ExemptionRecord, error) {
	return s.exemptions(ctx, "read expired exemptions", `SELECT `+exemptionCols+` FROM exemptions WHERE status = ? AND until_at < ? AND expiry_noticed_at IS NULL ORDER BY until_at, id`,
		ExemptionApproved, millis(now))
}

// MarkExpiryNoticed records that a notice told the team these expired.
func (s *Store) MarkExpiryNoticed(ctx context.Context, ids []int64, now time.Time) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE exemptions SET expiry_noticed_at = ? WHERE id = ? AND expiry_noticed_at IS NULL`), millis(now), id); err != nil {
			return s.err("mark expired exemption noticed", err)
		}
	}
	return nil
}

func (s *Store) exemptions(ctx context.Context, op, q string, args ...any) ([]ExemptionRecord, error) {
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.err(op, err)
	}
	defer rows.Close()
	var out []ExemptionRecord
	for rows.Next() {
		x, err := scanExemption(rows)
		if err != nil {
			return nil, s.err(op, err)
		}
		out = append(out, x)
	}
	return out, s.err(op, rows.Err())
}

// Snooze is a team's notices quieted until a time, by someone.
type Snooze struct {
	ID      int64
	Team    string
	Until   time.Time
	By      string
	At      time.Time
	Noticed time.Time // when a later notice said it was snoozed; zero before
}

const snoozeCols = `id, team, until_at, snoozed_by, snoozed_at, noticed_at`

func scanSnooze(row interface{ Scan(...any) error }) (Snooze, error) {
	var z Snooze
	var until, at int64
	var noticed sql.NullInt64
	err := row.Scan(&z.ID, &z.Team, &until, &z.By, &at, &noticed)
	z.Until, z.At = fromMillis(until), fromMillis(at)
	if noticed.Valid {
		z.Noticed = fromMillis(noticed.Int64)
	}
	return z, err
}

// SnoozeTeam quiets team's notices until until. A team already snoozed
// past until keeps its snooze (a second click changes nothing); the
// snooze in force is returned with changed false.
func (s *Store) SnoozeTeam(ctx context.Context, team, by string, until, now time.Time) (z Snooze, changed bool, err error) {
	op := "snooze team " + team
	if cur, ok, err := s.SnoozeOf(ctx, team, now); err != nil {
		return Snooze{}, false, err
	} else if ok && !cur.Until.Before(until.Add(-time.Hour)) {
		return cur, false, nil
	}
	var id int64
	if err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO snoozes (team, until_at, snoozed_by, snoozed_at) VALUES (?, ?, ?, ?) RETURNING id`),
		team, millis(until), by, millis(now)).Scan(&id); err != nil {
		return Snooze{}, false, s.err(op, err)
	}
	return Snooze{ID: id, Team: team, Until: until, By: by, At: now}, true, nil
}

// SnoozeOf returns the team's snooze in force at now, if any.
func (s *Store) SnoozeOf(ctx context.Context, team string, now time.Time) (Snooze, bool, error) {
	z, err := scanSnooze(s.db.QueryRowContext(ctx, s.q(`SELECT `+snoozeCols+` FROM snoozes WHERE team = ? AND until_at > ? ORDER BY until_at DESC, id DESC LIMIT 1`), team, millis(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return Snooze{}, false, nil
	}
	if err != nil {
		return Snooze{}, false, s.err("read snooze of team "+team, err)
	}
	return z, true, nil
}

// EndedSnoozes lists the team's snoozes that ended before now and that no
// notice has mentioned yet, so the next notice can say who snoozed it.
func (s *Store) EndedSnoozes(ctx context.Context, team string, now time.Time) ([]Snooze, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+snoozeCols+` FROM snoozes WHERE team = ? AND until_at <= ? AND noticed_at IS NULL ORDER BY until_at`), team, millis(now))
	if err != nil {
		return nil, s.err("read snoozes of team "+team, err)
	}
	defer rows.Close()
	var out []Snooze
	for rows.Next() {
		z, err := scanSnooze(rows)
		if err != nil {
			return nil, s.err("read snoozes of team "+team, err)
		}
		out = append(out, z)
	}
	return out, s.err("read snoozes of team "+team, rows.Err())
}

// MarkSnoozesNoticed records that a notice mentioned these snoozes.
func (s *Store) MarkSnoozesNoticed(ctx context.Context, ids []int64, now time.Time) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE snoozes SET noticed_at = ? WHERE id = ? AND noticed_at IS NULL`), millis(now), id); err != nil {
			return s.err("mark snooze noticed", err)
		}
	}
	return nil
}
