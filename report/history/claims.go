package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A claim reserves a message's exactly-once key before the message is
// posted, so that two processes (serve and a manual `prodready run`, or two
// replicas around a change of leader) never post it both, and so that a
// process that died between Slack accepting a message and the database
// recording it leaves a trace: a pending claim, which the next attempt
// resolves by looking for the message in Slack before posting again.
//
// A claim is pending while its claimer posts, and sent once the message is
// recorded; a sent claim stays until pruned, so that a late claimer finds
// it rather than the empty slot a deleted claim would leave.

// Claim states.
const (
	ClaimPending = "pending"
	ClaimSent    = "sent"
)

// claimsMigration is the schema the claims need; migrations() appends it.
func claimsMigration(d dialect) []string {
	return []string{
		`CREATE TABLE claims (
			job TEXT NOT NULL,
			period TEXT NOT NULL,
			destination TEXT NOT NULL,
			copy INTEGER NOT NULL,
			status TEXT NOT NULL,
			claimer TEXT NOT NULL,
			channel TEXT NOT NULL DEFAULT '',
			first_claimed_at BIGINT NOT NULL,
			claimed_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			PRIMARY KEY (job, period, destination, copy))`,
		`CREATE INDEX claims_claimed ON claims (claimed_at)`,
	}
}

// Claim is a reservation of one message's exactly-once key.
type Claim struct {
	Job, Period, Destination string
	Copy                     int
	Status                   string // ClaimPending or ClaimSent
	Claimer                  string // who holds it: a process's identity
	// Channel is the conversation the claimer posts to, once it knows it;
	// where to look for the message if the claimer did not finish.
	Channel string
	// First is when the key was first claimed: no attempt can have posted
	// the message earlier.
	First   time.Time
	Claimed time.Time // when the current claimer took it
	Expires time.Time // when another claimer may take it over
}

// Key names the claim's message, as it is attached to the message in Slack.
func (c Claim) Key() string {
	return fmt.Sprintf("%s/%s/%s/%d", c.Job, c.Period, c.Destination, c.Copy)
}

// ClaimResult says what Claim found.
type ClaimResult int

const (
	// ClaimedNew: nobody had claimed the key; post the message.
	ClaimedNew ClaimResult = iota
	// ClaimedOver: an earlier attempt claimed the key and did not record
	// the message (it died, or could not tell whether Slack accepted it).
	// The claim is now the caller's; look for the message in Prev.Channel
	// since Prev.First before posting it again.
	ClaimedOver
	// ClaimHeldByOther: another claimer holds the key until Prev.Expires.
	ClaimHeldByOther
	// ClaimAlreadySent: the message is recorded as sent.
	ClaimAlreadySent
)

func (r ClaimResult) String() string {
	switch r {
	case ClaimedNew:
		return "claimed"
	case ClaimedOver:
		return "claimed over an unfinished attempt"
	case ClaimHeldByOther:
		return "held by another claimer"
	case ClaimAlreadySent:
		return "already sent"
	}
	return fmt.Sprintf("ClaimResult(%d)", int(r))
}

const claimCols = `job, period, destination, copy, status, claimer, channel, first_claimed_at, claimed_at, expires_at`

func scanClaim(row interface{ Scan(...any) error }) (Claim, error) {
	var c Claim
	var first, claimed, expires int64
	err := row.Scan(&c.Job, &c.Period, &c.Destination, &c.Copy, &c.Status, &c.Claimer, &c.Channel, &first, &claimed, &expires)
	c.First, c.Claimed, c.Expires = fromMillis(first), fromMillis(claimed), fromMillis(expires)
	return c, err
}

