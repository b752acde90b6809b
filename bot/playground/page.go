package playground

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/playground/blockhtml"
)

//go:embed static
var static embed.FS

//go:embed page.html
var pageHTML string

// Conversations the page shows besides channels.
const (
	convHome = "home" // the App Home tab
	convDM   = "dm"   // the App Home's Messages tab: the bot's DM
)

func (p *Playground) routes(loopbackOnly bool) http.Handler {
	page := template.Must(template.New("page").Parse(pageHTML))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { p.servePage(w, r, page) })
	mux.HandleFunc("GET /static/slack.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		io.WriteString(w, blockhtml.CSS())
	})
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /state", p.serveState)
	mux.HandleFunc("GET /files/{id}", p.serveFile)
	mux.HandleFunc("POST /api/command", post(p, func(ctx context.Context, in struct {
		User    string `json:"as"`
		Channel string `json:"channel"`
		Text    string `json:"text"`
	}) error {
		return p.typed(ctx, in.User, in.Channel, in.Text)
	}))
	mux.HandleFunc("POST /api/action", post(p, p.interact))
	mux.HandleFunc("POST /api/submit", post(p, p.submit))
	mux.HandleFunc("POST /api/close", post(p, func(_ context.Context, in struct {
		User string `json:"as"`
		View string `json:"view"`
	}) error {
		p.closeModal(in.User, in.View)
		return nil
	}))
	mux.HandleFunc("POST /api/home", post(p, func(ctx context.Context, in struct {
		User string `json:"as"`
	}) error {
		return p.openHome(ctx, in.User)
	}))
	mux.HandleFunc("POST /api/control", post(p, func(ctx context.Context, in struct {
		User string `json:"as"`
		Name string `json:"name"`
	}) error {
		return p.control(ctx, in.User, in.Name)
	}))
	return guard(loopbackOnly, mux)
}

