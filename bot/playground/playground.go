// Package playground serves a web page that looks and behaves like a Slack
// workspace, in front of the Slack emulator (bot/slackemu), so prodready
// can be tried without a Slack app: channels, direct messages and the App
// Home; a message box for /prodready; buttons, overflow menus, date
// pickers, selects and modals that post their interactions to the bot as
// Slack would; acting as any of the configured users; and controls that
// run the bot's jobs and move its clock.
//
// The playground talks to the bot only as Slack does: signed slash
// commands, interactions and events to the bot's HTTP endpoints, and what
// the bot sent to the emulator's Web API and response URLs. Wiring:
//
//	emu := slackemu.NewServer(slackemu.Options{SigningSecret: secret})
//	// … the bot's HTTP handler, its Slack client pointed at emu.URL() …
//	ln, note, err := playground.Listen(ctx, "")
//	pg := playground.New(playground.Config{Emulator: emu, BotURL: botURL,
//		SigningSecret: secret, Users: users, Channels: channels, Controls: ctl})
//	err = pg.Serve(ctx, ln)
package playground

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prodready/prodready/bot/playground/blockhtml"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/bot/slackemu"
)

// DefaultAddr is where the playground listens unless told otherwise:
// loopback only, as the page acts as any user of the workspace.
const DefaultAddr = "127.0.0.1:8787"

// User is a workspace member the page can act as.
type User struct {
	ID   string // as the emulator knows the user (slackemu.Server.AddUser)
	Name string
	Role string // shown beside the name: "engineer", "approver", "manager"
}

// Channel is a channel shown in the sidebar.
type Channel struct {
	ID   string // as the emulator knows it (slackemu.Server.AddChannel)
	Name string
	// Purpose is shown under the channel's name: "weekly digest",
	// "Payments team", "exemption requests".
	Purpose string
}

// Controls run the bot's scheduled work on demand. The page's buttons
// call them; their errors are shown on the page.
type Controls interface {
	// RunWeeklyDigest posts the weekly digest now.
	RunWeeklyDigest(ctx context.Context) error
	// RunTeamNotices posts every team's notice now.
	RunTeamNotices(ctx context.Context) error
	// AdvanceWeek moves the simulated clock a week on and returns the
	// simulated time.
	AdvanceWeek(ctx context.Context) (time.Time, error)
}

// Config is what the playground needs.
type Config struct {
	// Emulator is the Slack the bot posts to.
	Emulator *slackemu.Server
	// BotURL is the root of the bot's HTTP handler: commands go to
	// BotURL+slackapp.CommandPath, interactions and events beside it.
	BotURL string
	// SigningSecret is the bot's; it must be the emulator's, which signs
	// what the page sends.
	SigningSecret string
	Users         []User
	Channels      []Channel
	// Controls may be nil: the page then has no controls.
	Controls Controls
	// Command is the slash command; "/prodready" when empty.
	Command string
	// Workspace names the workspace in the page; "prodready playground"
	// when empty.
	Workspace string
	Logger    *slog.Logger
}

// Playground is the page's server. Its methods are safe for concurrent use.
type Playground struct {
	cfg  Config
	err  error // a bad Config, returned by Serve and Handler
	log  *slog.Logger
	bot  struct{ commands, interactions, events string }
	mu   sync.Mutex
	st   state
	http *http.Client
}

// New returns a playground for cfg; a bad cfg is reported by Serve or
// Handler.
func New(cfg Config) *Playground {
	p := &Playground{cfg: cfg, log: cfg.Logger, http: &http.Client{Timeout: 10 * time.Second}}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.cfg.Command == "" {
		p.cfg.Command = "/prodready"
	}
	if p.cfg.Workspace == "" {
		p.cfg.Workspace = "prodready playground"
	}
	p.err = p.check()
	p.st = newState()
	return p
}

