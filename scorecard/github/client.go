// Package github collects facts about an organisation's repositories from
// GitHub's REST API (api.github.com or GitHub Enterprise Server), as a
// scorecard.Collector: README, days since the last merged pull request,
// review requirements from branch protection and rulesets, CODEOWNERS and
// owning teams.
//
// Its client is careful with GitHub's budget: conditional requests whose
// 304s GitHub does not count, answers kept in a Cache between runs, a
// reserve of the hourly rate limit that is never spent (it pauses until the
// reset instead, bounded by the context), secondary limits honoured, and
// errors that name the endpoint, the status and GitHub's message but never
// a token.
package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Client talks to one GitHub (.com or Enterprise Server). It is safe for
// concurrent use; its rate-limit accounting is shared by every caller.
type Client struct {
	cfg   Config
	set   httpclient.Settings
	http  *httpclient.Client
	log   *slog.Logger
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	cache Cache
	base  *url.URL

	requests, notModified atomic.Int64

	// GitHub counts each resource against a budget of its own: core (the
	// REST API, 5,000 an hour) and search (30 a minute). One spent must not
	// pause or refuse requests for the other.
	rmu     sync.Mutex
	core    budget
	search  budget
	onPause func(reset time.Time)

	tok   httpclient.Token // the installation token
	amu   sync.Mutex
	perms map[string]string // the installation token's permissions
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's lines (debug per request, warnings on
// retries and pauses) to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.set.Log = l } }

// WithClock replaces time.Now for token expiry and rate-limit resets.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithSleep replaces the pause until a rate-limit reset; it must return
// early with ctx's error when ctx ends. Tests use it to skip the wait.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// WithCache keeps ETags and parsed answers in cache (default: a MemoryCache
// for the client's lifetime).
func WithCache(cache Cache) Option { return func(c *Client) { c.cache = cache } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.set.Transport = rt }
}

// WithObserver tells o of every request, retries and token requests
// included (bot/metrics counts them).
func WithObserver(o httpclient.Observer) Option { return func(c *Client) { c.set.Observer = o } }

// maxBody bounds one answer: a page of 100 repositories is under 1 MB, a
// README at most a few.
const maxBody = 64 << 20

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) (*Client, error) {
	cfg = cfg.withDefaults()
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("github.Config.BaseURL is %q: not a URL", cfg.BaseURL)
	}
	if cfg.App == nil && cfg.Token == "" {
		return nil, errors.New("github.Config.Token is empty and github.Config.App is nil: set one")
	}
	if cfg.App != nil && (cfg.App.Key == nil || cfg.App.ID <= 0 || cfg.App.InstallationID <= 0) {
		return nil, errors.New("github.Config.App needs ID, InstallationID and Key")
	}
	c := &Client{cfg: cfg, base: base, now: time.Now, sleep: sleepCtx}
	for _, o := range opts {
		o(c)
	}
	if c.cache == nil {
		c.cache = NewMemoryCache()
	}
	if c.set.Log == nil {
		c.set.Log = slog.New(slog.DiscardHandler)
	}
	c.log, c.set.Now = c.set.Log, c.now
	c.tok.Renew, c.tok.Now, c.tok.Keep, c.tok.What = c.renew, c.now, 16, "get an installation token"
	c.http = httpclient.New(httpclient.Config{
		API: "github", Service: "GitHub", BaseURL: cfg.BaseURL, BaseField: "github.Config.BaseURL",
		Header:     map[string]string{"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
		Patience:   httpclient.Patience{Timeout: cfg.RequestTimeout, Retries: cfg.Retries, RetryWait: cfg.RetryWait, RetryMaxWait: cfg.RetryMaxWait, RetryBudget: cfg.RetryBudget},
		MaxBody:    maxBody,
		Secrets:    c.secrets,
		Retry:      retryable,
		Wait:       c.wait,
		RetryAttrs: c.retryAttrs,
	}, c.set)
	return c, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Stats counts the client's HTTP requests (retries included) and how many
// of them GitHub answered 304 Not Modified.
type Stats struct {
	Requests, NotModified int64
}

// Stats returns the counts so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), NotModified: c.notModified.Load()}
}

// Rate is GitHub's primary rate limit as last seen.
type Rate struct {
	Known     bool
	Limit     int
	Remaining int
	Reset     time.Time
}

