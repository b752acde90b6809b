// Package slackemu is a Slack emulator for tests, in the spirit of
// net/http/httptest: a real HTTP server on loopback that answers Slack's Web
// API the way Slack does, keeps state, records every call, and plays Slack's
// side of slash commands (signed HTTP requests, response_url, Socket Mode).
//
// Start one per test and point slack-go at it:
//
//	emu := slackemu.New(t) // closed by t.Cleanup
//	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL()))
//	ch := emu.AddChannel("general")
//	alice := emu.AddUser("alice@example.com")
//	api.PostMessage(ch, slack.MsgOptionText("hi", false))
//	msgs := emu.Messages("general") // by name or id
//
// What it answers, as Slack does (HTTP 200 with {"ok":false,"error":...}
// unless said otherwise):
//   - auth: no token → not_authed; unknown token → invalid_auth; revoked
//     token → token_revoked;
//     a token without the method's scope → missing_scope (with "needed" and
//     "provided"); a bot token on apps.connections.open → not_allowed_token_type.
//     Tokens come in the "token" form field or "Authorization: Bearer".
//   - auth.test, chat.postMessage (with message metadata),
//     chat.postEphemeral, chat.update, conversations.open,
//     conversations.history (see history.go), conversations.info (by id,
//     with is_member and is_archived), users.info, users.lookupByEmail,
//     files.getUploadURLExternal, the upload URL it hands out (on the same
//     host, as slack-go requires), files.completeUploadExternal (thread_ts
//     shares the file in a thread: Replies), apps.connections.open.
//     Anything else → unknown_method. Every answer to a known token carries
//     X-OAuth-Scopes, the scopes it holds, as Slack's do.
//   - channel_not_found, not_in_channel, is_archived, user_not_found,
//     users_not_found, no_text, invalid_blocks (with "errors" naming the
//     JSON pointer), invalid_blocks_format, msg_too_long, file_not_found,
//     invalid_arguments.
//   - Block Kit limits (ValidateBlocks): at most 50 blocks, section text
//     3,000 characters, section fields 10 (2,000 each), header text 150 and
//     plain_text, context elements 10, block_id 255; message text 40,000.
//
// Faults on demand: FailNext (an HTTP 5xx for the next call to a method),
// FailNextWith (an error code), Slow (answers delayed), RateLimit (HTTP 429
// with Retry-After per method, or per method and channel, as Slack's
// chat.postMessage limit is per channel).
//
// Slack's side: SendSlashCommand posts a signed form (v0 signature with
// SigningSecret, Slack's field order) to the app's request URL and returns
// the answer; SendSlashCommandSocket delivers a slash_commands envelope over
// Socket Mode and returns the ack. Every command carries a response_url on
// this server; posts to it are recorded (Responses, WaitResponses) and
// validated like chat.postMessage. Socket Mode: apps.connections.open returns
// a ws:// URL on loopback, good for one connection; the server sends hello,
// pings, envelopes, and reads acks (Acks); Disconnect asks clients to
// reconnect. To forge, replay or delay a command, build it with
// CommandRequest, alter it, and send it with Do. Commands reach only an app
// whose bot token has the commands scope.
//
// Every state change wakes waiters: WaitMessages and WaitResponses block
// until the condition holds or the context ends, so tests never sleep.
package slackemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// BotScopes are the scopes prodready's manifest asks for, required then
// optional; the default bot token holds all of them.
var BotScopes = []string{"commands", "chat:write", "im:write", "mpim:write", "users:read", "users:read.email", "usergroups:read", "files:write",
	"channels:history", "groups:history", "im:history", "mpim:history", "channels:read", "groups:read"}

// Options configure a Server. The zero value is usable.
type Options struct {
	// SigningSecret signs slash commands; random when empty.
	SigningSecret string
	// TeamID and AppID name the workspace and the app; defaults T0EMU, A0EMU.
	TeamID, AppID string
	// PingInterval is how often the Socket Mode server pings; default 10s.
	PingInterval time.Duration
	// CommandTimeout is how long Slack waits for a slash command's answer
	// before it gives up (operation_timeout); default 3s, as Slack.
	CommandTimeout time.Duration
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every state change
	seq       int
	tokens    map[string]*token
	users     map[string]*User // by id
	byEmail   map[string]string
	channels  map[string]*channel // by id
	byName    map[string]string
	ims       map[string]string // user id -> im channel id
	calls     []Call
	faults    map[string][]fault
	slow      map[string]time.Duration
	limits    map[limitKey]*limit
	files     map[string]*File
	cmds      map[string]*command // by response_url path token
	sockets   map[*socketConn]bool
	acks      map[string]chan Ack
	ackLog    []Ack
	wsTickets map[string]bool
	closing   chan struct{}
	closed    bool
	botID     string
	botToken  string
	appToken  string
	// Interactivity: trigger IDs, views, user groups (views.go).
	triggers   map[string]trigger
	views      map[string]*View
	homes      map[string]*View // by user id
	usergroups map[string][]string
	// usergroupHandles: user group id -> handle, for usergroups.list.
	usergroupHandles map[string]string
}