// Claim reserves c's key for c.Claimer until now+lease. The claimer's own
// pending claim (from an attempt it gave up on) and an expired one are
// taken over; the previous claim is returned with ClaimedOver and
// ClaimHeldByOther.
func (s *Store) Claim(ctx context.Context, c Claim, now time.Time, lease time.Duration) (ClaimResult, Claim, error) {
	op := "claim message " + c.Key()
	if c.Claimer == "" {
		return 0, Claim{}, fmt.Errorf("%s: no claimer", op)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, Claim{}, s.err(op, err)
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM messages WHERE job = ? AND period = ? AND destination = ? AND copy = ?`),
		c.Job, c.Period, c.Destination, c.Copy).Scan(&one)
	switch {
	case err == nil:
		return ClaimAlreadySent, Claim{}, s.err(op, tx.Commit())
	case !errors.Is(err, sql.ErrNoRows):
		return 0, Claim{}, s.err(op, err)
	}
	exp := millis(now.Add(lease))
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO claims (`+claimCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		c.Job, c.Period, c.Destination, c.Copy, ClaimPending, c.Claimer, c.Channel, millis(now), millis(now), exp)
	if err != nil {
		return 0, Claim{}, s.err(op, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return ClaimedNew, Claim{}, s.err(op, tx.Commit())
	}
	prev, err := scanClaim(tx.QueryRowContext(ctx, s.q(`SELECT `+claimCols+` FROM claims WHERE job = ? AND period = ? AND destination = ? AND copy = ?`),
		c.Job, c.Period, c.Destination, c.Copy))
	if errors.Is(err, sql.ErrNoRows) {
		// Pruned between the insert and the read: the caller tries again.
		return ClaimHeldByOther, Claim{}, s.err(op, tx.Commit())
	}
	if err != nil {
		return 0, Claim{}, s.err(op, err)
	}
	if prev.Status == ClaimSent {
		return ClaimAlreadySent, prev, s.err(op, tx.Commit())
	}
	if prev.Claimer != c.Claimer && now.Before(prev.Expires) {
		return ClaimHeldByOther, prev, s.err(op, tx.Commit())
	}
	// Compare and swap: of two claimers taking over at once, one wins.
	res, err = tx.ExecContext(ctx, s.q(`UPDATE claims SET claimer = ?, claimed_at = ?, expires_at = ?, channel = ? WHERE job = ? AND period = ? AND destination = ? AND copy = ? AND status = ? AND claimer = ? AND expires_at = ?`),
		c.Claimer, millis(now), exp, prev.Channel, c.Job, c.Period, c.Destination, c.Copy, ClaimPending, prev.Claimer, millis(prev.Expires))
	if err != nil {
		return 0, Claim{}, s.err(op, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ClaimHeldByOther, prev, s.err(op, tx.Commit())
	}
	return ClaimedOver, prev, s.err(op, tx.Commit())
}

// RenewClaim extends c.Claimer's pending claim to now+lease and records
// the channel it posts to. It returns false when the claim is no longer
// the claimer's (taken over after it expired, or already sent).
func (s *Store) RenewClaim(ctx context.Context, c Claim, now time.Time, lease time.Duration) (bool, error) {
	q := `UPDATE claims SET expires_at = ?` + map[bool]string{true: `, channel = ?`, false: ``}[c.Channel != ""] +
		` WHERE job = ? AND period = ? AND destination = ? AND copy = ? AND status = ? AND claimer = ?`
	args := []any{millis(now.Add(lease))}
	if c.Channel != "" {
		args = append(args, c.Channel)
	}
	args = append(args, c.Job, c.Period, c.Destination, c.Copy, ClaimPending, c.Claimer)
	res, err := s.db.ExecContext(ctx, s.q(q), args...)
	if err != nil {
		return false, s.err("renew claim on message "+c.Key(), err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseClaim gives up c.Claimer's pending claim. When unsure (the post
// may have reached Slack: it timed out, was canceled, or Slack failed on
// its side), the claim stays, expired, so the next attempt takes it over
// at once and looks for the message before posting; otherwise (Slack
// refused the message) it is deleted.
func (s *Store) ReleaseClaim(ctx context.Context, c Claim, now time.Time, unsure bool) error {
	var err error
	if unsure {
		_, err = s.db.ExecContext(ctx, s.q(`UPDATE claims SET expires_at = ? WHERE job = ? AND period = ? AND destination = ? AND copy = ? AND status = ? AND claimer = ?`),
			millis(now), c.Job, c.Period, c.Destination, c.Copy, ClaimPending, c.Claimer)
	} else {
		_, err = s.db.ExecContext(ctx, s.q(`DELETE FROM claims WHERE job = ? AND period = ? AND destination = ? AND copy = ? AND status = ? AND claimer = ?`),
			c.Job, c.Period, c.Destination, c.Copy, ClaimPending, c.Claimer)
	}
	return s.err("release claim on message "+c.Key(), err)
}

// RecordClaimedSent records a message Slack accepted and marks its claim
// sent, in one transaction. A message already recorded under the same key
// fails with ErrAlreadySent.
func (s *Store) RecordClaimedSent(ctx context.Context, m Message) error {
	op := "record message to " + m.Destination
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.err(op, err)
	}
	defer tx.Rollback()
	var snap sql.NullInt64
	if m.SnapshotID != 0 {
		snap = sql.NullInt64{Int64: m.SnapshotID, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO messages (`+msgCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		m.Job, m.Period, m.Destination, m.Copy, m.Channel, m.TS, millis(m.Sent), m.RunID, snap, m.ContentHash); err != nil {
		return s.err(op, err)
	}
	// Whoever holds the claim, the message is sent: a claimer that took it
	// over in the meantime finds it so.
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE claims SET status = ?, channel = ? WHERE job = ? AND period = ? AND destination = ? AND copy = ?`),
		ClaimSent, m.Channel, m.Job, m.Period, m.Destination, m.Copy); err != nil {
		return s.err(op, err)
	}
	return s.err(op, tx.Commit())
}

// Claims lists the claims of job (all jobs when ""), oldest first.
func (s *Store) Claims(ctx context.Context, job string) ([]Claim, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+claimCols+` FROM claims WHERE job = ? OR ? = '' ORDER BY first_claimed_at, period, destination, copy`), job, job)
	if err != nil {
		return nil, s.err("read claims", err)
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			return nil, s.err("read claims", err)
		}
		out = append(out, c)
	}
	return out, s.err("read claims", rows.Err())
}

// PruneClaims deletes the claims taken before cut (the retention): sent
// ones, and pending ones of periods long gone that no run will resolve.
func (s *Store) PruneClaims(ctx context.Context, cut time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM claims WHERE claimed_at < ?`), millis(cut))
	if err != nil {
		return 0, s.err("prune claims", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
