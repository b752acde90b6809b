// Package githubtest is an emulator of GitHub's REST API for tests, as
// net/http/httptest is for HTTP: NewServer starts it on 127.0.0.1 with
// organisations and repositories held in memory and changed through its Go
// API. It answers as GitHub does: response shapes from GitHub's OpenAPI
// description, {"message", "documentation_url"} errors, Link pagination,
// ETags with 304s, x-ratelimit-* headers over a budget that 304s do not
// spend and that ends in 403 "API rate limit exceeded", the issue search
// with its own budget of 30 a minute (search.go), App JWTs and
// installation tokens with permissions, and 301 for renamed repositories.
// It injects faults on demand (a missing permission, secondary rate
// limits, 5xx, latency) and records every request.
package githubtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
)

// DefaultToken is the personal token the emulator accepts unless told others.
const DefaultToken = "ghp_githubtestTOKEN0123456789abcdefABCD"

const docsURL = "https://docs.github.com/rest"

// Repo is a repository. Zero fields take GitHub's defaults.
type Repo struct {
	Name          string
	DefaultBranch string // "main" when empty
	NoBranch      bool   // no default branch at all
	Description   string
	Archived      bool
	Fork          bool
	Private       bool
	// Empty: no commit yet; content endpoints answer 409.
	Empty    bool
	Topics   []string
	PushedAt time.Time
	// Files on the default branch by path: "README.md", ".github/CODEOWNERS".
	Files map[string]string
	// Pulls are the repository's pull requests.
	Pulls []Pull
	// Protection of the default branch; nil is unprotected.
	Protection *Protection
	// Rules active on the default branch (repository and organisation rulesets).
	Rules []Rule
	// Teams with access to the repository.
	Teams []TeamAccess
	// NotAdmin: the personal token's user is not an admin here, so classic
	// protection is refused as GitHub refuses it.
	NotAdmin bool

	id       int64
	org      string
	created  time.Time
	oldNames []string
	renamed  time.Time // when it last got a new name
}

// Pull is a pull request. Closed ones have ClosedAt; merged ones MergedAt.
type Pull struct {
	Number    int
	Base      string // the default branch when empty
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time
	MergedAt  *time.Time
}

// Protection is classic branch protection.
type Protection struct {
	RequiredApprovals int
	CodeOwnerReviews  bool
	// NoReviews: protected, but pull request reviews are not required.
	NoReviews bool
}

// Rule is an active ruleset rule on a branch.
type Rule struct {
	Type              string // "pull_request", "deletion", "non_fast_forward", ...
	RequiredApprovals int
	CodeOwnerReview   bool
	Source            string // the ruleset's owner: "Organization" or "Repository" (default)
}

// TeamAccess is a team's permission on a repository.
type TeamAccess struct {
	Slug       string
	Permission string // "admin", "maintain", "push", "triage", "pull"
}

// SecondaryRateLimit is GitHub's message for a secondary rate limit: an
// injected 403 or 429 with this Message is one.
const SecondaryRateLimit = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID."

// App is a GitHub App the emulator knows.
type App struct {
	ID  int64
	Key *rsa.PublicKey
	// Installations by id, with the permissions each was granted
	// ("administration": "read").
	Installations map[int64]map[string]string
}

// Server is a running emulator; its methods are safe for concurrent use.
// The kit's (Inject, Requests, ResetRequests, SetLatency) come from
// emulator.Base.
type Server struct {
	*emulator.Base
	URL string

	mu        sync.Mutex
	now       func() time.Time
	personal  []string
	tokens    *emulator.Tokens
	apps      map[int64]*App
	tokenTTL  time.Duration
	orgs      map[string]string // lower-case login -> login
	repos     map[int64]*Repo
	byName    map[string]*Repo // "org/name", lower-case
	byOldName map[string]*Repo
	order     []int64 // repository ids in creation order, as the list answers
	nextID    int64
	coreLimit rateLimit
	search    searchState
	// limits are the rate-limit windows by resource, "core" and "search".
	limits map[string]*emulator.Window
}

// rateLimit is a resource's limit per window.
type rateLimit struct {
	limit int
	span  time.Duration
}

// Option configures a Server.
type Option func(*Server)

// WithTokens sets the personal tokens the emulator accepts.
func WithTokens(tokens ...string) Option {
	return func(s *Server) { s.personal = append([]string(nil), tokens...) }
}

// WithApp registers a GitHub App.
func WithApp(a App) Option { return func(s *Server) { s.apps[a.ID] = &a } }

