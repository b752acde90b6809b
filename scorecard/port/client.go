// Package port reads scorecards, entities and teams from Port's REST API
// (getport.io) as a careful client does: one cached access token shared by
// concurrent callers, paged search that asks only for what the scorecards
// read, retries with backoff that honour Retry-After within a bounded budget,
// answers decoded as streams and bounded after decompression, paging bounded
// in pages, empty pages and time, and errors that name the endpoint and
// carry Port's own message but never a secret or a token.
package port

import (
	"bytes"
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
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/prodready/prodready/scorecard/apierror"
	"github.com/prodready/prodready/scorecard/redact"
	"github.com/prodready/prodready/scorecard/retryafter"
)

// Client talks to one Port organisation. It is safe for concurrent use.
type Client struct {
	cfg Config
	rc  *resty.Client
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	renewing *renewal
	// spent holds tokens that were replaced, so that they are redacted too.
	spent []string
}

// renewal is one token request in flight, shared by every caller that needs
// a token meanwhile.
type renewal struct {
	done  chan struct{}
	token string
	err   error
}

// Option changes a Client.
type Option func(*Client)

// WithLogger sends the client's debug lines (one per request) to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithTransport replaces the HTTP transport (proxies, custom TLS).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.rc.SetTransport(rt) }
}

// New returns a client for cfg; zero settings take their defaults.
func New(cfg Config, opts ...Option) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, log: slog.New(slog.DiscardHandler), now: time.Now}
	retries := cfg.Retries
	if retries < 0 {
		retries = 0
	}
	c.rc = resty.New().
		SetBaseURL(cfg.BaseURL).
		SetTimeout(cfg.RequestTimeout).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "prodready").
		// Answers are read as streams, bounded by Config.MaxPageBytes after
		// decompression (readBody), never buffered whole by resty.
		SetDoNotParseResponse(true).
		SetRetryCount(retries).
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

// logRetry warns about each failed attempt that will be retried: a user
// waiting on a slow command should see why.
func (c *Client) logRetry(resp *resty.Response, err error) {
	var extra []any
	if err == nil && resp != nil {
		extra = []any{"reason", apierror.ReasonOf(resp.StatusCode()).String()}
	}
	if attrs, ok := apierror.RetryAttrs(resp, err, c.cfg.Retries, c.redact, extra...); ok {
		c.log.Warn("port: request failed, retrying", attrs...)
	}
}

// retryable: rate limits, server errors and transport errors are worth
// another attempt; a 4xx is our mistake and will fail the same way again.
func retryable(resp *resty.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled)
	}
	s := resp.StatusCode()
	if s < 200 || s > 299 {
		// resty drops a retried answer without closing it; only the start
		// of a failed answer is ever shown, so keep that and free the
		// connection now.
		errorBody(resp)
	}
	return apierror.Retryable(s)
}

// maxErrorBody bounds what is read of a failed answer: Port's error
// bodies are a few hundred bytes, and only their start is shown.
const maxErrorBody = 64 << 10

// bufferedBody is the start of a failed answer, read once.
type bufferedBody struct {
	*bytes.Reader
	b []byte
}

func (bufferedBody) Close() error { return nil }

// errorBody returns the start of a failed answer, reading it and closing
// the connection's body the first time.
func errorBody(resp *resty.Response) []byte {
	if resp == nil || resp.RawResponse == nil || resp.RawResponse.Body == nil {
		return nil
	}
	raw := resp.RawResponse
	if bb, ok := raw.Body.(bufferedBody); ok {
		return bb.b
	}
	var r io.Reader = raw.Body
	if strings.EqualFold(raw.Header.Get("Content-Encoding"), "gzip") && !raw.Uncompressed {
		if zr, err := gzip.NewReader(raw.Body); err == nil {
			r = zr
		}
	}
	b, _ := io.ReadAll(io.LimitReader(r, maxErrorBody))
	raw.Body.Close()
	raw.Body = bufferedBody{Reader: bytes.NewReader(b), b: b}
	return b
}

// retryAfter honours Port's Retry-After on 429 and 503. It stops the retries
// when Port asks for a longer wait than the client allows, or when the wait
// would outlast the request's budget: better a clear error now than a
// context deadline after a pointless sleep.
func (c *Client) retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	wait := retryafter.Parse(resp.Header().Get("Retry-After"), c.now())
	if why := apierror.WaitRefused(resp.Request.Context(), wait, c.cfg.RetryMaxWait); why != "" {
		return 0, c.stop(resp, fmt.Sprintf("Port asked to retry after %s%s", wait, why))
	}
	return wait, nil // 0: exponential backoff with jitter
}

