package history

import (
	"context"
	"errors"
	"time"
)

// ciResultsMigration is the table of results pushed from CI (`prodready
// check --report-to`): the latest per service and scorecard, so an answer
// can say what the last pipeline saw beside what serve evaluates.
func ciResultsMigration(d dialect) []string {
	return []string{
		`CREATE TABLE ci_results (
			service TEXT NOT NULL,
			scorecard TEXT NOT NULL,
			level TEXT NOT NULL,
			commit_sha TEXT NOT NULL,
			pipeline_url TEXT NOT NULL,
			received_at BIGINT NOT NULL,
			PRIMARY KEY (service, scorecard))` + d.withoutRowID,
	}
}

// CIResult is one service's level on one scorecard as a CI run reported it.
type CIResult struct {
	Service     string // the entity's identifier
	Scorecard   string // the scorecard's identifier
	Level       string
	Commit      string // may be empty: the run did not say
	PipelineURL string // may be empty
	ReceivedAt  time.Time
}

// RecordCIResults keeps rs as the latest results of their service and
// scorecard, replacing older ones, all or none.
func (s *Store) RecordCIResults(ctx context.Context, rs []CIResult) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.err("record CI results", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO ci_results (service, scorecard, level, commit_sha, pipeline_url, received_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (service, scorecard) DO UPDATE SET level = excluded.level, commit_sha = excluded.commit_sha,
		pipeline_url = excluded.pipeline_url, received_at = excluded.received_at`))
	if err != nil {
		return s.err("record CI results", err)
	}
	defer stmt.Close()
	for _, r := range rs {
		if r.Service == "" || r.Scorecard == "" {
			return errors.New("record CI results: a result without service or scorecard")
		}
		if _, err := stmt.ExecContext(ctx, r.Service, r.Scorecard, r.Level, r.Commit, r.PipelineURL, millis(r.ReceivedAt)); err != nil {
			return s.err("record CI results", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.err("record CI results", err)
	}
	return nil
}

// LatestCIResults returns the latest CI result of each scorecard for
// service (its identifier), by scorecard; none when CI never reported it.
func (s *Store) LatestCIResults(ctx context.Context, service string) ([]CIResult, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT scorecard, level, commit_sha, pipeline_url, received_at FROM ci_results WHERE service = ? ORDER BY scorecard`), service)
	if err != nil {
		return nil, s.err("read CI results", err)
	}
	defer rows.Close()
	var out []CIResult
	for rows.Next() {
		r := CIResult{Service: service}
		var at int64
		if err := rows.Scan(&r.Scorecard, &r.Level, &r.Commit, &r.PipelineURL, &at); err != nil {
			return nil, s.err("read CI results", err)
		}
		r.ReceivedAt = fromMillis(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.err("read CI results", err)
	}
	return out, nil
}
