// Package gitlab collects facts about a GitLab group's projects (its
// subgroups' included) from GitLab's REST API v4, GitLab.com or
// self-managed, as a scorecard.Collector: README, days since the last
// merge request merged into the default branch, approval rules, the
// protected default branch's code-owner approval, and owning groups from
// CODEOWNERS.
//
// Its client is built on scorecard/httpclient: conditional requests with
// the ETags GitLab sends, answers kept in a Cache between runs (the same
// seam as scorecard/github's, so report/history's HTTP cache serves both),
// keyset pagination, GitLab's rate limit (RateLimit-* headers, 429 with
// Retry-After) and errors that name the endpoint and GitLab's message but
// never the token.
package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Cache keeps, per request, GitLab's validator (the ETag) and the answer
// the collector kept of it, so that the next run asks "has this changed?"
// (If-None-Match) and uses the kept answer on a 304. It has the method set
// of scorecard/github's Cache: one implementation (report/history's
// HTTPCache, under a namespace per service) serves both. Implementations
// must be safe for concurrent use.
type Cache interface {
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

// Client talks to one GitLab. It is safe for concurrent use.
type Client struct {
	cfg   Config
	set   httpclient.Settings
	http  *httpclient.Client
	cache Cache

	requests, notModified atomic.Int64

	rmu  sync.Mutex
	rate Rate
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's lines (debug per request, warnings on
// retries) to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.set.Log = l } }

// WithCache keeps ETags and answers in cache (default: a MemoryCache for
// the client's lifetime).
func WithCache(cache Cache) Option { return func(c *Client) { c.cache = cache } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option { return func(c *Client) { c.set.Transport = rt } }

// WithObserver tells o of every request, retries included.
func WithObserver(o httpclient.Observer) Option { return func(c *Client) { c.set.Observer = o } }

// WithClock replaces time.Now for rate-limit resets.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.set.Now = now } }

// maxBody bounds one answer: a page of 100 projects is well under 1 MB, a
// README or CODEOWNERS file a few.
const maxBody = 16 << 20

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) (*Client, error) {
	cfg = cfg.withDefaults()
	if u, err := url.Parse(cfg.BaseURL); err != nil || u.Host == "" {
		return nil, fmt.Errorf("gitlab.Config.BaseURL is %q: not a URL", cfg.BaseURL)
	}
	if cfg.Token == "" {
		return nil, errors.New("GITLAB_TOKEN is not set: create a token with the read_api scope")
	}
	c := &Client{cfg: cfg}
	for _, o := range opts {
		o(c)
	}
	if c.cache == nil {
		c.cache = NewMemoryCache()
	}
	c.http = httpclient.New(httpclient.Config{
		API: "gitlab", Service: "GitLab", BaseURL: cfg.BaseURL + "/api/v4", BaseField: "gitlab.Config.BaseURL",
		Header:     map[string]string{"Accept": "application/json"},
		Patience:   httpclient.Patience{Timeout: cfg.RequestTimeout, Retries: cfg.Retries, RetryWait: cfg.RetryWait, RetryMaxWait: cfg.RetryMaxWait, RetryBudget: cfg.RetryBudget},
		MaxBody:    maxBody,
		Secrets:    func() []string { return []string{cfg.Token} },
		Wait:       wait,
		RetryAttrs: httpclient.ReasonAttrs,
	}, c.set)
	return c, nil
}

// wait is how long GitLab asks to wait: its Retry-After, else, on a 429,
// until RateLimit-Reset (Unix seconds).
func wait(status int, h http.Header, _ []byte, now time.Time) time.Duration {
	if ra := h.Get("Retry-After"); ra != "" {
		return httpclient.ParseRetryAfter(ra, now)
	}
	if status == http.StatusTooManyRequests {
		if n, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(n, 0).Sub(now), 0)
		}
	}
	return 0
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Stats counts the client's HTTP requests and how many GitLab answered 304.
type Stats struct {
	Requests, NotModified int64
}

// Stats returns the counts so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), NotModified: c.notModified.Load()}
}