// Rate returns the primary rate limit as GitHub last reported it.
func (c *Client) Rate() Rate {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.core.rate()
}

// SearchRate returns the search rate limit as GitHub last reported it.
func (c *Client) SearchRate() Rate {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.search.rate()
}

// Rate-limit resources, as x-ratelimit-resource names them.
const (
	resourceCore   = "core"
	resourceSearch = "search"
)

// budget is one resource's rate limit as last seen, guarded by rmu.
type budget struct {
	known     bool
	limit     int
	remaining int
	reset     time.Time
	inflight  int
	pausedTo  time.Time // the reset a pause was announced for, so it is said once
}

func (b *budget) rate() Rate {
	return Rate{Known: b.known, Limit: b.limit, Remaining: b.remaining, Reset: b.reset}
}

// budgetOf is the budget of a resource; nil for one the client does not
// track (GraphQL and others it never calls).
func (c *Client) budgetOf(resource string) *budget {
	switch resource {
	case "", resourceCore:
		return &c.core
	case resourceSearch:
		return &c.search
	}
	return nil
}

// --- rate limits ---

// setPauseHook has fn called when the client starts pausing for a reset.
func (c *Client) setPauseHook(fn func(reset time.Time)) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.onPause = fn
}

// gate waits until a request may be sent without spending the reserve of
// its resource's budget. Every caller pauses until the reset; one says so
// in the log. With noWait it does not pause but returns a BudgetError at
// once: its caller has a cheaper way than waiting.
func (c *Client) gate(ctx context.Context, resource string, noWait bool) error {
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		c.rmu.Lock()
		b := c.budgetOf(resource)
		now := c.now()
		if b.known && !now.Before(b.reset) {
			b.known = false // a new window: the next answer says how much is left
		}
		// A reserve larger than a tenth of the limit (a small Enterprise
		// Server limit, search's 30 a minute) would pause every window away.
		reserve := c.cfg.RateReserve
		if b.limit > 0 {
			reserve = max(min(reserve, b.limit/10), 1)
		}
		if !b.known || b.remaining-b.inflight > reserve {
			b.inflight++
			c.rmu.Unlock()
			return nil
		}
		reset, left := b.reset, b.remaining
		wait := reset.Sub(now) + time.Second // GitHub's reset is whole seconds
		if noWait {
			c.rmu.Unlock()
			return &BudgetError{Resource: resource, Remaining: left, Reset: reset, Wait: wait, noWait: true}
		}
		announce := !b.pausedTo.Equal(reset)
		b.pausedTo = reset
		c.rmu.Unlock()
		if dl, ok := ctx.Deadline(); wait > c.cfg.MaxRateWait || (ok && now.Add(wait).After(dl)) {
			return &BudgetError{Resource: resource, Remaining: left, Reset: reset, Wait: wait}
		}
		if announce {
			c.rmu.Lock()
			hook := c.onPause
			c.rmu.Unlock()
			if hook != nil && resource != resourceSearch {
				hook(reset)
			}
			c.log.Warn("github: rate limit nearly spent; pausing until it resets", "resource", orCore(resource), "remaining", left, "reserve", reserve, "reset", reset.UTC().Format(time.RFC3339), "wait", wait.Round(time.Second))
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("waiting for GitHub's rate limit to reset at %s: %w", reset.UTC().Format(time.RFC3339), err)
		}
		c.rmu.Lock()
		if b.reset.Equal(reset) {
			b.known = false
		}
		c.rmu.Unlock()
	}
}

func orCore(resource string) string {
	if resource == "" {
		return resourceCore
	}
	return resource
}

// observe notes the rate-limit headers of an answer to a request for
// resource, and ends its flight. The headers say which budget they count
// (x-ratelimit-resource); without it they count the request's own.
func (c *Client) observe(resource string, h http.Header) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if b := c.budgetOf(resource); b != nil {
		b.inflight = max(b.inflight-1, 0)
	}
	if h == nil {
		return
	}
	if res := h.Get("x-ratelimit-resource"); res != "" {
		resource = res
	}
	b := c.budgetOf(resource)
	if b == nil {
		return // GraphQL and others have budgets of their own, not tracked here
	}
	rem, err1 := strconv.Atoi(h.Get("x-ratelimit-remaining"))
	reset, err2 := strconv.ParseInt(h.Get("x-ratelimit-reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	if lim, err := strconv.Atoi(h.Get("x-ratelimit-limit")); err == nil {
		b.limit = lim
	}
	rt := time.Unix(reset, 0)
	switch {
	case !b.known || rt.After(b.reset):
		b.remaining, b.reset = rem, rt
	case rt.Equal(b.reset):
		// Within a window the count only goes down; answers arrive out of order.
		b.remaining = min(b.remaining, rem)
	}
	b.known = true
}

