// Package slackapp is prodready's surface in Slack: the /prodready slash
// command over HTTP or Socket Mode, answered from the latest evaluation held
// in memory, the buttons, modals and Home tab, and the operations endpoints
// (/healthz, /readyz, /metrics, and ciapi's POST /api/results). What the
// jobs post goes through bot/blockkit instead.
//
// Answers come from a Holder refreshed in the background, so a command costs
// a map lookup and a render, never a catalog load. When no evaluation is
// ready yet, the command is acknowledged at once and answered later through
// its response_url.
package slackapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/ciapi"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/exemption"
	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// Defaults of Config.
const (
	DefaultListenAddr    = ":8080"
	DefaultRefreshEvery  = 15 * time.Minute
	DefaultShutdownGrace = 10 * time.Second
	// pendingFor bounds how long a pending answer waits for an evaluation;
	// Slack's response_url is good for 30 minutes.
	pendingFor = 25 * time.Minute
)

// Config is what serve reads from the environment.
type Config struct {
	ListenAddr    string       // PRODREADY_LISTEN_ADDR; default :8080
	Listener      net.Listener // used instead of ListenAddr when set (tests)
	SigningSecret string       // SLACK_SIGNING_SECRET; required in HTTP mode
	BotToken      string       // SLACK_BOT_TOKEN; empty: console mode
	AppToken      string       // SLACK_APP_TOKEN; set: Socket Mode
	APIURL        string       // SLACK_API_URL; empty: Slack's
	// ResponseHosts are the hosts (host or host:port) a response_url may
	// name: Slack's hooks.slack.com and, for GovSlack and emulators, the
	// host of SLACK_API_URL. Empty: those two. A payload picks the
	// response_url, so any other host is refused.
	ResponseHosts []string
	RefreshEvery  time.Duration
	ShutdownGrace time.Duration
	Source        scorecard.Source
	// Holder, when set, is shared with other parts (the digests' scheduler);
	// otherwise New makes one over Source.
	Holder *Holder
	Log    *slog.Logger
	// Console receives what console mode would have posted.
	Console io.Writer
	Now     func() time.Time
	// Companions run beside the bot (the digests' Scheduler) and stop with
	// it, within the same grace period. A companion with a Ready method
	// (the Scheduler: its database) is part of /readyz.
	Companions []Companion
	// Metrics, when set, is served on /metrics and counts refreshes and
	// answers posted to Slack.
	Metrics *metrics.Metrics
	// Store is the history the buttons record in (exemptions, snoozes)
	// and the results CI pushes are kept in; nil turns those buttons off,
	// and answers then say nothing of CI. Exemptions configures requests.
	Store *history.Store
	// OpenStore, when Store is nil, opens the history on first use, and
	// again on each later use until it opens: the database may be locked
	// or away when serve starts.
	OpenStore  func(ctx context.Context) (*history.Store, error)
	Exemptions exemption.Config
	// Routes (PRODREADY_TEAMS) also tell the Home tab who is in a team.
	Routes *delivery.TeamRoutes
	// APIToken (PRODREADY_API_TOKEN), when set, turns on POST /api/results
	// for CI to push check results with, as a bearer token; the results
	// are recorded in Store and shown in answers.
	APIToken string
}

// Companion is work that runs as long as the bot: Start must not block,
// Stop waits for what is running until its context ends.
type Companion interface {
	Start(ctx context.Context)
	Stop(ctx context.Context) error
}

// Bot is a configured bot; Run serves it.
type Bot struct {
	cfg       Config
	log       *slog.Logger
	holder    *Holder
	api       *slack.Client // nil in console mode without Socket Mode
	responder Responder
	console   bool
	// responseHosts are the hosts a response_url may name.
	responseHosts []string
	ci            ciapi.Store  // nil without Store or OpenStore
	hist          *lazyHistory // nil without Store or OpenStore

	bg       context.Context // pending answers; cancelled at the end of shutdown
	stopBG   context.CancelFunc
	inflight sync.WaitGroup

	extra []extraRoute // routes of other parts (the MCP endpoint), by AddRoute
}

