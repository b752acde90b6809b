package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/bot"
	"github.com/prodready/prodready/bot/ciapi"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/bot/slackapp"
)

const serveSynopsis = "prodready serve\n\n" +
	"Runs the Slack bot: answers /prodready from the latest evaluation, refreshed in the background.\n" +
	"Configured by the environment (or .env):\n" +
	"  SLACK_SIGNING_SECRET     verifies slash commands over HTTP (required unless SLACK_APP_TOKEN is set)\n" +
	"  SLACK_BOT_TOKEN          xoxb-… bot token; without it, console mode: answers are printed, not posted\n" +
	"  SLACK_APP_TOKEN          xapp-… app-level token; when set, Socket Mode instead of HTTP\n" +
	"  SLACK_API_URL            Slack's Web API base (default https://slack.com/api/)\n" +
	"  PRODREADY_LISTEN_ADDR    HTTP address for POST /slack/commands, /healthz, /readyz, /metrics (default :8080)\n" +
	"  PRODREADY_REFRESH_EVERY  how often to reload and re-evaluate the catalog (default 15m)\n" +
	"The catalog comes from Port (PORT_CLIENT_ID...), PRODREADY_CATALOG/PRODREADY_SCORECARDS, Backstage (BACKSTAGE_URL),\n" +
	"or the embedded demo; facts from GitHub (PRODREADY_GITHUB_ORG, collected again every PRODREADY_GITHUB_EVERY)\n" +
	"GitLab (PRODREADY_GITLAB_GROUP) and PagerDuty (PAGERDUTY_TOKEN), every refresh, join it, or stand in for it when there is no catalog.\n" +
	"It also runs the scheduled digests and team notices (PRODREADY_*_CRON, PRODREADY_DB...; see README).\n" +
	"At start it checks tokens, scopes, channels and the teams file as 'prodready doctor' does, and logs\n" +
	"each problem as a warning.\n" +
	"Logs go to stderr as text, or JSON with PRODREADY_LOG_FORMAT=json. 'prodready config' lists every variable.\n" +
	"SIGTERM stops accepting, finishes what is in flight within 10s, and exits 0."

// runServe builds the bot and its scheduled jobs from the settings and
// runs them until ctx ends.
func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "serve", serveSynopsis)
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready serve: unexpected argument %q; serve is configured by the environment (see --help)\n", fs.Arg(0))
		return exitUsage
	}
	s, err := e.settings()
	if err != nil {
		fmt.Fprintf(namedStderr(e), "prodready serve: %v\n", err)
		return exitUsage
	}
	cfg, err := serveConfig(e, s)
	if err != nil {
		fmt.Fprintf(namedStderr(e), "prodready serve: %v\n", err)
		return exitUsage
	}
	if closeStore := withInteractionStore(ctx, s, &cfg); closeStore != nil {
		defer closeStore()
	}
	// A target level a scorecard lacks stops serve at the first load.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	cfg.Source = targetCheckingSource{Source: cfg.Source, value: s.jobs.TargetLevel, once: &sync.Once{}, fatal: func(err error) {
		cfg.Log.Error("bad configuration; stopping", "err", err)
		stop(err)
	}}
	b, err := slackapp.New(cfg)
	if err != nil {
		fmt.Fprintf(namedStderr(e), "prodready serve: %v\n", err)
		return exitUsage
	}
	b.Holder().SetTarget(s.jobs.TargetLevel)
	if err := serveMCP(s, cfg, b); err != nil {
		fmt.Fprintf(e.stderr, "prodready serve: %v\n", err)
		return exitUsage
	}
	switch {
	case cfg.APIToken == "":
		cfg.Log.Debug("POST " + ciapi.ResultsPath + " is off: PRODREADY_API_TOKEN is not set")
	case cfg.Store == nil && cfg.OpenStore == nil:
		cfg.Log.Warn("POST " + ciapi.ResultsPath + " answers 503: the history database is unavailable to record CI results in")
	default:
		cfg.Log.Info("POST " + ciapi.ResultsPath + " records results pushed from CI (check --report-to)")
	}
	// The scheduled jobs open the history database: only once the bot's own
	// configuration is known to be good.
	jobs, err := scheduled(ctx, e, s, cfg, b.Holder())
	if err != nil {
		fmt.Fprintf(namedStderr(e), "prodready serve: %v\n", err)
		return exitUsage
	}
	if jobs != nil {
		b.AddCompanion(jobs)
	}
	if routes := s.jobs.Routes; routes != nil {
		// A mistyped team key would pass silently until a notice went to
		// the default channel: say so once the catalog is loaded.
		go func() {
			if ev, err := b.Holder().Wait(ctx); err == nil {
				for _, w := range delivery.UnmatchedRoutes(routes, ev.Bundle) {
					cfg.Log.Warn("teams file", "warning", w)
				}
			}
		}()
	}
	selfCheckAtStart(ctx, s, cfg)
	if err := b.Run(ctx); err != nil {
		fmt.Fprintf(namedStderr(e), "prodready serve: %v\n", err)
		return exitUsage
	}
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(namedStderr(e), "prodready serve: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// scheduled builds the digests' and notices' schedule. Without a usable
// history database serve still answers slash commands, and says the jobs
// are off. The scheduled refresh feeds the bot's holder, so the leader
// loads the catalog once per refresh, not twice.
func scheduled(ctx context.Context, e *env, s *settings, cfg slackapp.Config, holder *slackapp.Holder) (*bot.Scheduled, error) {
	deps := bot.SchedulerDeps{Source: holder.Feeding(cfg.Source), Out: e.stdout, Log: cfg.Log, Metrics: cfg.Metrics,
		Notifiers: notifiers(s, cfg.Metrics, cfg.Log), ConsoleWhy: consoleWhy}
	jobs, err := bot.NewScheduled(ctx, bot.ScheduledConfig{Jobs: s.jobs, Schedules: s.schedules, DB: s.db, LeaderPoll: s.leaderPoll}, deps)
	if errors.Is(err, bot.ErrHistoryUnavailable) {
		cfg.Log.Error("scheduled digests and notices are off; slash commands still work", "err", err)
		return nil, nil
	}
	return jobs, err
}

// responseHosts are the hosts a response_url may name: Slack's
// hooks.slack.com, and the host of SLACK_API_URL, where GovSlack and the
// emulators answer response URLs too.
func responseHosts(slackAPIURL string) []string {
	hosts := []string{slackapp.HooksHost}
	if u, err := url.Parse(slackAPIURL); err == nil && u.Host != "" && !strings.EqualFold(u.Host, slackapp.HooksHost) {
		hosts = append(hosts, u.Host)
	}
	return hosts
}

func serveConfig(e *env, s *settings) (slackapp.Config, error) {
	m := metrics.New()
	b := readBuild()
	m.SetBuildInfo(b.version, b.revision, b.goVersion)
	log := newLogger(e)
	src, err := pickSource(e, sourceFlags{}, withObserver(m), withLog(log), withStore("open"), withProgress(nil), withReuse(time.Now))
	if err != nil {
		return slackapp.Config{}, err
	}
	src = withAnnouncements(src, s)
	return slackapp.Config{
		ListenAddr:    s.listenAddr,
		SigningSecret: s.signingSecret,
		BotToken:      s.botToken,
		AppToken:      s.appToken,
		APIURL:        s.slackAPIURL,
		ResponseHosts: responseHosts(s.slackAPIURL),
		RefreshEvery:  s.refreshEvery,
		APIToken:      s.apiToken,
		Source:        src,
		Log:           log,
		Console:       e.stdout,
		Metrics:       m,
	}, nil
}
