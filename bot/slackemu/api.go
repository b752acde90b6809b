package slackemu

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Call is one Web API call as the server saw it.
type Call struct {
	Method string
	Token  string
	// Params are the call's arguments: form fields, or a JSON body's
	// top-level fields (strings as they are, anything else as JSON).
	Params map[string]string
	Status int    // HTTP status answered
	Error  string // Slack's error code when ok was false
	At     time.Time
}

// Message is a message the app posted: chat.postMessage, chat.postEphemeral,
// chat.update, or a file shared by files.completeUploadExternal.
type Message struct {
	Channel   string // channel id
	TS        string
	ThreadTS  string
	Text      string
	Blocks    json.RawMessage // nil when none
	Ephemeral bool
	User      string   // the recipient of an ephemeral message
	Files     []string // ids of files shared with the message
	Token     string
	Metadata  json.RawMessage // chat.postMessage's metadata, nil when none (history.go)
}

type fault struct {
	status int
	code   string
}

type limitKey struct{ method, channel string }

type limit struct {
	allow int
	per   time.Duration
	start time.Time
	count int
}

// scopes needed per method; any one of them is enough.
var methodScopes = map[string][]string{
	"auth.test":                    nil,
	"chat.postMessage":             {"chat:write"},
	"chat.postEphemeral":           {"chat:write"},
	"chat.update":                  {"chat:write"},
	"conversations.history":        {"channels:history", "groups:history", "im:history", "mpim:history"},
	"conversations.open":           {"im:write", "mpim:write", "channels:manage", "groups:write"},
	"users.info":                   {"users:read"},
	"users.lookupByEmail":          {"users:read.email"},
	"files.getUploadURLExternal":   {"files:write"},
	"files.completeUploadExternal": {"files:write"},
	"apps.connections.open":        {"connections:write"},
	"views.open":                   nil,
	"views.publish":                nil,
	"views.update":                 nil,
	"usergroups.users.list":        {"usergroups:read"},
	"usergroups.list":              {"usergroups:read"},
	"conversations.info":           {"channels:read", "groups:read", "im:read", "mpim:read"},
}

type apiRequest struct {
	method string
	token  *token
	params map[string]string
	host   string // the Host the request came to
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func ok(fields map[string]any) answer {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return answer{status: http.StatusOK, body: fields}
}

func fail(code string) answer {
	return answer{status: http.StatusOK, body: map[string]any{"ok": false, "error": code}}
}

// FailNext makes the next call to method (or "*" for any) answer this HTTP
// status (a 5xx, as Slack's outages) with an HTML body, as Slack does.
// Calls queue: FailNext twice fails the next two calls.
func (s *Server) FailNext(method string, status int) {
	s.mu.Lock()
	s.faults[method] = append(s.faults[method], fault{status: status})
	s.mu.Unlock()
}

// FailNextWith makes the next call to method (or "*") answer HTTP 200 with
// {"ok":false,"error":code}.
func (s *Server) FailNextWith(method, code string) {
	s.mu.Lock()
	s.faults[method] = append(s.faults[method], fault{status: http.StatusOK, code: code})
	s.mu.Unlock()
}

// Slow delays every answer of method (or "*") by d; 0 removes the delay.
// A client that gives up earlier sees its own timeout.
func (s *Server) Slow(method string, d time.Duration) {
	s.mu.Lock()
	if d <= 0 {
		delete(s.slow, method)
	} else {
		s.slow[method] = d
	}
	s.mu.Unlock()
}

// RateLimit lets allow calls of method through per window of length per;
// the others get HTTP 429, {"ok":false,"error":"ratelimited"} and a
// Retry-After header with the seconds left in the window, as Slack answers.
func (s *Server) RateLimit(method string, allow int, per time.Duration) {
	s.setLimit(limitKey{method: method}, allow, per)
}

// RateLimitChannel is RateLimit for one channel (id or name) of method, as
// Slack limits chat.postMessage to about one message per second per channel.
func (s *Server) RateLimitChannel(method, channel string, allow int, per time.Duration) {
	s.mu.Lock()
	if id, ok := s.byName[strings.TrimPrefix(channel, "#")]; ok {
		channel = id
	}
	s.mu.Unlock()
	s.setLimit(limitKey{method: method, channel: channel}, allow, per)
}

// ClearRateLimits removes every rate limit.
func (s *Server) ClearRateLimits() {
	s.mu.Lock()
	s.limits = map[limitKey]*limit{}
	s.mu.Unlock()
}

func (s *Server) setLimit(k limitKey, allow int, per time.Duration) {
	s.mu.Lock()
	s.limits[k] = &limit{allow: allow, per: per}
	s.mu.Unlock()
}

// Calls returns every Web API call so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls to one method, oldest first.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the messages in a channel (id or name; a user id gives
// the bot's DM with that user), oldest first: what the channel shows, so
// not the replies in threads (Replies has those).
func (s *Server) Messages(ch string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupLocked(ch)
	if c == nil {
		return nil
	}
	var out []Message
	for _, m := range c.messages {
		if !m.isReply() {
			out = append(out, m)
		}
	}
	return out
}

// AllMessages returns the messages of every channel, in posting order.
func (s *Server) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, c := range s.channels {
		out = append(out, c.messages...)
	}
	sort.SliceStable(out, func(i, j int) bool { return tsLess(out[i].TS, out[j].TS) })
	return out
}