type extraRoute struct {
	pattern string
	h       http.Handler
}

// AddRoute serves h at pattern beside Slack's endpoints (over HTTP and in
// Socket Mode alike): another part's endpoint, such as /mcp. Call it before
// Run.
func (b *Bot) AddRoute(pattern string, h http.Handler) {
	b.extra = append(b.extra, extraRoute{pattern, h})
}

// route registers h at pattern, counted and timed under the pattern's name.
func (b *Bot) route(mux *http.ServeMux, pattern string, h http.Handler) {
	mux.Handle(pattern, b.cfg.Metrics.Route(pattern, h))
}

// New checks cfg and builds the bot; nothing starts until Run.
func New(cfg Config) (*Bot, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Console == nil {
		cfg.Console = io.Discard
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = DefaultListenAddr
	}
	if cfg.RefreshEvery == 0 {
		cfg.RefreshEvery = DefaultRefreshEvery
	}
	if cfg.RefreshEvery < 0 {
		return nil, fmt.Errorf("slackapp.Config.RefreshEvery must be positive, got %s", cfg.RefreshEvery)
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = DefaultShutdownGrace
	}
	if cfg.Holder == nil {
		if cfg.Source == nil {
			return nil, errors.New("bot: no catalog source")
		}
		cfg.Holder = NewHolder(cfg.Source, cfg.Now, cfg.Log)
	}
	apiURL, err := blockkit.NormalizeAPIURL(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	cfg.APIURL = apiURL
	if err := blockkit.CheckTokens(cfg.BotToken, cfg.AppToken); err != nil {
		return nil, err
	}
	if cfg.AppToken == "" && cfg.SigningSecret == "" {
		return nil, errors.New("slackapp.Config.SigningSecret is required to serve slash commands over HTTP: Slack signs each one with it (Basic Information → App Credentials → Signing Secret); or set slackapp.Config.AppToken to use Socket Mode")
	}
	b := &Bot{cfg: cfg, log: cfg.Log, holder: cfg.Holder, responseHosts: responseHosts(cfg)}
	if cfg.Store != nil || cfg.OpenStore != nil {
		b.hist = &lazyHistory{st: cfg.Store, open: cfg.OpenStore}
		b.ci = b.hist
	}
	if cfg.BotToken != "" || cfg.AppToken != "" {
		var opts []slack.Option
		if cfg.Metrics != nil {
			opts = append(opts, slack.OptionHTTPClient(blockkit.SlackHTTPClient(cfg.Metrics)))
		}
		b.api = blockkit.NewClient(cfg.BotToken, cfg.AppToken, cfg.APIURL, append(opts, blockkit.AnswerRetries())...)
	}
	if cfg.Metrics != nil {
		cfg.Holder.SetMetrics(cfg.Metrics)
	}
	b.console = cfg.BotToken == ""
	if b.console {
		b.responder = &consoleResponder{w: cfg.Console}
	} else {
		b.responder = slackResponder{api: b.api}
	}
	b.bg, b.stopBG = context.WithCancel(context.Background())
	return b, nil
}

// AddCompanion adds work that runs and stops with the bot, as
// Config.Companions; call it before Run.
func (b *Bot) AddCompanion(c Companion) {
	b.cfg.Companions = append(b.cfg.Companions, c)
}

// Holder is the evaluation the bot answers from.
func (b *Bot) Holder() *Holder { return b.holder }

// Client is the Slack client, nil in console mode.
func (b *Bot) Client() *slack.Client {
	if b.console {
		return nil
	}
	return b.api
}

// Console reports whether the bot prints instead of posting (no bot token).
func (b *Bot) Console() bool { return b.console }

// Handler serves the HTTP transport: POST /slack/commands, and the
// operations endpoints (OpsHandler).
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	seen := newReplayGuard(b.cfg.Store) // one guard: a signature is good once, whatever the path
	b.route(mux, CommandPath, &commandHandler{bot: b, secret: b.cfg.SigningSecret, seen: seen})
	b.route(mux, InteractionPath, &interactionHandler{bot: b, secret: b.cfg.SigningSecret, seen: seen})
	b.route(mux, EventsPath, &eventsHandler{bot: b, secret: b.cfg.SigningSecret, seen: seen})
	b.opsRoutes(mux)
	return logPanics(b.log, mux)
}

