package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/gitlab"
	"github.com/prodready/prodready/scorecard/pagerduty"
)

// githubSettings is what the GITHUB_* and PRODREADY_GITHUB_* variables
// say; finishGitHub turns the App's pieces into client credentials.
type githubSettings struct {
	client github.Config
	org    string
	repos  github.RepoFilter
	every  time.Duration

	appID, installationID string
	key, keyFile          string
}

// on reports whether GitHub facts are collected: an organisation is named
// (finishGitHub has checked there are credentials for it).
func (g *githubSettings) on() bool { return g.org != "" }

// gitlabSettings is what the GITLAB_* and PRODREADY_GITLAB_* variables say.
type gitlabSettings struct {
	client   gitlab.Config
	group    string
	projects gitlab.ProjectFilter
}

// finishGitLab checks how the GitLab variables go together.
func (s *settings) finishGitLab() error {
	if s.gitlab.group != "" && s.gitlab.client.Token == "" {
		return errors.New("PRODREADY_GITLAB_GROUP is set but GITLAB_TOKEN is not: create a token with the " + gitlab.ScopeNeeded + " scope and set it")
	}
	return nil
}

// factsVariables are the rows of the facts collectors (GitHub, PagerDuty)
// and of Backstage's catalog, in .env.example's order. Each parses with the
// package's own Parse function, whose error names the variable.
func factsVariables() []variable {
	return []variable{
		{name: "BACKSTAGE_URL", field: "backstage.Config.BaseURL", help: "Backstage's backend URL; when set, the catalog comes from Backstage (scorecards from PRODREADY_SCORECARDS, else the demo's)",
			set: func(s *settings, v string) (err error) { s.backstage.BaseURL, err = backstage.ParseURL(v); return err }},
		{name: "BACKSTAGE_TOKEN", field: "backstage.Config.Token", help: "static token sent to Backstage as Authorization: Bearer", secret: true,
			set: func(s *settings, v string) error { s.backstage.Token = v; return nil }},
		{name: "BACKSTAGE_FILTER", field: "backstage.Config.Filter", def: backstage.DefaultFilterText, help: "which Backstage entities are services, in Backstage's filter syntax (alternatives separated by ;)",
			set: func(s *settings, v string) (err error) {
				s.backstage.Filter, err = backstage.ParseFilter(v)
				return err
			}},

		{name: "GITHUB_TOKEN", field: "github.Config.Token", help: "GitHub token that reads PRODREADY_GITHUB_ORG's repositories (or use a GitHub App)", secret: true,
			set: func(s *settings, v string) error { s.github.client.Token = v; return nil }},
		{name: "GITHUB_APP_ID", field: "github.Config.App.ID", help: "GitHub App ID, to read GitHub as an App installation instead of with a token",
			set: func(s *settings, v string) error { s.github.appID = v; return nil }},
		{name: "GITHUB_APP_PRIVATE_KEY", field: "github.Config.App.Key", help: "the GitHub App's PEM private key (literal \\n allowed)", secret: true,
			set: func(s *settings, v string) error { s.github.key = v; return nil }},
		{name: "GITHUB_APP_PRIVATE_KEY_FILE", field: "github.Config.App.Key", help: "file holding the GitHub App's PEM private key, instead of GITHUB_APP_PRIVATE_KEY",
			set: func(s *settings, v string) error {
				s.github.keyFile = v
				return fileCheck("GITHUB_APP_PRIVATE_KEY_FILE")(v)
			}},
		{name: "GITHUB_APP_INSTALLATION_ID", field: "github.Config.App.InstallationID", help: "the GitHub App's installation on the organisation",
			set: func(s *settings, v string) error { s.github.installationID = v; return nil }},
		{name: "GITHUB_API_URL", field: "github.Config.BaseURL", def: github.DefaultBaseURL, help: "GitHub's REST API; GitHub Enterprise Server: https://HOST/api/v3",
			set: func(s *settings, v string) (err error) {
				s.github.client.BaseURL, err = github.ParseBaseURL(v)
				return err
			}},
		{name: "PRODREADY_GITHUB_ORG", field: "github.Collector.Org", help: "GitHub organisation whose repositories give facts (readme, freshness, reviews); with no catalog, one service per repository",
			set: func(s *settings, v string) error {
				if strings.ContainsAny(v, "/ ") {
					return fmt.Errorf("PRODREADY_GITHUB_ORG is %q: write the organisation's login only, such as \"acme\"", v)
				}
				s.github.org = v
				return nil
			}},
		{name: "PRODREADY_GITHUB_REPOS", field: "github.Collector.Repos", help: "repositories to read: names or glob patterns separated by commas (default: all but archived ones and forks)",
			set: func(s *settings, v string) (err error) { s.github.repos, err = github.ParseRepos(v); return err }},
		{name: "PRODREADY_GITHUB_EVERY", field: "github.Every", def: "1h", help: "how often serve collects GitHub's facts again (1m to 7d); between collections the last facts are reused",
			set: func(s *settings, v string) (err error) {
				if s.github.every, err = github.ParseEvery(v); err != nil {
					return err
				}
				return within("PRODREADY_GITHUB_EVERY", v, s.github.every, durationBounds{time.Minute, 7 * day, "facts older than a week would be taken for the repositories' state"})
			}},

		{name: "GITLAB_TOKEN", help: "GitLab access token with the read_api scope that reads PRODREADY_GITLAB_GROUP's projects", secret: true,
			set: func(s *settings, v string) error { s.gitlab.client.Token = v; return nil }},
		{name: "GITLAB_URL", def: gitlab.DefaultBaseURL, help: "GitLab's address; self-managed: https://HOST (without /api/v4)",
			set: func(s *settings, v string) (err error) {
				s.gitlab.client.BaseURL, err = gitlab.ParseBaseURL(v)
				return err
			}},
		{name: "PRODREADY_GITLAB_GROUP", help: "GitLab group (full path or id) whose projects, subgroups' included, give facts; with no catalog, one service per project",
			set: func(s *settings, v string) (err error) { s.gitlab.group, err = gitlab.ParseGroup(v); return err }},
		{name: "PRODREADY_GITLAB_PROJECTS", help: "projects to read: glob patterns over the path below the group or the name, separated by commas (default: all but archived ones and forks)",
			set: func(s *settings, v string) (err error) { s.gitlab.projects, err = gitlab.ParseProjects(v); return err }},

		{name: "PAGERDUTY_TOKEN", field: "pagerduty.Config.Token", help: "PagerDuty REST API key (read-only is enough); when set, on-call facts are collected", secret: true,
			set: func(s *settings, v string) (err error) { s.pagerduty.Token, err = pagerduty.ParseToken(v); return err }},
		{name: "PAGERDUTY_API_URL", field: "pagerduty.Config.BaseURL", def: pagerduty.BaseURLUS, help: "PagerDuty's REST API; EU accounts: " + pagerduty.BaseURLEU,
			set: func(s *settings, v string) (err error) {
				s.pagerduty.BaseURL, err = pagerduty.ParseBaseURL(v)
				return err
			}},
	}
}

