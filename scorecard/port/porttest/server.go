// Package porttest is an emulator of Port's REST API for tests, as
// net/http/httptest is for HTTP: NewServer starts it on 127.0.0.1 with an
// in-memory catalog of any size. It answers as Port does — response shapes,
// {"ok": false, "error", "message"} errors, opaque "next" cursors, access
// tokens that expire, gzip, rate-limit headers — and injects faults on
// demand: 429 with Retry-After, 5xx, slow answers, dropped connections,
// expired tokens, answers cut off mid-body, huge answers and gzip bombs
// (streamed, never held in memory) and endless empty pages. It records every request so that tests can assert on them.
// Its contract test checks it against Port's OpenAPI description.
package porttest

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Default credentials the emulator accepts, unless NewServer is told others.
const (
	DefaultClientID     = "porttest-client-id"
	DefaultClientSecret = "porttest-client-secret-5f1d0c"
)

// Team is an organisation team with its members' emails.
type Team struct {
	Name        string
	Description string
	Emails      []string
}

// Fault is a misbehaviour to inject into matching requests.
type Fault struct {
	Method string // "" matches any method
	Path   string // exact request path; "" matches any path
	Skip   int    // let this many matching requests through first
	Times  int    // apply to this many requests (0 means 1, negative means forever)

	Status     int           // answer with this status and a Port error body
	RetryAfter string        // Retry-After header sent with Status
	Delay      time.Duration // wait this long before answering (a slow answer)
	Drop       bool          // close the connection without an answer
	// ExpireToken makes the request's bearer token expire just before it is
	// checked, so that it gets Port's 401.
	ExpireToken bool

	// EmptyPage answers an entity search with no entities and a "next"
	// cursor it has never sent before, as a Port that pages forever would.
	EmptyPage bool
	// Huge answers 200 with a well-formed entity search answer of this many
	// bytes before compression: one entity whose "blob" property pads it
	// out. It is written as a stream, never held whole, and stops when the
	// client hangs up.
	Huge int64
	// Bomb sends the Huge answer gzip-compressed at the best ratio, even to
	// a client that did not ask for gzip: a gzip bomb, a few hundred KB on
	// the wire per 100 MB inflated.
	Bomb bool
	// Truncate sends only the first Truncate bytes of the answer, with a
	// Content-Length for all of it, then drops the connection.
	Truncate int
}

func (f *Fault) matches(r *http.Request) bool {
	return (f.Method == "" || f.Method == r.Method) && (f.Path == "" || f.Path == r.URL.Path)
}

// Request is one request the emulator received, and what it answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int  // 0 when the connection was dropped
	Gzip   bool // the answer was gzip-compressed
	// Response is the answer's body, uncompressed, when RecordBodies is set.
	Response []byte
	Fault    string // the fault applied, if any: "status 429", "delay 2s", "drop", "expire token"
	// Received and Answered are when the request arrived and was answered.
	Received, Answered time.Time
}

// Server is a running emulator. Change its data with its methods at any
// time; they are safe for concurrent use.
type Server struct {
	URL string

	srv *httptest.Server

	mu           sync.Mutex
	clientID     string
	clientSecret string
	tokenTTL     time.Duration
	now          func() time.Time
	tokens       map[string]time.Time // token -> expiry
	blueprints   map[string]*blueprint
	teams        []Team
	cursors      map[string]cursor
	faults       []*Fault
	requests     []Request
	recordBodies bool
	rateLimit    int
	served       int
}

type blueprint struct {
	entities   []scorecard.Entity
	scorecards []map[string]any
}

type cursor struct {
	blueprint string
	offset    int
}

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the client id and secret the emulator accepts.
func WithCredentials(id, secret string) Option {
	return func(s *Server) { s.clientID, s.clientSecret = id, secret }
}

// WithTokenTTL sets the lifetime of access tokens (Port's is 3 hours).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithClock replaces time.Now for token expiry.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRecordBodies keeps every answer's body in Requests (for contract tests;
// costly with large catalogs).
func WithRecordBodies() Option { return func(s *Server) { s.recordBodies = true } }

