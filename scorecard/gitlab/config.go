package gitlab

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// DefaultBaseURL is GitLab.com; a self-managed GitLab is https://HOST.
const DefaultBaseURL = "https://gitlab.com"

// Config says how to reach GitLab and how patiently.
type Config struct {
	// BaseURL is GitLab's address, without /api/v4 and without a trailing
	// slash (GITLAB_URL).
	BaseURL string
	// Token is a personal, group or project access token with read_api
	// (GITLAB_TOKEN).
	Token string

	// RequestTimeout, Retries, RetryWait, RetryMaxWait and RetryBudget are
	// the client's patience (httpclient.Patience says what each bounds);
	// zero values take the defaults, a negative Retries means none.
	RequestTimeout, RetryWait, RetryMaxWait, RetryBudget time.Duration
	Retries                                              int
}

// Defaults for the patience settings.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetries        = 4
	DefaultRetryWait      = 500 * time.Millisecond
	DefaultRetryMaxWait   = 90 * time.Second
	DefaultRetryBudget    = 5 * time.Minute
	DefaultConcurrency    = 8
)

func (c Config) withDefaults() Config {
	c.BaseURL = httpclient.BaseURL(c.BaseURL, DefaultBaseURL)
	httpclient.Fill(&c.RequestTimeout, &c.Retries, &c.RetryWait, &c.RetryMaxWait, &c.RetryBudget, httpclient.Patience{
		Timeout: DefaultRequestTimeout, Retries: DefaultRetries, RetryWait: DefaultRetryWait, RetryMaxWait: DefaultRetryMaxWait, RetryBudget: DefaultRetryBudget})
	return c
}

// String describes the configuration without a secret.
func (c Config) String() string {
	c = c.withDefaults()
	if c.Token == "" {
		return fmt.Sprintf("GitLab %s, no token", c.BaseURL)
	}
	return fmt.Sprintf("GitLab %s, token set", c.BaseURL)
}

// LogValue keeps the token out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// ParseBaseURL checks GITLAB_URL: empty means GitLab.com; a self-managed
// GitLab is https://HOST (or https://HOST/PREFIX where it is served under
// a path), without /api/v4.
func ParseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("GITLAB_URL is %q: it must be an http(s) URL such as %s or https://gitlab.example.com", raw, DefaultBaseURL)
	}
	if u.User != nil {
		return "", errors.New("GITLAB_URL must not carry credentials; use GITLAB_TOKEN")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("GITLAB_URL is %q: it must not have a query or fragment", raw)
	}
	out := strings.TrimRight(raw, "/")
	if strings.HasSuffix(out, "/api/v4") {
		return "", fmt.Errorf("GITLAB_URL is %q: give GitLab's address without /api/v4", raw)
	}
	return out, nil
}

// ParseGroup checks PRODREADY_GITLAB_GROUP: a group's full path
// ("acme" or "acme/platform") or its numeric id.
func ParseGroup(raw string) (string, error) {
	g := strings.Trim(strings.TrimSpace(raw), "/")
	if g == "" {
		return "", nil
	}
	for _, part := range strings.Split(g, "/") {
		if part == "" || part == "." || part == ".." || strings.ContainsAny(part, " ?#%\\") {
			return "", fmt.Errorf("PRODREADY_GITLAB_GROUP is %q: write a group's full path such as acme or acme/platform, or its id", raw)
		}
	}
	return g, nil
}

// ProjectFilter narrows a group's projects by glob patterns (path.Match
// syntax: *, ?, [a-z]) over each project's path below the group
// ("payments/billing") and over its name ("billing"). The zero value keeps
// every project.
type ProjectFilter struct {
	patterns []string // lower-case
}

// ParseProjects checks PRODREADY_GITLAB_PROJECTS: patterns separated by
// commas or spaces. Empty means every project.
func ParseProjects(raw string) (ProjectFilter, error) {
	var f ProjectFilter
	for _, item := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		low := strings.ToLower(strings.Trim(item, "/"))
		if _, err := path.Match(low, ""); err != nil || low == "" {
			return ProjectFilter{}, fmt.Errorf("PRODREADY_GITLAB_PROJECTS has the pattern %q, which is malformed: write a glob such as payments/* or *-service", item)
		}
		f.patterns = append(f.patterns, low)
	}
	return f, nil
}

// All reports whether the filter keeps every project.
func (f ProjectFilter) All() bool { return len(f.patterns) == 0 }

// Match reports whether a project is kept: rel is its path below the
// group, name its last segment (case ignored, as GitLab does).
func (f ProjectFilter) Match(rel, name string) bool {
	if f.All() {
		return true
	}
	rel, name = strings.ToLower(rel), strings.ToLower(name)
	for _, p := range f.patterns {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// String writes the filter back as PRODREADY_GITLAB_PROJECTS would hold it.
func (f ProjectFilter) String() string { return strings.Join(f.patterns, ",") }
