// Package port reads scorecards, entities and teams from Port's REST API
// (getport.io) as a careful client does: one cached access token shared by
// concurrent callers, paged search that asks only for what the scorecards
// read, retries with backoff that honour Retry-After within a bounded budget
// (through scorecard/httpclient, which also keeps the credentials on
// BaseURL's origin),
// answers decoded as streams and bounded after decompression, paging bounded
// in pages, empty pages and time, and errors that name the endpoint and
// carry Port's own message but never a secret or a token.
package port

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Client talks to one Port organisation. It is safe for concurrent use.
type Client struct {
	cfg  Config
	set  httpclient.Settings
	http *httpclient.Client
	log  *slog.Logger
	now  func() time.Time

	tok httpclient.Token
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's debug lines (one per request) to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.set.Log = l } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.set.Transport = rt }
}

// WithObserver tells o of every request, token requests and retries
// included (bot/metrics counts them).
func WithObserver(o httpclient.Observer) Option { return func(c *Client) { c.set.Observer = o } }

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if c.set.Log == nil {
		c.set.Log = slog.New(slog.DiscardHandler)
	}
	c.log = c.set.Log
	c.tok.Renew, c.tok.Now, c.tok.What = c.renew, c.now, "get an access token"
	c.http = httpclient.New(httpclient.Config{
		API: "port", Service: "Port", BaseURL: cfg.BaseURL, BaseField: "port.Config.BaseURL",
		Header:   map[string]string{"Accept": "application/json"},
		Patience: httpclient.Patience{Timeout: cfg.RequestTimeout, Retries: cfg.Retries, RetryWait: cfg.RetryWait, RetryMaxWait: cfg.RetryMaxWait, RetryBudget: cfg.RetryBudget},
		// Answers are read as streams, bounded by Config.MaxPageBytes after
		// decompression (readBody), never buffered whole by resty.
		Stream:     true,
		Secrets:    c.secrets,
		RetryAttrs: httpclient.ReasonAttrs,
	}, c.set)
	return c
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// request is one call to Port.
type request struct {
	method, path string
	query        url.Values
	body         any
	auth         bool
}

// do runs the request with retries and, once, a token renewal after a 401.
// It hands the body of the 2xx answer to read as a stream, cut at
// Config.MaxPageBytes after decompression; read must start afresh on each
// call, since an answer cut off mid-body is asked for again (within
// Config.Retries). An error from read that is not the connection's or the
// limit's comes back as read returned it.
func (c *Client) do(ctx context.Context, r request, read func(io.Reader) error) error {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("%s %s: encode the request: %w", r.method, r.path, err)
		}
	}
	renewed, cut := false, 0
	for {
		var tok string
		if r.auth {
			var err error
			if tok, err = c.accessToken(ctx); err != nil {
				return err
			}
		}
		status, err := c.once(ctx, r, payload, tok, read)
		if status == http.StatusUnauthorized && r.auth {
			if !renewed {
				// The token may have been revoked or expired early (Port keeps one
				// active token per credential pair): renew once and try again.
				renewed = true
				c.invalidate(tok)
				continue
			}
			return fmt.Errorf("%w (Port refused a freshly issued token too: check the credentials' permissions)", err)
		}
		if pe, ok := AsError(err); ok && pe.cut && cut < max(c.cfg.Retries, 0) && ctx.Err() == nil {
			cut++
			c.log.Warn("port: the answer was cut off, asking again", "method", r.method, "path", r.path, "attempt", cut, "error", c.redact(pe.Err.Error()))
			continue
		}
		return err
	}
}

// once is one request with the kit's retries and the reading of its answer.
func (c *Client) once(ctx context.Context, r request, payload []byte, tok string, read func(io.Reader) error) (int, error) {
	kr := httpclient.Request{Method: r.method, URL: r.path, Query: r.query}
	if payload != nil {
		kr.Header, kr.Body = map[string]string{"Content-Type": "application/json"}, payload
	}
	if tok != "" {
		kr.Auth = "Bearer " + tok
	}
	resp, err := c.http.Do(ctx, kr)
	if err != nil {
		e := c.fail(err)
		return e.Status, e
	}
	defer resp.Close()
	if err := c.readBody(r, resp.Raw, read); err != nil {
		if pe, ok := AsError(err); ok { // the connection failed mid-answer: a transport error, no status
			pe.Attempts = resp.Attempts
			if ctx.Err() != nil {
				pe.Err = fmt.Errorf("gave up: %w", context.Cause(ctx))
			}
			pe.Err = httpclient.RedactError(pe.Err, c.redact)
			return resp.Status, pe
		}
		return resp.Status, err
	}
	return resp.Status, nil
}

