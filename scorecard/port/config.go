package port

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
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

	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// Retries is how many times a request is retried after a 429, a 5xx or a
	// transport error; 0 means the default, a negative number none.
	Retries int
	// RetryWait is the first backoff; it doubles per attempt, with jitter.
	RetryWait time.Duration
	// RetryMaxWait caps one wait, including a wait Port asks for with Retry-After.
	RetryMaxWait time.Duration
	// RetryBudget bounds one request with all its retries and waits.
	RetryBudget time.Duration
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

// ConfigFromEnv reads PORT_CLIENT_ID, PORT_CLIENT_SECRET, PORT_API_URL,
// PORT_REGION, PORT_BLUEPRINT, PORT_SCORECARDS, PORT_MAX_PAGE_MB and
// PORT_FETCH_TIMEOUT. Errors name the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	cfg := Config{
		ClientID:     get("PORT_CLIENT_ID"),
		ClientSecret: get("PORT_CLIENT_SECRET"),
		Blueprint:    get("PORT_BLUEPRINT"),
	}
	if cfg.ClientID == "" {
		return Config{}, fmt.Errorf("PORT_CLIENT_ID is not set")
	}
	if cfg.ClientSecret == "" {
		return Config{}, fmt.Errorf("PORT_CLIENT_SECRET is not set, but PORT_CLIENT_ID is (both come from Port's Credentials page)")
	}
	if cfg.Blueprint == "" {
		cfg.Blueprint = "service"
	}
	region := strings.ToLower(get("PORT_REGION"))
	switch region {
	case "", "eu":
		cfg.BaseURL, cfg.AppURL = BaseURLEU, "https://app.port.io"
	case "us":
		cfg.BaseURL, cfg.AppURL = BaseURLUS, "https://app.us.port.io"
	default:
		return Config{}, fmt.Errorf("PORT_REGION is %q; it must be \"eu\" (the default) or \"us\"", getenv("PORT_REGION"))
	}
	if raw := get("PORT_API_URL"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Config{}, fmt.Errorf("PORT_API_URL is %q; it must be an http(s) URL such as %s", raw, BaseURLEU)
		}
		if u.User != nil {
			return Config{}, fmt.Errorf("PORT_API_URL must not carry credentials; use PORT_CLIENT_ID and PORT_CLIENT_SECRET")
		}
		cfg.BaseURL = strings.TrimRight(raw, "/")
		if strings.Contains(u.Host, ".us.") {
			cfg.AppURL = "https://app.us.port.io"
		}
	}
	if raw := getenv("PORT_SCORECARDS"); strings.TrimSpace(raw) != "" {
		seen := map[string]bool{}
		for _, id := range strings.Split(raw, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				return Config{}, fmt.Errorf("PORT_SCORECARDS is %q: it has an empty identifier (write identifiers separated by commas)", raw)
			}
			if !seen[id] {
				seen[id] = true
				cfg.Scorecards = append(cfg.Scorecards, id)
			}
		}
	}
	if raw := get("PORT_MAX_PAGE_MB"); raw != "" {
		mb, err := strconv.Atoi(raw)
		if err != nil || mb < 1 || mb > 4096 {
			return Config{}, fmt.Errorf("PORT_MAX_PAGE_MB is %q; it must be a whole number of MiB from 1 to 4096 (default %d)", raw, DefaultMaxPageBytes>>20)
		}
		cfg.MaxPageBytes = int64(mb) << 20
	}
	if raw := get("PORT_FETCH_TIMEOUT"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("PORT_FETCH_TIMEOUT is %q; it must be a positive duration such as 15m (the default) or 1h", raw)
		}
		cfg.MaxFetchTime = d
	}
	return cfg, nil
}

// envOf names the variable that sets a Config bound, for errors; "" if none.
func envOf(setting string) string {
	switch setting {
	case "MaxPageBytes":
		return "PORT_MAX_PAGE_MB"
	case "MaxFetchTime":
		return "PORT_FETCH_TIMEOUT"
	}
	return ""
}

// withDefaults fills the zero settings.
func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = BaseURLEU
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.AppURL == "" {
		c.AppURL = "https://app.port.io"
		if c.BaseURL == BaseURLUS {
			c.AppURL = "https://app.us.port.io"
		}
	}
	if c.Blueprint == "" {
		c.Blueprint = "service"
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries // a negative count disables retries
	}
	if c.RetryWait <= 0 {
		c.RetryWait = DefaultRetryWait
	}
	if c.RetryMaxWait <= 0 {
		c.RetryMaxWait = DefaultRetryMaxWait
	}
	if c.RetryBudget <= 0 {
		c.RetryBudget = DefaultRetryBudget
	}
	if c.PageSize <= 0 || c.PageSize > 1000 {
		c.PageSize = DefaultPageSize
	}
	if c.MaxPageBytes <= 0 {
		c.MaxPageBytes = DefaultMaxPageBytes
	}
	if c.MaxPages <= 0 {
		c.MaxPages = (maxEntities + c.PageSize - 1) / c.PageSize
	}
	if c.MaxEmptyPages <= 0 {
		c.MaxEmptyPages = DefaultMaxEmptyPages
	}
	if c.MaxFetchTime <= 0 {
		c.MaxFetchTime = DefaultMaxFetchTime
	}
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
