// Package pagerdutytest is an emulator of PagerDuty's REST API (v2) for
// tests, as net/http/httptest is for HTTP: NewServer starts it on 127.0.0.1.
// Its state is a Go API — users, teams, schedules with who is on call,
// escalation policies and services — under a thin http.Handler that answers
// GET /services, /services/{id}, /escalation_policies and /oncalls as
// PagerDuty does: response shapes, {"error": {"message", "code"}} errors,
// offset/limit/more pagination capped at 10,000 records, "Token token="
// authentication, and a per-key rate limit with ratelimit-* headers. It
// injects faults on demand (statuses such as 401/403/429/5xx, Retry-After,
// slow answers, dropped connections) and records every request. Its
// contract test checks it against PagerDuty's OpenAPI description.
package pagerdutytest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
)

// DefaultToken is the API key the emulator accepts unless told others.
const DefaultToken = "pdtest-u+Zx8s7Qk2vLr9"

// MaxOffset is where PagerDuty's offset pagination stops.
const MaxOffset = 10000

// PagerDuty's error codes the emulator answers with.
const (
	CodeInvalidInput = 2001 // Invalid Input Provided
	CodeAuthFailed   = 2006 // Authentication failed
	CodeAccessDenied = 2010 // Access Denied
	CodeRateLimited  = 2020 // Rate Limit Exceeded
	CodeNotFound     = 2100 // Not Found
	CodeInternal     = 2000 // Internal Error
)

// User is a PagerDuty user. PagerDuty requires an email of every user.
type User struct {
	ID, Name, Email string
}

// Team is a PagerDuty team.
type Team struct {
	ID, Name string
}

// Schedule is an on-call schedule with who is on call in the current shift.
type Schedule struct {
	ID, Name string
	// OnCall are the ids of the users on call now, in PagerDuty's order.
	OnCall []string
	// Start and End bound the current shift; zero means the emulator's
	// clock minus and plus twelve hours.
	Start, End time.Time
}

// Target is whom an escalation rule pages: a user or a schedule.
type Target struct {
	Type string // "user" or "schedule"
	ID   string
}

// UserTarget and ScheduleTarget make targets.
func UserTarget(id string) Target     { return Target{Type: "user", ID: id} }
func ScheduleTarget(id string) Target { return Target{Type: "schedule", ID: id} }

// EscalationPolicy is a policy whose rules are levels 1, 2, … in order.
type EscalationPolicy struct {
	ID, Name string
	Rules    [][]Target
	Teams    []string // team ids
}

// Service is a PagerDuty service.
type Service struct {
	ID, Name, Description string
	// Status is "active" (the default), "warning", "critical", "maintenance"
	// or "disabled".
	Status           string
	EscalationPolicy string   // policy id
	Teams            []string // team ids
}

// Server is a running emulator. Its methods are safe for concurrent use;
// the kit's (Inject, Requests, RequestsTo, Count, ResetRequests,
// SetLatency) come from emulator.Base.
type Server struct {
	*emulator.Base
	URL string

	mu        sync.Mutex
	keys      []string
	tokens    *emulator.Tokens
	now       func() time.Time
	rateLimit int
	rateSpan  time.Duration
	window    *emulator.Window // per key; nil without a limit
	users     map[string]User
	teams     map[string]Team
	schedules map[string]Schedule
	policies  map[string]EscalationPolicy
	services  map[string]Service
}

// Option configures a Server.
type Option func(*Server)

// WithTokens sets the API keys the emulator accepts (instead of DefaultToken).
func WithTokens(tokens ...string) Option {
	return func(s *Server) { s.keys = append([]string(nil), tokens...) }
}

// WithClock replaces time.Now for shifts and rate-limit windows.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRecordBodies keeps every answer's body in Requests.
func WithRecordBodies() Option { return func(s *Server) { s.SetRecordBodies(true) } }

// WithLatency delays every answer by d, as a distant API does.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithRateLimit lets each key make limit requests per window; the next get
// 429 until the window ends, with ratelimit-reset saying when (PagerDuty
// allows about 960 a minute). Zero, the default, means no limit.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.rateLimit, s.rateSpan = limit, window }
}

