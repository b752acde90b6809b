package slackemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SlashCommand is what a user typed. Empty fields get defaults: command
// "/prodready", user U0EMUSER "emu-user", channel C0EMUCHAN "emu-channel",
// timestamp now.
type SlashCommand struct {
	Command     string
	Text        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	// Timestamp signs the request; set it in the past to send a stale one.
	Timestamp time.Time
}

// Reply is the app's answer to a slash command: the HTTP response, or the
// Socket Mode ack.
type Reply struct {
	Status      int // HTTP status; 200 for an ack
	Header      http.Header
	Body        []byte
	ResponseURL string // where the app may answer later
	Elapsed     time.Duration
	// Message is the body parsed as a message; nil when the body is empty
	// or not JSON (Slack then shows the body as plain text).
	Message *ReplyMessage
}

// ReplyMessage is a message as an app answers a command or posts to a
// response_url.
type ReplyMessage struct {
	ResponseType    string          `json:"response_type"`
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
}

// ResponsePost is one post the app made to a response_url.
type ResponsePost struct {
	URL string
	ReplyMessage
	Status int    // what the server answered
	Error  string // Slack's error when refused
	At     time.Time
}

type command struct {
	url     string
	created time.Time
	uses    int
	posts   []ResponsePost
}

// Slack's limits on response_url.
const (
	responseURLUses = 5
	responseURLTTL  = 30 * time.Minute
)

// Sign returns Slack's v0 signature of body sent at timestamp ts (Unix
// seconds, as in X-Slack-Request-Timestamp).
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

func (c SlashCommand) withDefaults() SlashCommand {
	if c.Command == "" {
		c.Command = "/prodready"
	}
	if c.UserID == "" {
		c.UserID, c.UserName = "U0EMUSER", "emu-user"
	}
	if c.ChannelID == "" {
		c.ChannelID, c.ChannelName = "C0EMUCHAN", "emu-channel"
	}
	if c.Timestamp.IsZero() {
		c.Timestamp = time.Now()
	}
	return c
}

// canCommand refuses to deliver a slash command to an app whose bot token
// lacks the commands scope, as Slack has no command for such an app.
func (s *Server) canCommand() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[s.botToken]; t == nil || t.revoked || !t.scopes["commands"] {
		return fmt.Errorf("the app has no slash command: its bot token lacks the commands scope")
	}
	return nil
}

// newCommand registers a response_url for a command about to be sent.
func (s *Server) newCommand() (responseURL, triggerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	path := fmt.Sprintf("/commands/%s/%d/%s", s.opts.TeamID, s.seq, randHex(12))
	s.cmds[path] = &command{url: s.srv.URL + path, created: time.Now()}
	triggerID = fmt.Sprintf("%d.%d.%s", s.seq, time.Now().Unix(), randHex(16))
	s.addTriggerLocked(triggerID)
	return s.srv.URL + path, triggerID
}

// fields are a command's parameters in the order Slack sends them.
func (s *Server) fields(c SlashCommand, responseURL, triggerID string) [][2]string {
	return [][2]string{
		{"token", "emu-verification-token"},
		{"team_id", s.opts.TeamID},
		{"team_domain", "emulated"},
		{"channel_id", c.ChannelID},
		{"channel_name", c.ChannelName},
		{"user_id", c.UserID},
		{"user_name", c.UserName},
		{"command", c.Command},
		{"text", c.Text},
		{"api_app_id", s.opts.AppID},
		{"is_enterprise_install", "false"},
		{"response_url", responseURL},
		{"trigger_id", triggerID},
	}
}

// CommandRequest builds the signed request Slack would send for c to the
// app's request URL, without sending it, so tests can tamper with or
// replay it. body is the form body the request carries.
func (s *Server) CommandRequest(ctx context.Context, requestURL string, c SlashCommand) (req *http.Request, body []byte, responseURL string, err error) {
	if err := s.canCommand(); err != nil {
		return nil, nil, "", err
	}
	c = c.withDefaults()
	responseURL, trigger := s.newCommand()
	var b strings.Builder
	for i, f := range s.fields(c, responseURL, trigger) {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(f[0])
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(f[1]))
	}
	body = []byte(b.String())
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, requestURL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, "", fmt.Errorf("slash command request to %q: %w", requestURL, err)
	}
	ts := strconv.FormatInt(c.Timestamp.Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, ts, body))
	return req, body, responseURL, nil
}