// NewServer starts an emulator on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		clientID:     DefaultClientID,
		clientSecret: DefaultClientSecret,
		tokenTTL:     3 * time.Hour,
		now:          time.Now,
		tokens:       map[string]time.Time{},
		blueprints:   map[string]*blueprint{},
		cursors:      map[string]cursor{},
		rateLimit:    10000,
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/access_token", s.accessToken)
	mux.HandleFunc("GET /v1/blueprints/{bp}/scorecards", s.authed(s.blueprintScorecards))
	mux.HandleFunc("GET /v1/scorecards", s.authed(s.allScorecards))
	mux.HandleFunc("POST /v1/blueprints/{bp}/entities/search", s.authed(s.search))
	mux.HandleFunc("GET /v1/teams", s.authed(s.listTeams))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("Route %s:%s not found", r.Method, r.URL.Path))
	})
	s.srv = httptest.NewServer(s.middleware(mux))
	s.URL = s.srv.URL
	return s
}

// Close shuts the emulator down.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetEntities creates the blueprint if needed and replaces its entities.
// Entity.Scorecards are served as Port's own computed results.
func (s *Server) SetEntities(bp string, ents []scorecard.Entity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bp(bp).entities = ents
}

// SetScorecards creates the blueprint if needed and replaces its scorecards
// with data: a JSON array of scorecards, one scorecard, or Port's own
// {"ok": true, "scorecards": [...]} answer. They are served
// as Port serves them, with the fields Port adds (blueprint, id, dates).
func (s *Server) SetScorecards(bp string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("porttest: scorecards of %q: %w", bp, err)
	}
	var list []any
	switch t := v.(type) {
	case []any:
		list = t
	case map[string]any:
		switch {
		case t["scorecards"] != nil: // Port's own answer, {"ok": true, "scorecards": [...]}
			if list, _ = t["scorecards"].([]any); list == nil {
				return fmt.Errorf("porttest: scorecards of %q: \"scorecards\" is not an array", bp)
			}
		case t["scorecard"] != nil: // {"ok": true, "scorecard": {...}}
			list = []any{t["scorecard"]}
		default:
			list = []any{t}
		}
	default:
		return fmt.Errorf("porttest: scorecards of %q: want a JSON array or object", bp)
	}
	var out []map[string]any
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return fmt.Errorf("porttest: scorecards of %q: item %d is not an object", bp, i+1)
		}
		m["blueprint"] = bp
		id, _ := m["identifier"].(string)
		for k, def := range map[string]any{"id": "scorecard_" + id, "createdAt": "2025-01-02T03:04:05.000Z", "updatedAt": "2025-01-02T03:04:05.000Z", "createdBy": "porttest", "updatedBy": "porttest"} {
			if _, has := m[k]; !has {
				m[k] = def
			}
		}
		out = append(out, m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bp(bp).scorecards = out
	return nil
}

// SetTeams replaces the organisation's teams.
func (s *Server) SetTeams(teams []Team) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.teams = teams
}

// Inject adds a fault. Faults apply in the order they were injected; the
// first that matches a request, after its Skip, is used.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// ExpireTokens makes every token issued so far expire now.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = time.Time{}
	}
}

