package httpclient

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

// Config is what one API client tells the kit about its service.
type Config struct {
	// API names the service in log lines and metrics: "port", "github".
	API string
	// Service names it in messages: "Port", "GitHub".
	Service string
	// BaseURL is where the service answers; its origin (scheme, host and
	// port) is the only one credentials are sent to. BaseField names the
	// Go field that set it, for errors: "github.Config.BaseURL".
	BaseURL, BaseField string
	// Header is sent with every request (Accept, Authorization for a key
	// that never changes).
	Header map[string]string

	Patience

	// MaxBody bounds a 2xx answer resty reads whole. With Stream the answer
	// is handed over unread and the client bounds it as it reads.
	MaxBody int64
	Stream  bool

	// Secrets returns the secrets in use now (keys, tokens, tokens since
	// replaced): no error or log line carries one.
	Secrets func() []string

	// Retry says whether a failed answer is worth another attempt; nil
	// means a rate limit or a server error (Retryable).
	Retry func(ctx context.Context, status int, h http.Header, body []byte) bool
	// Wait is how long the server asks to wait before the next attempt;
	// nil means its Retry-After. 0 lets resty back off on its own.
	Wait func(status int, h http.Header, body []byte, now time.Time) time.Duration
	// RetryAttrs adds the service's own attributes to the log line of a
	// failed attempt about to be retried (ReasonAttrs, or its message).
	RetryAttrs func(status int, body []byte) []any
}

// Patience is how long and how often a client tries. Each client's Config
// has these five settings under the same names (RequestTimeout for
// Timeout), documented here.
type Patience struct {
	// Timeout bounds one attempt.
	Timeout time.Duration
	// Retries after a retryable failure (a rate limit, a server error, a
	// transport error); a negative number means none.
	Retries int
	// RetryWait is the first backoff; it doubles per attempt, with jitter.
	RetryWait time.Duration
	// RetryMaxWait caps one wait, including one the server asks for: a
	// longer one ends the retries with an error that says so.
	RetryMaxWait time.Duration
	// RetryBudget bounds one request with all its retries and waits.
	RetryBudget time.Duration
}

// Fill sets each of a client's patience settings that is zero to def's
// (Retries too: a negative count means none) and returns them.
func Fill(timeout *time.Duration, retries *int, wait, maxWait, budget *time.Duration, def Patience) Patience {
	Or(timeout, def.Timeout)
	Or(wait, def.RetryWait)
	Or(maxWait, def.RetryMaxWait)
	Or(budget, def.RetryBudget)
	if *retries == 0 {
		*retries = def.Retries
	}
	return Patience{Timeout: *timeout, Retries: *retries, RetryWait: *wait, RetryMaxWait: *maxWait, RetryBudget: *budget}
}

// Settings are what a client's caller may change: where lines go, the
// transport, and who is told of each request.
type Settings struct {
	Log       *slog.Logger
	Transport http.RoundTripper
	Observer  Observer
	Now       func() time.Time
}

// Observer is told of every HTTP exchange a client makes, retries,
// redirects and token requests included: api is Config.API, status 0 means
// no answer (refused, reset, timeout). bot/metrics implements it.
type Observer interface {
	ObserveRequest(api, method string, status int, d time.Duration)
}

// Client is one API client's HTTP side. It is safe for concurrent use.
type Client struct {
	cfg    Config
	set    Settings
	rc     *resty.Client
	origin string // scheme://host:port of BaseURL; "" when it is not a URL
}

