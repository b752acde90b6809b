package github

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// DefaultBaseURL is api.github.com; GitHub Enterprise Server answers at
// https://HOST/api/v3.
const DefaultBaseURL = "https://api.github.com"

// Config says how to reach GitHub and how patiently.
type Config struct {
	// BaseURL of the REST API, without a trailing slash.
	BaseURL string
	// Token is a personal access token or any bearer token. Ignored when App is set.
	Token string
	// App authenticates as a GitHub App installation instead of a token.
	App *App

	// RequestTimeout, Retries, RetryWait, RetryMaxWait and RetryBudget are
	// the client's patience (httpclient.Patience says what each bounds);
	// zero values take the defaults, a negative Retries means none.
	RequestTimeout, RetryWait, RetryMaxWait, RetryBudget time.Duration
	Retries                                              int
	// SecondaryWait is the pause after a secondary rate limit that names no
	// wait: GitHub asks for at least a minute.
	SecondaryWait time.Duration
	// RateReserve is how many requests of the primary rate limit are never
	// spent: other tools share the budget, and GitHub's count can run ahead
	// of ours while requests are in flight.
	RateReserve int
	// MaxRateWait is the longest pause for the primary rate limit to reset;
	// a longer one gives up on the rest of the run (its facts are null).
	MaxRateWait time.Duration
}

// App is a GitHub App installation's credentials.
type App struct {
	ID             int64
	InstallationID int64
	Key            *rsa.PrivateKey
}

// Defaults for the patience settings.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetries        = 4
	DefaultRetryWait      = 500 * time.Millisecond
	DefaultRetryMaxWait   = 90 * time.Second
	DefaultRetryBudget    = 5 * time.Minute
	DefaultSecondaryWait  = 60 * time.Second
	DefaultRateReserve    = 100
	DefaultMaxRateWait    = 15 * time.Minute
	DefaultEvery          = time.Hour
	DefaultConcurrency    = 8
)

func (c Config) withDefaults() Config {
	c.BaseURL = httpclient.BaseURL(c.BaseURL, DefaultBaseURL)
	httpclient.Fill(&c.RequestTimeout, &c.Retries, &c.RetryWait, &c.RetryMaxWait, &c.RetryBudget, httpclient.Patience{
		Timeout: DefaultRequestTimeout, Retries: DefaultRetries, RetryWait: DefaultRetryWait, RetryMaxWait: DefaultRetryMaxWait, RetryBudget: DefaultRetryBudget})
	httpclient.Or(&c.SecondaryWait, DefaultSecondaryWait)
	httpclient.Or(&c.RateReserve, DefaultRateReserve)
	httpclient.Or(&c.MaxRateWait, DefaultMaxRateWait)
	return c
}

// credentialFields names the fields that hold the credentials in use, for
// errors that say what to check.
func (c Config) credentialFields() string {
	if c.App != nil {
		return "github.Config.App.ID, github.Config.App.Key and github.Config.App.InstallationID"
	}
	return "github.Config.Token"
}

// String describes the configuration without a secret.
func (c Config) String() string {
	c = c.withDefaults()
	switch {
	case c.App != nil:
		return fmt.Sprintf("GitHub %s, app %d installation %d", c.BaseURL, c.App.ID, c.App.InstallationID)
	case c.Token != "":
		return fmt.Sprintf("GitHub %s, token set", c.BaseURL)
	}
	return fmt.Sprintf("GitHub %s, no credentials", c.BaseURL)
}