// spentNow marks a budget spent after GitHub refused a request for it: the
// one the answer names, else the request's own.
func (c *Client) spentNow(resource string, h http.Header) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if res := h.Get("x-ratelimit-resource"); res != "" {
		resource = res
	}
	b := c.budgetOf(resource)
	if b == nil {
		return
	}
	b.remaining = 0
	if reset, err := strconv.ParseInt(h.Get("x-ratelimit-reset"), 10, 64); err == nil {
		b.reset = time.Unix(reset, 0)
	} else if !b.reset.After(c.now()) {
		b.reset = c.now().Add(time.Minute)
	}
	b.known = true
}

// githubError is GitHub's error body.
type githubError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
}

func messageOf(body []byte) githubError {
	var ge githubError
	_ = json.Unmarshal(body, &ge)
	return ge
}

// limitKind tells a primary limit (the hour's budget is spent) from a
// secondary one (too fast, too many at once) in a 403 or 429.
func limitKind(status int, h http.Header, body []byte) (primary, secondary bool) {
	if status != http.StatusForbidden && status != http.StatusTooManyRequests {
		return false, false
	}
	msg := strings.ToLower(messageOf(body).Message)
	switch {
	case strings.Contains(msg, "secondary rate limit") || h.Get("Retry-After") != "":
		return false, true
	case h.Get("x-ratelimit-remaining") == "0" || strings.Contains(msg, "api rate limit exceeded"):
		return true, false
	case status == http.StatusTooManyRequests:
		return false, true
	}
	return false, false
}

// fallibleKey marks the context of a fallible request (see request).
type fallibleKey struct{}

// retryable: secondary limits and server errors are worth another
// attempt; other 4xx fail the same way again, and a spent primary limit is
// the gate's business, not a retry's. A fallible request does not wait out
// a secondary limit (a minute or more): its caller falls back at once.
func retryable(ctx context.Context, status int, h http.Header, body []byte) bool {
	if _, secondary := limitKind(status, h, body); secondary {
		return ctx.Value(fallibleKey{}) == nil
	}
	return status >= 500
}

// wait honours retry-after and, for a secondary limit without one, the
// reset or GitHub's advice to wait a minute.
func (c *Client) wait(status int, h http.Header, body []byte, now time.Time) time.Duration {
	wait := httpclient.ParseRetryAfter(h.Get("Retry-After"), now)
	if _, secondary := limitKind(status, h, body); secondary && h.Get("Retry-After") == "" {
		wait = c.cfg.SecondaryWait
		if reset, err := strconv.ParseInt(h.Get("x-ratelimit-reset"), 10, 64); err == nil && h.Get("x-ratelimit-remaining") == "0" {
			wait = max(time.Unix(reset, 0).Sub(now), time.Second)
		}
	}
	return wait
}

// retryAttrs adds GitHub's message to a retried attempt's log line.
func (c *Client) retryAttrs(_ int, body []byte) []any {
	if m := messageOf(body).Message; m != "" {
		return []any{"message", c.redact(m)}
	}
	return nil
}

// --- requests ---

// request is one call to GitHub.
type request struct {
	method string
	url    string // a path under BaseURL, or an absolute URL from a Link header
	query  url.Values
	accept string
	jwt    bool   // authenticate as the App itself, not an installation
	etag   string // sent as If-None-Match
	// resource is the rate-limit budget the request spends ("" is core).
	resource string
	// fallible: the caller has another way to the same facts, so a spent
	// budget or a secondary limit fails the request at once rather than
	// waiting for it.
	fallible bool
}

// response is a 2xx or 304 answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// maxLimitPauses bounds how often one request waits for a reset after
// GitHub refused it for the primary limit.
const maxLimitPauses = 3