// WithInstallationTokenTTL sets how long installation tokens live (GitHub: an hour).
func WithInstallationTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithLatency delays every answer by d, as a distant GitHub does.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithRateLimit sets the primary rate limit per window (GitHub: 5,000 an hour).
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.coreLimit = rateLimit{limit, window} }
}

// WithClock replaces time.Now for token expiry and rate-limit windows.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithoutRequestLog keeps counts only, not each request (benchmarks of
// large organisations).
func WithoutRequestLog() Option { return func(s *Server) { s.SetRequestLog(false) } }

// WithRecordBodies keeps every answer's body in Requests (contract tests).
func WithRecordBodies() Option { return func(s *Server) { s.SetRecordBodies(true) } }

// NewServer starts an emulator on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		now: time.Now, personal: []string{DefaultToken}, apps: map[int64]*App{},
		tokenTTL: time.Hour, orgs: map[string]string{},
		repos: map[int64]*Repo{}, byName: map[string]*Repo{}, byOldName: map[string]*Repo{},
		coreLimit: rateLimit{5000, time.Hour},
		search:    searchState{rateLimit: rateLimit{DefaultSearchLimit, time.Minute}},
	}
	s.Base = emulator.NewBase(emulator.Options{Name: "githubtest", Fail: s.injected, Finish: s.finish})
	for _, o := range opts {
		o(s)
	}
	s.tokens = emulator.NewTokens(s.now, s.personal...)
	s.limits = map[string]*emulator.Window{
		"core":   emulator.NewWindow(s.coreLimit.limit, s.coreLimit.span, s.now),
		"search": emulator.NewWindow(s.search.limit, s.search.span, s.now),
	}
	for _, w := range s.limits {
		w.Refill("") // the windows start with the emulator
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs/{org}/repos", s.authed(s.listRepos))
	s.repoRoutes(mux)
	mux.HandleFunc("GET /repositories/{id}/{rest...}", s.byID)
	mux.HandleFunc("GET /repositories/{id}", s.byID)
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", s.accessToken)
	mux.HandleFunc("GET /search/issues", s.authed(s.searchIssues))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "Not Found")
	})
	s.URL = s.Start(s.limited(mux))
	return s
}

// repoRoutes are the endpoints of one repository, by name.
func (s *Server) repoRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /repos/{owner}/{repo}", s.repo(s.getRepo))
	mux.HandleFunc("GET /repos/{owner}/{repo}/readme", s.repo(s.readme))
	mux.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.repo(s.contents))
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.repo(s.pulls))
	mux.HandleFunc("GET /repos/{owner}/{repo}/branches/{branch}/protection", s.repo(s.protection))
	mux.HandleFunc("GET /repos/{owner}/{repo}/rules/branches/{branch}", s.repo(s.rules))
	mux.HandleFunc("GET /repos/{owner}/{repo}/teams", s.repo(s.teams))
}

// AddRepo creates (or replaces, keeping its id) a repository of org,
// creating the organisation if needed.
func (s *Server) AddRepo(org string, r Repo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orgs[strings.ToLower(org)]; !ok {
		s.orgs[strings.ToLower(org)] = org
	}
	if old := s.find(org, r.Name); old != nil {
		r.id, r.created, r.oldNames, r.renamed = old.id, old.created, old.oldNames, old.renamed
		for _, n := range r.oldNames {
			s.byOldName[nameKey(org, n)] = &r
		}
	} else {
		s.nextID++
		r.id = 1000 + s.nextID
		r.created = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		s.order = append(s.order, r.id)
	}
	r.org = s.orgs[strings.ToLower(org)]
	if r.DefaultBranch == "" && !r.NoBranch {
		r.DefaultBranch = "main"
	}
	if r.PushedAt.IsZero() {
		r.PushedAt = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	}
	s.repos[r.id] = &r
	s.byName[nameKey(r.org, r.Name)] = &r
}

// clone copies what UpdateRepo may change, so that a handler can read it
// without the lock.
func (r *Repo) clone() Repo {
	cp := *r
	cp.Files = make(map[string]string, len(r.Files))
	for k, v := range r.Files {
		cp.Files[k] = v
	}
	cp.Topics = append([]string(nil), r.Topics...)
	cp.Pulls = append([]Pull(nil), r.Pulls...)
	cp.Rules = append([]Rule(nil), r.Rules...)
	cp.Teams = append([]TeamAccess(nil), r.Teams...)
	if r.Protection != nil {
		p := *r.Protection
		cp.Protection = &p
	}
	return cp
}

