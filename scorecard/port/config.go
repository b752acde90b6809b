package port

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Base URLs of Port's two regions.
const (
	BaseURLEU = "https://api.port.io"
	BaseURLUS = "https://api.us.port.io"
)

// Config says which Port organisation to read and how patiently.
type Config struct {
	ClientID     string
	ClientSecret string
	// BaseURL of Port's API, without a trailing slash.
	BaseURL string
	// AppURL of Port's web app, for links to entities.
	AppURL string
	// Blueprint whose entities and scorecards are read.
	Blueprint string
	// Scorecards narrows the blueprint's scorecards to these identifiers; empty means all.
	Scorecards []string

	// RequestTimeout, Retries, RetryWait, RetryMaxWait and RetryBudget are
	// the client's patience (httpclient.Patience says what each bounds);
	// zero values take the defaults, a negative Retries means none.
	RequestTimeout, RetryWait, RetryMaxWait, RetryBudget time.Duration
	Retries                                              int
	// PageSize is the search page size (Port allows 1 to 1000).
	PageSize int

	// Bounds on what Port may send, so that a broken or hostile answer
	// ends in a clear error instead of exhausting memory or paging forever.

	// MaxPageBytes bounds one answer after decompression. A page of 1,000
	// entities with the properties the scorecards read is a few MB; 64 MiB
	// leaves room for 64 KiB an entity (large markdown properties, or
	// whole entities when Port refuses the include list) and still bounds
	// a gzip bomb.
	MaxPageBytes int64
	// MaxPages bounds the pages of one entity search; 0 means enough for a
	// million entities at PageSize.
	MaxPages int
	// MaxEmptyPages bounds the pages in a row that have no entities but
	// a "next" cursor: Port sends none, so a few mean it pages forever.
	MaxEmptyPages int
	// MaxFetchTime bounds reading every page of one entity search.
	MaxFetchTime time.Duration
}

// Defaults for the patience settings: one slow page must not stall a
// Slack command forever, and Port's rate-limit windows are short.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetries        = 5
	DefaultRetryWait      = 250 * time.Millisecond
	DefaultRetryMaxWait   = 30 * time.Second
	DefaultRetryBudget    = 2 * time.Minute
	DefaultPageSize       = 1000
	DefaultMaxPageBytes   = 64 << 20
	DefaultMaxEmptyPages  = 3
	DefaultMaxFetchTime   = 15 * time.Minute
	// maxEntities is what the default MaxPages allows for: Port's largest
	// catalogs hold some 100,000 entities of a blueprint.
	maxEntities = 1_000_000
)

// withDefaults fills the zero settings.
func (c Config) withDefaults() Config {
	c.BaseURL = httpclient.BaseURL(c.BaseURL, BaseURLEU)
	if c.AppURL == "" {
		c.AppURL = "https://app.port.io"
		if c.BaseURL == BaseURLUS {
			c.AppURL = "https://app.us.port.io"
		}
	}
	if c.Blueprint == "" {
		c.Blueprint = "service"
	}
	httpclient.Fill(&c.RequestTimeout, &c.Retries, &c.RetryWait, &c.RetryMaxWait, &c.RetryBudget, httpclient.Patience{
		Timeout: DefaultRequestTimeout, Retries: DefaultRetries, RetryWait: DefaultRetryWait, RetryMaxWait: DefaultRetryMaxWait, RetryBudget: DefaultRetryBudget})
	if c.PageSize <= 0 || c.PageSize > 1000 {
		c.PageSize = DefaultPageSize
	}
	httpclient.Or(&c.MaxPageBytes, DefaultMaxPageBytes)
	if c.MaxPages <= 0 {
		c.MaxPages = (maxEntities + c.PageSize - 1) / c.PageSize
	}
	httpclient.Or(&c.MaxEmptyPages, DefaultMaxEmptyPages)
	httpclient.Or(&c.MaxFetchTime, DefaultMaxFetchTime)
	return c
}

// String describes the configuration without the secret.
func (c Config) String() string {
	secret := "unset"
	if c.ClientSecret != "" {
		secret = "set"
	}
	return fmt.Sprintf("Port %s, blueprint %s, client %s, secret %s", c.BaseURL, c.Blueprint, c.ClientID, secret)
}

// LogValue keeps the secret out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.StringValue(c.String())
}