type token struct {
	value   string
	kind    string // "bot" or "app"
	scopes  map[string]bool
	revoked bool
}

// User is a workspace member.
type User struct {
	ID    string
	Name  string
	Email string
}

type channel struct {
	id, name string
	im       bool
	member   bool // the bot is a member
	archived bool
	messages []Message
}

// New starts an emulator on loopback and closes it when the test ends.
func New(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s := NewServer(o)
	t.Cleanup(s.Close)
	return s
}

// NewServer starts an emulator on loopback; Close stops it. Outside tests
// (load programs) use this instead of New.
func NewServer(o Options) *Server {
	if o.SigningSecret == "" {
		o.SigningSecret = randHex(16)
	}
	if o.TeamID == "" {
		o.TeamID = "T0EMU"
	}
	if o.AppID == "" {
		o.AppID = "A0EMU"
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 10 * time.Second
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 3 * time.Second
	}
	s := &Server{
		opts:     o,
		changed:  make(chan struct{}),
		tokens:   map[string]*token{},
		users:    map[string]*User{},
		byEmail:  map[string]string{},
		channels: map[string]*channel{},
		byName:   map[string]string{},
		ims:      map[string]string{},
		faults:   map[string][]fault{},
		slow:     map[string]time.Duration{},
		limits:   map[limitKey]*limit{},
		files:    map[string]*File{},
		cmds:     map[string]*command{},
		sockets:  map[*socketConn]bool{},
		acks:     map[string]chan Ack{},
		closing:  make(chan struct{}),
	}
	s.botID = "B0EMU"
	s.botToken = "xoxb-emu-" + randHex(8)
	s.appToken = "xapp-1-emu-" + randHex(8)
	s.AddToken(s.botToken, BotScopes...)
	s.addToken(s.appToken, "app", "connections:write")
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/upload/", s.serveUpload)
	mux.HandleFunc("/commands/", s.serveResponseURL)
	mux.HandleFunc("/socket/", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the server and drops Socket Mode connections.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	conns := make([]*socketConn, 0, len(s.sockets))
	for c := range s.sockets {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.srv.Close()
}

// URL is the Web API base, with the trailing slash slack.OptionAPIURL wants.
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// BaseURL is the server's root, e.g. http://127.0.0.1:PORT.
func (s *Server) BaseURL() string { return s.srv.URL }

// BotToken is an xoxb token holding BotScopes.
func (s *Server) BotToken() string { return s.botToken }

// AppToken is an xapp token with connections:write, for Socket Mode.
func (s *Server) AppToken() string { return s.appToken }

// SigningSecret signs the slash commands the server sends.
func (s *Server) SigningSecret() string { return s.opts.SigningSecret }

// TeamID is the workspace's id.
func (s *Server) TeamID() string { return s.opts.TeamID }

// AddToken adds a bot token with exactly these scopes (none: it
// authenticates but may call only auth.test). Adding BotToken() again
// changes the installed app's scopes.
func (s *Server) AddToken(value string, scopes ...string) {
	s.addToken(value, "bot", scopes...)
}

func (s *Server) addToken(value, kind string, scopes ...string) {
	t := &token{value: value, kind: kind, scopes: map[string]bool{}}
	for _, sc := range scopes {
		t.scopes[sc] = true
	}
	s.mu.Lock()
	s.tokens[value] = t
	s.mu.Unlock()
}

// RevokeToken makes a token answer token_revoked from now on, as Slack
// does once the app is uninstalled.
func (s *Server) RevokeToken(value string) {
	s.mu.Lock()
	if t, ok := s.tokens[value]; ok {
		t.revoked = true
	}
	s.mu.Unlock()
}

// ChannelOption changes a channel AddChannel creates.
type ChannelOption func(*channel)

// NotMember makes a channel the bot is not in: posting answers not_in_channel.
func NotMember() ChannelOption { return func(c *channel) { c.member = false } }

// Archived makes an archived channel: posting answers is_archived.
func Archived() ChannelOption { return func(c *channel) { c.archived = true } }

// AddChannel creates a public channel the bot is a member of (unless
// NotMember) and returns its id. The name may start with '#'.
func (s *Server) AddChannel(name string, opts ...ChannelOption) string {
	name = strings.TrimPrefix(name, "#")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	c := &channel{id: fmt.Sprintf("C%07d", s.seq), name: name, member: true}
	for _, o := range opts {
		o(c)
	}
	s.channels[c.id] = c
	s.byName[name] = c.id
	s.notifyLocked()
	return c.id
}

// AddUser creates a member with this email; the name is the email's local part.
func (s *Server) AddUser(email string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	u := &User{ID: fmt.Sprintf("U%07d", s.seq), Name: strings.SplitN(email, "@", 2)[0], Email: email}
	s.users[u.ID] = u
	s.byEmail[strings.ToLower(email)] = u.ID
	s.notifyLocked()
	return *u
}

// IM returns the id of the bot's direct-message channel with user, once
// conversations.open (or a post to the user id) has opened it.
func (s *Server) IM(userID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.ims[userID]
	return id, ok
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond (called with s.mu held) is true or ctx ends.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), s.seq%1000000)
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