// LogValue keeps secrets out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// ParseBaseURL checks Config.BaseURL: empty means api.github.com; GitHub
// Enterprise Server is https://HOST/api/v3.
func ParseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("github.Config.BaseURL is %q: it must be an http(s) URL such as %s or https://github.example.com/api/v3", raw, DefaultBaseURL)
	}
	if u.User != nil {
		return "", errors.New("github.Config.BaseURL must not carry credentials; use github.Config.Token or a GitHub App")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("github.Config.BaseURL is %q: it must not have a query or fragment", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// ParseEvery checks github.Every, how often the facts are collected: a Go duration ("1h", "30m");
// empty means DefaultEvery.
func ParseEvery(raw string) (time.Duration, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DefaultEvery, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("github.Every is %q: it must be a duration of at least a minute, such as 1h or 30m", raw)
	}
	return d, nil
}

// ParsePrivateKey reads a GitHub App's PEM private key (PKCS #1, as GitHub
// issues it, or PKCS #8). variable names where it came from; errors name it
// and never echo the key. Literal "\n" sequences, as some secret stores
// flatten a PEM file, are read as newlines.
func ParsePrivateKey(data []byte, variable string) (*rsa.PrivateKey, error) {
	text := strings.TrimSpace(string(data))
	if !strings.Contains(text, "\n") && strings.Contains(text, `\n`) {
		text = strings.ReplaceAll(text, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, fmt.Errorf("%s is not a PEM private key: it must start with -----BEGIN RSA PRIVATE KEY----- as the .pem file GitHub lets you download", variable)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s holds an RSA PRIVATE KEY block that does not parse (%s): download the key again", variable, err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s holds a PRIVATE KEY block that does not parse (%s): download the key again", variable, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s holds a %T key; GitHub Apps sign with RSA keys", variable, k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("%s holds a PEM block of type %q; want RSA PRIVATE KEY", variable, block.Type)
}

// RepoFilter narrows an organisation's repositories: exact names and glob
// patterns (path.Match syntax: *, ?, [a-z]). The zero value keeps every one.
type RepoFilter struct {
	names    map[string]bool // lower-case
	patterns []string        // lower-case
	// raw keeps the names as written, for warnings about names not found.
	raw []string
}

// ParseRepos checks Collector.Repos: names or glob patterns,
// separated by commas or spaces; "org/name" is accepted for a name.
// Empty means every repository.
func ParseRepos(raw string) (RepoFilter, error) {
	var f RepoFilter
	for _, item := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		if i := strings.LastIndexByte(item, '/'); i >= 0 {
			if i == len(item)-1 || strings.Count(item, "/") > 1 {
				return RepoFilter{}, fmt.Errorf("github.Collector.Repos has %q: write a repository name or owner/name", item)
			}
			item = item[i+1:]
		}
		low := strings.ToLower(item)
		if strings.ContainsAny(item, "*?[") {
			if _, err := path.Match(low, ""); err != nil {
				return RepoFilter{}, fmt.Errorf("github.Collector.Repos has the pattern %q, which is malformed: %v", item, err)
			}
			f.patterns = append(f.patterns, low)
			continue
		}
		if f.names == nil {
			f.names = map[string]bool{}
		}
		if !f.names[low] {
			f.names[low] = true
			f.raw = append(f.raw, item)
		}
	}
	return f, nil
}

// All reports whether the filter keeps every repository.
func (f RepoFilter) All() bool { return len(f.names) == 0 && len(f.patterns) == 0 }

// Match reports whether the repository name is kept (case ignored, as GitHub does).
func (f RepoFilter) Match(name string) bool {
	if f.All() {
		return true
	}
	low := strings.ToLower(name)
	if f.names[low] {
		return true
	}
	for _, p := range f.patterns {
		if ok, _ := path.Match(p, low); ok {
			return true
		}
	}
	return false
}

// exact is the filter's names as written when it holds names and no
// pattern: then the repositories can be read by name, not found in a list.
func (f RepoFilter) exact() ([]string, bool) {
	if len(f.patterns) > 0 || len(f.names) == 0 {
		return nil, false
	}
	return f.raw, true
}

// String writes the filter back as ParseRepos reads it.
func (f RepoFilter) String() string {
	return strings.Join(append(append([]string(nil), f.raw...), f.patterns...), ",")
}

// missing lists the exact names the filter holds that are not in seen
// (lower-case names).
func (f RepoFilter) missing(seen map[string]bool) []string {
	var out []string
	for _, n := range f.raw {
		if !seen[strings.ToLower(n)] {
			out = append(out, n)
		}
	}
	return out
}
