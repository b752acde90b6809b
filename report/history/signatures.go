package history

import (
	"context"
	"encoding/hex"
	"time"
)

// signaturesMigration is the table of Slack request signatures seen,
// shared by every replica on the database so that the same signed bytes
// act once whichever replica they reach.
func signaturesMigration(d dialect) []string {
	return []string{
		`CREATE TABLE seen_signatures (
			signature TEXT NOT NULL PRIMARY KEY,
			expires_at BIGINT NOT NULL)` + d.withoutRowID,
		`CREATE INDEX seen_signatures_expires ON seen_signatures (expires_at)`,
	}
}

// FirstSignature records a request's signature (its decoded bytes) until
// expires and reports whether it was not already recorded, unexpired: true
// once for the same signature across every process on this database.
// Signatures expired at now are forgotten.
func (s *Store) FirstSignature(ctx context.Context, sig []byte, now, expires time.Time) (bool, error) {
	op := "record a Slack request signature"
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM seen_signatures WHERE expires_at <= ?`), millis(now)); err != nil {
		return false, s.err(op, err)
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO seen_signatures (signature, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`),
		hex.EncodeToString(sig), millis(expires))
	if err != nil {
		return false, s.err(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.err(op, err)
	}
	return n == 1, nil
}