func nameKey(org, name string) string { return strings.ToLower(org + "/" + name) }

// UpdateRepo changes a repository in place; false when there is none.
func (s *Server) UpdateRepo(org, name string, fn func(*Repo)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(org, name)
	if r == nil {
		return false
	}
	fn(r)
	return true
}

// RenameRepo renames a repository; the old name then answers 301.
func (s *Server) RenameRepo(org, old, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(org, old)
	if r == nil {
		return false
	}
	r.oldNames = append(r.oldNames, r.Name)
	r.renamed = s.now()
	delete(s.byName, nameKey(r.org, r.Name))
	s.byOldName[nameKey(r.org, r.Name)] = r
	r.Name = name
	s.byName[nameKey(r.org, name)] = r
	return true
}

func (s *Server) find(org, name string) *Repo { return s.byName[nameKey(org, name)] }

func (s *Server) findOld(org, name string) *Repo {
	if s.byName[nameKey(org, name)] != nil {
		return nil // the name was taken again
	}
	return s.byOldName[nameKey(org, name)]
}

// SetRate sets the primary budget left and when it resets.
func (s *Server) SetRate(remaining int, resetAt time.Time) {
	s.limits["core"].Set("", remaining, resetAt)
}

// ResetRate refills the primary budget and starts a new window.
func (s *Server) ResetRate() { s.limits["core"].Refill("") }

// RateRemaining is the primary budget left.
func (s *Server) RateRemaining() int { return s.limits["core"].Peek("").Remaining }

// TokensIssued counts the installation tokens handed out.
func (s *Server) TokensIssued() int { return s.tokens.Issued() }

// ExpireInstallationTokens makes every installation token expire now.
func (s *Server) ExpireInstallationTokens() { s.tokens.ExpireIssued() }

// Count counts the requests answered since the last ResetRequests: all of
// them, and the 304s.
func (s *Server) Count() (total, notModified int) {
	return s.Total(), s.TotalWithStatus(http.StatusNotModified)
}

// CountPath counts the requests whose path ends in suffix.
func (s *Server) CountPath(suffix string) int { return s.Base.Count("", suffix) }

// --- rate limits and ETags, around the kit ---

// limited refuses a request whose resource's budget is spent, as GitHub
// does: 403 with the budget's headers.
func (s *Server) limited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := resourceOf(r.URL.Path)
		if res == "" || s.limits[res].Peek("").Remaining > 0 {
			next.ServeHTTP(w, r)
			return
		}
		s.rateHeaders(w.Header(), res, false)
		msg := "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID."
		if res == "search" {
			msg = s.searchRefusal(r)
		}
		s.fail(w, http.StatusForbidden, msg)
	})
}

// finish gives successful GETs an ETag, a match being a 304 that costs
// nothing, and spends the budget of the answer's resource.
func (s *Server) finish(r *http.Request, h http.Header, status int, out []byte) (int, []byte) {
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(out)
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
			status, out = http.StatusNotModified, nil
		}
	}
	if res := resourceOf(r.URL.Path); res != "" && h.Get("x-ratelimit-remaining") == "" {
		s.rateHeaders(h, res, status != http.StatusNotModified && status != http.StatusUnauthorized)
	}
	return status, out
}

// injected is GitHub's answer to an injected status: its error, with the
// rate-limit headers of the budget it did not spend.
func (s *Server) injected(w http.ResponseWriter, r *http.Request, status int, msg string) {
	switch {
	case msg != "":
	case status == http.StatusForbidden:
		msg = "Resource not accessible by integration"
	case status == http.StatusNotFound:
		msg = "Not Found"
	case status >= 500:
		msg = "Server Error"
	default:
		msg = http.StatusText(status)
	}
	res := resourceOf(r.URL.Path)
	if res == "" {
		res = "core"
	}
	s.rateHeaders(w.Header(), res, false)
	s.fail(w, status, msg)
}