// readBody hands a 2xx answer to read, decompressed if the transport has
// not done it, and cut at Config.MaxPageBytes: whatever Port sends, the
// client holds no more than that of one answer.
func (c *Client) readBody(r request, raw *http.Response, read func(io.Reader) error) error {
	var body io.Reader = raw.Body
	if strings.EqualFold(raw.Header.Get("Content-Encoding"), "gzip") && !raw.Uncompressed {
		zr, err := gzip.NewReader(raw.Body)
		if err != nil {
			return &Error{Failure: httpclient.Failure{Method: r.method, Path: r.path, Reason: httpclient.Transport, Err: fmt.Errorf("reading the gzip answer: %w", err)}, cut: true}
		}
		defer zr.Close()
		body = zr
	}
	lb := &limitedBody{r: body, limit: c.cfg.MaxPageBytes}
	err := read(lb)
	switch {
	case lb.over:
		limit := sizeWord(c.cfg.MaxPageBytes)
		return &LimitError{Method: r.method, Path: r.path, Setting: "MaxPageBytes", Limit: limit,
			What: "the answer is larger than " + limit + " after decompression"}
	case lb.err != nil:
		// The connection failed mid-body: as any transport error, worth asking again.
		return &Error{Failure: httpclient.Failure{Method: r.method, Path: r.path, Reason: httpclient.Transport, Err: fmt.Errorf("reading the answer: %w", lb.err)}, cut: true}
	case err != nil:
		return badAnswer{err}
	}
	return nil
}

// badAnswer is an answer that read could not decode: not the shape Port
// sends. Callers say which shape they expected.
type badAnswer struct{ err error }

func (b badAnswer) Error() string { return b.err.Error() }

// asBadAnswer returns the decoding error, if err is one.
func asBadAnswer(err error) (error, bool) {
	var b badAnswer
	if errors.As(err, &b) {
		return b.err, true
	}
	return nil, false
}

// errTooLarge ends the reading of an answer past Config.MaxPageBytes.
var errTooLarge = errors.New("the answer is larger than the limit")

// limitedBody reads at most limit bytes of r and one more, to tell an
// answer of exactly limit bytes from a larger one. It records why it
// stopped: the limit, or the first read error other than the end.
type limitedBody struct {
	r     io.Reader
	limit int64
	n     int64
	over  bool
	err   error
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.over {
		return 0, errTooLarge
	}
	if room := l.limit + 1 - l.n; int64(len(p)) > room {
		p = p[:room]
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	if l.n > l.limit {
		l.over = true
		return k - int(l.n-l.limit), errTooLarge
	}
	if err != nil && err != io.EOF && l.err == nil {
		l.err = err
	}
	return k, err
}

// sizeWord writes a byte count for people: "64 MiB", "512 KiB", "1000 bytes".
func sizeWord(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// portError is Port's error body.
type portError struct {
	OK      *bool  `json:"ok"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

// fail turns the kit's Failure into an Error with Port's own words,
// redacted: Port never echoes a secret, but a proxy might.
func (c *Client) fail(err error) *Error {
	var f *httpclient.Failure
	if !errors.As(err, &f) {
		f = &httpclient.Failure{Reason: httpclient.Transport, Err: err}
	}
	e := &Error{Failure: *f}
	var pe portError
	body := f.Body()
	if err := json.Unmarshal(body, &pe); err == nil && (pe.Error != "" || pe.Message != "") {
		e.Code, e.Message = c.redact(pe.Error), c.redact(pe.Message)
	} else if b := httpclient.BodyStart(body); b != "" {
		// Not Port's shape (a proxy's page, say): show its start.
		e.Message = c.redact(b)
	}
	return e
}

// secrets are the secret and every token, the replaced ones too.
func (c *Client) secrets() []string {
	return append([]string{c.cfg.ClientSecret}, c.tok.Secrets()...)
}

func (c *Client) redact(s string) string { return c.http.Redact(s) }