// OpsHandler serves only GET /healthz, /readyz and /metrics: what Socket
// Mode, which takes no HTTP requests from Slack, still listens for.
func (b *Bot) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	b.opsRoutes(mux)
	return logPanics(b.log, mux)
}

// Reply answers the text of a /prodready command at once. With no
// evaluation yet, it says so, and posts the answer to responseURL when the
// evaluation is ready (or the reason it is not).
func (b *Bot) Reply(text, responseURL string) Message {
	q := ParseQuery(text)
	if q.Kind == QueryHelp {
		return Help(q.Problem)
	}
	if s := b.holder.Current(); s != nil {
		return b.answer(context.Background(), s, q)
	}
	if err := b.holder.LastError(); err != nil {
		return Unavailable(err)
	}
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		b.answerLater(q, responseURL)
	}()
	return Pending()
}

func (b *Bot) answerLater(q Query, responseURL string) {
	ctx, cancel := context.WithTimeout(b.bg, pendingFor)
	defer cancel()
	var m Message
	s, err := b.holder.Wait(ctx)
	switch {
	case err == nil:
		m = b.answer(ctx, s, q)
	case b.bg.Err() != nil:
		m = Unavailable(errors.New("prodready is shutting down before the catalog was evaluated; ask again in a moment"))
	default:
		m = Unavailable(err)
	}
	if responseURL == "" {
		b.log.Warn("no response_url to post the pending answer to", "text", m.Text)
		return
	}
	if err := b.checkResponseURL(responseURL); err != nil {
		b.log.Warn("did not post the pending answer", "err", err)
		return
	}
	// Posting gets its own short deadline: it must happen even when the
	// wait ended because of shutdown.
	postFor := 5 * time.Second
	if b.bg.Err() != nil {
		postFor = time.Second // past the grace period already
	}
	pctx, pcancel := context.WithTimeout(context.Background(), postFor)
	defer pcancel()
	if err := b.responder.Respond(pctx, responseURL, m); err != nil {
		b.log.Error("could not deliver a pending answer", "err", err)
	}
}

// Run refreshes the evaluation in the background and serves slash commands
// over HTTP, or Socket Mode when an app token is set, until ctx ends; then
// it stops accepting, lets in-flight work finish within the grace period,
// and returns nil. It returns an error when it cannot serve at all.
func (b *Bot) Run(ctx context.Context) error {
	// Listen first: a process that cannot serve must not start the
	// refresh or the companions (the scheduled jobs would take the lead,
	// and say so, only to stop at once).
	ln := b.cfg.Listener
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", b.cfg.ListenAddr)
		if err != nil {
			return fmt.Errorf("listen on slackapp.Config.ListenAddr %q: %w", b.cfg.ListenAddr, err)
		}
	}
	refreshCtx, stopRefresh := context.WithCancel(context.Background())
	defer stopRefresh()
	var refresher sync.WaitGroup
	refresher.Add(1)
	go func() {
		defer refresher.Done()
		b.holder.Run(refreshCtx, b.cfg.RefreshEvery)
	}()
	// Companions stop on the signal, or when the bot cannot serve at all.
	companionCtx, stopCompanions := context.WithCancel(ctx)
	companionsDone := b.startCompanions(companionCtx)
	defer func() {
		stopCompanions()
		<-companionsDone
	}()
	if b.console {
		b.log.Warn("console mode: slackapp.Config.BotToken is not set, so what would be posted to Slack is printed instead; slash commands are still answered directly (in the HTTP response or the Socket Mode ack)")
	}
	// One grace period for everything in flight, counted from the signal.
	var deadline time.Time
	var err error
	if b.cfg.AppToken != "" {
		err = b.runSocketWithOps(ctx, &deadline, ln)
	} else {
		err = b.runHTTP(ctx, &deadline, b.Handler(), ln)
	}
	if deadline.IsZero() {
		deadline = time.Now().Add(b.cfg.ShutdownGrace)
	}
	// Pending answers may still be waiting for the first evaluation: let the
	// refresh go on during the grace period.
	b.drain(deadline)
	stopRefresh()
	refresher.Wait()
	if err != nil {
		return err
	}
	b.log.Info("stopped")
	return nil
}