// rateHeaders sets x-ratelimit-* for resource res, spending one request
// when spend.
func (s *Server) rateHeaders(h http.Header, res string, spend bool) {
	q := s.limits[res].Peek("")
	if spend {
		q = s.limits[res].Spend("")
	}
	h.Set("x-ratelimit-limit", strconv.Itoa(q.Limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(q.Remaining))
	h.Set("x-ratelimit-used", strconv.Itoa(q.Used()))
	h.Set("x-ratelimit-reset", strconv.FormatInt(q.Reset.Unix(), 10))
	h.Set("x-ratelimit-resource", res)
}

func (s *Server) fail(w http.ResponseWriter, status int, msg string) {
	emulator.WriteJSON(w, status, map[string]any{"message": msg, "documentation_url": docsURL})
}

// --- auth ---

func bearer(r *http.Request) string {
	tok, _ := emulator.Credential(r, "Bearer", "token")
	return tok
}

// identity is who a request authenticates as: a personal token (perms nil)
// or an installation (its permissions).
type identity struct {
	ok    bool
	perms map[string]string
}

func (s *Server) identify(r *http.Request) identity {
	g, state := s.tokens.Check(bearer(r))
	if state != emulator.TokenValid {
		return identity{}
	}
	return identity{ok: true, perms: g.Scopes}
}

func (s *Server) authed(h func(http.ResponseWriter, *http.Request, identity)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := s.identify(r)
		if !id.ok {
			s.fail(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		h(w, r, id)
	}
}

// allowed checks an installation's permission; personal tokens pass.
func (s *Server) allowed(w http.ResponseWriter, id identity, perm string) bool {
	if id.perms == nil || id.perms[perm] != "" || perm == "metadata" {
		return true
	}
	s.fail(w, http.StatusForbidden, "Resource not accessible by integration")
	return false
}

func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	inst, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	app, refusal := s.verifyJWT(bearer(r))
	if refusal != "" {
		s.fail(w, http.StatusUnauthorized, refusal)
		return
	}
	perms, ok := app.Installations[inst]
	if err != nil || !ok {
		s.fail(w, http.StatusNotFound, "Not Found")
		return
	}
	tok := "ghs_" + emulator.RandomString(24)
	s.mu.Lock()
	exp := s.now().Add(s.tokenTTL).Truncate(time.Second)
	s.mu.Unlock()
	s.tokens.Issue(tok, emulator.Grant{Expires: exp, Scopes: perms, Subject: fmt.Sprintf("installation ID %d", inst)})
	emulator.WriteJSON(w, http.StatusCreated, map[string]any{
		"token": tok, "expires_at": exp.UTC().Format(time.RFC3339), "permissions": perms, "repository_selection": "all",
	})
}

// verifyJWT checks an App's RS256 JWT as GitHub does: signature, issuer,
// and a lifetime of at most ten minutes that includes now. It returns
// GitHub's refusal message, or "" for a good token.
func (s *Server) verifyJWT(tok string) (*App, string) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, "A JSON web token could not be decoded"
	}
	var hdr struct{ Alg string }
	var claims struct {
		Iat, Exp int64
		Iss      string
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(cb, &claims) != nil {
		return nil, "A JSON web token could not be decoded"
	}
	id, _ := strconv.ParseInt(claims.Iss, 10, 64)
	s.mu.Lock()
	app := s.apps[id]
	now := s.now()
	s.mu.Unlock()
	if app == nil || hdr.Alg != "RS256" {
		return nil, "Integration not found"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(app.Key, crypto.SHA256, sum[:], sig) != nil {
		return nil, "A JSON web token could not be decoded"
	}
	if claims.Exp-claims.Iat > 600 || now.Unix() > claims.Exp || now.Unix() < claims.Iat-60 {
		return nil, "'Expiration time' claim ('exp') is too far in the future"
	}
	return app, ""
}

// --- repositories ---

// repo resolves {owner}/{repo}: 301 for an old name, 404 for none.
func (s *Server) repo(h func(http.ResponseWriter, *http.Request, identity, *Repo)) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, id identity) {
		owner, name := r.PathValue("owner"), r.PathValue("repo")
		s.mu.Lock()
		rp := s.find(owner, name)
		var moved *Repo
		if rp == nil {
			moved = s.findOld(owner, name)
		}
		var cp Repo
		if rp != nil {
			cp = rp.clone()
		}
		s.mu.Unlock()
		switch {
		case moved != nil:
			rest := strings.TrimPrefix(r.URL.Path, "/repos/"+owner+"/"+name)
			loc := fmt.Sprintf("%s/repositories/%d%s", s.URL, moved.id, rest)
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", loc)
			emulator.WriteJSON(w, http.StatusMovedPermanently, map[string]any{"message": "Moved Permanently", "url": loc, "documentation_url": docsURL})
		case rp == nil:
			s.fail(w, http.StatusNotFound, "Not Found")
		default:
			h(w, r, id, &cp)
		}
	})
}