// TokensIssued counts the access tokens handed out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the recorded requests with this method and path.
func (s *Server) RequestsTo(method, path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func (s *Server) bp(id string) *blueprint {
	b := s.blueprints[id]
	if b == nil {
		b = &blueprint{}
		s.blueprints[id] = b
	}
	return b
}

// recorder captures the answer for the request log, and compresses it when
// the client accepts gzip, as Port does.
type recorder struct {
	http.ResponseWriter
	req    *http.Request
	status int
	body   bytes.Buffer
}

func (w *recorder) WriteHeader(code int) { w.status = code }
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Received: time.Now()}

		f := s.fault(r)
		if f != nil && f.Delay > 0 {
			rec.Fault = "delay " + f.Delay.String()
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				s.record(rec)
				return
			}
		}
		if f != nil && f.Drop {
			rec.Fault = "drop"
			s.record(rec)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if f != nil && f.ExpireToken {
			rec.Fault = "expire token"
			s.mu.Lock()
			if tok, ok := bearer(r); ok {
				if _, known := s.tokens[tok]; known {
					s.tokens[tok] = time.Time{}
				}
			}
			s.mu.Unlock()
		}
		if f != nil && f.Huge > 0 {
			rec.Status = http.StatusOK
			rec.Fault, rec.Gzip = fmt.Sprintf("huge %d bytes", f.Huge), f.Bomb
			if f.Bomb {
				rec.Fault = fmt.Sprintf("gzip bomb of %d bytes", f.Huge)
			}
			s.rateHeaders(w)
			// Recorded when the answer starts: it ends only when the client
			// hangs up, after the client has returned.
			s.record(rec)
			writeHuge(w, f.Huge, f.Bomb)
			return
		}
		if f != nil && f.EmptyPage {
			rec.Fault = "empty page"
			bp := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/blueprints/"), "/entities/search")
			next := randomString(32)
			s.mu.Lock()
			s.cursors[next] = cursor{blueprint: bp}
			s.mu.Unlock()
			rw := &recorder{ResponseWriter: w, req: r}
			s.reply(rw, http.StatusOK, map[string]any{"ok": true, "entities": []any{}, "next": next})
			s.rateHeaders(w)
			rec.Status = rw.status
			w.Header().Set("Content-Length", strconv.Itoa(rw.body.Len()))
			w.WriteHeader(rw.status)
			w.Write(rw.body.Bytes())
			s.record(rec)
			return
		}
		rw := &recorder{ResponseWriter: w, req: r}
		if f != nil && f.Status != 0 {
			rec.Fault = "status " + strconv.Itoa(f.Status)
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			code, msg := "internal_error", "Internal server error"
			switch {
			case f.Status == http.StatusTooManyRequests:
				code, msg = "rate_limit_exceeded", "You have exceeded the rate limit, try again later"
			case f.Status == http.StatusServiceUnavailable:
				code, msg = "service_unavailable", "The service is temporarily unavailable"
			case f.Status < 500:
				code, msg = "bad_request", "Injected client error"
			}
			s.fail(rw, r, f.Status, code, msg)
		} else {
			next.ServeHTTP(rw, r)
		}
		s.rateHeaders(w)
		out := rw.body.Bytes()
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		rec.Status = rw.status
		if s.recordBodiesOn() {
			rec.Response = append([]byte(nil), out...)
		}
		if f != nil && f.Truncate > 0 {
			rec.Fault = fmt.Sprintf("truncate at %d bytes", f.Truncate)
			s.record(rec)
			w.Header().Set("Content-Length", strconv.Itoa(len(out)))
			w.WriteHeader(rw.status)
			w.Write(out[:min(f.Truncate, len(out))])
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			panic(http.ErrAbortHandler) // net/http drops the connection, mid-body
		}
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(out) > 0 {
			rec.Gzip = true
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Del("Content-Length")
			w.WriteHeader(rw.status)
			gz := gzip.NewWriter(w)
			gz.Write(out)
			gz.Close()
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(len(out)))
			w.WriteHeader(rw.status)
			w.Write(out)
		}
		s.record(rec)
	})
}

// writeHuge writes a well-formed entity search answer of n bytes (before
// compression) in chunks, so that the emulator's memory stays small
// whatever n is; it stops at the first failed write (the client hung up).
// A bomb is a series of gzip members (RFC 1952 allows several; readers
// join them), the padding's compressed once and repeated, so that the
// emulator spends no time compressing.
func writeHuge(w http.ResponseWriter, n int64, bomb bool) {
	const head, tail = `{"ok":true,"entities":[{"identifier":"huge","properties":{"blob":"`, `"}}]}`
	chunk := bytes.Repeat([]byte{'x'}, 1<<20)
	pad := n - int64(len(head)+len(tail))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	parts := [][]byte{[]byte(head), chunk, chunk[:pad%int64(len(chunk))], []byte(tail)}
	if bomb {
		w.Header().Set("Content-Encoding", "gzip")
		for i, p := range parts {
			parts[i] = gzipMember(p)
		}
	} else {
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	}
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // the client gets the headers at once, as from Port
	}
	if _, err := w.Write(parts[0]); err != nil {
		return
	}
	for range pad / int64(len(chunk)) {
		if _, err := w.Write(parts[1]); err != nil {
			return
		}
	}
	w.Write(parts[2])
	w.Write(parts[3])
}

// gzipMember is b as one gzip member.
func gzipMember(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func (s *Server) recordBodiesOn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recordBodies
}

func (s *Server) record(r Request) {
	r.Answered = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

// fault picks the fault for this request and uses up one of its times.
func (s *Server) fault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !f.matches(r) {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		g := *f
		return &g
	}
	return nil
}

// rateHeaders are Port's rate-limit headers; the emulator counts requests
// per organisation but only limits when a fault says so.
func (s *Server) rateHeaders(w http.ResponseWriter) {
	s.mu.Lock()
	s.served++
	left := max(s.rateLimit-s.served, 0)
	s.mu.Unlock()
	h := w.Header()
	h.Set("x-ratelimit-limit", strconv.Itoa(s.rateLimit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(left))
	h.Set("x-ratelimit-reset", "300")
	h.Set("x-ratelimit-period", "300")
}

func (s *Server) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // the emulator's own data must encode
	}
}