func (p *Playground) check() error {
	c := p.cfg
	if c.Emulator == nil {
		return errors.New("playground: Config.Emulator is nil: the playground shows what the bot posts to a Slack emulator")
	}
	u, err := url.Parse(c.BotURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("playground: Config.BotURL %q is not an http(s) URL of the bot's HTTP handler", c.BotURL)
	}
	base := u.String()
	p.bot.commands, p.bot.interactions, p.bot.events = base+slackapp.CommandPath, base+slackapp.InteractionPath, base+slackapp.EventsPath
	if c.SigningSecret == "" || c.SigningSecret != c.Emulator.SigningSecret() {
		return errors.New("playground: Config.SigningSecret is not the emulator's signing secret: the bot would refuse every command (start the emulator with slackemu.Options{SigningSecret: …})")
	}
	if len(c.Users) == 0 {
		return errors.New("playground: Config.Users is empty: the page acts as one of them")
	}
	seen := map[string]bool{}
	for i, us := range c.Users {
		if us.ID == "" || us.Name == "" {
			return fmt.Errorf("playground: Config.Users[%d] needs an ID and a Name", i)
		}
		if seen[us.ID] {
			return fmt.Errorf("playground: Config.Users[%d]: user %s twice", i, us.ID)
		}
		seen[us.ID] = true
	}
	for i, ch := range c.Channels {
		if ch.ID == "" || ch.Name == "" {
			return fmt.Errorf("playground: Config.Channels[%d] needs an ID and a Name", i)
		}
	}
	return nil
}

// Handler is the page's HTTP handler, for a server of the caller's.
// loopbackOnly refuses requests whose Host is not a loopback name, so a
// web page elsewhere cannot reach the playground through DNS rebinding.
func (p *Playground) Handler(loopbackOnly bool) (http.Handler, error) {
	if p.err != nil {
		return nil, p.err
	}
	return p.routes(loopbackOnly), nil
}

// Serve serves the page on ln until ctx ends, then shuts down. On a
// loopback listener it answers only requests addressed to loopback.
func (p *Playground) Serve(ctx context.Context, ln net.Listener) error {
	if p.err != nil {
		ln.Close()
		return p.err
	}
	loop := false
	if a, ok := ln.Addr().(*net.TCPAddr); ok && a.IP.IsLoopback() {
		loop = true
	}
	srv := &http.Server{Handler: p.routes(loop), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	p.log.Info("playground: serving", "url", URL(ln))
	select {
	case err := <-done:
		return fmt.Errorf("playground: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("playground: shutting down: %w", err)
	}
	return nil
}

// URL is the page's address on ln.
func URL(ln net.Listener) string {
	a, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return "http://" + ln.Addr().String() + "/"
	}
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port)) + "/"
}

// maxPortTries is how many ports after a busy one Listen tries.
const maxPortTries = 20

// Listen listens on addr (DefaultAddr when empty). When its port is in
// use, it takes the next free one of the following maxPortTries and note
// says so; note is empty otherwise.
func Listen(ctx context.Context, addr string) (ln net.Listener, note string, err error) {
	if addr == "" {
		addr = DefaultAddr
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("playground: listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, "", fmt.Errorf("playground: listen address %q: the port is not a number from 0 to 65535", addr)
	}
	var lc net.ListenConfig
	first := err
	for i := 0; i <= maxPortTries && port+i <= 65535; i++ {
		a := net.JoinHostPort(host, strconv.Itoa(port+i))
		ln, err = lc.Listen(ctx, "tcp", a)
		if err == nil {
			if i > 0 {
				note = fmt.Sprintf("port %d is in use: listening on %s instead", port, a)
			}
			return ln, note, nil
		}
		if first == nil {
			first = err
		}
		if !errors.Is(err, syscall.EADDRINUSE) || port == 0 {
			return nil, "", fmt.Errorf("playground: listen on %s: %w", a, err)
		}
	}
	return nil, "", fmt.Errorf("playground: ports %d to %d on %s are all in use: %w", port, port+maxPortTries, host, first)
}

// renderer renders for one viewer: mentions named, elements interactive.
func (p *Playground) renderer() *blockhtml.Renderer {
	users := map[string]string{}
	for _, u := range p.cfg.Users {
		users[u.ID] = u.Name
	}
	chans := map[string]string{}
	for _, c := range p.cfg.Channels {
		chans[c.ID] = c.Name
	}
	return blockhtml.New(blockhtml.Options{Users: users, Channels: chans, Interactive: true})
}

func (p *Playground) user(id string) (User, bool) {
	for _, u := range p.cfg.Users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

func (p *Playground) channel(id string) (Channel, bool) {
	for _, c := range p.cfg.Channels {
		if c.ID == id {
			return c, true
		}
	}
	return Channel{}, false
}
