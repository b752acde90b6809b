// Package backstage reads services from Backstage's software catalog
// (backstage.io) as a scorecard.Source: components listed with the catalog's
// own filter syntax, page after page through GET /entities/by-query, with
// only the fields prodready maps; groups and users give the teams and their
// members' emails. Backstage holds no scorecards, so they come from files.
//
// The client has package port's discipline: retries with backoff that
// honour Retry-After within a bounded budget, a timeout per attempt and per
// load, and errors that name the endpoint and status but never the token.
package backstage

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

// CatalogPath is where Backstage serves its catalog API, under BaseURL.
const CatalogPath = "/api/catalog"

// maxBody bounds one response: a page of 500 whole entities is a few MB.
const maxBody = 128 << 20

// Client reads one Backstage catalog. It is safe for concurrent use.
type Client struct {
	cfg Config
	rc  *resty.Client
	log *slog.Logger
	now func() time.Time
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's debug and retry lines to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.rc.SetTransport(rt) }
}

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, log: slog.New(slog.DiscardHandler), now: time.Now}
	c.rc = resty.New().
		SetBaseURL(cfg.BaseURL+CatalogPath).
		SetTimeout(cfg.RequestTimeout).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "prodready").
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

func (c *Client) logRetry(resp *resty.Response, err error) {
	if attrs, ok := apierror.RetryAttrs(resp, err, c.cfg.Retries, c.redact); ok {
		c.log.Warn("backstage: request failed, retrying", attrs...)
	}
}

// retryable: rate limits, server errors and transport errors are worth
// another attempt; a 4xx is our mistake and fails the same way again.
func retryable(resp *resty.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, resty.ErrResponseBodyTooLarge) && !errors.Is(err, context.Canceled)
	}
	s := resp.StatusCode()
	return apierror.Retryable(s)
}

// retryAfter honours Retry-After, and stops the retries when it asks for
// more than the client waits or than the time left.
func (c *Client) retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	wait := retryafter.Parse(resp.Header().Get("Retry-After"), c.now())
	if why := apierror.WaitRefused(resp.Request.Context(), wait, c.cfg.RetryMaxWait); why != "" {
		return 0, c.stop(resp, fmt.Sprintf("Backstage asked to retry after %s%s", wait, why))
	}
	return wait, nil // 0: exponential backoff with jitter
}

func (c *Client) stop(resp *resty.Response, why string) error {
	e := c.httpError(resp.Request.Method, apierror.PathOf(resp.Request.URL), resp)
	e.Err = errors.New(why)
	return e
}

// get runs GET {BaseURL}/api/catalog{path}?query with retries and returns
// the body of a 2xx answer.
func (c *Client) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	full := CatalogPath + path
	bctx, cancel := context.WithTimeout(ctx, c.cfg.RetryBudget)
	defer cancel()
	req := c.rc.R().SetContext(bctx).SetQueryParamsFromValues(query)
	if c.cfg.Token != "" {
		req.SetAuthToken(c.cfg.Token)
	}
	start := time.Now()
	resp, err := req.Get(path)
	attempts := req.Attempt
	status := 0
	if resp != nil && resp.RawResponse != nil {
		status = resp.StatusCode()
	}
	c.log.Debug("backstage request", "method", http.MethodGet, "path", full, "status", status, "attempts", attempts, "duration", time.Since(start))
	if err != nil {
		if be, ok := AsError(err); ok { // the retries stopped on a Retry-After
			be.Attempts = attempts
			return nil, c.scrub(be)
		}
		e := &Error{Failure: apierror.Failure{Method: http.MethodGet, Path: full, Reason: Transport, Attempts: attempts, Err: err}}
		if apierror.Retryable(status) {
			// The budget ran out while waiting to retry a failed answer: report that answer.
			e = c.httpError(http.MethodGet, full, resp)
			e.Attempts, e.Err = attempts, err
		}
		e.Err = apierror.GaveUp(ctx, bctx, c.cfg.RetryBudget, err)
		return nil, c.scrub(e)
	}
	if status < 200 || status > 299 {
		e := c.httpError(http.MethodGet, full, resp)
		e.Attempts = attempts
		return nil, c.scrub(e)
	}
	return resp.Body(), nil
}

// backstageError is Backstage's error body.
type backstageError struct {
	Error *struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

func (c *Client) httpError(method, path string, resp *resty.Response) *Error {
	s := resp.StatusCode()
	e := &Error{Failure: apierror.Failure{Method: method, Path: path, Status: s, Reason: apierror.ReasonOf(s)}}
	var be backstageError
	if err := json.Unmarshal(resp.Body(), &be); err == nil && be.Error != nil {
		e.Name, e.Message = be.Error.Name, be.Error.Message
	} else if b := apierror.BodyStart(resp.Body()); b != "" {
		e.Message = b
	}
	switch {
	case s == http.StatusUnauthorized && c.cfg.Token == "":
		e.Hint = "this Backstage requires a token: set BACKSTAGE_TOKEN (a static token from backend.auth.externalAccess)"
	case s == http.StatusUnauthorized:
		e.Hint = "Backstage refused BACKSTAGE_TOKEN: check that it is one of the backend's static tokens (backend.auth.externalAccess) and has not been rotated"
	case s == http.StatusForbidden:
		e.Hint = "BACKSTAGE_TOKEN may not read the catalog: allow catalog.entity.read for it (externalAccess accessRestrictions or the permission policy)"
	case s == http.StatusNotFound:
		e.Hint = "is BACKSTAGE_URL the Backstage backend, whose catalog API is under /api/catalog?"
	}
	return e
}

// scrub removes the token from an error's text. Backstage never echoes it,
// but a proxy or a transport error might.
func (c *Client) scrub(e *Error) *Error {
	e.Name = c.redact(e.Name)
	e.Message = c.redact(e.Message)
	e.Err = redact.Error(e.Err, c.redact)
	return e
}

func (c *Client) redact(s string) string { return redact.String(s, c.cfg.Token) }