// NewServer starts an emulator on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		keys:      []string{DefaultToken},
		now:       time.Now,
		users:     map[string]User{},
		teams:     map[string]Team{},
		schedules: map[string]Schedule{},
		policies:  map[string]EscalationPolicy{},
		services:  map[string]Service{},
	}
	s.Base = emulator.NewBase(emulator.Options{Name: "pagerdutytest", Fail: faultAnswer})
	for _, o := range opts {
		o(s)
	}
	s.tokens = emulator.NewTokens(s.now, s.keys...)
	if s.rateLimit > 0 {
		s.window = emulator.NewWindow(s.rateLimit, s.rateSpan, s.now)
	}
	s.URL = s.Start(s.handler())
	return s
}

// handler is PagerDuty's API, which the kit serves with faults and
// recording.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /services", s.listServices)
	mux.HandleFunc("GET /services/{id}", s.getService)
	mux.HandleFunc("GET /escalation_policies", s.listPolicies)
	mux.HandleFunc("GET /oncalls", s.listOnCalls)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, CodeNotFound, "Not Found")
	})
	return s.guard(mux)
}

// PutUser, PutTeam, PutSchedule, PutEscalationPolicy and PutService create
// or replace an object by id.
//
// PutUser fails on a user without an email, which PagerDuty cannot have.
func (s *Server) PutUser(u User) error {
	if !strings.Contains(u.Email, "@") {
		return fmt.Errorf("pagerdutytest: user %q: PagerDuty requires an email address, got %q", u.ID, u.Email)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	return nil
}

func (s *Server) PutTeam(t Team) { s.mu.Lock(); defer s.mu.Unlock(); s.teams[t.ID] = t }
func (s *Server) PutSchedule(sc Schedule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedules[sc.ID] = sc
}
func (s *Server) PutEscalationPolicy(p EscalationPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policies[p.ID] = p
}
func (s *Server) PutService(svc Service) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services[svc.ID] = svc
}

// DeleteService removes a service.
func (s *Server) DeleteService(id string) { s.mu.Lock(); defer s.mu.Unlock(); delete(s.services, id) }

// HandOff puts users on call in a schedule (a new shift from now), as a
// rotation or an override does.
func (s *Server) HandOff(schedule string, users ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.schedules[schedule]
	if !ok {
		return fmt.Errorf("pagerdutytest: no schedule %q", schedule)
	}
	sc.OnCall = append([]string(nil), users...)
	sc.Start, sc.End = s.now(), s.now().Add(24*time.Hour)
	s.schedules[schedule] = sc
	return nil
}

