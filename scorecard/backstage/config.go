package backstage

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Config says which Backstage to read and how patiently. cmd fills it from
// BACKSTAGE_URL (ParseURL), BACKSTAGE_TOKEN and BACKSTAGE_FILTER
// (ParseFilter); zero settings take their defaults.
type Config struct {
	// BaseURL of Backstage, without a trailing slash: the catalog API is
	// {BaseURL}/api/catalog and the web app's entity pages are under
	// {AppURL}/catalog.
	BaseURL string
	// AppURL of Backstage's web app, for links to entities; BaseURL when empty
	// (the usual setup serves both from one host).
	AppURL string
	// Token is sent as "Authorization: Bearer"; empty sends none.
	Token string
	// Filter selects the entities that are services; DefaultFilter when nil.
	Filter Filter
	// Scorecards are the files of scorecard definitions: Backstage has none.
	Scorecards []string
	// SkipTeams leaves out the kind=group and kind=user listings that give
	// Bundle.Teams and members' emails (for a token that may not read them).
	SkipTeams bool

	// PageSize is the limit asked for each page.
	PageSize int
	// MaxPages bounds one listing: a catalog that never stops handing out
	// cursors is an error, not an endless load.
	MaxPages int
	// LoadTimeout bounds a whole Load, every page and retry included.
	LoadTimeout time.Duration

	// RequestTimeout, Retries, RetryWait, RetryMaxWait and RetryBudget are
	// the client's patience (httpclient.Patience says what each bounds);
	// zero values take the defaults, a negative Retries means none.
	RequestTimeout, RetryWait, RetryMaxWait, RetryBudget time.Duration
	Retries                                              int
}

// Defaults. A page of 500 components with the fields prodready asks for is
// a few hundred kB; Backstage's own default of 20 would mean 25 times as
// many round trips.
const (
	DefaultPageSize       = 500
	DefaultMaxPages       = 10000
	DefaultLoadTimeout    = 5 * time.Minute
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetries        = 4
	DefaultRetryWait      = 250 * time.Millisecond
	DefaultRetryMaxWait   = 30 * time.Second
	DefaultRetryBudget    = 2 * time.Minute
)

// DefaultFilterText is the filter of services when BACKSTAGE_FILTER is unset.
const DefaultFilterText = "kind=component,spec.type=service"

// ParseURL checks BACKSTAGE_URL: an http(s) URL of Backstage without
// credentials; a trailing slash and a trailing /api/catalog are dropped so
// that either the app's or the catalog API's address works.
func ParseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("backstage.Config.BaseURL is not set")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("backstage.Config.BaseURL is %q; it must be an http(s) URL such as https://backstage.example.com", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("backstage.Config.BaseURL must not carry credentials; put the token in backstage.Config.Token")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("backstage.Config.BaseURL is %q; it must not have a query or a fragment", raw)
	}
	s := strings.TrimRight(raw, "/")
	s = strings.TrimSuffix(s, "/api/catalog")
	return strings.TrimRight(s, "/"), nil
}

// withDefaults fills the zero settings.
func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.AppURL == "" {
		c.AppURL = c.BaseURL
	}
	c.AppURL = strings.TrimRight(c.AppURL, "/")
	if len(c.Filter) == 0 {
		c.Filter = DefaultFilter()
	}
	httpclient.Or(&c.PageSize, DefaultPageSize)
	httpclient.Or(&c.MaxPages, DefaultMaxPages)
	httpclient.Or(&c.LoadTimeout, DefaultLoadTimeout)
	httpclient.Fill(&c.RequestTimeout, &c.Retries, &c.RetryWait, &c.RetryMaxWait, &c.RetryBudget, httpclient.Patience{
		Timeout: DefaultRequestTimeout, Retries: DefaultRetries, RetryWait: DefaultRetryWait, RetryMaxWait: DefaultRetryMaxWait, RetryBudget: DefaultRetryBudget})
	return c
}

// String describes the configuration without the token.
func (c Config) String() string {
	tok := "no token"
	if c.Token != "" {
		tok = "token set"
	}
	f := c.Filter
	if len(f) == 0 {
		f = DefaultFilter()
	}
	return fmt.Sprintf("Backstage %s, filter %s, %s", c.BaseURL, f, tok)
}

// LogValue keeps the token out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }
