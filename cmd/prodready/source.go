package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/prodready/prodready/report/gate"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/collected"
	"github.com/prodready/prodready/scorecard/demo"
	"github.com/prodready/prodready/scorecard/files"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/gitlab"
	"github.com/prodready/prodready/scorecard/httpclient"
	"github.com/prodready/prodready/scorecard/pagerduty"
	"github.com/prodready/prodready/scorecard/port"
)

// sourceFlags are the catalog flags shared by the commands that evaluate.
type sourceFlags struct {
	catalog    string
	scorecards stringList
	// demo allows the embedded demo where CI is set; guarded is true for
	// check, the deploy gate, where the demo's answer would pass or block
	// a real deploy.
	demo, guarded bool
}

func (f *sourceFlags) register(fs *flag.FlagSet) {
	if fs.Name() == "check" {
		f.guarded = true
		fs.BoolVar(&f.demo, "demo", false, "evaluate the embedded demo when no catalog is configured, even where CI is set (in CI, no catalog is otherwise an error)")
	}
	fs.StringVar(&f.catalog, "catalog", "", "catalog `FILE` or directory: JSON (an array of Port entities, or Port's {\"entities\": [...]}) or YAML (default $PRODREADY_CATALOG, else Port, Backstage, GitHub's repositories or the embedded demo)")
	fs.Var(&f.scorecards, "scorecards", "scorecard definitions `FILE`; repeat for several (default $PRODREADY_SCORECARDS, comma-separated, else the embedded demo's)")
}

// sourceOptions are what a command adds to the source the settings pick.
type sourceOptions struct {
	// log, when set, receives the bundle's warnings (serve, run); without
	// it they are printed on stderr, once per load (check, collect).
	log *slog.Logger
	// store is the history database the GitHub cache lives in: "open"
	// creates it (serve, run), "existing" uses it only when it is there
	// already (check, collect: a CI run must not leave a database behind),
	// "" keeps the cache in memory.
	store string
	// progress reports a GitHub collection's progress; nil for none.
	progress func(github.Progress)
	// reuse keeps GitHub's facts for PRODREADY_GITHUB_EVERY between loads
	// (serve, whose catalog refreshes more often than that).
	reuse bool
	// now is the clock of reuse.
	now func() time.Time
	// observer is told of every request to an API (serve's metrics).
	observer httpclient.Observer
	// repository (OWNER/NAME, check --repository) narrows GitHub's facts to
	// that repository when OWNER is PRODREADY_GITHUB_ORG: a CI run checks
	// one repository and need not read the organisation's others.
	repository string
}

type sourceOption func(*sourceOptions)

func withObserver(obs httpclient.Observer) sourceOption {
	return func(o *sourceOptions) { o.observer = obs }
}

func withLog(l *slog.Logger) sourceOption { return func(o *sourceOptions) { o.log = l } }

func withStore(mode string) sourceOption { return func(o *sourceOptions) { o.store = mode } }

func withProgress(p func(github.Progress)) sourceOption {
	return func(o *sourceOptions) { o.progress = p }
}

func withReuse(now func() time.Time) sourceOption {
	return func(o *sourceOptions) { o.reuse, o.now = true, now }
}

func withRepository(repo string) sourceOption {
	return func(o *sourceOptions) { o.repository = repo }
}

// pickSource chooses where data comes from, the same way for every command.
//
// The catalog: files named by --catalog (scorecards by --scorecards), else
// Port when PORT_CLIENT_ID is set and no flag names files, else
// PRODREADY_CATALOG, else Backstage when BACKSTAGE_URL is set, else none.
// Facts: GitHub when PRODREADY_GITHUB_ORG is set, GitLab when
// PRODREADY_GITLAB_GROUP is, PagerDuty when PAGERDUTY_TOKEN is. With
// facts, the catalog is enriched with them; with facts and no catalog,
// GitHub's repositories (else GitLab's projects, else PagerDuty's
// services) are the services, and the scorecards come from --scorecards,
// PRODREADY_SCORECARDS or the demo. With neither, the embedded demo (with
// the scorecard files, if any).
func pickSource(e *env, f sourceFlags, opts ...sourceOption) (scorecard.Source, error) {
	s, err := e.settings()
	if err != nil {
		return nil, err
	}
	o := sourceOptions{store: "existing"}
	if e.stderrIsTerminal() {
		o.progress = progressPrinter(e, time.Now)
	}
	for _, opt := range opts {
		opt(&o)
	}
	scFiles := []string(f.scorecards)
	if len(scFiles) == 0 {
		scFiles = s.scorecards
	}
	collectors, err := factCollectors(e, s, o)
	if err != nil {
		return nil, err
	}
	base, err := pickBase(e, s, f, scFiles, len(collectors) > 0, o)
	if err != nil {
		return nil, err
	}
	if len(collectors) == 0 {
		return base, nil
	}
	var src scorecard.Source
	if base != nil {
		src = collected.Source{Base: base, Collectors: collectors}
	} else {
		src = factsOnly{collectors: collectors, scorecards: scFiles}
	}
	return saying{Source: src, say: warningsSayer(e, o.log)}, nil
}

// pickBase is the catalog source, or nil when the facts collectors stand
// in for a catalog.
func pickBase(e *env, s *settings, f sourceFlags, scFiles []string, facts bool, o sourceOptions) (scorecard.Source, error) {
	portID := s.port.ClientID != ""
	if !portID && s.port.ClientSecret != "" {
		fmt.Fprintln(e.stderr, "prodready: PORT_CLIENT_SECRET is set but PORT_CLIENT_ID is not: not reading Port")
	}
	if f.catalog == "" && len(f.scorecards) == 0 && portID {
		return port.Source{Client: portClient(e, s, port.WithObserver(o.observer))}, nil
	}
	catalog := f.catalog
	if catalog == "" {
		catalog = s.catalog
	}
	switch {
	case catalog != "":
		return checkedFiles{Source: files.Source{Catalog: catalog, Scorecards: scFiles, Base: demo.Source{}}, say: findingsSayer(e, o.log)}, nil
	case s.backstage.BaseURL != "":
		if len(scFiles) == 0 {
			// backstage.Source reads definitions from files only.
			p, err := demoScorecardsFile(e)
			if err != nil {
				return nil, err
			}
			scFiles = []string{p}
			fmt.Fprintln(e.stderr, "prodready: BACKSTAGE_URL is set but PRODREADY_SCORECARDS is not: evaluating the embedded demo's scorecards (name your own with PRODREADY_SCORECARDS)")
		}
		cfg := s.backstage
		cfg.Scorecards = scFiles
		return backstage.Source{Client: backstage.New(cfg, backstage.WithLogger(newLoggerAt(e, slog.LevelWarn)), backstage.WithObserver(o.observer))}, nil
	case facts:
		return nil, nil
	}
	if f.guarded && !f.demo && inCI(e.getenv) {
		// A gate that falls back to fake data because a variable is
		// missing passes every deploy.
		return nil, errors.New("no catalog configured (CI is set): name one with --catalog, PRODREADY_CATALOG, PORT_CLIENT_ID, BACKSTAGE_URL, PRODREADY_GITHUB_ORG or PRODREADY_GITLAB_GROUP, or pass --demo to use the embedded demo")
	}
	if len(scFiles) > 0 {
		return files.Source{Scorecards: scFiles, Base: demo.Source{}}, nil
	}
	return demo.Source{}, nil
}

// inCI reports whether the CI variable, which CI services set, says this
// is a CI job: set, and not "false".
func inCI(getenv func(string) string) bool {
	v := strings.TrimSpace(getenv("CI"))
	return v != "" && !strings.EqualFold(v, "false")
}

