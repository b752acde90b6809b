package blockkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/metrics"
)

// NormalizeAPIURL checks SLACK_API_URL and gives it the trailing slash
// slack-go expects ("https://slack.com/api/").
func NormalizeAPIURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("SLACK_API_URL %q is not an http(s) URL like https://slack.com/api/", raw)
	}
	if !strings.HasSuffix(raw, "/") {
		raw += "/"
	}
	return raw, nil
}

// CheckTokens checks the kind of each Slack token that is set (empty ones
// are not checked); the error names the variable, never the value.
func CheckTokens(botToken, appToken string) error {
	switch {
	case appToken != "" && !strings.HasPrefix(appToken, "xapp-"):
		return errors.New("SLACK_APP_TOKEN must be an app-level token (xapp-…), from Basic Information → App-Level Tokens with the connections:write scope")
	case botToken != "" && !strings.HasPrefix(botToken, "xoxb-"):
		return errors.New("SLACK_BOT_TOKEN must be a bot token (xoxb-…), from OAuth & Permissions → Bot User OAuth Token")
	}
	return nil
}

// NewClient makes a slack-go client: the bot token, the app-level token for
// Socket Mode (may be empty) and SLACK_API_URL (empty for Slack itself; a
// URL that NormalizeAPIURL refuses was refused at start). Callers add their
// own options, such as a retry policy, so that retries live in one place
// per use; an HTTP client must come before the retry policy, which wraps it.
func NewClient(botToken, appToken, apiURL string, extra ...slack.Option) *slack.Client {
	var opts []slack.Option
	if u, err := NormalizeAPIURL(apiURL); err == nil && u != "" {
		opts = append(opts, slack.OptionAPIURL(u))
	}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	return slack.New(botToken, append(opts, extra...)...)
}

// NewDeliveryClient returns a Slack client for the jobs' messages: its
// HTTP layer waits out 429s for as long as Retry-After says, and retries
// 5xx answers and dropped connections with backoff (slack-go's retry
// handlers). hc may be nil.
func NewDeliveryClient(token, apiURL string, hc *http.Client) *slack.Client {
	var opts []slack.Option
	if hc != nil {
		opts = append(opts, slack.OptionHTTPClient(hc))
	}
	cfg := slack.DefaultRetryConfig()
	cfg.MaxRetries = 5
	cfg.RetryAfterJitter = 100 * time.Millisecond
	cfg.BackoffInitial = 500 * time.Millisecond
	cfg.BackoffMax = 10 * time.Second
	cfg.Handlers = []slack.RetryHandler{
		slack.NewConnectionErrorRetryHandler(),
		slack.NewRateLimitErrorRetryHandler(cfg),
		slack.NewServerErrorRetryHandler(cfg),
	}
	return NewClient(token, "", apiURL, append(opts, slack.OptionRetryConfig(cfg))...)
}

// AnswerRetries is the bot's own policy for posting answers: a 429 is
// retried after its Retry-After, a 5xx or a dropped connection with backoff.
func AnswerRetries() slack.Option {
	cfg := slack.DefaultRetryConfig()
	cfg.MaxRetries = 2
	cfg.RetryAfterDuration = 2 * time.Second
	cfg.BackoffMax = 2 * time.Second
	cfg.Handlers = slack.AllBuiltinRetryHandlers(cfg)
	return slack.OptionRetryConfig(cfg)
}

// slackAnswerLimit bounds how much of a Slack answer is read to learn its
// outcome; chat.postMessage answers are a few KB.
const slackAnswerLimit = 1 << 20

// SlackHTTPClient returns an HTTP client for slack-go that counts posts in
// m (chat.* methods and response_url answers; every attempt, retries
// included) by outcome, classified as delivery errors are (classify).
// Slack answers most errors with 200 and {"ok": false}, so the body is read
// to tell them apart. Nil m: nil, slack-go's default client.
func SlackHTTPClient(m *metrics.Metrics) *http.Client {
	if m == nil {
		return nil
	}
	base := http.DefaultTransport
	return &http.Client{Timeout: 30 * time.Second, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !isPost(r) {
			return base.RoundTrip(r)
		}
		resp, err := base.RoundTrip(r)
		if err != nil {
			m.SlackPost(metrics.PostTransport)
			return resp, err
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			m.SlackPost(metrics.PostRateLimited)
		case resp.StatusCode >= 500:
			m.SlackPost(metrics.PostServerError)
		case resp.StatusCode >= 400:
			m.SlackPost(metrics.PostClientError)
		default:
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, slackAnswerLimit))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			var ans struct {
				OK    *bool  `json:"ok"`
				Error string `json:"error"`
			}
			switch {
			case rerr != nil:
				m.SlackPost(metrics.PostTransport)
			case json.Unmarshal(body, &ans) == nil && ans.OK != nil && !*ans.OK:
				if Classify(errors.New(ans.Error)).Reason == delivery.ReasonServer {
					m.SlackPost(metrics.PostServerError)
				} else {
					m.SlackPost(metrics.PostClientError)
				}
			default: // {"ok": true}, or response_url's plain "ok"
				m.SlackPost(metrics.PostSent)
			}
		}
		return resp, nil
	})}
}

// isPost reports whether r posts a message: a chat.* Web API method, or an
// answer to a response_url (https://hooks.slack.com/commands/T…/…); file
// uploads and lookups are not posts.
func isPost(r *http.Request) bool {
	return strings.HasPrefix(path.Base(r.URL.Path), "chat.") || strings.Contains(r.URL.Path, "/commands/")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
