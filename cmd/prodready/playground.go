package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/playground"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard/demo"
)

const playgroundSynopsis = "prodready playground [--listen ADDR] [--db FILE] [--screenshots DIR]\n\n" +
	"Runs the bot against a Slack emulator and serves a web page that looks and behaves like a Slack\n" +
	"workspace: type /prodready payments-api, click the buttons, request and approve exemptions, run the\n" +
	"digests and notices, and move a simulated clock a week on to see the demo's facts drift.\n" +
	"The catalog is the embedded demo, or whatever sources are configured (as for serve). It never talks\n" +
	"to the real Slack, whatever SLACK_* says. The history is a temporary database unless --db is given.\n" +
	"--screenshots DIR writes a picture of each message type (answer, team answer, digests, notice,\n" +
	"exemption request, Home tab) to DIR as NAME.png and NAME.blocks.sha256, then exits (needs Chromium)."

// The playground's workspace: who the page can act as, and its channels.
const (
	playEngineer   = "alice@example.com"
	playApprover   = "bob@example.com"
	playManager    = "carol@example.com"
	playReports    = "prodready-reports"
	playExemptions = "prodready-exemptions"
	// playSeed makes the demo drift the same way in every playground.
	playSeed = 26
)

func runPlayground(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "playground", playgroundSynopsis)
	listen := fs.String("listen", playground.DefaultAddr, "address the page listens on; loopback unless you say otherwise (the page acts as any user)")
	db := fs.String("db", "", "history database to keep (SQLite file or postgres:// URL); default: a temporary one, removed at exit")
	shots := fs.String("screenshots", "", "write pictures of every message type to this directory and exit")
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready playground: unexpected argument %q (see --help)\n", fs.Arg(0))
		return exitUsage
	}
	s, err := e.settings()
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready playground: %v\n", err)
		return exitUsage
	}
	for _, v := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "SLACK_SIGNING_SECRET"} {
		if s.set[v] {
			fmt.Fprintf(e.stderr, "prodready playground: %s is set and not used: the playground talks only to its own Slack emulator, never to Slack\n", v)
		}
	}
	opt := playOptions{db: *db}
	if *shots != "" {
		// Pictures must not change with the day they are taken.
		opt.start = playPictureTime
		opt.quiet = true
	}
	w, err := newPlayWorld(ctx, e, s, opt)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready playground: %v\n", err)
		return exitUsage
	}
	defer w.close()
	if *shots != "" {
		if err := writeScreenshots(ctx, w, *shots); err != nil {
			fmt.Fprintf(e.stderr, "prodready playground: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(e.stdout, "pictures written to %s\n", *shots)
		return exitOK
	}
	ln, note, err := playground.Listen(ctx, *listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready playground: %v\n", err)
		return exitUsage
	}
	if note != "" {
		fmt.Fprintf(e.stderr, "prodready playground: %s\n", note)
	}
	fmt.Fprintf(e.stdout, "prodready playground: open %s (Ctrl-C stops it)\n", playground.URL(ln))
	if err := w.page().Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(e.stderr, "prodready playground: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// playPictureTime is the simulated time the pictures are taken at.
var playPictureTime = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type playOptions struct {
	db string
	// start fixes the simulated clock's time at week 0; zero: the clock
	// follows the real one.
	start time.Time
	// quiet logs only warnings.
	quiet bool
}

// simClock is the playground's time: the real time (or a fixed start)
// plus the weeks the page moved it on.
type simClock struct {
	start time.Time
	mu    sync.Mutex
	weeks int
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	base := c.start
	if base.IsZero() {
		base = time.Now()
	}
	return base.AddDate(0, 0, 7*c.weeks)
}

func (c *simClock) Weeks() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.weeks
}

func (c *simClock) advance() time.Time {
	c.mu.Lock()
	c.weeks++
	c.mu.Unlock()
	return c.Now()
}

// playWorld is the bot, wired as serve wires it, its scheduled jobs on a
// simulated clock, and the Slack emulator both talk to.
type playWorld struct {
	emu      *slackemu.Server
	bot      *slackapp.Bot
	botURL   string
	jobs     *engine.Jobs
	clock    *simClock
	engineer slackemu.User
	approver slackemu.User
	manager  slackemu.User
	reports  string
	exempt   string
	teams    map[string]string // team identifier -> channel id
	channels []playground.Channel
	users    []playground.User
	log      *slog.Logger

	stop    context.CancelFunc
	done    chan struct{}
	closers []func()
}

func newPlayWorld(ctx context.Context, e *env, s *settings, o playOptions) (w *playWorld, err error) {
	w = &playWorld{clock: &simClock{start: o.start}, teams: map[string]string{}, done: make(chan struct{})}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	w.emu = slackemu.NewServer(slackemu.Options{})
	w.closers = append(w.closers, w.emu.Close)
	w.engineer = w.emu.AddUser(playEngineer)
	w.approver = w.emu.AddUser(playApprover)
	w.reports = w.emu.AddChannel(playReports)
	w.channels = append(w.channels, playground.Channel{ID: w.reports, Name: playReports, Purpose: "weekly and monthly digests"})

	tmp, err := os.MkdirTemp("", "prodready-playground-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	w.closers = append(w.closers, func() { os.RemoveAll(tmp) })

	// serve's settings, pointed at the emulator.
	ps := *s
	ps.botToken, ps.appToken, ps.slackAPIURL, ps.signingSecret = w.emu.BotToken(), "", w.emu.URL(), w.emu.SigningSecret()
	ps.db = o.db
	if ps.db == "" {
		ps.db = filepath.Join(tmp, "history.db")
	}
	cfg, err := serveConfig(e, &ps)
	if err != nil {
		return nil, err
	}
	if o.quiet {
		cfg.Log = newLoggerAt(e, slog.LevelWarn)
	}
	if _, ok := cfg.Source.(demo.Source); ok {
		cfg.Source = demo.Drifting{Seed: playSeed, Weeks: w.clock.Weeks}
	}
	b, err := cfg.Source.Load(ctx, w.clock.Now())
	if err != nil {
		return nil, err
	}
	// The manager is the first team's lead, so the Home tab has a team
	// to show.
	manager := playManager
	for _, t := range b.Teams {
		if len(t.Emails) > 0 {
			manager = t.Emails[0]
			break
		}
	}
	w.manager = w.emu.AddUser(manager)
	w.users = []playground.User{
		{ID: w.engineer.ID, Name: w.engineer.Name, Role: "engineer"},
		{ID: w.approver.ID, Name: w.approver.Name, Role: "approver"},
		{ID: w.manager.ID, Name: w.manager.Name, Role: "manager"},
	}
	teams := map[string]any{}
	for _, t := range b.Teams {
		ch := w.emu.AddChannel("team-" + t.Identifier)
		w.teams[t.Identifier] = ch
		teams[t.Identifier] = map[string]string{"channel": ch}
		w.channels = append(w.channels, playground.Channel{ID: ch, Name: "team-" + t.Identifier, Purpose: t.Name + "'s notices"})
	}
	w.exempt = w.emu.AddChannel(playExemptions)
	w.channels = append(w.channels, playground.Channel{ID: w.exempt, Name: playExemptions, Purpose: "exemption requests"})
	teamsFile := filepath.Join(tmp, "teams.yaml")
	data, err := yaml.Marshal(map[string]any{"default_channel": w.reports, "teams": teams})
	if err != nil {
		return nil, fmt.Errorf("teams file: %w", err)
	}
	if err := os.WriteFile(teamsFile, data, 0o600); err != nil {
		return nil, fmt.Errorf("teams file: %w", err)
	}
	if ps.jobs.Routes, err = delivery.ParseTeamRoutes(teamsFile, data); err != nil {
		return nil, err
	}
	ps.jobs.ReportChannel = w.reports
	ps.jobs.ChartDir = tmp
	if !o.start.IsZero() {
		ps.jobs.Locations = map[string]*time.Location{jobs.Weekly: time.UTC, jobs.Monthly: time.UTC, jobs.Notices: time.UTC}
	}
	ps.exemptions.channel = w.exempt
	ps.exemptions.approvers = []string{w.approver.ID}

	if closeStore := withInteractionStore(ctx, &ps, &cfg); closeStore != nil {
		w.closers = append(w.closers, closeStore)
	}
	if cfg.Store == nil {
		return nil, fmt.Errorf("the history database %s cannot be used (see the log above); give another with --db", ps.db)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("the bot's listener: %w", err)
	}
	cfg.Listener, cfg.Now, cfg.Console = ln, w.clock.Now, e.stdout
	w.botURL = "http://" + ln.Addr().String()
	w.log = cfg.Log
	w.bot, err = slackapp.New(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	w.bot.Holder().SetTarget(ps.jobs.TargetLevel)
	w.jobs, err = engine.NewJobs(ps.jobs, engine.Deps{Jobs: jobs.All(), Source: w.bot.Holder().Feeding(cfg.Source), Store: cfg.Store,
		Notifiers: notifiers(&ps, cfg.Metrics, cfg.Log), Out: e.stdout, Log: cfg.Log, Now: w.clock.Now})
	if err != nil {
		ln.Close()
		return nil, err
	}
	botCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	w.stop = stop
	go func() {
		defer close(w.done)
		if err := w.bot.Run(botCtx); err != nil {
			cfg.Log.Error("the bot stopped", "err", err)
		}
	}()
	if _, err := w.bot.Holder().Wait(ctx); err != nil {
		return nil, fmt.Errorf("the catalog: %w", err)
	}
	return w, nil
}

// close stops the bot, then the emulator, and removes the temporary files.
func (w *playWorld) close() {
	if w.stop != nil {
		w.stop()
		<-w.done
	}
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
	w.closers = nil
}

// page is the playground's web page in front of the world.
func (w *playWorld) page() *playground.Playground {
	return playground.New(playground.Config{Emulator: w.emu, BotURL: w.botURL, SigningSecret: w.emu.SigningSecret(),
		Users: w.users, Channels: w.channels, Controls: playControls{w}, Logger: w.log})
}

// playControls are the page's buttons for time: the jobs run through the
// engine, as the scheduler runs them.
type playControls struct{ w *playWorld }

func (c playControls) run(ctx context.Context, job string) error {
	// Forced: a person who clicks "now" wants it sent, even a second time
	// in a week.
	out, err := c.w.jobs.Run(ctx, job, engine.RunOptions{Force: true})
	if err != nil {
		return err
	}
	if out.Failed > 0 {
		return fmt.Errorf("%s: %d messages not delivered: %v", job, out.Failed, out.Notes)
	}
	return nil
}

func (c playControls) RunWeeklyDigest(ctx context.Context) error { return c.run(ctx, jobs.Weekly) }
func (c playControls) RunTeamNotices(ctx context.Context) error  { return c.run(ctx, jobs.Notices) }

// AdvanceWeek moves the clock a week on and has the bot answer from the
// catalog as it is then.
func (c playControls) AdvanceWeek(ctx context.Context) (time.Time, error) {
	now := c.w.clock.advance()
	if err := c.w.bot.Holder().Refresh(ctx); err != nil {
		return now, fmt.Errorf("the catalog a week on: %w", err)
	}
	return now, nil
}