func (s *Server) fail(w http.ResponseWriter, _ *http.Request, status int, code, msg string) {
	s.reply(w, status, map[string]any{"ok": false, "error": code, "message": msg})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			s.fail(w, r, http.StatusUnauthorized, "unauthorized", "Authorization header with a bearer token is required")
			return
		}
		s.mu.Lock()
		exp, known := s.tokens[tok]
		now := s.now()
		s.mu.Unlock()
		switch {
		case !known:
			s.fail(w, r, http.StatusUnauthorized, "unauthorized", "The access token is invalid")
		case !now.Before(exp):
			s.fail(w, r, http.StatusUnauthorized, "token_expired", "The access token has expired")
		default:
			h(w, r)
		}
	}
}

// strictJSON decodes a JSON object body, refusing unknown fields as Port's
// schemas do (additionalProperties: false).
func strictJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON body")
	}
	return nil
}

func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ClientID     *string `json:"clientId"`
		ClientSecret *string `json:"clientSecret"`
	}
	if err := strictJSON(r, &body); err != nil {
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_request", "body/"+err.Error())
		return
	}
	if body.ClientID == nil || body.ClientSecret == nil {
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_request", "body must have required properties clientId, clientSecret")
		return
	}
	s.mu.Lock()
	good := *body.ClientID == s.clientID && *body.ClientSecret == s.clientSecret
	ttl := s.tokenTTL
	var tok string
	if good {
		tok = "eyJ" + randomString(24) + "." + randomString(32)
		s.tokens[tok] = s.now().Add(ttl)
	}
	s.mu.Unlock()
	if !good {
		s.fail(w, r, http.StatusUnauthorized, "unauthorized", "Invalid client id or client secret")
		return
	}
	s.reply(w, http.StatusOK, map[string]any{"ok": true, "accessToken": tok, "expiresIn": ttl.Seconds(), "tokenType": "Bearer"})
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func (s *Server) notFoundBlueprint(w http.ResponseWriter, r *http.Request, bp string) {
	s.fail(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", bp))
}

func (s *Server) blueprintScorecards(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("bp")
	s.mu.Lock()
	b, ok := s.blueprints[id]
	var scs []map[string]any
	if ok {
		scs = b.scorecards
	}
	s.mu.Unlock()
	if !ok {
		s.notFoundBlueprint(w, r, id)
		return
	}
	if scs == nil {
		scs = []map[string]any{}
	}
	s.reply(w, http.StatusOK, map[string]any{"ok": true, "scorecards": scs})
}

func (s *Server) allScorecards(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	all := []map[string]any{}
	for _, b := range s.blueprints {
		all = append(all, b.scorecards...)
	}
	s.mu.Unlock()
	s.reply(w, http.StatusOK, map[string]any{"ok": true, "scorecards": all})
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	allowed := map[string]bool{"id": true, "name": true, "createdAt": true, "updatedAt": true, "provider": true, "description": true,
		"users.firstName": true, "users.lastName": true, "users.email": true, "users.picture": true, "users.status": true}
	fields := r.URL.Query()["fields"]
	want := map[string]bool{}
	for _, f := range fields {
		if !allowed[f] {
			s.fail(w, r, http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf("querystring/fields/0 must be equal to one of the allowed values (got %q)", f))
			return
		}
		want[f] = true
	}
	all := len(want) == 0
	s.mu.Lock()
	teams := append([]Team(nil), s.teams...)
	s.mu.Unlock()
	out := make([]map[string]any, 0, len(teams))
	for i, t := range teams {
		m := map[string]any{}
		put := func(k string, v any) {
			if all || want[k] {
				m[k] = v
			}
		}
		put("id", fmt.Sprintf("team_%d", i+1))
		put("name", t.Name)
		put("description", t.Description)
		put("provider", "port")
		put("createdAt", "2025-01-02T03:04:05.000Z")
		put("updatedAt", "2025-01-02T03:04:05.000Z")
		var users []map[string]any
		for _, e := range t.Emails {
			u := map[string]any{}
			local := e[:max(strings.IndexByte(e, '@'), 0)]
			for k, v := range map[string]any{"email": e, "firstName": local, "lastName": "", "status": "ACTIVE"} {
				if all || want["users."+k] {
					u[k] = v
				}
			}
			users = append(users, u)
		}
		if all || want["users.email"] || want["users.firstName"] || want["users.lastName"] || want["users.status"] || want["users.picture"] {
			if users == nil {
				users = []map[string]any{}
			}
			m["users"] = users
		}
		out = append(out, m)
	}
	s.reply(w, http.StatusOK, map[string]any{"ok": true, "teams": out})
}