// New returns the kit for cfg with the caller's settings; zero settings
// take their defaults (no log, http.DefaultTransport, no observer).
func New(cfg Config, set Settings) *Client {
	if set.Log == nil {
		set.Log = slog.New(slog.DiscardHandler)
	}
	if set.Now == nil {
		set.Now = time.Now
	}
	c := &Client{cfg: cfg, set: set, origin: originOf(cfg.BaseURL)}
	c.rc = NewResty(set.Transport, set.Observer, cfg.API).
		SetBaseURL(cfg.BaseURL).
		SetTimeout(cfg.Timeout).
		SetHeader("User-Agent", "prodready").
		SetHeaders(cfg.Header).
		SetRetryCount(max(cfg.Retries, 0)).
		SetRetryWaitTime(cfg.RetryWait).
		// resty caps every wait, Retry-After included, at 2 s unless raised.
		SetRetryMaxWaitTime(cfg.RetryMaxWait).
		SetRetryAfter(c.retryAfter).
		AddRetryCondition(c.retryable).
		AddRetryHook(c.logRetry).
		SetLogger(restyLogger{log: func() *slog.Logger { return c.set.Log }, redact: c.Redact})
	if cfg.Stream {
		// Answers are read as streams by the client, never buffered whole.
		c.rc.SetDoNotParseResponse(true)
	} else if cfg.MaxBody > 0 {
		c.rc.SetResponseBodyLimit(int(cfg.MaxBody))
	}
	return c
}

// NewResty is the one resty client of the code base: over transport
// (http.DefaultTransport when nil), each exchange told to observer (when
// not nil) as api, and following a redirect only within the origin of the
// request's first URL (see OffOriginError). Callers add the rest.
func NewResty(transport http.RoundTripper, observer Observer, api string) *resty.Client {
	if transport == nil {
		transport = http.DefaultTransport
	}
	if observer != nil {
		transport = observed{base: transport, obs: observer, api: api}
	}
	return resty.New().
		SetTransport(transport).
		SetRedirectPolicy(resty.RedirectPolicyFunc(sameOriginRedirect))
}

// maxRedirects bounds a chain of redirects within one origin.
const maxRedirects = 10

// OffOriginError is a redirect or a link to an origin other than the one
// the request's credentials belong to: it is not followed, so neither a
// header nor a body with a secret goes there.
type OffOriginError struct {
	// What went off: "a redirect", "the Link header's next page".
	What string
	// From is the origin the credentials belong to; To the URL refused,
	// without its query.
	From, To string
}

func (e *OffOriginError) Error() string {
	return fmt.Sprintf("%s goes to %s, not to %s; refusing to send credentials there", e.What, e.To, e.From)
}

// sameOriginRedirect follows a redirect only within the origin (scheme,
// host and port) of the first request: another host, or another port of
// the same host, could be anyone's, and Go's own rule would send the
// Authorization header to a subdomain or another port, and a 307 re-sends
// the body (Port's client secret) wherever it points.
func sameOriginRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	from, to := originOf(via[0].URL.String()), originOf(req.URL.String())
	if from == "" || to != from {
		return &OffOriginError{What: "a redirect", From: from, To: withoutQuery(req.URL)}
	}
	return nil
}

// originOf is raw's scheme://host:port, lower-case, with the scheme's
// default port written out; "" when raw is not an absolute http(s) URL.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.ToLower(u.Scheme + "://" + u.Hostname() + ":" + port)
}

func withoutQuery(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment, v.User = "", "", nil
	return v.String()
}

// CheckURL returns raw, a path under BaseURL or an absolute URL, when a
// request to it may carry the client's credentials: a path always, an
// absolute URL only on BaseURL's origin. what names where raw came from
// ("the Link header's next page"). Every request the kit sends passes it;
// clients call it on links they keep, so that a link read back from a
// cache is held to the same rule as one just received.
func (c *Client) CheckURL(what, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%s %q is not a URL", what, c.Redact(raw))
	}
	if u.Scheme == "" && u.Host == "" {
		return raw, nil
	}
	if c.origin == "" {
		return "", fmt.Errorf("%s is %q: not a URL", c.cfg.BaseField, c.cfg.BaseURL)
	}
	if originOf(raw) != c.origin {
		return "", &OffOriginError{What: what, From: c.origin, To: withoutQuery(u)}
	}
	return raw, nil
}

// observed tells an Observer of each exchange.
type observed struct {
	base http.RoundTripper
	obs  Observer
	api  string
}