// guard applies PagerDuty's checks, in its order: the key, then its rate
// limit.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := emulator.Credential(r, "Token token=", "Bearer")
		if _, state := s.tokens.Check(tok); !ok || state != emulator.TokenValid {
			fail(w, http.StatusUnauthorized, CodeAuthFailed, "Authentication failed")
			return
		}
		if !s.allow(w.Header(), tok) {
			emulator.Note(r, "rate limit")
			fail(w, http.StatusTooManyRequests, CodeRateLimited, "Rate Limit Exceeded")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// faultAnswer is PagerDuty's error for an injected status.
func faultAnswer(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	code, text := faultBody(status)
	if msg != "" {
		text = msg
	}
	fail(w, status, code, text)
}

func faultBody(status int) (int, string) {
	switch {
	case status == http.StatusUnauthorized:
		return CodeAuthFailed, "Authentication failed"
	case status == http.StatusForbidden:
		return CodeAccessDenied, "Access Denied"
	case status == http.StatusNotFound:
		return CodeNotFound, "Not Found"
	case status == http.StatusTooManyRequests:
		return CodeRateLimited, "Rate Limit Exceeded"
	case status >= 500:
		return CodeInternal, "Internal Error"
	}
	return CodeInvalidInput, "Invalid Input Provided"
}

// allow counts the request against its key's window and sets PagerDuty's
// rate-limit headers.
func (s *Server) allow(h http.Header, tok string) bool {
	if s.window == nil {
		return true
	}
	q, ok := s.window.Take(tok)
	h.Set("ratelimit-limit", strconv.Itoa(q.Limit))
	h.Set("ratelimit-remaining", strconv.Itoa(q.Remaining))
	h.Set("ratelimit-reset", strconv.Itoa(q.ResetIn()))
	return ok
}

func fail(w http.ResponseWriter, status, code int, msg string, details ...string) {
	e := map[string]any{"message": msg, "code": code}
	if len(details) > 0 {
		e["errors"] = details
	}
	emulator.WriteJSON(w, status, map[string]any{"error": e})
}

// page reads offset and limit as PagerDuty does: limit defaults to 25 and
// is capped at 100; records past MaxOffset cannot be reached.
func page(w http.ResponseWriter, q url.Values) (offset, limit int, ok bool) {
	offset, limit = 0, 25
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fail(w, http.StatusBadRequest, CodeInvalidInput, "Invalid Input Provided", "Offset must be a non-negative integer.")
			return 0, 0, false
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fail(w, http.StatusBadRequest, CodeInvalidInput, "Invalid Input Provided", "Limit must be a positive integer.")
			return 0, 0, false
		}
		limit = min(n, 100)
	}
	if offset+limit > MaxOffset {
		fail(w, http.StatusBadRequest, CodeInvalidInput, "Invalid Input Provided",
			fmt.Sprintf("Offset plus limit must not exceed %d; use a cursor-paginated endpoint to read further.", MaxOffset))
		return 0, 0, false
	}
	return offset, limit, true
}

// paged writes PagerDuty's classic page of n items under key, building
// only the items on the page.
func paged(w http.ResponseWriter, q url.Values, key string, n, offset, limit int, item func(i int) map[string]any) {
	end := min(offset+limit, n)
	out := []map[string]any{}
	for i := offset; i < end; i++ {
		out = append(out, item(i))
	}
	var total any
	if q.Get("total") == "true" {
		total = n
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{key: out, "offset": offset, "limit": limit, "more": end < n, "total": total})
}

// includes checks include[] against the values the endpoint accepts.
func includes(w http.ResponseWriter, q url.Values, allowed ...string) (map[string]bool, bool) {
	out := map[string]bool{}
	for _, v := range q["include[]"] {
		if !slices.Contains(allowed, v) {
			fail(w, http.StatusBadRequest, CodeInvalidInput, "Invalid Input Provided",
				fmt.Sprintf("include[] %q is not one of %s.", v, strings.Join(allowed, ", ")))
			return nil, false
		}
		out[v] = true
	}
	return out, true
}

func boolParam(w http.ResponseWriter, q url.Values, name string) (bool, bool) {
	switch v := q.Get(name); v {
	case "", "false":
		return false, true
	case "true":
		return true, true
	default:
		fail(w, http.StatusBadRequest, CodeInvalidInput, "Invalid Input Provided", fmt.Sprintf("%s must be true or false, not %q.", name, v))
		return false, false
	}
}

const web = "https://pdtest.pagerduty.com"

// api is an object's "self" link.
func (s *Server) api(path string) string { return s.URL + path }

func (s *Server) ref(kind, id, summary, htmlPath string) map[string]any {
	return map[string]any{
		"id": id, "type": kind + "_reference", "summary": summary,
		"self": s.api("/" + kind + "s/" + id), "html_url": web + htmlPath,
	}
}

func (s *Server) userJSON(u User, full bool) map[string]any {
	m := s.ref("user", u.ID, u.Name, "/users/"+u.ID)
	if !full {
		return m
	}
	m["type"] = "user"
	m["name"], m["email"] = u.Name, u.Email
	m["time_zone"] = "Etc/UTC"
	m["role"] = "user"
	m["avatar_url"] = "https://secure.gravatar.com/avatar/0?d=mm"
	m["job_title"] = ""
	m["invitation_sent"] = false
	m["teams"] = []any{}
	return m
}

func (s *Server) teamRefs(ids []string, full bool) []any {
	out := []any{}
	for _, id := range ids {
		t := s.teams[id]
		m := s.ref("team", id, t.Name, "/teams/"+id)
		if full {
			m["type"], m["name"], m["description"], m["default_role"] = "team", t.Name, "", "manager"
		}
		out = append(out, m)
	}
	return out
}