// factCollectors builds the configured collectors: GitHub first (with no
// catalog, its repositories are the services), then GitLab, then PagerDuty.
func factCollectors(e *env, s *settings, o sourceOptions) ([]scorecard.Collector, error) {
	var out []scorecard.Collector
	logger := o.log
	if logger == nil {
		logger = newLoggerAt(e, slog.LevelWarn)
	}
	caches := &httpCaches{e: e, s: s, mode: o.store}
	if s.github.on() {
		client, err := github.New(s.github.client, github.WithCache(caches.cache("github "+s.github.client.BaseURL)), github.WithLogger(logger), github.WithObserver(o.observer))
		if err != nil {
			return nil, err
		}
		var c scorecard.Collector = &github.Collector{Client: client, Org: s.github.org, Repos: githubRepos(e, s, o.repository), Progress: o.progress}
		if o.reuse {
			c = &reusing{c: c, every: s.github.every, now: o.now}
		}
		out = append(out, c)
	}
	if s.gitlab.group != "" {
		client, err := gitlab.New(s.gitlab.client, gitlab.WithCache(caches.cache("gitlab "+s.gitlab.client.BaseURL)), gitlab.WithLogger(logger), gitlab.WithObserver(o.observer))
		if err != nil {
			return nil, err
		}
		out = append(out, &gitlab.Collector{Client: client, Group: s.gitlab.group, Projects: s.gitlab.projects})
	}
	if s.pagerduty.Token != "" {
		out = append(out, pagerduty.Collector{Client: pagerduty.New(s.pagerduty, pagerduty.WithLogger(logger), pagerduty.WithObserver(o.observer))})
	}
	return out, nil
}

// githubRepos is the repositories GitHub's collector reads: those of
// PRODREADY_GITHUB_REPOS, narrowed to the repository a check is about when
// it is one of the organisation's (and the filter keeps it).
func githubRepos(e *env, s *settings, repository string) github.RepoFilter {
	owner, name, ok := strings.Cut(gate.NormalizeRepo(repository), "/")
	if repository == "" || !ok || name == "" {
		return s.github.repos
	}
	if !strings.EqualFold(owner, s.github.org) {
		fmt.Fprintf(e.stderr, "prodready: repository %s is not in PRODREADY_GITHUB_ORG %s: reading all of %s's repositories for facts\n", repository, s.github.org, s.github.org)
		return s.github.repos
	}
	if !s.github.repos.Match(name) {
		return s.github.repos // PRODREADY_GITHUB_REPOS leaves it out: it has no facts either way
	}
	only, err := github.ParseRepos(name)
	if err != nil {
		return s.github.repos
	}
	return only
}

// httpCaches hands out the caches of services' ETags and answers
// (GitHub's, GitLab's: their caches have the same methods), each under its
// own namespace of one history database, opened once when mode allows;
// else in memory for the process's life. A database that cannot be opened
// is not fatal: the collections only cost more.
type httpCaches struct {
	e    *env
	s    *settings
	mode string

	opened bool
	st     *history.Store
}

func (c *httpCaches) cache(namespace string) github.Cache {
	if !c.opened {
		c.opened = true
		c.st = c.open()
	}
	if c.st == nil {
		return github.NewMemoryCache()
	}
	return c.st.HTTPCache(namespace)
}

func (c *httpCaches) open() *history.Store {
	if c.mode == "" || c.s.db == "" {
		return nil
	}
	if c.mode == "existing" && !history.IsPostgres(c.s.db) {
		if _, err := os.Stat(c.s.db); err != nil {
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	st, err := history.Open(ctx, c.s.db, history.Options{})
	if err != nil {
		fmt.Fprintf(c.e.stderr, "prodready: GitHub's and GitLab's answers are not kept between runs (every request is made in full): %v\n", err)
		return nil
	}
	c.e.onExit(st.Close)
	return st
}

// portClient builds a Port client from the PORT_* settings; retries and
// failures are logged on stderr (from warnings up, unless
// PRODREADY_LOG_LEVEL says otherwise), never with a secret.
func portClient(e *env, s *settings, opts ...port.Option) *port.Client {
	return port.New(s.port, append([]port.Option{port.WithLogger(newLoggerAt(e, slog.LevelWarn))}, opts...)...)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