func (o observed) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := o.base.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	o.obs.ObserveRequest(o.api, r.Method, status, time.Since(start))
	return resp, err
}

// Redact replaces the client's secrets in s.
func (c *Client) Redact(s string) string {
	if s == "" || c.cfg.Secrets == nil {
		return s
	}
	return Redact(s, c.cfg.Secrets()...)
}

// Log is the logger the client's caller set.
func (c *Client) Log() *slog.Logger { return c.set.Log }

// Now is the client's clock.
func (c *Client) Now() time.Time { return c.set.Now() }

// Request is one call.
type Request struct {
	Method string
	// URL is a path under BaseURL, or an absolute URL on its origin.
	URL    string
	Query  url.Values
	Header map[string]string
	// Body is sent as it is (the caller sets Content-Type in Header).
	Body []byte
	// Auth is the Authorization header: "Bearer …", "Token token=…".
	Auth string
}

// Response is a 2xx or 304 answer.
type Response struct {
	Status   int
	Header   http.Header
	Attempts int
	// Body is the answer, unless the client streams.
	Body []byte
	// Raw is the answer with its body unread when the client streams; the
	// caller reads it, within the retry budget, and calls Close.
	Raw *http.Response

	cancel context.CancelFunc
}

// Close frees a streamed answer's connection and its budget.
func (r *Response) Close() {
	if r == nil {
		return
	}
	if r.Raw != nil && r.Raw.Body != nil {
		r.Raw.Body.Close()
	}
	if r.cancel != nil {
		r.cancel()
	}
}

// Do sends r with resty's retries, bounded by the retry budget, and
// returns a 2xx or 304 answer. Any other outcome is a *Failure: the answer
// that ended the retries (its status, header and body's start), or the
// transport error, or why the client would not wait as the server asked;
// its Err is redacted.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	path := PathOf(r.URL)
	target, err := c.CheckURL("the request's URL", r.URL)
	if err != nil {
		return nil, &Failure{Method: r.Method, Path: path, Reason: Transport, Err: err}
	}
	bctx, cancel := context.WithTimeout(ctx, c.cfg.RetryBudget)
	keep := false // a streamed answer keeps the budget while it is read
	defer func() {
		if !keep {
			cancel()
		}
	}()
	req := c.rc.R().SetContext(bctx)
	if r.Query != nil {
		req.SetQueryParamsFromValues(r.Query)
	}
	req.SetHeaders(r.Header)
	if r.Auth != "" {
		req.SetHeader("Authorization", r.Auth)
	}
	if r.Body != nil {
		req.SetBody(r.Body)
	}
	start := time.Now()
	resp, err := req.Execute(r.Method, target)
	attempts := max(req.Attempt, 1)
	status := 0
	var header http.Header
	if resp != nil && resp.RawResponse != nil {
		status, header = resp.StatusCode(), resp.Header()
	}
	c.set.Log.Debug(c.cfg.API+" request", "method", r.Method, "path", path, "status", status, "attempts", attempts, "duration", time.Since(start))
	ok := status >= 200 && status <= 299 || status == http.StatusNotModified
	if err != nil || !ok {
		var f *Failure
		switch {
		case errors.As(err, &f): // the retries stopped on a wait the client refused
		case err != nil && status != 0 && !ok:
			// The budget ran out while waiting to retry a failed answer: report that answer.
			f = c.failure(r.Method, path, resp)
			f.Err = GaveUp(ctx, bctx, c.cfg.RetryBudget, err)
		case err != nil:
			f = &Failure{Method: r.Method, Path: path, Status: 0, Reason: Transport, Err: GaveUp(ctx, bctx, c.cfg.RetryBudget, err)}
			if resp != nil && resp.RawResponse != nil && resp.RawResponse.Body != nil && c.cfg.Stream {
				resp.RawResponse.Body.Close()
			}
		default:
			f = c.failure(r.Method, path, resp)
		}
		f.Method, f.Path, f.Attempts = r.Method, path, attempts
		f.Err = RedactError(f.Err, c.Redact)
		return nil, f
	}
	out := &Response{Status: status, Header: header, Attempts: attempts}
	if c.cfg.Stream {
		out.Raw, out.cancel, keep = resp.RawResponse, cancel, true
	} else {
		out.Body = resp.Body()
	}
	return out, nil
}