func tsLess(a, b string) bool {
	fa, _ := strconv.ParseFloat(a, 64)
	fb, _ := strconv.ParseFloat(b, 64)
	if fa != fb {
		return fa < fb
	}
	ia := a[strings.IndexByte(a, '.')+1:]
	ib := b[strings.IndexByte(b, '.')+1:]
	return ia < ib
}

func (s *Server) lookupLocked(ch string) *channel {
	if c, ok := s.channels[ch]; ok {
		return c
	}
	if id, ok := s.byName[strings.TrimPrefix(ch, "#")]; ok {
		return s.channels[id]
	}
	if id, ok := s.ims[ch]; ok {
		return s.channels[id]
	}
	return nil
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	params, err := readParams(r)
	if err != nil {
		s.record(method, "", params, http.StatusOK, "invalid_form_data")
		writeAnswer(w, fail("invalid_form_data"))
		return
	}
	tok := params["token"]
	if tok == "" {
		if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok = strings.TrimSpace(v)
		}
	}
	s.mu.Lock()
	delay := s.slow[method] + s.slow["*"]
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
	}
	a := s.call(method, tok, r.Host, params)
	s.grantedScopes(tok, &a)
	s.record(method, tok, params, a.status, errorOf(a))
	writeAnswer(w, a)
}

func errorOf(a answer) string {
	if a.body == nil {
		return ""
	}
	e, _ := a.body["error"].(string)
	return e
}

// call runs one API call under s.mu: faults, auth, scopes, limits, method.
// host is the host the request came to.
func (s *Server) call(method, tok, host string, params map[string]string) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range []string{method, "*"} {
		if q := s.faults[m]; len(q) > 0 {
			f := q[0]
			s.faults[m] = q[1:]
			if f.code != "" {
				return fail(f.code)
			}
			return answer{status: f.status}
		}
	}
	scopes, known := methodScopes[method]
	if !known {
		return fail("unknown_method")
	}
	if tok == "" {
		return fail("not_authed")
	}
	t, found := s.tokens[tok]
	if !found {
		return fail("invalid_auth")
	}
	if t.revoked {
		return fail("token_revoked")
	}
	if method == "apps.connections.open" && t.kind != "app" {
		return fail("not_allowed_token_type")
	}
	if method != "apps.connections.open" && method != "auth.test" && t.kind == "app" {
		return fail("not_allowed_token_type")
	}
	if len(scopes) > 0 && !hasAny(t, scopes) {
		a := fail("missing_scope")
		a.body["needed"] = scopes[0]
		a.body["provided"] = strings.Join(sortedScopes(t), ",")
		return a
	}
	if a, limited := s.limitedLocked(method, params); limited {
		return a
	}
	req := &apiRequest{method: method, token: t, params: params, host: host}
	switch method {
	case "auth.test":
		return s.authTest(req)
	case "chat.postMessage":
		return s.postMessage(req, false)
	case "chat.postEphemeral":
		return s.postMessage(req, true)
	case "chat.update":
		return s.update(req)
	case "conversations.open":
		return s.openConversation(req)
	case "conversations.history":
		return s.history(req)
	case "users.info":
		return s.userInfo(req)
	case "users.lookupByEmail":
		return s.lookupByEmail(req)
	case "files.getUploadURLExternal":
		return s.getUploadURL(req)
	case "files.completeUploadExternal":
		return s.completeUpload(req)
	case "apps.connections.open":
		return s.openConnection(req)
	case "views.open":
		return s.viewsOpen(req)
	case "views.publish":
		return s.viewsPublish(req)
	case "views.update":
		return s.viewsUpdate(req)
	case "usergroups.users.list":
		return s.usergroupUsers(req)
	case "usergroups.list":
		return s.usergroupsList(req)
	case "conversations.info":
		return s.conversationInfo(req)
	}
	return fail("unknown_method")
}