// Rate is GitLab's rate limit as its RateLimit-* headers last said.
type Rate struct {
	Known            bool
	Limit, Remaining int
	Reset            time.Time
}

// Rate returns the rate limit as last seen.
func (c *Client) Rate() Rate {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.rate
}

func (c *Client) observe(h http.Header) {
	limit, err1 := strconv.Atoi(h.Get("RateLimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return
	}
	r := Rate{Known: true, Limit: limit, Remaining: rem}
	if n, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
		r.Reset = time.Unix(n, 0)
	}
	c.rmu.Lock()
	c.rate = r
	c.rmu.Unlock()
}

// Error is a request GitLab refused or that failed: the endpoint, the
// status (0 for none) and GitLab's message, never the token.
type Error struct {
	Method, Path string
	Status       int
	Message      string
	// Scope is set when GitLab said insufficient_scope: the scope to grant.
	Scope string
	Err   error
}

func (e *Error) Error() string {
	switch {
	case e.Scope != "" && e.Message != "":
		return fmt.Sprintf("GitLab refused %s %s: GITLAB_TOKEN lacks the scope to read the API (%s): grant it %s", e.Method, e.Path, e.Message, e.Scope)
	case e.Scope != "":
		return fmt.Sprintf("GitLab refused %s %s: GITLAB_TOKEN lacks the scope to read the API: grant it %s", e.Method, e.Path, e.Scope)
	case e.Status == http.StatusUnauthorized:
		return fmt.Sprintf("GitLab refused %s %s (401): GITLAB_TOKEN is not valid (revoked or expired?)", e.Method, e.Path)
	case e.Status != 0 && e.Message != "":
		return fmt.Sprintf("GitLab %s %s: %d: %s", e.Method, e.Path, e.Status, e.Message)
	case e.Err != nil:
		return fmt.Sprintf("GitLab %s %s: %v", e.Method, e.Path, e.Err)
	}
	return fmt.Sprintf("GitLab %s %s: status %d", e.Method, e.Path, e.Status)
}

func (e *Error) Unwrap() error { return e.Err }

// StatusOf is the HTTP status of a GitLab error, 0 when there is none.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// ScopeNeeded is the scope a token must be granted to read what the
// collector reads.
const ScopeNeeded = "read_api"

func (c *Client) fail(method, path string, err error) error {
	var f *httpclient.Failure
	if !errors.As(err, &f) {
		return &Error{Method: method, Path: path, Err: err}
	}
	e := &Error{Method: method, Path: path, Status: f.Status, Err: f}
	var body struct {
		Message any    `json:"message"`
		Error   string `json:"error"`
		Desc    string `json:"error_description"`
	}
	if json.Unmarshal(f.Body(), &body) == nil {
		switch m := body.Message.(type) {
		case string:
			e.Message = m
		case nil:
		default:
			b, _ := json.Marshal(m)
			e.Message = string(b)
		}
		if body.Error == "insufficient_scope" {
			e.Scope = ScopeNeeded
		}
		if e.Message == "" {
			e.Message = strings.TrimSpace(body.Error + " " + body.Desc)
		}
	}
	e.Message = c.http.Redact(e.Message)
	return e
}

