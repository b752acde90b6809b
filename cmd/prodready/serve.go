package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prodready/prodready/bot"
	"github.com/prodready/prodready/scorecard/port"
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
	"The catalog comes from Port (PORT_CLIENT_ID...), PRODREADY_CATALOG/PRODREADY_SCORECARDS, or the embedded demo.\n" +
	"It also runs the scheduled digests and team notices (PRODREADY_*_CRON, PRODREADY_DB...; see README).\n" +
	"Logs go to stderr as text, or JSON with PRODREADY_LOG_FORMAT=json. 'prodready config' lists every variable.\n" +
	"SIGTERM stops accepting, finishes what is in flight within 10s, and exits 0."

// runServe reads serve's configuration and runs the bot until ctx ends.
func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "serve", serveSynopsis)
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready serve: unexpected argument %q; serve is configured by the environment (see --help)\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := serveConfig(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready serve: %v\n", err)
		return exitUsage
	}
	b, err := bot.New(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready serve: %v\n", err)
		return exitUsage
	}
	// The scheduler opens the history database: only once the bot's own
	// configuration is known to be good.
	sched, err := scheduler(ctx, e, cfg, b.Holder())
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready serve: %v\n", err)
		return exitUsage
	}
	if sched != nil {
		b.AddCompanion(sched)
	}
	if err := b.Run(ctx); err != nil {
		fmt.Fprintf(e.stderr, "prodready serve: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// scheduler builds the digests' and notices' scheduler from the
// environment. Without a usable history database serve still answers slash
// commands, and says the jobs are off; a bad variable stops serve.
// The scheduled refresh feeds the bot's holder, so the leader loads the
// catalog once per refresh, not twice.
func scheduler(ctx context.Context, e *env, cfg bot.Config, holder *bot.Holder) (*bot.Scheduler, error) {
	deps := bot.SchedulerDeps{Source: holder.Feeding(cfg.Source), Out: e.stdout, Log: cfg.Log, Metrics: cfg.Metrics}
	if cfg.BotToken != "" {
		deps.Slack = bot.NewDeliveryClient(cfg.BotToken, cfg.APIURL, cfg.Metrics.SlackHTTPClient())
	}
	sched, err := bot.NewSchedulerFromEnv(ctx, e.getenv, deps)
	if errors.Is(err, bot.ErrHistoryUnavailable) {
		cfg.Log.Error("scheduled digests and notices are off; slash commands still work", "err", err)
		return nil, nil
	}
	return sched, err
}

func serveConfig(e *env) (bot.Config, error) {
	get := func(k string) string { return strings.TrimSpace(e.getenv(k)) }
	metrics := bot.NewMetrics()
	src, err := pickSource(e, sourceFlags{}, port.WithTransport(metrics.PortTransport(nil)))
	if err != nil {
		return bot.Config{}, err
	}
	cfg := bot.Config{
		ListenAddr:    get("PRODREADY_LISTEN_ADDR"),
		SigningSecret: get("SLACK_SIGNING_SECRET"),
		BotToken:      get("SLACK_BOT_TOKEN"),
		AppToken:      get("SLACK_APP_TOKEN"),
		APIURL:        get("SLACK_API_URL"),
		Source:        src,
		Log:           newLogger(e),
		Console:       e.stdout,
		Metrics:       metrics,
	}
	if v := get("PRODREADY_REFRESH_EVERY"); v != "" {
		if cfg.RefreshEvery, err = parseRefreshEvery(v); err != nil {
			return bot.Config{}, err
		}
	}
	return cfg, nil
}
