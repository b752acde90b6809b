package history

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// httpCacheMigration is the table of conditional-request validators:
// GitHub's ETags and the collector's trimmed answers, so that a refresh of
// an unchanged organisation is answered 304 (not counted against the rate
// limit) across restarts and replicas.
func httpCacheMigration(d dialect) []string {
	return []string{
		`CREATE TABLE http_cache (
			namespace TEXT NOT NULL,
			cache_key TEXT NOT NULL,
			etag TEXT NOT NULL,
			body ` + d.blob + ` NOT NULL,
			stored_at BIGINT NOT NULL,
			PRIMARY KEY (namespace, cache_key))` + d.withoutRowID,
	}
}

// HTTPCache keeps validators and answers under one namespace of the
// history database. It implements github.Cache (the interface is the
// collector's; this package does not import it). Safe for concurrent use.
type HTTPCache struct {
	s         *Store
	namespace string
	now       func() time.Time
}

// HTTPCache returns the cache of one namespace: a service and its address
// ("github https://api.github.com"), so that two GitHubs never share keys.
func (s *Store) HTTPCache(namespace string) *HTTPCache {
	return &HTTPCache{s: s, namespace: namespace, now: time.Now}
}

// Get returns what Put stored under key; ok is false when nothing is.
func (c *HTTPCache) Get(ctx context.Context, key string) (etag string, body []byte, ok bool, err error) {
	err = c.s.db.QueryRowContext(ctx, c.s.q(`SELECT etag, body FROM http_cache WHERE namespace = ? AND cache_key = ?`), c.namespace, key).Scan(&etag, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, c.s.err("read the HTTP cache", err)
	}
	return etag, body, true, nil
}

// Put stores etag and body under key, replacing what was there.
func (c *HTTPCache) Put(ctx context.Context, key, etag string, body []byte) error {
	if body == nil {
		body = []byte{} // the column is NOT NULL; an empty answer is still an answer
	}
	_, err := c.s.db.ExecContext(ctx, c.s.q(`INSERT INTO http_cache (namespace, cache_key, etag, body, stored_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (namespace, cache_key) DO UPDATE SET etag = excluded.etag, body = excluded.body, stored_at = excluded.stored_at`),
		c.namespace, key, etag, body, millis(c.now()))
	if err != nil {
		return c.s.err("write the HTTP cache", err)
	}
	return nil
}

// Len is the number of entries of the namespace.
func (c *HTTPCache) Len(ctx context.Context) (int, error) {
	var n int
	if err := c.s.db.QueryRowContext(ctx, c.s.q(`SELECT COUNT(*) FROM http_cache WHERE namespace = ?`), c.namespace).Scan(&n); err != nil {
		return 0, c.s.err("count the HTTP cache", err)
	}
	return n, nil
}

// PruneHTTPCache deletes the entries stored before cut: repositories gone
// or renamed leave entries nobody asks for again. Prune does it too, with
// the history's retention.
func (s *Store) PruneHTTPCache(ctx context.Context, cut time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM http_cache WHERE stored_at < ?`), millis(cut))
	if err != nil {
		return 0, s.err("prune the HTTP cache", err)
	}
	return res.RowsAffected()
}