// stop turns the response that ends the retries into the error to report.
func (c *Client) stop(resp *resty.Response, why string) error {
	e := c.httpError(resp.Request.Method, apierror.PathOf(resp.Request.URL), resp)
	e.Err = errors.New(why)
	return e
}

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

// once is one request with resty's retries, bounded by the retry budget,
// and the reading of its answer.
func (c *Client) once(ctx context.Context, r request, payload []byte, tok string, read func(io.Reader) error) (int, error) {
	bctx, cancel := context.WithTimeout(ctx, c.cfg.RetryBudget)
	defer cancel()
	req := c.rc.R().SetContext(bctx)
	if r.query != nil {
		req.SetQueryParamsFromValues(r.query)
	}
	if payload != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	if tok != "" {
		req.SetAuthToken(tok)
	}
	start := time.Now()
	resp, err := req.Execute(r.method, r.path)
	if resp != nil && resp.RawResponse != nil && resp.RawResponse.Body != nil {
		defer resp.RawResponse.Body.Close()
	}
	attempts := req.Attempt
	status := 0
	if resp != nil && resp.RawResponse != nil {
		status = resp.StatusCode()
	}
	c.log.Debug("port request", "method", r.method, "path", r.path, "status", status, "attempts", attempts, "duration", time.Since(start))
	if err != nil {
		if pe, ok := AsError(err); ok { // the retries stopped on a Retry-After
			pe.Attempts = attempts
			return pe.Status, c.scrub(pe)
		}
		e := &Error{Failure: apierror.Failure{Method: r.method, Path: r.path, Reason: Transport, Attempts: attempts, Err: err}}
		if apierror.Retryable(status) {
			// The budget ran out while waiting to retry a failed answer: report that answer.
			e = c.httpError(r.method, r.path, resp)
			e.Attempts, e.Err = attempts, err
		}
		e.Err = apierror.GaveUp(ctx, bctx, c.cfg.RetryBudget, err)
		return status, c.scrub(e)
	}
	if status < 200 || status > 299 {
		e := c.httpError(r.method, r.path, resp)
		e.Attempts = attempts
		return status, c.scrub(e)
	}
	if err := c.readBody(r, resp.RawResponse, read); err != nil {
		if pe, ok := AsError(err); ok { // the connection failed mid-answer: a transport error, no status
			pe.Attempts = attempts
			if ctx.Err() != nil {
				pe.Err = fmt.Errorf("gave up: %w", context.Cause(ctx))
			}
			return status, c.scrub(pe)
		}
		return status, err
	}
	return status, nil
}

// readBody hands a 2xx answer to read, decompressed if the transport has
// not done it, and cut at Config.MaxPageBytes: whatever Port sends, the
// client holds no more than that of one answer.
func (c *Client) readBody(r request, raw *http.Response, read func(io.Reader) error) error {
	var body io.Reader = raw.Body
	if strings.EqualFold(raw.Header.Get("Content-Encoding"), "gzip") && !raw.Uncompressed {
		zr, err := gzip.NewReader(raw.Body)
		if err != nil {
			return &Error{Failure: apierror.Failure{Method: r.method, Path: r.path, Reason: Transport, Err: fmt.Errorf("reading the gzip answer: %w", err)}, cut: true}
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
		return &Error{Failure: apierror.Failure{Method: r.method, Path: r.path, Reason: Transport, Err: fmt.Errorf("reading the answer: %w", lb.err)}, cut: true}
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

func (c *Client) httpError(method, path string, resp *resty.Response) *Error {
	e := &Error{Failure: apierror.Failure{Method: method, Path: path, Status: resp.StatusCode(), Reason: apierror.ReasonOf(resp.StatusCode())}}
	var pe portError
	body := errorBody(resp)
	if err := json.Unmarshal(body, &pe); err == nil && (pe.Error != "" || pe.Message != "") {
		e.Code, e.Message = pe.Error, pe.Message
	} else if b := apierror.BodyStart(body); b != "" {
		// Not Port's shape (a proxy's page, say): show its start.
		e.Message = b
	}
	return e
}

// scrub removes the secret and any token from an error's text. Port never
// echoes them, but a proxy or a transport error might; no error leaves the
// client carrying one.
func (c *Client) scrub(e *Error) *Error {
	e.Code = c.redact(e.Code)
	e.Message = c.redact(e.Message)
	e.Err = redact.Error(e.Err, c.redact)
	return e
}

func (c *Client) redact(s string) string {
	if s == "" {
		return s
	}
	c.mu.Lock()
	secrets := append([]string{c.cfg.ClientSecret, c.token}, c.spent...)
	c.mu.Unlock()
	return redact.String(s, secrets...)
}
