// Package pagerduty collects facts about services from PagerDuty's REST API
// (v2): each service's status and link, and who is on call first, computed
// as Port's PagerDuty integration computes it. Its client pages with
// offset/limit/more, retries with backoff within a bounded budget, honours
// Retry-After (and PagerDuty's ratelimit-reset) on 429, and reports errors
// that name the endpoint and carry PagerDuty's own code and message, never
// the API key.
package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/prodready/prodready/scorecard/apierror"
	"github.com/prodready/prodready/scorecard/redact"
	"github.com/prodready/prodready/scorecard/retryafter"
)

// Accept is PagerDuty's versioning header: its API description requires it
// and names this value; pinning the version keeps the answers' shapes.
const Accept = "application/vnd.pagerduty+json;version=2"

// Client talks to one PagerDuty account. It is safe for concurrent use.
type Client struct {
	cfg Config
	rc  *resty.Client
	log *slog.Logger
	now func() time.Time
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's debug lines (one per request) and retry
// warnings to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithClock replaces time.Now for reading Retry-After dates.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.rc.SetTransport(rt) }
}

// maxBody bounds one response: a page of 100 services with their policies
// is well under a megabyte.
const maxBody = 64 << 20

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, log: slog.New(slog.DiscardHandler), now: time.Now}
	c.rc = resty.New().
		SetBaseURL(cfg.BaseURL).
		SetTimeout(cfg.RequestTimeout).
		SetHeader("Accept", Accept).
		SetHeader("Content-Type", "application/json").
		SetHeader("User-Agent", "prodready").
		SetHeader("Authorization", "Token token="+cfg.Token).
		SetResponseBodyLimit(maxBody).
		SetRetryCount(max(cfg.Retries, 0)).
		SetRetryWaitTime(cfg.RetryWait).
		// resty caps every wait, Retry-After included, at 2 s unless raised.
		SetRetryMaxWaitTime(cfg.RetryMaxWait).
		SetRetryAfter(c.retryAfter).
		AddRetryCondition(retryable).
		AddRetryHook(c.logRetry)
	for _, o := range opts {
		o(c)
	}
	c.rc.SetLogger(redact.RestyLogger{Log: func() *slog.Logger { return c.log }, Redact: c.redact})
	return c
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// retryable: rate limits, server errors and transport errors are worth
// another attempt; a 4xx is our mistake and will fail the same way again.
func retryable(resp *resty.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, resty.ErrResponseBodyTooLarge) && !errors.Is(err, context.Canceled)
	}
	s := resp.StatusCode()
	return apierror.Retryable(s)
}

func (c *Client) logRetry(resp *resty.Response, err error) {
	var extra []any
	if err == nil && resp != nil {
		extra = []any{"reason", apierror.ReasonOf(resp.StatusCode()).String()}
	}
	if attrs, ok := apierror.RetryAttrs(resp, err, c.cfg.Retries, c.redact, extra...); ok {
		c.log.Warn("pagerduty: request failed, retrying", attrs...)
	}
}

// retryAfter honours Retry-After, and on a 429 without it PagerDuty's
// ratelimit-reset (seconds until the window resets). It stops the retries
// when the wait is longer than the client allows or than the time left:
// better a clear error now than a context deadline after a pointless sleep.
func (c *Client) retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	wait := retryafter.Parse(resp.Header().Get("Retry-After"), c.now())
	if wait == 0 && resp.StatusCode() == http.StatusTooManyRequests {
		wait = retryafter.Parse(resp.Header().Get("ratelimit-reset"), c.now())
	}
	if why := apierror.WaitRefused(resp.Request.Context(), wait, c.cfg.RetryMaxWait); why != "" {
		return 0, c.stop(resp, fmt.Sprintf("PagerDuty asked to retry after %s%s", wait, why))
	}
	return wait, nil // 0: exponential backoff with jitter
}

func (c *Client) stop(resp *resty.Response, why string) error {
	e := c.httpError(resp.Request.Method, apierror.PathOf(resp.Request.URL), resp)
	e.Err = errors.New(why)
	return e
}

// get runs one GET with retries, bounded by the retry budget, and returns
// the body of a 2xx answer.
func (c *Client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	bctx, cancel := context.WithTimeout(ctx, c.cfg.RetryBudget)
	defer cancel()
	req := c.rc.R().SetContext(bctx)
	if q != nil {
		req.SetQueryParamsFromValues(q)
	}
	start := time.Now()
	resp, err := req.Get(path)
	attempts := req.Attempt
	status := 0
	if resp != nil && resp.RawResponse != nil {
		status = resp.StatusCode()
	}
	c.log.Debug("pagerduty request", "method", http.MethodGet, "path", path, "status", status, "attempts", attempts, "duration", time.Since(start))
	if err != nil {
		if pe, ok := AsError(err); ok { // the retries stopped on a Retry-After
			pe.Attempts = attempts
			return nil, c.explain(c.scrub(pe))
		}
		e := &Error{Failure: apierror.Failure{Method: http.MethodGet, Path: path, Reason: Transport, Attempts: attempts, Err: err}}
		if apierror.Retryable(status) {
			// The budget ran out while waiting to retry a failed answer: report that answer.
			e = c.httpError(http.MethodGet, path, resp)
			e.Attempts, e.Err = attempts, err
		}
		e.Err = apierror.GaveUp(ctx, bctx, c.cfg.RetryBudget, err)
		return nil, c.scrub(e)
	}
	if status < 200 || status > 299 {
		e := c.httpError(http.MethodGet, path, resp)
		e.Attempts = attempts
		return nil, c.explain(c.scrub(e))
	}
	return resp.Body(), nil
}

// explain says what to do about a refused key.
func (c *Client) explain(e *Error) error {
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Errorf("PagerDuty refused the API key (check PAGERDUTY_TOKEN; for an EU account set PAGERDUTY_API_URL=%s): %w", BaseURLEU, e)
	case http.StatusForbidden:
		return fmt.Errorf("the PagerDuty key in PAGERDUTY_TOKEN may not read this (a read-only account key, or a user key whose user sees the services, is needed): %w", e)
	}
	return e
}

// pdError is PagerDuty's error body.
type pdError struct {
	Error *struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	} `json:"error"`
}

func (c *Client) httpError(method, path string, resp *resty.Response) *Error {
	e := &Error{Failure: apierror.Failure{Method: method, Path: path, Status: resp.StatusCode(), Reason: apierror.ReasonOf(resp.StatusCode())}}
	var pe pdError
	if err := json.Unmarshal(resp.Body(), &pe); err == nil && pe.Error != nil && (pe.Error.Message != "" || pe.Error.Code != 0) {
		e.Code, e.Message, e.Errors = pe.Error.Code, pe.Error.Message, pe.Error.Errors
	} else if b := apierror.BodyStart(resp.Body()); b != "" {
		// Not PagerDuty's shape (a proxy's page, say): show its start.
		e.Message = b
	}
	return e
}

// scrub removes the key from an error's text. PagerDuty never echoes it, but
// a proxy or a transport error might; no error leaves the client with it.
func (c *Client) scrub(e *Error) *Error {
	e.Message = c.redact(e.Message)
	for i := range e.Errors {
		e.Errors[i] = c.redact(e.Errors[i])
	}
	e.Err = redact.Error(e.Err, c.redact)
	return e
}

func (c *Client) redact(s string) string { return redact.String(s, c.cfg.Token) }