// byID serves /repositories/{id}/..., where GitHub redirects old names.
func (s *Server) byID(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	rp := s.repos[id]
	var org, name string
	if rp != nil {
		org, name = rp.org, rp.Name
	}
	s.mu.Unlock()
	if rp == nil {
		s.fail(w, http.StatusNotFound, "Not Found")
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/repos/" + org + "/" + name
	if rest := r.PathValue("rest"); rest != "" {
		r2.URL.Path += "/" + rest
	}
	r2.URL.RawPath = ""
	r2.RequestURI = r2.URL.RequestURI()
	// Route it again, within this request's recording.
	mux := http.NewServeMux()
	s.repoRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.fail(w, http.StatusNotFound, "Not Found") })
	mux.ServeHTTP(w, r2)
}

// page slices items by per_page and page, and sets the Link header.
func page[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) ([]T, bool) {
	q := r.URL.Query()
	per, pg := 30, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(w, http.StatusUnprocessableEntity, "Invalid request.\n\nper_page is not a number.")
			return nil, false
		}
		per = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(w, http.StatusUnprocessableEntity, "Invalid request.\n\npage is not a number.")
			return nil, false
		}
		pg = n
	}
	s.setLinks(w, r, q, pg, max((len(items)+per-1)/per, 1))
	lo := min((pg-1)*per, len(items))
	hi := min(lo+per, len(items))
	return items[lo:hi], true
}

func (s *Server) listRepos(w http.ResponseWriter, r *http.Request, id identity) {
	s.mu.Lock()
	login, ok := s.orgs[strings.ToLower(r.PathValue("org"))]
	var repos []*Repo
	for _, rid := range s.order {
		if rp := s.repos[rid]; rp.org == login {
			repos = append(repos, rp)
		}
	}
	s.mu.Unlock()
	if !ok {
		s.fail(w, http.StatusNotFound, "Not Found")
		return
	}
	pg, ok := page(s, w, r, repos)
	if !ok {
		return
	}
	out := make([]map[string]any, len(pg))
	s.mu.Lock()
	for i, rp := range pg {
		out[i] = s.minimalRepo(rp, id)
	}
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, id identity, rp *Repo) {
	emulator.WriteJSON(w, http.StatusOK, s.fullRepo(rp, id))
}

func (s *Server) readme(w http.ResponseWriter, r *http.Request, id identity, rp *Repo) {
	if !s.allowed(w, id, "contents") {
		return
	}
	if rp.Empty {
		s.fail(w, http.StatusConflict, "This repository is empty.")
		return
	}
	// GitHub's order: the root, .github, docs; any README.* name.
	for _, dir := range []string{"", ".github/", "docs/"} {
		var names []string
		for p := range rp.Files {
			if strings.HasPrefix(p, dir) && !strings.Contains(p[len(dir):], "/") && strings.HasPrefix(strings.ToUpper(p[len(dir):]), "README") {
				names = append(names, p)
			}
		}
		if len(names) > 0 {
			sort.Strings(names)
			emulator.WriteJSON(w, http.StatusOK, s.contentFile(rp, names[0], rp.Files[names[0]]))
			return
		}
	}
	s.fail(w, http.StatusNotFound, "Not Found")
}

func (s *Server) contents(w http.ResponseWriter, r *http.Request, id identity, rp *Repo) {
	if !s.allowed(w, id, "contents") {
		return
	}
	if rp.Empty {
		s.fail(w, http.StatusConflict, "This repository is empty.")
		return
	}
	p := r.PathValue("path")
	if text, ok := rp.Files[p]; ok {
		emulator.WriteJSON(w, http.StatusOK, s.contentFile(rp, p, text))
		return
	}
	s.fail(w, http.StatusNotFound, "Not Found")
}