// SendSlashCommand sends c to the app's request URL as Slack does: a signed
// form POST, given CommandTimeout (3s) to answer. The error is only for a
// request that could not be made or timed out (Slack's operation_timeout).
func (s *Server) SendSlashCommand(ctx context.Context, requestURL string, c SlashCommand) (*Reply, error) {
	req, _, responseURL, err := s.CommandRequest(ctx, requestURL, c)
	if err != nil {
		return nil, err
	}
	return s.Do(req, responseURL)
}

// Do sends a request built by CommandRequest (possibly altered) and reads
// the reply.
func (s *Server) Do(req *http.Request, responseURL string) (*Reply, error) {
	client := &http.Client{Timeout: s.opts.CommandTimeout}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("operation_timeout or transport error: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read slash command reply: %w", err)
	}
	r := &Reply{Status: resp.StatusCode, Header: resp.Header, Body: body, ResponseURL: responseURL, Elapsed: time.Since(start)}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "application/json" && len(bytes.TrimSpace(body)) > 0 {
		var m ReplyMessage
		if json.Unmarshal(body, &m) == nil {
			r.Message = &m
		}
	}
	return r, nil
}

// serveResponseURL receives the app's posts to a command's response_url.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.cmds[r.URL.Path]
	answer := func(status int, code string, post *ResponsePost) {
		if post != nil {
			post.Status, post.Error = status, code
			c.posts = append(c.posts, *post)
			s.notifyLocked()
		}
		if code == "" {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "ok")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		io.WriteString(w, code)
	}
	switch {
	case !found:
		answer(http.StatusNotFound, "no_service", nil)
		return
	case r.Method != http.MethodPost:
		answer(http.StatusMethodNotAllowed, "invalid_method", nil)
		return
	}
	post := &ResponsePost{URL: c.url, At: time.Now()}
	switch {
	case time.Since(c.created) > responseURLTTL:
		answer(http.StatusNotFound, "expired_url", post)
		return
	case c.uses >= responseURLUses:
		answer(http.StatusNotFound, "used_url", post)
		return
	}
	c.uses++
	if err := json.Unmarshal(body, &post.ReplyMessage); err != nil {
		answer(http.StatusBadRequest, "invalid_payload", post)
		return
	}
	blocks := ""
	if len(post.Blocks) > 0 && string(post.Blocks) != "null" {
		blocks = string(post.Blocks)
	}
	if _, a, good := checkContent(post.Text, blocks, !post.DeleteOriginal); !good {
		answer(http.StatusBadRequest, errorOf(a), post)
		return
	}
	answer(http.StatusOK, "", post)
}

// Responses returns the posts to one response_url, or to all of them when
// responseURL is empty, accepted or not.
func (s *Server) Responses(responseURL string) []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.responsesLocked(responseURL)
}

func (s *Server) responsesLocked(responseURL string) []ResponsePost {
	var out []ResponsePost
	for _, c := range s.cmds {
		if responseURL == "" || c.url == responseURL {
			out = append(out, c.posts...)
		}
	}
	return out
}

// WaitResponses waits until responseURL ("" for any) has received n posts.
func (s *Server) WaitResponses(ctx context.Context, responseURL string, n int) ([]ResponsePost, error) {
	var out []ResponsePost
	err := s.wait(ctx, func() bool {
		out = s.responsesLocked(responseURL)
		return len(out) >= n
	})
	if err != nil {
		return out, fmt.Errorf("waiting for %d posts to %q, got %d: %w", n, responseURL, len(out), err)
	}
	return out, nil
}

// WaitMessages waits until channel (id, name or user id) holds n messages.
func (s *Server) WaitMessages(ctx context.Context, channel string, n int) ([]Message, error) {
	var out []Message
	err := s.wait(ctx, func() bool {
		out = nil
		if c := s.lookupLocked(channel); c != nil {
			out = append(out, c.messages...)
		}
		return len(out) >= n
	})
	if err != nil {
		return out, fmt.Errorf("waiting for %d messages in %q, got %d: %w", n, channel, len(out), err)
	}
	return out, nil
}
