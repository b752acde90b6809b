package history

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; migration i brings the schema to version
// i+1. Append only: a released migration is never edited.
func migrations(d dialect) [][]string {
	return [][]string{{
		`CREATE TABLE scorecard_versions (
			id ` + d.autoID + `,
			identifier TEXT NOT NULL,
			hash TEXT NOT NULL UNIQUE,
			definition TEXT NOT NULL)`,
		`CREATE TABLE entity_versions (
			id ` + d.autoID + `,
			identifier TEXT NOT NULL,
			title TEXT NOT NULL,
			teams TEXT NOT NULL,
			UNIQUE (identifier, title, teams))`,
		`CREATE TABLE snapshots (
			id ` + d.autoID + `,
			taken_at BIGINT NOT NULL,
			origin TEXT NOT NULL,
			base_id BIGINT,
			scorecards TEXT NOT NULL,
			entities INTEGER NOT NULL,
			mix TEXT NOT NULL)`,
		`CREATE INDEX snapshots_taken ON snapshots (taken_at)`,
		// A full snapshot (base_id NULL) has a row per entity and scorecard
		// that applies; a delta has the rows that differ from its base, and
		// level -1 for pairs that are gone.
		`CREATE TABLE results (
			snapshot_id BIGINT NOT NULL,
			entity_id BIGINT NOT NULL,
			scorecard_id BIGINT NOT NULL,
			level SMALLINT NOT NULL,
			pass ` + d.blob + ` NOT NULL,
			PRIMARY KEY (snapshot_id, entity_id, scorecard_id))` + d.withoutRowID,
		`CREATE TABLE job_runs (
			id ` + d.autoID + `,
			job TEXT NOT NULL,
			period TEXT NOT NULL,
			started_at BIGINT NOT NULL,
			finished_at BIGINT,
			status TEXT NOT NULL,
			snapshot_id BIGINT,
			sent INTEGER NOT NULL DEFAULT 0,
			skipped INTEGER NOT NULL DEFAULT 0,
			failed INTEGER NOT NULL DEFAULT 0,
			detail TEXT NOT NULL DEFAULT '')`,
		`CREATE INDEX job_runs_job ON job_runs (job, period)`,
		`CREATE TABLE messages (
			id ` + d.autoID + `,
			job TEXT NOT NULL,
			period TEXT NOT NULL,
			destination TEXT NOT NULL,
			copy INTEGER NOT NULL,
			channel TEXT NOT NULL,
			ts TEXT NOT NULL,
			sent_at BIGINT NOT NULL,
			run_id BIGINT NOT NULL,
			snapshot_id BIGINT,
			content_hash TEXT NOT NULL DEFAULT '',
			UNIQUE (job, period, destination, copy))`,
		`CREATE INDEX messages_destination ON messages (job, destination, sent_at)`,
		`CREATE TABLE failures (
			id ` + d.autoID + `,
			job TEXT NOT NULL,
			period TEXT NOT NULL,
			destination TEXT NOT NULL,
			reason TEXT NOT NULL,
			at BIGINT NOT NULL,
			run_id BIGINT NOT NULL)`,
		`CREATE INDEX failures_at ON failures (at)`,
	},
		claimsMigration(d),     // version 2: claims.go
		exemptionsMigration(d), // version 3: exemptions.go
		httpCacheMigration(d),  // version 4: httpcache.go
		ciResultsMigration(d),  // version 5: ciresults.go
		layoutMigration(d),     // version 6: layout.go (results by change)
		signaturesMigration(d), // version 7: signatures.go
	}
}

const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`

// migrate brings the schema up to version upTo (all migrations when 0).
// The step to the change layout (layoutVersion) is taken here only while
// the history holds no snapshot; a history with snapshots is moved by
// MigrateLayout, and until then Open refuses it with ErrOldLayout.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	if s.d.migrateLock == "" {
		// The first statement writes, so a read-only or locked file fails
		// here, at open, with the file's name.
		if _, err := s.db.ExecContext(ctx, createVersionTable); err != nil {
			return s.err("open", err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.err("migrate", err)
	}
	defer tx.Rollback()
	if s.d.migrateLock != "" {
		// Held until commit: a replica that waited finds the schema done.
		if _, err := tx.ExecContext(ctx, s.q(s.d.migrateLock), s.lockKey("migrate")); err != nil {
			return s.err("lock for migration", err)
		}
		if _, err := tx.ExecContext(ctx, createVersionTable); err != nil {
			return s.err("open", err)
		}
	}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil {
		return s.err("read schema version", err)
	}
	all := migrations(s.d)
	have := int(v.Int64)
	if upTo <= 0 || upTo > len(all) {
		upTo = len(all)
	}
	s.version = max(have, upTo)
	if have > len(all) {
		return fmt.Errorf("history database %s: %w: it has schema version %d, this build knows up to %d; upgrade prodready or point history.DSN elsewhere", s.where, ErrNewerSchema, have, len(all))
	}
	for i := have; i < upTo; i++ {
		if i+1 == layoutVersion {
			var n int64
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots`).Scan(&n); err != nil {
				return s.err("read snapshots", err)
			}
			if n > 0 {
				if err := tx.Commit(); err != nil {
					return s.err("migrate", err)
				}
				s.version = i
				return fmt.Errorf("history database %s: %w: it holds %d snapshots stored as full snapshots and deltas (schema version %d); run `prodready migrate-history` (--dry-run first shows the size before and after) to move them to the change layout of schema version %d, or keep running the prodready that wrote them", s.where, ErrOldLayout, n, i, layoutVersion)
			}
		}
		for _, stmt := range all[i] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return s.err(fmt.Sprintf("migrate to schema version %d", i+1), err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_version (version) VALUES (?)`), i+1); err != nil {
			return s.err("record schema version", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.err("migrate", err)
	}
	return nil
}
