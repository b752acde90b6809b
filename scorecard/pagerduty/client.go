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

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Accept is PagerDuty's versioning header: its API description requires it
// and names this value; pinning the version keeps the answers' shapes.
const Accept = "application/vnd.pagerduty+json;version=2"

// Client talks to one PagerDuty account. It is safe for concurrent use.
type Client struct {
	cfg  Config
	set  httpclient.Settings
	http *httpclient.Client
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's debug lines (one per request) and retry
// warnings to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.set.Log = l } }

// WithClock replaces time.Now for reading Retry-After dates.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.set.Now = now } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.set.Transport = rt }
}

// WithObserver tells o of every request (bot/metrics counts them).
func WithObserver(o httpclient.Observer) Option { return func(c *Client) { c.set.Observer = o } }

// maxBody bounds one response: a page of 100 services with their policies
// is well under a megabyte.
const maxBody = 64 << 20

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg}
	for _, o := range opts {
		o(c)
	}
	c.http = httpclient.New(httpclient.Config{
		API: "pagerduty", Service: "PagerDuty", BaseURL: cfg.BaseURL, BaseField: "pagerduty.Config.BaseURL",
		Header: map[string]string{"Accept": Accept, "Content-Type": "application/json",
			"Authorization": "Token token=" + cfg.Token},
		Patience:   httpclient.Patience{Timeout: cfg.RequestTimeout, Retries: cfg.Retries, RetryWait: cfg.RetryWait, RetryMaxWait: cfg.RetryMaxWait, RetryBudget: cfg.RetryBudget},
		MaxBody:    maxBody,
		Secrets:    func() []string { return []string{cfg.Token} },
		Wait:       wait,
		RetryAttrs: httpclient.ReasonAttrs,
	}, c.set)
	return c
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// wait honours Retry-After, and on a 429 without it PagerDuty's
// ratelimit-reset (seconds until the window resets).
func wait(status int, h http.Header, _ []byte, now time.Time) time.Duration {
	w := httpclient.ParseRetryAfter(h.Get("Retry-After"), now)
	if w == 0 && status == http.StatusTooManyRequests {
		w = httpclient.ParseRetryAfter(h.Get("ratelimit-reset"), now)
	}
	return w
}

// get runs one GET with retries, bounded by the retry budget, and returns
// the body of a 2xx answer.
func (c *Client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	resp, err := c.http.Do(ctx, httpclient.Request{Method: http.MethodGet, URL: path, Query: q})
	if err != nil {
		return nil, c.fail(err)
	}
	return resp.Body, nil
}

// pdError is PagerDuty's error body.
type pdError struct {
	Error *struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	} `json:"error"`
}

// fail turns the kit's Failure into an Error with PagerDuty's own words,
// redacted, and says what to do about a refused key.
func (c *Client) fail(err error) error {
	var f *httpclient.Failure
	if !errors.As(err, &f) {
		return err
	}
	e := &Error{Failure: *f}
	if f.Status == 0 {
		return e
	}
	var pe pdError
	if err := json.Unmarshal(f.Body(), &pe); err == nil && pe.Error != nil && (pe.Error.Message != "" || pe.Error.Code != 0) {
		e.Code, e.Message = pe.Error.Code, c.http.Redact(pe.Error.Message)
		for _, s := range pe.Error.Errors {
			e.Errors = append(e.Errors, c.http.Redact(s))
		}
	} else if b := httpclient.BodyStart(f.Body()); b != "" {
		// Not PagerDuty's shape (a proxy's page, say): show its start.
		e.Message = c.http.Redact(b)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Errorf("PagerDuty refused the API key (check pagerduty.Config.Token; for an EU account set pagerduty.Config.BaseURL to %s): %w", BaseURLEU, e)
	case http.StatusForbidden:
		return fmt.Errorf("the PagerDuty key in pagerduty.Config.Token may not read this (a read-only account key, or a user key whose user sees the services, is needed): %w", e)
	}
	return e
}
