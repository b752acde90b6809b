package pagerduty

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Base URLs of PagerDuty's REST API: the US service region and the EU one.
const (
	BaseURLUS = "https://api.pagerduty.com"
	BaseURLEU = "https://api.eu.pagerduty.com"
)

// Config says which PagerDuty account to read and how patiently.
type Config struct {
	// Token is a REST API key (account or user key); read-only is enough.
	Token string
	// BaseURL of the REST API, without a trailing slash.
	BaseURL string

	// RequestTimeout, Retries, RetryWait, RetryMaxWait and RetryBudget are
	// the client's patience (httpclient.Patience says what each bounds);
	// zero values take the defaults, a negative Retries means none.
	RequestTimeout, RetryWait, RetryMaxWait, RetryBudget time.Duration
	Retries                                              int
	// PageSize is the page size of list calls (PagerDuty allows 1 to 100).
	PageSize int
}

// Defaults for the patience settings. PagerDuty's rate limit is per minute
// (about 960 requests), so a limited client may have to wait most of one.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetries        = 5
	DefaultRetryWait      = 250 * time.Millisecond
	DefaultRetryMaxWait   = 65 * time.Second
	DefaultRetryBudget    = 3 * time.Minute
	DefaultPageSize       = 100
)

// ParseToken checks PAGERDUTY_TOKEN: a REST API key alone, as PagerDuty
// shows it (Integrations > API Access Keys). The error never shows the key.
func ParseToken(raw string) (string, error) {
	tok := strings.TrimSpace(raw)
	switch {
	case tok == "":
		return "", fmt.Errorf("pagerduty.Config.Token is not set (create a read-only REST API key in PagerDuty under Integrations > API Access Keys)")
	case strings.HasPrefix(strings.ToLower(tok), "token ") || strings.HasPrefix(strings.ToLower(tok), "bearer "):
		return "", fmt.Errorf("pagerduty.Config.Token must be the key alone, without the \"Token token=\" or \"Bearer\" prefix of the header")
	case strings.ContainsAny(tok, " \t\r\n\"'"):
		return "", fmt.Errorf("pagerduty.Config.Token contains spaces or quotes: it must be the key alone (%d characters given)", len(tok))
	}
	return tok, nil
}

// ParseBaseURL checks PAGERDUTY_API_URL; empty means BaseURLUS.
func ParseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return BaseURLUS, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("pagerduty.Config.BaseURL is %q; it must be an http(s) URL such as %s (or %s for EU accounts)", raw, BaseURLUS, BaseURLEU)
	}
	if u.User != nil {
		return "", fmt.Errorf("pagerduty.Config.BaseURL must not carry credentials; put the key in pagerduty.Config.Token")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("pagerduty.Config.BaseURL is %q; it must be a base URL without a query or fragment", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// withDefaults fills the zero settings.
func (c Config) withDefaults() Config {
	c.BaseURL = httpclient.BaseURL(c.BaseURL, BaseURLUS)
	httpclient.Fill(&c.RequestTimeout, &c.Retries, &c.RetryWait, &c.RetryMaxWait, &c.RetryBudget, httpclient.Patience{
		Timeout: DefaultRequestTimeout, Retries: DefaultRetries, RetryWait: DefaultRetryWait, RetryMaxWait: DefaultRetryMaxWait, RetryBudget: DefaultRetryBudget})
	if c.PageSize <= 0 || c.PageSize > 100 {
		c.PageSize = DefaultPageSize
	}
	return c
}

// String describes the configuration without the token.
func (c Config) String() string {
	tok := "unset"
	if c.Token != "" {
		tok = "set"
	}
	return fmt.Sprintf("PagerDuty %s, token %s", c.withDefaults().BaseURL, tok)
}

// LogValue keeps the token out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }
