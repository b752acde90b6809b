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
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
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

// Server is a running emulator. Change its data with its methods at any
// time; they are safe for concurrent use. The kit's (Inject, Requests,
// RequestsTo, ResetRequests) come from emulator.Base.
type Server struct {
	*emulator.Base
	URL string

	mu           sync.Mutex
	clientID     string
	clientSecret string
	tokenTTL     time.Duration
	now          func() time.Time
	tokens       *emulator.Tokens
	window       *emulator.Window
	blueprints   map[string]*blueprint
	teams        []Team
	cursors      map[string]cursor
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
func WithRecordBodies() Option { return func(s *Server) { s.SetRecordBodies(true) } }

// NewServer starts an emulator on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		clientID:     DefaultClientID,
		clientSecret: DefaultClientSecret,
		tokenTTL:     3 * time.Hour,
		now:          time.Now,
		blueprints:   map[string]*blueprint{},
		cursors:      map[string]cursor{},
	}
	s.Base = emulator.NewBase(emulator.Options{
		Name: "porttest", Fail: s.faultAnswer, Finish: s.rateHeaders, EmptyPage: s.emptyPage,
		HugeHead: `{"ok":true,"entities":[{"identifier":"huge","properties":{"blob":"`, HugeTail: `"}}]}`,
		ExpireToken: func(r *http.Request) {
			if tok, ok := emulator.Credential(r, "Bearer"); ok {
				s.tokens.Expire(tok)
			}
		},
		Gzip: true,
	})
	for _, o := range opts {
		o(s)
	}
	s.tokens = emulator.NewTokens(s.now)
	// Port counts requests per organisation but limits them only when a
	// fault says so.
	s.window = emulator.NewWindow(10000, 5*time.Minute, s.now)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/access_token", s.accessToken)
	mux.HandleFunc("GET /v1/blueprints/{bp}/scorecards", s.authed(s.blueprintScorecards))
	mux.HandleFunc("GET /v1/scorecards", s.authed(s.allScorecards))
	mux.HandleFunc("POST /v1/blueprints/{bp}/entities/search", s.authed(s.search))
	mux.HandleFunc("GET /v1/teams", s.authed(s.listTeams))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("Route %s:%s not found", r.Method, r.URL.Path))
	})
	s.URL = s.Start(mux)
	return s
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

// ExpireTokens makes every token issued so far expire now.
func (s *Server) ExpireTokens() {
	s.tokens.ExpireIssued()
}

// TokensIssued counts the access tokens handed out.
func (s *Server) TokensIssued() int { return s.tokens.Issued() }

func (s *Server) bp(id string) *blueprint {
	b := s.blueprints[id]
	if b == nil {
		b = &blueprint{}
		s.blueprints[id] = b
	}
	return b
}

// emptyPage answers an entity search with no entities and a cursor never
// sent before.
func (s *Server) emptyPage(w http.ResponseWriter, r *http.Request) {
	bp := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/blueprints/"), "/entities/search")
	next := emulator.RandomString(32)
	s.mu.Lock()
	s.cursors[next] = cursor{blueprint: bp}
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "entities": []any{}, "next": next})
}

// faultAnswer is Port's error for an injected status.
func (s *Server) faultAnswer(w http.ResponseWriter, r *http.Request, status int, msg string) {
	code, text := "internal_error", "Internal server error"
	switch {
	case status == http.StatusTooManyRequests:
		code, text = "rate_limit_exceeded", "You have exceeded the rate limit, try again later"
	case status == http.StatusServiceUnavailable:
		code, text = "service_unavailable", "The service is temporarily unavailable"
	case status < 500:
		code, text = "bad_request", "Injected client error"
	}
	if msg != "" {
		text = msg
	}
	s.fail(w, r, status, code, text)
}

// rateHeaders are Port's rate-limit headers, on every answer.
func (s *Server) rateHeaders(_ *http.Request, h http.Header, status int, body []byte) (int, []byte) {
	q := s.window.Spend("")
	h.Set("x-ratelimit-limit", strconv.Itoa(q.Limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(q.Remaining))
	h.Set("x-ratelimit-reset", q.RetryAfter())
	h.Set("x-ratelimit-period", "300")
	return status, body
}

func (s *Server) fail(w http.ResponseWriter, _ *http.Request, status int, code, msg string) {
	emulator.WriteJSON(w, status, map[string]any{"ok": false, "error": code, "message": msg})
}

func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := emulator.Credential(r, "Bearer")
		if !ok {
			s.fail(w, r, http.StatusUnauthorized, "unauthorized", "Authorization header with a bearer token is required")
			return
		}
		switch _, state := s.tokens.Check(tok); state {
		case emulator.TokenUnknown:
			s.fail(w, r, http.StatusUnauthorized, "unauthorized", "The access token is invalid")
		case emulator.TokenExpired:
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
	s.mu.Unlock()
	var tok string
	if good {
		tok = "eyJ" + emulator.RandomString(24) + "." + emulator.RandomString(32)
		s.tokens.Issue(tok, emulator.Grant{Expires: s.now().Add(ttl)})
	}
	if !good {
		s.fail(w, r, http.StatusUnauthorized, "unauthorized", "Invalid client id or client secret")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "accessToken": tok, "expiresIn": ttl.Seconds(), "tokenType": "Bearer"})
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
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "scorecards": scs})
}

func (s *Server) allScorecards(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	all := []map[string]any{}
	for _, b := range s.blueprints {
		all = append(all, b.scorecards...)
	}
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "scorecards": all})
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
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "teams": out})
}
