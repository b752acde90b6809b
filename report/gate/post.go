package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/httpclient"
)

// Target is where and what a check posts: the endpoint of a serve's CI
// results, the bearer token, and where the result was made.
type Target struct {
	Endpoint    string // the URL of POST /api/results
	Token       string
	Commit      string
	PipelineURL string
	MaxBody     int // the most the serve reads
}

// push is the body the serve's results endpoint reads: the --format json
// document, as Result, with where it was made.
type push struct {
	Commit      string          `json:"commit"`
	PipelineURL string          `json:"pipeline_url"`
	Result      json.RawMessage `json:"result"`
}

// Poster posts results; its waits are fields so tests need not sleep.
type Poster struct {
	Retries      int
	Wait, MaxGap time.Duration
	Timeout      time.Duration // per attempt
}

// DefaultPoster is how a check posts outside tests.
func DefaultPoster() Poster {
	return Poster{Retries: 3, Wait: time.Second, MaxGap: 10 * time.Second, Timeout: 30 * time.Second}
}

// Post sends the result of ev over entities to t: the --format json
// document with the commit and pipeline. Rate limits, server errors and
// network errors are retried a bounded number of times; the error names
// the endpoint and what serve answered, never the token.
func (c Poster) Post(ctx context.Context, t Target, ev *scorecard.Evaluation, entities []int) (int, error) {
	endpoint, token := t.Endpoint, t.Token
	if token == "" {
		return 0, fmt.Errorf("not posted to %s: gate.Target.Token is not set", endpoint)
	}
	var doc bytes.Buffer
	if err := WriteJSON(&doc, ev, entities); err != nil {
		return 0, fmt.Errorf("not posted to %s: %w", endpoint, err)
	}
	body, err := json.Marshal(push{Commit: t.Commit, PipelineURL: t.PipelineURL, Result: doc.Bytes()})
	if err != nil {
		return 0, fmt.Errorf("not posted to %s: %w", endpoint, err)
	}
	if t.MaxBody > 0 && len(body) > t.MaxBody {
		return 0, fmt.Errorf("not posted to %s: the result is %d bytes, more than the %d serve takes; check fewer services", endpoint, len(body), t.MaxBody)
	}
	rc := httpclient.NewResty(nil, nil, "report").
		SetTimeout(c.Timeout).
		SetRetryCount(c.Retries).
		SetRetryWaitTime(c.Wait).
		SetRetryMaxWaitTime(c.MaxGap).
		SetRetryAfter(func(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
			return retryAfter(resp.Header().Get("Retry-After"), c.MaxGap), nil
		}).
		AddRetryCondition(func(resp *resty.Response, err error) bool {
			if err != nil {
				return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
			}
			s := resp.StatusCode()
			return s == http.StatusTooManyRequests || s >= 500
		})
	rc.SetLogger(quietLogger{})
	// A redirect would carry the token and the result elsewhere, and a
	// POST that follows one is not a POST any more: serve's answer is the
	// redirect itself.
	rc.SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }))
	var answer struct {
		Recorded int    `json:"recorded"`
		Error    string `json:"error"`
	}
	resp, err := rc.R().SetContext(ctx).
		SetAuthToken(token).
		SetHeader("Content-Type", "application/json").
		SetHeader("User-Agent", "prodready").
		SetBody(body).
		SetResult(&answer).SetError(&answer).
		Post(endpoint)
	if err != nil {
		return 0, fmt.Errorf("not posted to %s: %s", endpoint, redactToken(err.Error(), token))
	}
	if resp.StatusCode() != http.StatusOK {
		why := answer.Error
		if why == "" {
			why = string(resp.Body())
		}
		// Redacted whole, then cut: a cut could leave part of the token.
		why = cut(strings.TrimSpace(oneLine(redactToken(why, token))), 200)
		return 0, fmt.Errorf("not recorded by %s: %s: %s", endpoint, resp.Status(), why)
	}
	return answer.Recorded, nil
}

// bearer is an Authorization value as a server may echo it: a credential
// is at least 8 characters, so that "bearer token" in a message stays.
var bearer = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}`)

// redactToken takes the token, and any bearer credential, out of what a
// server answered: a proxy or a debugging endpoint may echo the request.
func redactToken(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, "[redacted]")
	}
	return bearer.ReplaceAllString(s, "Bearer [redacted]")
}

// cut is s cut to at most n bytes, on a rune's boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// retryAfter is a Retry-After, capped; 0 lets resty back off
// exponentially with jitter.
func retryAfter(v string, limit time.Duration) time.Duration {
	return min(httpclient.ParseRetryAfter(v, time.Now()), limit)
}

// quietLogger drops resty's own log lines: check reports the outcome once.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