func (s *Server) limitedLocked(method string, params map[string]string) (answer, bool) {
	keys := []limitKey{{method: method}}
	ch := params["channel"]
	if ch == "" {
		ch = params["channel_id"]
	}
	if ch != "" {
		if c := s.lookupLocked(ch); c != nil {
			ch = c.id
		}
		keys = append(keys, limitKey{method: method, channel: ch})
	}
	now := time.Now()
	for _, k := range keys {
		l, ok := s.limits[k]
		if !ok {
			continue
		}
		if now.Sub(l.start) >= l.per {
			l.start, l.count = now, 0
		}
		if l.count >= l.allow {
			left := l.per - now.Sub(l.start)
			secs := int(math.Ceil(left.Seconds()))
			if secs < 1 {
				secs = 1
			}
			a := fail("ratelimited")
			a.status = http.StatusTooManyRequests
			a.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
			return a, true
		}
	}
	for _, k := range keys {
		if l, ok := s.limits[k]; ok {
			l.count++
		}
	}
	return answer{}, false
}

func hasAny(t *token, scopes []string) bool {
	for _, sc := range scopes {
		if t.scopes[sc] {
			return true
		}
	}
	return false
}

func sortedScopes(t *token) []string {
	out := make([]string, 0, len(t.scopes))
	for sc := range t.scopes {
		out = append(out, sc)
	}
	sort.Strings(out)
	return out
}

func (s *Server) record(method, tok string, params map[string]string, status int, code string) {
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Token: tok, Params: params, Status: status, Error: code, At: time.Now()})
	s.notifyLocked()
	s.mu.Unlock()
}

func writeAnswer(w http.ResponseWriter, a answer) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	if a.body == nil {
		// Slack's 5xx pages are HTML, not JSON.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(a.status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", a.status, http.StatusText(a.status))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	_ = json.NewEncoder(w).Encode(a.body)
}

// readParams reads a form, multipart form, JSON body or query string.
func readParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			return out, err
		}
		for k, v := range r.URL.Query() {
			out[k] = v[0]
		}
		if len(strings.TrimSpace(string(body))) == 0 {
			return out, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return out, err
		}
		for k, raw := range m {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				out[k] = str
			} else {
				out[k] = string(raw)
			}
		}
		return out, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return out, err
		}
	default:
		if err := r.ParseForm(); err != nil {
			return out, err
		}
	}
	for k, v := range r.Form {
		out[k] = v[0]
	}
	return out, nil
}

// resolveLocked finds where a post goes: a channel id or name, or a user id
// (the bot's DM with that user, opened on the way, as Slack does).
func (s *Server) resolveLocked(ch string) (*channel, string) {
	if ch == "" {
		return nil, "channel_not_found"
	}
	if c := s.lookupLocked(ch); c != nil {
		return c, ""
	}
	if _, ok := s.users[ch]; ok {
		c, _ := s.openIMLocked(ch)
		return c, ""
	}
	return nil, "channel_not_found"
}

func (s *Server) openIMLocked(userID string) (*channel, bool) {
	if id, ok := s.ims[userID]; ok {
		return s.channels[id], true
	}
	s.seq++
	c := &channel{id: fmt.Sprintf("D%07d", s.seq), name: userID, im: true, member: true}
	s.channels[c.id] = c
	s.ims[userID] = c.id
	return c, false
}

func canPost(t *token, c *channel) string {
	switch {
	case c.archived:
		return "is_archived"
	case !c.member && !c.im && !t.scopes["chat:write.public"]:
		return "not_in_channel"
	}
	return ""
}

// maxTextLen is where Slack refuses a message's text.
const maxTextLen = 40000

func checkContent(text, blocks string, needText bool) (json.RawMessage, answer, bool) {
	if len([]rune(text)) > maxTextLen {
		return nil, fail("msg_too_long"), false
	}
	var raw json.RawMessage
	if strings.TrimSpace(blocks) != "" {
		raw = json.RawMessage(blocks)
		if errs, format := validateBlocks(raw); format {
			return nil, fail("invalid_blocks_format"), false
		} else if len(errs) > 0 {
			a := fail("invalid_blocks")
			a.body["errors"] = errs
			a.body["response_metadata"] = map[string]any{"messages": prefixed(errs)}
			return nil, a, false
		}
		if blockCount(raw) == 0 {
			raw = nil
		}
	}
	if needText && strings.TrimSpace(text) == "" && raw == nil {
		return nil, fail("no_text"), false
	}
	return raw, answer{}, true
}

