package github

import (
	"context"
	"sync"
)

// Cache keeps, per request, GitHub's validator (the ETag) and the answer
// the collector parsed from it, so that the next run can ask "has this
// changed?" (If-None-Match) and use the kept answer on a 304, which GitHub
// does not count against the rate limit. Bodies are the collector's own
// compact JSON, not GitHub's full answers. Implementations must be safe for
// concurrent use.
type Cache interface {
	// Get returns what Put stored under key; ok is false when nothing is.
	Get(ctx context.Context, key string) (etag string, body []byte, ok bool, err error)
	Put(ctx context.Context, key, etag string, body []byte) error
}

// MemoryCache is a Cache in memory, for one process's lifetime.
type MemoryCache struct {
	mu sync.RWMutex
	m  map[string]cacheEntry
}

type cacheEntry struct {
	etag string
	body []byte
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache { return &MemoryCache{m: map[string]cacheEntry{}} }

// Get implements Cache.
func (c *MemoryCache) Get(_ context.Context, key string) (string, []byte, bool, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[key]
	return e.etag, e.body, ok, nil
}

// Put implements Cache.
func (c *MemoryCache) Put(_ context.Context, key, etag string, body []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cacheEntry{}
	}
	c.m[key] = cacheEntry{etag: etag, body: append([]byte(nil), body...)}
	return nil
}

// Len is the number of entries.
func (c *MemoryCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