// finishGitHub checks how the GitHub variables go together and reads the
// App's private key. No error ever holds the key or the token.
func (s *settings) finishGitHub(readFile func(string) ([]byte, error)) error {
	g := &s.github
	app := g.appID != "" || g.installationID != "" || strings.TrimSpace(g.key) != "" || g.keyFile != ""
	if !app {
		if g.org != "" && g.client.Token == "" {
			return errors.New("PRODREADY_GITHUB_ORG is set but GITHUB_TOKEN is not: set it, or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID for a GitHub App")
		}
		return nil
	}
	var errs []error
	a := &github.App{}
	var err error
	if a.ID, err = parseAppID("GITHUB_APP_ID", g.appID); err != nil {
		errs = append(errs, err)
	}
	if a.InstallationID, err = parseAppID("GITHUB_APP_INSTALLATION_ID", g.installationID); err != nil {
		errs = append(errs, err)
	}
	switch {
	case strings.TrimSpace(g.key) != "" && g.keyFile != "":
		errs = append(errs, errors.New("GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are both set: set one"))
	case strings.TrimSpace(g.key) != "":
		a.Key, err = github.ParsePrivateKey([]byte(g.key), "GITHUB_APP_PRIVATE_KEY")
		errs = append(errs, err)
	case g.keyFile != "":
		data, rerr := readFile(g.keyFile)
		if rerr != nil {
			errs = append(errs, fmt.Errorf("GITHUB_APP_PRIVATE_KEY_FILE: %w", rerr))
			break
		}
		a.Key, err = github.ParsePrivateKey(data, "GITHUB_APP_PRIVATE_KEY_FILE ("+g.keyFile+")")
		errs = append(errs, err)
	default:
		errs = append(errs, errors.New("GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE) is not set, but other GITHUB_APP_* variables are: download a private key from the App's settings page"))
	}
	if g.org == "" {
		errs = append(errs, errors.New("GITHUB_APP_* variables are set but PRODREADY_GITHUB_ORG is not: name the organisation whose repositories to read"))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	g.client.App = a
	return nil
}

func parseAppID(name, v string) (int64, error) {
	if v == "" {
		return 0, fmt.Errorf("%s is not set, but other GITHUB_APP_* variables are", name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s is %q: it must be a positive number, as GitHub shows it", name, v)
	}
	return n, nil
}

// readKeyFile reads GITHUB_APP_PRIVATE_KEY_FILE.
func readKeyFile(path string) ([]byte, error) { return os.ReadFile(path) }

// keySecrets are the lines of the GitHub App's private key, from the
// variable or the file, so that the logger redacts any of them: a key is
// more often leaked a line at a time (a flattened key, a log of a PEM
// error) than whole.
func keySecrets(getenv func(string) string) []string {
	text := getenv("GITHUB_APP_PRIVATE_KEY")
	if f := strings.TrimSpace(getenv("GITHUB_APP_PRIVATE_KEY_FILE")); f != "" {
		if data, err := os.ReadFile(f); err == nil {
			text += "\n" + string(data)
		}
	}
	text = strings.ReplaceAll(text, `\n`, "\n")
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if len(line) >= minRedacted && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}
