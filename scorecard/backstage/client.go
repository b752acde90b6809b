// Package backstage reads services from Backstage's software catalog
// (backstage.io) as a scorecard.Source: components listed with the catalog's
// own filter syntax, page after page through GET /entities/by-query, with
// only the fields prodready maps; groups and users give the teams and their
// members' emails. Backstage holds no scorecards, so they come from files.
//
// The client talks through scorecard/httpclient: retries with backoff that
// honour Retry-After within a bounded budget, a timeout per attempt and per
// load, the token sent to BaseURL's origin only, and errors that name the
// endpoint and status but never the token.
package backstage

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// CatalogPath is where Backstage serves its catalog API, under BaseURL.
const CatalogPath = "/api/catalog"

// maxBody bounds one response: a page of 500 whole entities is a few MB.
const maxBody = 128 << 20

// Client reads one Backstage catalog. It is safe for concurrent use.
type Client struct {
	cfg  Config
	set  httpclient.Settings
	http *httpclient.Client
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's debug and retry lines to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.set.Log = l } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.set.Transport = rt }
}

// WithObserver tells o of every request (bot/metrics counts them).
func WithObserver(o httpclient.Observer) Option { return func(c *Client) { c.set.Observer = o } }

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg}
	for _, o := range opts {
		o(c)
	}
	c.http = httpclient.New(httpclient.Config{
		API: "backstage", Service: "Backstage", BaseURL: cfg.BaseURL, BaseField: "backstage.Config.BaseURL",
		Header:   map[string]string{"Accept": "application/json"},
		Patience: httpclient.Patience{Timeout: cfg.RequestTimeout, Retries: cfg.Retries, RetryWait: cfg.RetryWait, RetryMaxWait: cfg.RetryMaxWait, RetryBudget: cfg.RetryBudget},
		MaxBody:  maxBody,
		Secrets:  func() []string { return []string{cfg.Token} },
	}, c.set)
	return c
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// get runs GET {BaseURL}/api/catalog{path}?query with retries and returns
// the body of a 2xx answer.
func (c *Client) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	r := httpclient.Request{Method: http.MethodGet, URL: CatalogPath + path, Query: query}
	if c.cfg.Token != "" {
		r.Auth = "Bearer " + c.cfg.Token
	}
	resp, err := c.http.Do(ctx, r)
	if err != nil {
		return nil, c.fail(err)
	}
	return resp.Body, nil
}

// backstageError is Backstage's error body.
type backstageError struct {
	Error *struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

// fail turns the kit's Failure into an Error with Backstage's own words
// and a hint, redacted.
func (c *Client) fail(err error) error {
	var f *httpclient.Failure
	if !errors.As(err, &f) {
		return err
	}
	e := &Error{Failure: *f}
	s := f.Status
	if s == 0 {
		return e
	}
	var be backstageError
	if err := json.Unmarshal(f.Body(), &be); err == nil && be.Error != nil {
		e.Name, e.Message = c.http.Redact(be.Error.Name), c.http.Redact(be.Error.Message)
	} else if b := httpclient.BodyStart(f.Body()); b != "" {
		e.Message = c.http.Redact(b)
	}
	switch {
	case s == http.StatusUnauthorized && c.cfg.Token == "":
		e.Hint = "this Backstage requires a token: set backstage.Config.Token (a static token from backend.auth.externalAccess)"
	case s == http.StatusUnauthorized:
		e.Hint = "Backstage refused backstage.Config.Token: check that it is one of the backend's static tokens (backend.auth.externalAccess) and has not been rotated"
	case s == http.StatusForbidden:
		e.Hint = "backstage.Config.Token may not read the catalog: allow catalog.entity.read for it (externalAccess accessRestrictions or the permission policy)"
	case s == http.StatusNotFound:
		e.Hint = "is backstage.Config.BaseURL the Backstage backend, whose catalog API is under /api/catalog?"
	}
	return e
}