// get reads path (under /api/v4) conditionally: with the kept ETag, a 304
// is answered from the cache. It returns the body and the answer's Link
// header's next page ("" for none).
func (c *Client) get(ctx context.Context, path string, q url.Values) (body []byte, next string, err error) {
	key := path
	if len(q) > 0 {
		key += "?" + q.Encode()
	}
	etag, kept, ok, err := c.cache.Get(ctx, key)
	if err != nil {
		c.http.Log().Warn("gitlab: the cache could not be read; asking in full", "err", err)
		ok = false
	}
	var cached struct {
		Body []byte `json:"b"`
		Next string `json:"n,omitempty"`
	}
	if ok && json.Unmarshal(kept, &cached) != nil {
		ok = false
	}
	hdr := map[string]string{}
	if ok && etag != "" {
		hdr["If-None-Match"] = etag
	}
	resp, err := c.http.Do(ctx, httpclient.Request{Method: http.MethodGet, URL: path, Query: q, Header: hdr, Auth: "Bearer " + c.cfg.Token})
	if resp != nil {
		c.requests.Add(int64(resp.Attempts))
	} else {
		var f *httpclient.Failure
		if errors.As(err, &f) {
			c.requests.Add(int64(max(f.Attempts, 1)))
		}
	}
	if err != nil {
		return nil, "", c.fail(http.MethodGet, httpclient.PathOf(path), err)
	}
	c.observe(resp.Header)
	if resp.Status == http.StatusNotModified && ok {
		c.notModified.Add(1)
		return cached.Body, cached.Next, nil
	}
	next, err = c.nextLink(resp.Header.Get("Link"))
	if err != nil {
		return nil, "", &Error{Method: http.MethodGet, Path: httpclient.PathOf(path), Err: err}
	}
	if e := resp.Header.Get("ETag"); e != "" {
		cached.Body, cached.Next = resp.Body, next
		if b, err := json.Marshal(cached); err == nil {
			if err := c.cache.Put(ctx, key, e, b); err != nil {
				c.http.Log().Warn("gitlab: the cache could not be written", "err", err)
			}
		}
	}
	return resp.Body, next, nil
}

// getJSON is get, decoding the answer into out.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) (next string, err error) {
	body, next, err := c.get(ctx, path, q)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return "", &Error{Method: http.MethodGet, Path: path, Err: fmt.Errorf("the answer is not the JSON expected: %w", err)}
	}
	return next, nil
}

// nextLink is the rel="next" URL of a Link header, held to the client's
// origin: a page link pointing elsewhere would take the token with it.
func (c *Client) nextLink(h string) (string, error) {
	for _, part := range strings.Split(h, ",") {
		seg := strings.Split(part, ";")
		if len(seg) < 2 {
			continue
		}
		target := strings.Trim(strings.TrimSpace(seg[0]), "<>")
		if !slices.ContainsFunc(seg[1:], func(p string) bool {
			return strings.ReplaceAll(strings.TrimSpace(p), " ", "") == `rel="next"`
		}) {
			continue
		}
		return c.http.CheckURL("the Link header's next page", target)
	}
	return "", nil
}

// TokenScopes reads the token's scopes (GET /personal_access_tokens/self).
func (c *Client) TokenScopes(ctx context.Context) ([]string, error) {
	var out struct {
		Scopes []string `json:"scopes"`
	}
	// Never kept: a token's scopes are checked afresh each run.
	resp, err := c.http.Do(ctx, httpclient.Request{Method: http.MethodGet, URL: "/personal_access_tokens/self", Auth: "Bearer " + c.cfg.Token})
	if err != nil {
		return nil, c.fail(http.MethodGet, "/personal_access_tokens/self", err)
	}
	c.requests.Add(int64(resp.Attempts))
	c.observe(resp.Header)
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, fmt.Errorf("GitLab's answer to GET /personal_access_tokens/self is not the JSON expected: %w", err)
	}
	return out.Scopes, nil
}

// CheckScope refuses a token that cannot read the API, naming the scope to
// grant. A token whose scopes GitLab does not show (a 404 or 403 on
// /personal_access_tokens/self from an older GitLab) is let through: the
// first request that needs read_api then says so.
func (c *Client) CheckScope(ctx context.Context) error {
	scopes, err := c.TokenScopes(ctx)
	var e *Error
	switch {
	case errors.As(err, &e) && e.Scope != "":
		return err
	case err != nil && (StatusOf(err) == http.StatusNotFound || StatusOf(err) == http.StatusForbidden):
		return nil
	case err != nil:
		return err
	}
	if slices.Contains(scopes, "read_api") || slices.Contains(scopes, "api") {
		return nil
	}
	return &Error{Method: http.MethodGet, Path: "/personal_access_tokens/self", Status: http.StatusForbidden, Scope: ScopeNeeded,
		Message: fmt.Sprintf("the token has the scopes %s", strings.Join(scopes, ", "))}
}
