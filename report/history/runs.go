package history

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/prodready/prodready/report"
)

// Run statuses.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunPartial = "partial" // some messages could not be delivered
	RunFailed  = "failed"
	RunNothing = "nothing" // ran, had nothing to send
)

// Run is one execution of a job.
type Run struct {
	ID         int64
	Job        string
	Period     string
	Started    time.Time
	Finished   time.Time // zero while running, or when the process died
	Status     string
	SnapshotID int64
	Sent       int
	Skipped    int
	Failed     int
	Detail     string
}

// StartRun records that a job started.
func (s *Store) StartRun(ctx context.Context, job, period string, at time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO job_runs (job, period, started_at, status) VALUES (?, ?, ?, ?) RETURNING id`),
		job, period, millis(at), RunRunning).Scan(&id)
	return id, s.err("record job run "+job, err)
}

// FinishRun records how a run ended. A run that went well and did
// nothing to any destination (a refresh, every 15 minutes) replaces the
// like runs of its job and period before it, except the period's first:
// what is read of them (the first run, the newest run, that the period
// had a finished one) stays, and job_runs grows by days, not by runs.
func (s *Store) FinishRun(ctx context.Context, r Run) error {
	var snap sql.NullInt64
	if r.SnapshotID != 0 {
		snap = sql.NullInt64{Int64: r.SnapshotID, Valid: true}
	}
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE job_runs SET finished_at = ?, status = ?, snapshot_id = ?, sent = ?, skipped = ?, failed = ?, detail = ? WHERE id = ?`),
		millis(r.Finished), r.Status, snap, r.Sent, r.Skipped, r.Failed, r.Detail, r.ID)
	if err != nil || !plainRun(r) {
		return s.err("record end of job run "+r.Job, err)
	}
	_, err = s.db.ExecContext(ctx, s.q(`DELETE FROM job_runs WHERE id < ? AND finished_at IS NOT NULL AND status IN (?, ?) AND sent = 0 AND skipped = 0 AND failed = 0
		AND job = (SELECT f.job FROM job_runs f WHERE f.id = ?) AND period = (SELECT f.period FROM job_runs f WHERE f.id = ?)
		AND id > (SELECT MIN(f.id) FROM job_runs f WHERE f.job = job_runs.job AND f.period = job_runs.period)`),
		r.ID, RunOK, RunNothing, r.ID, r.ID)
	return s.err("prune earlier runs of "+r.Job, err)
}

// plainRun: the run went well and delivered, skipped and lost nothing.
func plainRun(r Run) bool {
	return (r.Status == RunOK || r.Status == RunNothing) && r.Sent == 0 && r.Skipped == 0 && r.Failed == 0
}

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var started int64
	var finished, snap sql.NullInt64
	err := row.Scan(&r.ID, &r.Job, &r.Period, &started, &finished, &r.Status, &snap, &r.Sent, &r.Skipped, &r.Failed, &r.Detail)
	r.Started = fromMillis(started)
	if finished.Valid {
		r.Finished = fromMillis(finished.Int64)
	}
	r.SnapshotID = snap.Int64
	return r, err
}

const runCols = `id, job, period, started_at, finished_at, status, snapshot_id, sent, skipped, failed, detail`

// LastRun returns the newest finished run of job with a snapshot, in a
// period other than exceptPeriod ("" for any).
func (s *Store) LastRun(ctx context.Context, job, exceptPeriod string) (Run, bool, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+runCols+` FROM job_runs WHERE job = ? AND period <> ? AND finished_at IS NOT NULL AND snapshot_id IS NOT NULL AND status <> ? ORDER BY started_at DESC, id DESC LIMIT 1`),
		job, exceptPeriod, RunFailed)
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, s.err("read job runs", err)
	}
	return r, true, nil
}

// Runs lists the runs of job in period, oldest first.
func (s *Store) Runs(ctx context.Context, job, period string) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+runCols+` FROM job_runs WHERE job = ? AND period = ? ORDER BY id`), job, period)
	if err != nil {
		return nil, s.err("read job runs", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, s.err("read job runs", err)
		}
		out = append(out, r)
	}
	return out, s.err("read job runs", rows.Err())
}