func (s *Server) policyJSON(p EscalationPolicy, full bool) map[string]any {
	m := s.ref("escalation_policy", p.ID, p.Name, "/escalation_policies/"+p.ID)
	m["self"] = s.api("/escalation_policies/" + p.ID)
	if !full {
		return m
	}
	m["type"], m["name"], m["description"] = "escalation_policy", p.Name, ""
	m["num_loops"], m["on_call_handoff_notifications"] = 0, "if_has_services"
	rules := []any{}
	for i, targets := range p.Rules {
		ts := []any{}
		for _, t := range targets {
			switch t.Type {
			case "user":
				ts = append(ts, s.ref("user", t.ID, s.users[t.ID].Name, "/users/"+t.ID))
			case "schedule":
				ts = append(ts, s.ref("schedule", t.ID, s.schedules[t.ID].Name, "/schedules/"+t.ID))
			}
		}
		rules = append(rules, map[string]any{"id": fmt.Sprintf("R%s%d", p.ID, i+1), "escalation_delay_in_minutes": 30, "targets": ts})
	}
	m["escalation_rules"] = rules
	svcs := []any{}
	for _, svc := range s.sortedServices() {
		if svc.EscalationPolicy == p.ID {
			svcs = append(svcs, s.ref("service", svc.ID, svc.Name, "/service-directory/"+svc.ID))
		}
	}
	m["services"] = svcs
	m["teams"] = s.teamRefs(p.Teams, false)
	return m
}

func (s *Server) serviceJSON(svc Service, inc map[string]bool) map[string]any {
	status := svc.Status
	if status == "" {
		status = "active"
	}
	m := map[string]any{
		"id": svc.ID, "type": "service", "summary": svc.Name, "name": svc.Name, "description": svc.Description,
		"self": s.api("/services/" + svc.ID), "html_url": web + "/service-directory/" + svc.ID,
		"status": status, "auto_resolve_timeout": 14400, "acknowledgement_timeout": 600,
		"created_at": "2025-01-02T03:04:05Z", "alert_creation": "create_alerts_and_incidents",
		"integrations": []any{}, "teams": s.teamRefs(svc.Teams, inc["teams"]),
	}
	if p, ok := s.policies[svc.EscalationPolicy]; ok {
		m["escalation_policy"] = s.policyJSON(p, inc["escalation_policies"])
	}
	return m
}

func (s *Server) sortedServices() []Service {
	out := make([]Service, 0, len(s.services))
	for _, svc := range s.services {
		out = append(out, svc)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i].Name), strings.ToLower(out[j].Name)
		if a != b {
			return a < b
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, ok := page(w, q)
	if !ok {
		return
	}
	inc, ok := includes(w, q, "escalation_policies", "teams", "integrations", "auto_pause_notifications_parameters")
	if !ok {
		return
	}
	if _, ok := boolParam(w, q, "total"); !ok {
		return
	}
	sortBy := q.Get("sort_by")
	if sortBy != "" && sortBy != "name" && sortBy != "name:asc" && sortBy != "name:desc" {
		fail(w, http.StatusBadRequest, CodeInvalidInput, "Invalid Input Provided", fmt.Sprintf("sort_by %q is not one of name, name:asc, name:desc.", sortBy))
		return
	}
	query, name := strings.ToLower(q.Get("query")), q.Get("name")
	teams := q["team_ids[]"]
	s.mu.Lock()
	defer s.mu.Unlock()
	var svcs []Service
	for _, svc := range s.sortedServices() {
		if query != "" && !strings.Contains(strings.ToLower(svc.Name), query) {
			continue
		}
		if name != "" && svc.Name != name {
			continue
		}
		if len(teams) > 0 && !slices.ContainsFunc(svc.Teams, func(t string) bool { return slices.Contains(teams, t) }) {
			continue
		}
		svcs = append(svcs, svc)
	}
	if sortBy == "name:desc" {
		slices.Reverse(svcs)
	}
	paged(w, q, "services", len(svcs), offset, limit, func(i int) map[string]any { return s.serviceJSON(svcs[i], inc) })
}