// do sends r: through the rate gate, with credentials, with resty's
// retries; once more after a fresh installation token if GitHub refuses
// one, and after a pause if GitHub says the hour's budget is spent.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	renewed, pauses := false, 0
	for {
		auth, err := c.authorization(ctx, r.jwt)
		if err != nil {
			return nil, err
		}
		// The App's own requests (installation tokens) have a budget of
		// their own, not the installation's.
		if !r.jwt {
			if err := c.gate(ctx, r.resource, r.fallible); err != nil {
				return nil, err
			}
		}
		resp, err := c.once(ctx, r, auth)
		if err == nil {
			return resp, nil
		}
		e, ok := AsError(err)
		if !ok {
			return nil, err
		}
		switch {
		case e.Status == http.StatusUnauthorized && c.cfg.App != nil && !r.jwt && !renewed:
			// The installation token may have been revoked or expired early.
			renewed = true
			c.invalidate(strings.TrimPrefix(auth, "Bearer "))
			continue
		case e.Status == http.StatusUnauthorized:
			return nil, &AuthError{Msg: fmt.Sprintf("GitHub refused the credentials (check %s)", c.cfg.credentialFields()), Err: err}
		case e.Reason == httpclient.RateLimited && e.primary && pauses < maxLimitPauses:
			pauses++
			continue // the gate pauses until the reset, or gives up
		}
		return nil, err
	}
}

// once is one request with the kit's retries, bounded by the retry budget.
func (c *Client) once(ctx context.Context, r request, auth string) (*response, error) {
	if r.fallible {
		ctx = context.WithValue(ctx, fallibleKey{}, true)
	}
	h := map[string]string{}
	if r.accept != "" {
		h["Accept"] = r.accept
	}
	if r.etag != "" {
		h["If-None-Match"] = r.etag
	}
	resp, err := c.http.Do(ctx, httpclient.Request{Method: r.method, URL: r.url, Query: r.query, Header: h, Auth: auth})
	if err != nil {
		var f *httpclient.Failure
		if !errors.As(err, &f) {
			return nil, err
		}
		c.requests.Add(int64(f.Attempts))
		if !r.jwt {
			c.observe(r.resource, f.Header())
		}
		e := c.fail(f)
		if e.primary && !r.jwt && f.Err == nil {
			c.spentNow(r.resource, f.Header())
		}
		return nil, e
	}
	c.requests.Add(int64(resp.Attempts))
	if !r.jwt {
		c.observe(r.resource, resp.Header)
	}
	if resp.Status == http.StatusNotModified {
		c.notModified.Add(1)
		return &response{status: resp.Status, header: resp.Header}, nil
	}
	return &response{status: resp.Status, header: resp.Header, body: resp.Body}, nil
}

// fail turns the kit's Failure into an Error with GitHub's own words,
// redacted, telling its rate limits from other refusals.
func (c *Client) fail(f *httpclient.Failure) *Error {
	primary, secondary := limitKind(f.Status, f.Header(), f.Body())
	e := &Error{Failure: *f, primary: primary}
	if f.Status == 0 {
		return e
	}
	e.Reason = reasonOf(f.Status, primary || secondary)
	if ge := messageOf(f.Body()); ge.Message != "" {
		e.Message, e.DocumentationURL = c.redact(ge.Message), ge.DocumentationURL
	} else if b := httpclient.BodyStart(f.Body()); b != "" {
		e.Message = c.redact(b)
	}
	return e
}

// --- conditional GETs with the cache ---

// keeper is an answer that trims itself after a fresh decode, before it is
// kept in the cache (a README decoded from base64, say).
type keeper interface{ keep() error }

// kept is what the cache holds for one GET: the collector's view of the
// answer and the next page's link.
type kept struct {
	Next string          `json:"n,omitempty"`
	V    json.RawMessage `json:"v"`
}

// getJSON GETs u (a path or a Link URL) and decodes the answer into out, a
// struct with only the fields the collector reads. The trimmed answer is
// kept with its ETag; the next run asks If-None-Match and, on a 304,
// decodes the kept copy instead. It returns the Link header's next page.
func (c *Client) getJSON(ctx context.Context, u string, q url.Values, out any) (next string, err error) {
	return c.getJSONFor(ctx, request{url: u, query: q}, out)
}