// FirstRun returns when the first job run this database knows of started.
func (s *Store) FirstRun(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(started_at) FROM job_runs`).Scan(&t); err != nil {
		return time.Time{}, false, s.err("read job runs", err)
	}
	return fromMillis(t.Int64), t.Valid, nil
}

// Message is a message Slack accepted, under its exactly-once key
// (Job, Period, Destination). Copy is 0 for the first send and counts
// forced re-sends.
type Message struct {
	Job, Period, Destination string
	Copy                     int
	Channel, TS              string
	Sent                     time.Time
	RunID                    int64
	SnapshotID               int64
	ContentHash              string
}

// RecordSent records a message Slack accepted. A second record under the
// same key and copy fails with ErrAlreadySent.
func (s *Store) RecordSent(ctx context.Context, m Message) error {
	var snap sql.NullInt64
	if m.SnapshotID != 0 {
		snap = sql.NullInt64{Int64: m.SnapshotID, Valid: true}
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO messages (job, period, destination, copy, channel, ts, sent_at, run_id, snapshot_id, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		m.Job, m.Period, m.Destination, m.Copy, m.Channel, m.TS, millis(m.Sent), m.RunID, snap, m.ContentHash)
	return s.err("record message to "+m.Destination, err)
}

const msgCols = `job, period, destination, copy, channel, ts, sent_at, run_id, snapshot_id, content_hash`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var sent int64
	var snap sql.NullInt64
	err := row.Scan(&m.Job, &m.Period, &m.Destination, &m.Copy, &m.Channel, &m.TS, &sent, &m.RunID, &snap, &m.ContentHash)
	m.Sent = fromMillis(sent)
	m.SnapshotID = snap.Int64
	return m, err
}

// Sent returns the messages recorded under job and period, by destination;
// for each destination the newest copy.
func (s *Store) Sent(ctx context.Context, job, period string) (map[string]Message, error) {
	return s.messagesByDestination(ctx, `SELECT `+msgCols+` FROM messages WHERE job = ? AND period = ? ORDER BY copy`, job, period)
}

// LastSent returns the newest message of job to each destination.
func (s *Store) LastSent(ctx context.Context, job string) (map[string]Message, error) {
	return s.messagesByDestination(ctx, `SELECT `+msgCols+` FROM messages WHERE id IN (SELECT MAX(id) FROM messages WHERE job = ? GROUP BY destination)`, job)
}

// messagesByDestination runs a query of messages; a later row for the same
// destination replaces an earlier one.
func (s *Store) messagesByDestination(ctx context.Context, query string, args ...any) (map[string]Message, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.err("read sent messages", err)
	}
	defer rows.Close()
	out := map[string]Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, s.err("read sent messages", err)
		}
		out[m.Destination] = m
	}
	return out, s.err("read sent messages", rows.Err())
}

// RecordFailure records a message that could not be delivered.
func (s *Store) RecordFailure(ctx context.Context, runID int64, f report.Failure) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO failures (job, period, destination, reason, at, run_id) VALUES (?, ?, ?, ?, ?, ?)`),
		f.Job, f.Period, f.Destination, f.Reason, millis(f.At), runID)
	return s.err("record failed delivery to "+f.Destination, err)
}

// Failures lists failed deliveries at or after since, oldest first.
func (s *Store) Failures(ctx context.Context, since time.Time) ([]report.Failure, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT job, period, destination, reason, at FROM failures WHERE at >= ? ORDER BY at, id`), millis(since))
	if err != nil {
		return nil, s.err("read failed deliveries", err)
	}
	defer rows.Close()
	var out []report.Failure
	for rows.Next() {
		var f report.Failure
		var at int64
		if err := rows.Scan(&f.Job, &f.Period, &f.Destination, &f.Reason, &at); err != nil {
			return nil, s.err("read failed deliveries", err)
		}
		f.At = fromMillis(at)
		out = append(out, f)
	}
	return out, s.err("read failed deliveries", rows.Err())
}

// Size returns the database's size in bytes.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var size int64
	if err := s.db.QueryRowContext(ctx, s.d.sizeQuery).Scan(&size); err != nil {
		return 0, s.err("size", err)
	}
	return size, nil
}