func prefixed(errs []string) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = "[ERROR] " + e
	}
	return out
}

func (s *Server) postMessage(req *apiRequest, ephemeral bool) answer {
	p := req.params
	c, code := s.resolveLocked(p["channel"])
	if code != "" {
		return fail(code)
	}
	if code := canPost(req.token, c); code != "" {
		return fail(code)
	}
	if ephemeral {
		if _, ok := s.users[p["user"]]; !ok {
			return fail("user_not_found")
		}
	}
	text := p["text"]
	blocks, a, good := checkContent(text, p["blocks"], p["attachments"] == "")
	if !good {
		return a
	}
	meta, a, good := checkMetadata(p["metadata"])
	if !good {
		return a
	}
	m := Message{Channel: c.id, TS: s.nextTS(), ThreadTS: p["thread_ts"], Text: text, Blocks: blocks, Ephemeral: ephemeral, Token: req.token.value, Metadata: meta}
	if ephemeral {
		m.User = p["user"]
	}
	c.messages = append(c.messages, m)
	s.notifyLocked()
	if ephemeral {
		return ok(map[string]any{"message_ts": m.TS})
	}
	msg := map[string]any{"type": "message", "text": text, "ts": m.TS, "bot_id": s.botID}
	if blocks != nil {
		msg["blocks"] = blocks
	}
	if meta != nil {
		msg["metadata"] = meta
	}
	return ok(map[string]any{"channel": c.id, "ts": m.TS, "message": msg})
}

func (s *Server) update(req *apiRequest) answer {
	p := req.params
	c, code := s.resolveLocked(p["channel"])
	if code != "" {
		return fail(code)
	}
	for i := range c.messages {
		m := &c.messages[i]
		if m.TS != p["ts"] || m.Ephemeral {
			continue
		}
		blocks, a, good := checkContent(p["text"], p["blocks"], true)
		if !good {
			return a
		}
		m.Text, m.Blocks = p["text"], blocks
		s.notifyLocked()
		return ok(map[string]any{"channel": c.id, "ts": m.TS, "text": m.Text})
	}
	return fail("message_not_found")
}

func (s *Server) authTest(req *apiRequest) answer {
	return ok(map[string]any{
		"url": "https://emulated.slack.com/", "team": "Emulated", "user": "prodready",
		"team_id": s.opts.TeamID, "user_id": "U0BOT", "bot_id": s.botID,
	})
}

func (s *Server) openConversation(req *apiRequest) answer {
	p := req.params
	if ch := p["channel"]; ch != "" {
		c := s.lookupLocked(ch)
		if c == nil {
			return fail("channel_not_found")
		}
		return ok(map[string]any{"no_op": true, "already_open": true, "channel": map[string]any{"id": c.id}})
	}
	users := splitComma(p["users"])
	switch {
	case len(users) == 0:
		return fail("users_list_not_supplied")
	case len(users) > 8:
		return fail("too_many_users")
	}
	for _, u := range users {
		if _, ok := s.users[u]; !ok {
			return fail("user_not_found")
		}
	}
	if len(users) > 1 {
		s.seq++
		c := &channel{id: fmt.Sprintf("G%07d", s.seq), name: "mpdm-" + strings.Join(users, "--"), member: true, im: true}
		s.channels[c.id] = c
		s.notifyLocked()
		return ok(map[string]any{"channel": map[string]any{"id": c.id, "is_mpim": true}})
	}
	c, existed := s.openIMLocked(users[0])
	s.notifyLocked()
	out := map[string]any{"channel": map[string]any{"id": c.id, "is_im": true, "user": users[0], "created": time.Now().Unix()}}
	if existed {
		out["no_op"] = true
		out["already_open"] = true
	}
	return ok(out)
}

func splitComma(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) userJSON(u *User) map[string]any {
	return map[string]any{
		"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "real_name": u.Name,
		"deleted": false, "is_bot": false,
		"profile": map[string]any{"email": u.Email, "real_name": u.Name, "display_name": u.Name},
	}
}

func (s *Server) userInfo(req *apiRequest) answer {
	u, found := s.users[req.params["user"]]
	if !found {
		return fail("user_not_found")
	}
	return ok(map[string]any{"user": s.userJSON(u)})
}

func (s *Server) lookupByEmail(req *apiRequest) answer {
	id, found := s.byEmail[strings.ToLower(strings.TrimSpace(req.params["email"]))]
	if !found {
		return fail("users_not_found")
	}
	return ok(map[string]any{"user": s.userJSON(s.users[id])})
}