// getJSONFor is getJSON for a request with a budget of its own (search)
// or one that may fail fast.
func (c *Client) getJSONFor(ctx context.Context, r request, out any) (next string, err error) {
	u, q := r.url, r.query
	key := cacheKey(u, q)
	etag, stored, hit, cerr := c.cache.Get(ctx, key)
	if cerr != nil {
		c.log.Debug("github: cache read failed; asking without a validator", "key", key, "error", cerr)
		hit = false
	}
	var prev kept
	if hit && (json.Unmarshal(stored, &prev) != nil || !decodes(prev.V, out)) {
		// Asking with its ETag would bring a 304 and this entry again, run
		// after run: ask in full, and keep the fresh answer in its place.
		c.log.Debug("github: a cached answer does not decode; asking in full", "key", key)
		hit = false
	}
	r.method = http.MethodGet
	if hit && etag != "" {
		r.etag = etag
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return "", err
	}
	if resp.status == http.StatusNotModified {
		if !hit {
			return "", &Error{Failure: httpclient.Failure{Method: "GET", Path: httpclient.PathOf(u), Status: http.StatusNotModified, Reason: httpclient.ClientError}, Message: "304 to a request without If-None-Match"}
		}
		if err := json.Unmarshal(prev.V, out); err != nil {
			return "", fmt.Errorf("GET %s: the cached answer does not decode: %w", httpclient.PathOf(u), err)
		}
		if prev.Next == "" {
			return "", nil
		}
		// The same check as a live Link header's: a cache is data too.
		if _, err := c.http.CheckURL("the cached next page", prev.Next); err != nil {
			return "", fmt.Errorf("GET %s: %w", httpclient.PathOf(u), err)
		}
		return prev.Next, nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return "", fmt.Errorf("GET %s: the answer is not the JSON expected: %w", httpclient.PathOf(u), err)
	}
	if k, ok := out.(keeper); ok {
		if err := k.keep(); err != nil {
			return "", fmt.Errorf("GET %s: %w", httpclient.PathOf(u), err)
		}
	}
	next, err = c.nextLink(resp.header.Get("Link"))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", httpclient.PathOf(u), err)
	}
	if tag := resp.header.Get("ETag"); tag != "" {
		v, err := json.Marshal(out)
		if err == nil {
			var b []byte
			if b, err = json.Marshal(kept{Next: next, V: v}); err == nil {
				err = c.cache.Put(ctx, key, tag, b)
			}
		}
		if err != nil {
			c.log.Debug("github: cache write failed", "key", key, "error", err)
		}
	}
	return next, nil
}

// decodes reports whether a kept answer decodes into a value of out's type.
func decodes(v json.RawMessage, out any) bool {
	t := reflect.TypeOf(out)
	if len(v) == 0 || t == nil || t.Kind() != reflect.Pointer {
		return false
	}
	return json.Unmarshal(v, reflect.New(t.Elem()).Interface()) == nil
}

func cacheKey(u string, q url.Values) string {
	if len(q) > 0 {
		return "GET " + u + "?" + q.Encode()
	}
	return "GET " + u
}

// nextLink finds rel="next" in a Link header. A link off BaseURL's origin
// is refused: the client's credentials go to its own GitHub only.
func (c *Client) nextLink(h string) (string, error) {
	for _, part := range strings.Split(h, ",") {
		segs := strings.Split(part, ";")
		if len(segs) < 2 {
			continue
		}
		isNext := false
		for _, p := range segs[1:] {
			if strings.ReplaceAll(strings.TrimSpace(p), " ", "") == `rel="next"` {
				isNext = true
			}
		}
		if !isNext {
			continue
		}
		raw := strings.Trim(strings.TrimSpace(segs[0]), "<>")
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("the Link header's next page %q is not a URL", raw)
		}
		return c.http.CheckURL("the Link header's next page", u.String())
	}
	return "", nil
}

// --- secrets ---

// secrets are the token, the installation tokens and the App's JWTs, the
// replaced ones too.
func (c *Client) secrets() []string {
	return append([]string{c.cfg.Token}, c.tok.Secrets()...)
}

func (c *Client) redact(s string) string { return c.http.Redact(s) }

// Readme returns a repository's README text, nil when it has none. It
// follows GitHub's 301 for a renamed repository.
func (c *Client) Readme(ctx context.Context, owner, repo string) (*string, error) {
	var f fileAnswer
	_, err := c.getJSON(ctx, "/repos/"+url.PathEscape(owner)+"/"+url.PathEscape(repo)+"/readme", nil, &f)
	if StatusOf(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return f.Text, nil
}