func (s *Server) getService(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	inc, ok := includes(w, q, "escalation_policies", "teams", "auto_pause_notifications_parameters", "integrations")
	if !ok {
		return
	}
	s.mu.Lock()
	svc, found := s.services[r.PathValue("id")]
	var body map[string]any
	if found {
		body = s.serviceJSON(svc, inc)
	}
	s.mu.Unlock()
	if !found {
		fail(w, http.StatusNotFound, CodeNotFound, "Not Found")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"service": body})
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, ok := page(w, q)
	if !ok {
		return
	}
	if _, ok := includes(w, q, "services", "teams", "targets", "escalation_rule_assignment_strategies"); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.policies))
	for id := range s.policies {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return strings.ToLower(s.policies[ids[i]].Name) < strings.ToLower(s.policies[ids[j]].Name)
	})
	paged(w, q, "escalation_policies", len(ids), offset, limit, func(i int) map[string]any { return s.policyJSON(s.policies[ids[i]], true) })
}

type oncallKey struct {
	policy string
	level  int
	user   string
}

// listOnCalls lists who is on call now, policy by policy (sorted by id),
// level by level, target by target. since and until are checked but the
// emulator knows only the current shift. include[]=users sends full users;
// escalation_policies and schedules stay references.
func (s *Server) listOnCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, ok := page(w, q)
	if !ok {
		return
	}
	inc, ok := includes(w, q, "escalation_policies", "users", "schedules")
	if !ok {
		return
	}
	earliest, ok := boolParam(w, q, "earliest")
	if !ok {
		return
	}
	if _, ok := boolParam(w, q, "total"); !ok {
		return
	}
	for _, p := range []string{"since", "until"} {
		if v := q.Get(p); v != "" {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				fail(w, http.StatusBadRequest, 2004, "Invalid 'since' or 'until' Parameter Values", fmt.Sprintf("%s %q is not an ISO 8601 date-time.", p, v))
				return
			}
		}
	}
	pols, scheds, users := set(q["escalation_policy_ids[]"]), set(q["schedule_ids[]"]), set(q["user_ids[]"])
	s.mu.Lock()
	now := s.now()
	ids := make([]string, 0, len(s.policies))
	for id := range s.policies {
		if pols == nil || pols[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	seen := map[oncallKey]bool{}
	var items []map[string]any
	add := func(p EscalationPolicy, level int, userID string, sched *Schedule) {
		u, ok := s.users[userID]
		if !ok || (users != nil && !users[userID]) {
			return
		}
		if scheds != nil && (sched == nil || !scheds[sched.ID]) {
			return
		}
		k := oncallKey{p.ID, level, userID}
		if earliest && seen[k] {
			return
		}
		seen[k] = true
		m := map[string]any{
			"escalation_policy": s.policyJSON(p, false), "escalation_level": level,
			"user": s.userJSON(u, inc["users"]), "schedule": nil, "start": nil, "end": nil,
		}
		if sched != nil {
			start, end := sched.Start, sched.End
			if start.IsZero() {
				start = now.Add(-12 * time.Hour)
			}
			if end.IsZero() {
				end = now.Add(12 * time.Hour)
			}
			m["schedule"] = s.ref("schedule", sched.ID, sched.Name, "/schedules/"+sched.ID)
			m["start"], m["end"] = start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339)
		}
		items = append(items, m)
	}
	for _, id := range ids {
		p := s.policies[id]
		for i, targets := range p.Rules {
			for _, t := range targets {
				switch t.Type {
				case "user":
					add(p, i+1, t.ID, nil)
				case "schedule":
					if sc, ok := s.schedules[t.ID]; ok {
						for _, u := range sc.OnCall {
							add(p, i+1, u, &sc)
						}
					}
				}
			}
		}
	}
	s.mu.Unlock()
	paged(w, q, "oncalls", len(items), offset, limit, func(i int) map[string]any { return items[i] })
}

func set(vals []string) map[string]bool {
	if len(vals) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}