// startCompanions starts the companions and stops them, all at once, when
// ctx ends or Run returns; the channel closes when they have stopped. They
// run under a context of their own, so that a job running at SIGTERM may
// finish within the grace period instead of being cut at once.
func (b *Bot) startCompanions(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if len(b.cfg.Companions) == 0 {
		close(done)
		return done
	}
	own, cancel := context.WithCancel(context.WithoutCancel(ctx))
	for _, c := range b.cfg.Companions {
		c.Start(own)
	}
	go func() {
		defer close(done)
		defer cancel()
		<-ctx.Done()
		sctx, stop := context.WithTimeout(context.Background(), b.cfg.ShutdownGrace)
		defer stop()
		var wg sync.WaitGroup
		for _, c := range b.cfg.Companions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.Stop(sctx); err != nil {
					b.log.Warn("did not stop cleanly within the grace period", "err", err)
				}
			}()
		}
		wg.Wait()
	}()
	return done
}

// drain waits for pending answers until deadline, then tells the rest
// that the bot is stopping.
func (b *Bot) drain(deadline time.Time) {
	done := make(chan struct{})
	go func() {
		b.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
		b.stopBG()
		<-done
	}
	b.stopBG()
}

func (b *Bot) runHTTP(ctx context.Context, deadline *time.Time, h http.Handler, ln net.Listener) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	if b.cfg.AppToken == "" {
		b.log.Info("serving slash commands over HTTP", "addr", ln.Addr().String(), "path", CommandPath,
			"source", b.describeSource(), "console", b.console, "slack_api", b.apiURL())
	} else {
		b.log.Info("serving /healthz, /readyz and /metrics over HTTP", "addr", ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("HTTP server: %w", err)
	case <-ctx.Done():
	}
	b.log.Info("shutting down: no new requests, finishing those in flight", "grace", b.cfg.ShutdownGrace.String())
	*deadline = time.Now().Add(b.cfg.ShutdownGrace)
	sctx, cancel := context.WithDeadline(context.Background(), *deadline)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		b.log.Warn("requests still running at the end of the grace period were cut", "err", err)
		srv.Close()
	}
	return nil
}

func (b *Bot) runSocket(ctx context.Context) error {
	sm := socketmode.New(b.api)
	b.log.Info("serving slash commands over Socket Mode", "source", b.describeSource(), "console", b.console, "slack_api", b.apiURL())
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(sctx) }()
	for {
		select {
		case <-ctx.Done():
			cancel()
			<-errc
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("socket mode: %w", err)
		case evt := <-sm.Events:
			b.onSocketEvent(sctx, sm, evt)
		}
	}
}

func (b *Bot) onSocketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		b.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
		b.log.Warn("socket mode trouble; slack-go reconnects", "event", string(evt.Type), "data", fmt.Sprint(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("socket mode: Slack refused slackapp.Config.AppToken (invalid or revoked)")
	case socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		b.onSocketInteractive(ctx, sm, evt)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		m := b.Reply(cmd.Text, cmd.ResponseURL)
		if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, commandReply{ResponseType: slack.ResponseTypeEphemeral, Text: m.Text, Blocks: m.Blocks}); err != nil {
			b.log.Error("socket mode: could not ack a slash command", "err", err)
		}
	default:
		// Acknowledge anything else Slack sends, or it retries it.
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			_ = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		}
	}
}

func (b *Bot) describeSource() string {
	if b.cfg.Source != nil {
		return b.cfg.Source.Describe()
	}
	return "shared holder"
}

func (b *Bot) apiURL() string {
	if b.cfg.APIURL != "" {
		return b.cfg.APIURL
	}
	return slack.APIURL
}