// guard sets the page's security headers and, on loopback, refuses a Host
// that is not loopback (DNS rebinding). Posts must carry X-Playground, a
// header a page on another site cannot send without CORS, which the
// playground does not answer.
func guard(loopbackOnly bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loopbackOnly && !loopbackHost(r.Host) {
			http.Error(w, "the playground answers only on loopback addresses (localhost, 127.0.0.1, [::1])", http.StatusMisdirectedRequest)
			return
		}
		if r.Method == http.MethodPost && r.Header.Get("X-Playground") != "1" {
			http.Error(w, "a post needs the X-Playground header the page's script sends", http.StatusForbidden)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: http: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// post decodes a JSON body into In, runs fn and answers {"ok":…}.
func post[In any](p *Playground, fn func(context.Context, In) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "the request is not the JSON the page sends: " + err.Error()})
			return
		}
		if err := fn(r.Context(), in); err != nil {
			p.log.Warn("playground: request failed", "path", r.URL.Path, "err", err)
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// typed is what the user typed in the message box: a slash command goes
// to the bot; anything else Slackbot explains.
func (p *Playground) typed(ctx context.Context, userID, channel, text string) error {
	channel, err := p.resolve(ctx, userID, channel)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	cmd, rest, _ := strings.Cut(text, " ")
	if cmd != p.cfg.Command {
		p.mu.Lock()
		defer p.mu.Unlock()
		if _, ok := p.user(userID); !ok {
			return fmt.Errorf("no user %q in this workspace", userID)
		}
		if strings.HasPrefix(cmd, "/") {
			p.slackbotLocked(channel, userID, fmt.Sprintf("%s is not a valid command. In this playground only %s reaches the app.", cmd, p.cfg.Command))
		} else {
			p.slackbotLocked(channel, userID, fmt.Sprintf("The app reads only its slash command here: type %s followed by a service, `team <team>` or `help`.", p.cfg.Command))
		}
		return nil
	}
	return p.command(ctx, userID, channel, strings.TrimSpace(rest))
}

// resolve turns the page's conversation into a channel id: the bot's DM
// with the user for "dm" and "home" (opened as Slack opens it on first
// use), a configured channel otherwise.
func (p *Playground) resolve(ctx context.Context, userID, conv string) (string, error) {
	if conv != convDM && conv != convHome {
		if _, ok := p.channel(conv); !ok {
			return "", fmt.Errorf("no channel %q in this workspace", conv)
		}
		return conv, nil
	}
	if id, ok := p.cfg.Emulator.IM(userID); ok {
		return id, nil
	}
	if _, ok := p.user(userID); !ok {
		return "", fmt.Errorf("no user %q in this workspace", userID)
	}
	form := url.Values{"token": {p.cfg.Emulator.BotToken()}, "users": {userID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.Emulator.URL()+"conversations.open", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("opening the direct messages with %s: %w", userID, err)
	}
	resp.Body.Close()
	id, ok := p.cfg.Emulator.IM(userID)
	if !ok {
		return "", fmt.Errorf("the emulator did not open the direct messages with %s", userID)
	}
	return id, nil
}

func (p *Playground) control(ctx context.Context, userID, name string) error {
	c := p.cfg.Controls
	if c == nil {
		return errors.New("this playground has no controls")
	}
	var err error
	var done string
	switch name {
	case "digest":
		err, done = c.RunWeeklyDigest(ctx), "The weekly digest ran."
	case "notices":
		err, done = c.RunTeamNotices(ctx), "The team notices ran."
	case "advance":
		var now time.Time
		now, err = c.AdvanceWeek(ctx)
		done = "The clock moved a week on: it is now " + now.UTC().Format("Mon 2 Jan 2006 15:04 UTC") + "."
	default:
		return fmt.Errorf("no control %q", name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.noteLocked(userID, name+": "+err.Error(), true)
		return nil
	}
	p.noteLocked(userID, done, false)
	p.syncLocked()
	return nil
}

// view is the page's parameters: who is acting and where.
type view struct {
	User User
	Conv string
}

func (p *Playground) viewOf(r *http.Request) view {
	v := view{User: p.cfg.Users[0], Conv: convHome}
	if len(p.cfg.Channels) > 0 {
		v.Conv = p.cfg.Channels[0].ID
	}
	if u, ok := p.user(r.URL.Query().Get("as")); ok {
		v.User = u
	}
	switch c := r.URL.Query().Get("c"); c {
	case convHome, convDM:
		v.Conv = c
	default:
		if _, ok := p.channel(c); ok {
			v.Conv = c
		}
	}
	return v
}

type pageData struct {
	Workspace string
	User      User
	Users     []User
	Conv      string
	Title     string
	Purpose   string
	Channels  []Channel
	Controls  bool
	Command   string
	Home      bool
	DM        bool
}

func (p *Playground) servePage(w http.ResponseWriter, r *http.Request, page *template.Template) {
	v := p.viewOf(r)
	d := pageData{Workspace: p.cfg.Workspace, User: v.User, Users: p.cfg.Users, Conv: v.Conv, Channels: p.cfg.Channels,
		Controls: p.cfg.Controls != nil, Command: p.cfg.Command, Home: v.Conv == convHome, DM: v.Conv == convDM}
	switch v.Conv {
	case convHome, convDM:
		d.Title = "prodready"
	default:
		c, _ := p.channel(v.Conv)
		d.Title, d.Purpose = "# "+c.Name, c.Purpose
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := page.Execute(w, d); err != nil {
		p.log.Warn("playground: page", "err", err)
	}
}

// serveState answers the page's poll: the conversation and the modal as
// HTML, each with a hash so the page replaces only what changed.
func (p *Playground) serveState(w http.ResponseWriter, r *http.Request) {
	v := p.viewOf(r)
	r2 := p.renderer()
	var main strings.Builder
	channel := v.Conv
	if v.Conv == convHome || v.Conv == convDM {
		channel, _ = p.cfg.Emulator.IM(v.User.ID)
	}
	p.mu.Lock()
	p.syncLocked()
	if v.Conv == convHome {
		if h, ok := p.cfg.Emulator.Home(v.User.ID); ok {
			main.WriteString(string(r2.Home(h.ID, h.JSON)))
		} else {
			main.WriteString(`<div class="empty">The app has not published a Home tab for you yet.</div>`)
		}
	} else {
		msgs := p.conversationLocked(channel, v.User.ID)
		if len(msgs) == 0 {
			main.WriteString(`<div class="empty">No messages yet.</div>`)
		}
		for _, m := range msgs {
			main.WriteString(string(r2.Message(p.messageView(m))))
		}
	}
	var modalHTML string
	if id, m := p.openModalLocked(v.User.ID); m != nil {
		modalHTML = string(r2.Modal(id, m.raw, m.errs))
	}
	notes := p.st.notes[v.User.ID]
	delete(p.st.notes, v.User.ID)
	p.mu.Unlock()
	out := map[string]any{"main": main.String(), "modal": modalHTML, "mainHash": hash(main.String()), "modalHash": hash(modalHTML)}
	if r.URL.Query().Get("mh") == out["mainHash"] {
		delete(out, "main")
	}
	if r.URL.Query().Get("dh") == out["modalHash"] {
		delete(out, "modal")
	}
	var ns []map[string]any
	for _, n := range notes {
		ns = append(ns, map[string]any{"text": n.text, "bad": n.bad})
	}
	out["notes"] = ns
	writeJSON(w, http.StatusOK, out)
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

func (p *Playground) messageView(s shown) blockhtml.Message {
	m := blockhtml.Message{ID: s.id, Author: s.author, App: s.app, Time: s.at.Local().Format("3:04 PM"),
		Text: s.text, Blocks: s.blocks, Ephemeral: s.ephemeral}
	if len(s.files) > 0 {
		files := p.cfg.Emulator.Files()
		for _, id := range s.files {
			for _, f := range files {
				if f.ID == id {
					ct := http.DetectContentType(f.Content)
					m.Files = append(m.Files, blockhtml.File{Name: f.Name, Title: f.Title, URL: "/files/" + url.PathEscape(f.ID), Image: imageType(ct)})
				}
			}
		}
	}
	for _, rep := range s.replies {
		m.Replies = append(m.Replies, p.messageView(rep))
	}
	return m
}

func imageType(ct string) bool {
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// serveFile serves an uploaded file: an image inline, anything else as a
// download, never as a page of its own.
func (p *Playground) serveFile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, f := range p.cfg.Emulator.Files() {
		if f.ID != id || !f.Complete {
			continue
		}
		ct := http.DetectContentType(f.Content)
		if imageType(ct) {
			w.Header().Set("Content-Type", ct)
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", "attachment")
		}
		w.Write(f.Content)
		return
	}
	http.NotFound(w, r)
}