// failure is the Failure of a failed answer, its body's start kept.
func (c *Client) failure(method, path string, resp *resty.Response) *Failure {
	s := resp.StatusCode()
	return &Failure{Method: method, Path: path, Status: s, Reason: ReasonOf(s), header: resp.Header(), body: c.errorBody(resp)}
}

// MaxErrorBody bounds what is read of a failed answer: services' error
// bodies are a few hundred bytes, and only their start is shown.
const MaxErrorBody = 64 << 10

// bufferedBody is the start of a failed streamed answer, read once.
type bufferedBody struct {
	*bytes.Reader
	b []byte
}

func (bufferedBody) Close() error { return nil }

// errorBody returns the start of a failed answer. A streamed one is read
// and its connection's body closed the first time: resty drops a retried
// answer without closing it.
func (c *Client) errorBody(resp *resty.Response) []byte {
	if !c.cfg.Stream {
		b := resp.Body()
		return b[:min(len(b), MaxErrorBody)]
	}
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
	b, _ := io.ReadAll(io.LimitReader(r, MaxErrorBody))
	raw.Body.Close()
	raw.Body = bufferedBody{Reader: bytes.NewReader(b), b: b}
	return b
}

// retryable: a refused redirect, an answer over the bound and a canceled
// request end the retries; other transport errors and the answers
// Config.Retry accepts are worth another attempt.
func (c *Client) retryable(resp *resty.Response, err error) bool {
	if err != nil {
		var off *OffOriginError
		return !errors.As(err, &off) && !errors.Is(err, resty.ErrResponseBodyTooLarge) && !errors.Is(err, context.Canceled)
	}
	s := resp.StatusCode()
	if s >= 200 && s <= 299 || s == http.StatusNotModified {
		return false
	}
	body := c.errorBody(resp)
	if c.cfg.Retry != nil {
		return c.cfg.Retry(resp.Request.Context(), s, resp.Header(), body)
	}
	return Retryable(s)
}

// retryAfter waits as the server asks, and stops the retries when it asks
// for longer than the client waits or than the time left: better a clear
// error now than a deadline after a pointless sleep.
func (c *Client) retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	var wait time.Duration
	if c.cfg.Wait != nil {
		wait = c.cfg.Wait(resp.StatusCode(), resp.Header(), c.errorBody(resp), c.set.Now())
	} else {
		wait = ParseRetryAfter(resp.Header().Get("Retry-After"), c.set.Now())
	}
	if why := WaitRefused(resp.Request.Context(), wait, c.cfg.RetryMaxWait); why != "" {
		f := c.failure(resp.Request.Method, PathOf(resp.Request.URL), resp)
		f.Err = fmt.Errorf("%s asked to retry after %s%s", c.cfg.Service, wait, why)
		return 0, f
	}
	return wait, nil // 0: exponential backoff with jitter
}

// logRetry warns about each failed attempt that will be retried: a user
// waiting on a slow command should see why.
func (c *Client) logRetry(resp *resty.Response, err error) {
	var extra []any
	if err == nil && resp != nil && c.cfg.RetryAttrs != nil {
		extra = c.cfg.RetryAttrs(resp.StatusCode(), c.errorBody(resp))
	}
	if attrs, ok := retryAttrs(resp, err, c.cfg.Retries, c.Redact, extra...); ok {
		c.set.Log.Warn(c.cfg.API+": request failed, retrying", attrs...)
	}
}

// ReasonAttrs is a RetryAttrs that names the failure's Reason.
func ReasonAttrs(status int, _ []byte) []any {
	return []any{"reason", ReasonOf(status).String()}
}