func (s *Server) pulls(w http.ResponseWriter, r *http.Request, id identity, rp *Repo) {
	if !s.allowed(w, id, "pull_requests") {
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	if state != "open" && state != "closed" && state != "all" {
		s.fail(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	var list []Pull
	for _, p := range rp.Pulls {
		base := p.Base
		if base == "" {
			base = rp.DefaultBranch
		}
		closed := p.ClosedAt != nil || p.MergedAt != nil
		if (state == "open" && closed) || (state == "closed" && !closed) {
			continue
		}
		if b := q.Get("base"); b != "" && b != base {
			continue
		}
		p.Base = base
		list = append(list, p)
	}
	key := func(p Pull) time.Time {
		if q.Get("sort") == "updated" {
			return p.UpdatedAt
		}
		return p.CreatedAt
	}
	asc := q.Get("direction") == "asc" || (q.Get("direction") == "" && q.Get("sort") == "")
	sort.SliceStable(list, func(i, j int) bool {
		if asc {
			return key(list[i]).Before(key(list[j]))
		}
		return key(list[i]).After(key(list[j]))
	})
	pg, ok := page(s, w, r, list)
	if !ok {
		return
	}
	out := make([]map[string]any, len(pg))
	for i, p := range pg {
		out[i] = s.pullSimple(rp, p, id)
	}
	emulator.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) protection(w http.ResponseWriter, r *http.Request, id identity, rp *Repo) {
	if !s.allowed(w, id, "administration") {
		return
	}
	if id.perms == nil && rp.NotAdmin {
		s.fail(w, http.StatusForbidden, "Must have admin rights to Repository.")
		return
	}
	branch := r.PathValue("branch")
	if branch != rp.DefaultBranch || rp.Empty {
		s.fail(w, http.StatusNotFound, "Branch not found")
		return
	}
	if rp.Protection == nil {
		s.fail(w, http.StatusNotFound, "Branch not protected")
		return
	}
	base := fmt.Sprintf("%s/repos/%s/%s/branches/%s/protection", s.URL, rp.org, rp.Name, branch)
	out := map[string]any{
		"url":                     base,
		"required_signatures":     map[string]any{"url": base + "/required_signatures", "enabled": false},
		"enforce_admins":          map[string]any{"url": base + "/enforce_admins", "enabled": false},
		"required_linear_history": map[string]any{"enabled": false},
		"allow_force_pushes":      map[string]any{"enabled": false},
		"allow_deletions":         map[string]any{"enabled": false},
	}
	if !rp.Protection.NoReviews {
		out["required_pull_request_reviews"] = map[string]any{
			"url":                             base + "/required_pull_request_reviews",
			"dismiss_stale_reviews":           false,
			"require_code_owner_reviews":      rp.Protection.CodeOwnerReviews,
			"required_approving_review_count": rp.Protection.RequiredApprovals,
			"require_last_push_approval":      false,
		}
	}
	emulator.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) rules(w http.ResponseWriter, r *http.Request, id identity, rp *Repo) {
	branch := r.PathValue("branch")
	var list []map[string]any
	if branch == rp.DefaultBranch && !rp.Empty {
		for i, ru := range rp.Rules {
			src, srcName := ru.Source, rp.org+"/"+rp.Name
			if src == "" {
				src = "Repository"
			}
			if src == "Organization" {
				srcName = rp.org
			}
			m := map[string]any{"type": ru.Type, "ruleset_source_type": src, "ruleset_source": srcName, "ruleset_id": 100 + i}
			if ru.Type == "pull_request" {
				m["parameters"] = map[string]any{
					"dismiss_stale_reviews_on_push":     false,
					"require_code_owner_review":         ru.CodeOwnerReview,
					"require_last_push_approval":        false,
					"required_approving_review_count":   ru.RequiredApprovals,
					"required_review_thread_resolution": false,
				}
			}
			list = append(list, m)
		}
	}
	pg, ok := page(s, w, r, list)
	if !ok {
		return
	}
	if pg == nil {
		pg = []map[string]any{}
	}
	emulator.WriteJSON(w, http.StatusOK, pg)
}

func (s *Server) teams(w http.ResponseWriter, r *http.Request, id identity, rp *Repo) {
	pg, ok := page(s, w, r, rp.Teams)
	if !ok {
		return
	}
	out := make([]map[string]any, len(pg))
	for i, t := range pg {
		out[i] = s.team(rp, t, i)
	}
	emulator.WriteJSON(w, http.StatusOK, out)
}

// setLinks sets the Link header of page pg of last, as GitHub does: next
// and last after any page but the last, first and prev after the first.
func (s *Server) setLinks(w http.ResponseWriter, r *http.Request, q url.Values, pg, last int) {
	link := func(p int, rel string) string {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = v
		}
		q2.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.URL, r.URL.Path, q2.Encode(), rel)
	}
	var links []string
	if pg < last {
		links = append(links, link(pg+1, "next"), link(last, "last"))
	}
	if pg > 1 {
		links = append(links, link(1, "first"), link(min(pg-1, last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}
