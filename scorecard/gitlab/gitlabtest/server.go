// Package gitlabtest is an emulator of the part of GitLab's REST API (v4)
// that scorecard/gitlab reads, for tests, as net/http/httptest is for HTTP:
// NewServer starts it on 127.0.0.1. Its state is a Go API — projects with
// their files, merged merge requests, approval rules and protected
// branches — under a thin http.Handler that answers as GitLab does: the
// shapes of api.yaml (trimmed from GitLab's own description, see its
// SOURCE note), {"message": …} errors, 403 insufficient_scope for a token
// without read_api, keyset pagination with a Link rel="next" header, weak
// ETags with 304 on If-None-Match, and a rate limit with RateLimit-*
// headers and 429 with Retry-After. Faults, latency and the request log
// come from scorecard/emulator.
package gitlabtest

import (
	"crypto/sha256"
	"encoding/hex"
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

// DefaultToken is the personal access token the emulator accepts, with the
// read_api scope, unless told others.
const DefaultToken = "glpat-Tq7vX2kLm9Rs4Wz8"

// Project is one GitLab project.
type Project struct {
	ID int64
	// Path is the full path with its namespace: "acme/payments/billing".
	Path          string
	DefaultBranch string // "" means "main"
	Archived      bool
	// ForkedFrom is the full path of the project this one is a fork of.
	ForkedFrom string
	// Files on the default branch, by path.
	Files map[string]string
	// LastMerged is when the last merge request into the default branch
	// was merged; zero means none was.
	LastMerged time.Time
	// ApprovalRules apply to the default branch.
	ApprovalRules []ApprovalRule
	// Protected says the default branch is protected; CodeOwnerApproval is
	// its code_owner_approval_required.
	Protected, CodeOwnerApproval bool
}

// ApprovalRule is a project's merge-request approval rule.
type ApprovalRule struct {
	Name              string
	RuleType          string // "regular", "any_approver", "code_owner", "report_approver"
	ApprovalsRequired int
}

// Option changes a Server.
type Option func(*Server)

// WithToken accepts tok with these scopes ("read_api", "api", "read_user").
func WithToken(tok string, scopes ...string) Option {
	return func(s *Server) { s.scopes[tok] = scopes }
}

// WithLatency delays every answer by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithRateLimit allows limit requests per token per window.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.window = emulator.NewWindow(limit, window, s.now) }
}

// WithoutRequestLog keeps only the counts of requests (benchmarks).
func WithoutRequestLog() Option { return func(s *Server) { s.SetRequestLog(false) } }

// WithRecordBodies keeps every answer's body in the request log.
func WithRecordBodies() Option { return func(s *Server) { s.SetRecordBodies(true) } }

// WithPageSize caps a page of projects below GitLab's 100.
func WithPageSize(n int) Option { return func(s *Server) { s.maxPage = n } }

// Server is the emulator. Its methods are safe for concurrent use.
type Server struct {
	*emulator.Base
	URL string

	now     func() time.Time
	window  *emulator.Window
	maxPage int

	mu       sync.Mutex
	scopes   map[string][]string
	projects map[int64]*Project
}

// NewServer starts an emulator; Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{now: time.Now, maxPage: 100, scopes: map[string][]string{}, projects: map[int64]*Project{}}
	s.Base = emulator.NewBase(emulator.Options{Name: "gitlabtest", Fail: fail, Finish: s.finish})
	s.window = emulator.NewWindow(2000, time.Minute, s.now)
	for _, o := range opts {
		o(s)
	}
	if len(s.scopes) == 0 {
		s.scopes[DefaultToken] = []string{"read_api"}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/personal_access_tokens/self", s.tokenSelf)
	mux.HandleFunc("GET /api/v4/groups/{id}/projects", s.groupProjects)
	mux.HandleFunc("GET /api/v4/projects/{id}/repository/files/{path}/raw", s.rawFile)
	mux.HandleFunc("GET /api/v4/projects/{id}/repository/branches/{branch}", s.branch)
	mux.HandleFunc("GET /api/v4/projects/{id}/merge_requests", s.mergeRequests)
	mux.HandleFunc("GET /api/v4/projects/{id}/approval_rules", s.approvalRules)
	mux.HandleFunc("GET /api/v4/projects/{id}/protected_branches/{name}", s.protectedBranch)
	s.URL = s.Start(s.guard(mux))
	return s
}

// AddProject adds or replaces a project.
func (s *Server) AddProject(p Project) {
	if p.DefaultBranch == "" {
		p.DefaultBranch = "main"
	}
	files := map[string]string{}
	for k, v := range p.Files {
		files[k] = v
	}
	p.Files = files
	p.ApprovalRules = slices.Clone(p.ApprovalRules)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[p.ID] = &p
}

// SetFile changes a file of a project's default branch ("" deletes it).
func (s *Server) SetFile(id int64, path, content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projects[id]; p != nil {
		if content == "" {
			delete(p.Files, path)
		} else {
			p.Files[path] = content
		}
	}
}

// Count returns how many requests were answered and how many with 304.
func (s *Server) Count() (total, notModified int) {
	return s.Total(), s.TotalWithStatus(http.StatusNotModified)
}

// guard checks the token and the rate limit, as GitLab does before routing.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("PRIVATE-TOKEN")
		if tok == "" {
			tok, _ = emulator.Credential(r, "Bearer")
		}
		s.mu.Lock()
		scopes, ok := s.scopes[tok]
		s.mu.Unlock()
		if !ok {
			emulator.WriteJSON(w, http.StatusUnauthorized, map[string]any{"message": "401 Unauthorized"})
			return
		}
		q, allowed := s.window.Take(tok)
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(q.Limit))
		h.Set("RateLimit-Observed", strconv.Itoa(q.Used()))
		h.Set("RateLimit-Remaining", strconv.Itoa(q.Remaining))
		h.Set("RateLimit-Reset", strconv.FormatInt(q.Reset.Unix(), 10))
		h.Set("RateLimit-ResetTime", q.Reset.UTC().Format(http.TimeFormat))
		if !allowed {
			emulator.Note(r, "rate limit")
			h.Set("Retry-After", q.RetryAfter())
			h.Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte("Retry later\n"))
			return
		}
		if r.URL.Path != "/api/v4/personal_access_tokens/self" && !slices.Contains(scopes, "read_api") && !slices.Contains(scopes, "api") {
			emulator.WriteJSON(w, http.StatusForbidden, map[string]any{
				"error":             "insufficient_scope",
				"error_description": "The request requires higher privileges than provided by the access token.",
				"scope":             "api read_api",
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// fail is GitLab's error body for a status fault.
func fail(w http.ResponseWriter, _ *http.Request, status int, message string) {
	if message == "" {
		message = strconv.Itoa(status) + " " + http.StatusText(status)
	}
	emulator.WriteJSON(w, status, map[string]any{"message": message})
}

// finish gives a 200 GET a weak ETag of its body and answers 304 to a
// request that already holds it.
func (s *Server) finish(r *http.Request, h http.Header, status int, body []byte) (int, []byte) {
	if status != http.StatusOK || r.Method != http.MethodGet || body == nil {
		return status, body
	}
	sum := sha256.Sum256(body)
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, strings.TrimPrefix(etag, "W/")) {
		h.Del("Content-Type")
		return http.StatusNotModified, nil
	}
	return status, body
}

func notFound(w http.ResponseWriter, what string) {
	emulator.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "404 " + what + " Not Found"})
}

// project finds a project by its id or URL-encoded full path.
func (s *Server) project(r *http.Request) *Project {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		if p := s.projects[n]; p != nil {
			cp := *p
			return &cp
		}
		return nil
	}
	for _, p := range s.projects {
		if strings.EqualFold(p.Path, id) {
			cp := *p
			return &cp
		}
	}
	return nil
}

func (s *Server) tokenSelf(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		tok, _ = emulator.Credential(r, "Bearer")
	}
	s.mu.Lock()
	scopes := slices.Clone(s.scopes[tok])
	s.mu.Unlock()
	if scopes == nil {
		scopes = []string{}
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{
		"id": 1, "name": "prodready", "revoked": false, "created_at": "2026-01-01T00:00:00.000Z",
		"scopes": scopes, "user_id": 1, "active": true, "expires_at": nil,
	})
}

func (s *Server) groupProjects(w http.ResponseWriter, r *http.Request) {
	group := strings.ToLower(r.PathValue("id"))
	q := r.URL.Query()
	if q.Get("pagination") != "keyset" || q.Get("order_by") != "id" || q.Get("sort") != "asc" {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "this emulator pages projects only with pagination=keyset&order_by=id&sort=asc"})
		return
	}
	per := s.maxPage
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			emulator.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "per_page is invalid"})
			return
		}
		per = min(n, s.maxPage)
	}
	after := int64(0)
	if v := q.Get("id_after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			emulator.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "id_after is invalid"})
			return
		}
		after = n
	}
	subgroups := q.Get("include_subgroups") == "true"
	s.mu.Lock()
	var all []Project
	known := false
	for _, p := range s.projects {
		ns := p.Path[:max(strings.LastIndexByte(p.Path, '/'), 0)]
		lns := strings.ToLower(ns)
		if lns == group || strings.HasPrefix(lns, group+"/") {
			known = true
		}
		if lns != group && !(subgroups && strings.HasPrefix(lns, group+"/")) {
			continue
		}
		if q.Get("archived") == "false" && p.Archived {
			continue
		}
		all = append(all, *p)
	}
	s.mu.Unlock()
	if !known {
		notFound(w, "Group")
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	var page []map[string]any
	var last int64
	more := false
	for _, p := range all {
		if p.ID <= after {
			continue
		}
		if len(page) == per {
			more = true
			break
		}
		page = append(page, s.projectJSON(p))
		last = p.ID
	}
	if page == nil {
		page = []map[string]any{}
	}
	if more {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("id_after", strconv.FormatInt(last, 10))
		nq.Set("per_page", strconv.Itoa(per))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.URL, r.URL.EscapedPath(), nq.Encode()))
	}
	emulator.CountItems(r, len(page))
	emulator.WriteJSON(w, http.StatusOK, page)
}

func (s *Server) projectJSON(p Project) map[string]any {
	name := p.Path[strings.LastIndexByte(p.Path, '/')+1:]
	ns := p.Path[:max(strings.LastIndexByte(p.Path, '/'), 0)]
	web := s.URL + "/" + p.Path
	m := map[string]any{
		"id": p.ID, "name": name, "path": name, "path_with_namespace": p.Path,
		"name_with_namespace": strings.ReplaceAll(p.Path, "/", " / "),
		"description":         nil, "default_branch": p.DefaultBranch, "web_url": web,
		"archived": p.Archived, "topics": []string{}, "readme_url": nil,
		"last_activity_at": "2026-01-01T00:00:00.000Z",
		"namespace":        map[string]any{"id": 1, "name": ns, "path": ns[strings.LastIndexByte(ns, '/')+1:], "kind": "group", "full_path": ns},
	}
	for _, f := range []string{"README.md", "README", "README.rst", "README.txt"} {
		if _, ok := p.Files[f]; ok {
			m["readme_url"] = web + "/-/blob/" + p.DefaultBranch + "/" + f
			break
		}
	}
	if p.ForkedFrom != "" {
		m["forked_from_project"] = map[string]any{"id": 0, "path_with_namespace": p.ForkedFrom, "web_url": s.URL + "/" + p.ForkedFrom}
	}
	return m
}

func (s *Server) rawFile(w http.ResponseWriter, r *http.Request) {
	p := s.project(r)
	if p == nil {
		notFound(w, "Project")
		return
	}
	if ref := r.URL.Query().Get("ref"); ref != "" && ref != p.DefaultBranch {
		notFound(w, "Commit")
		return
	}
	body, ok := p.Files[r.PathValue("path")]
	if !ok {
		notFound(w, "File")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

// commit is the default branch's head: a hash of its files, so that a
// changed file is a new commit.
func commit(p *Project) string {
	names := make([]string, 0, len(p.Files))
	for k := range p.Files {
		names = append(names, k)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, k := range names {
		fmt.Fprintf(h, "%q %q\n", k, p.Files[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:40]
}

func (s *Server) branch(w http.ResponseWriter, r *http.Request) {
	p := s.project(r)
	if p == nil {
		notFound(w, "Project")
		return
	}
	if r.PathValue("branch") != p.DefaultBranch {
		notFound(w, "Branch")
		return
	}
	id := commit(p)
	emulator.WriteJSON(w, http.StatusOK, map[string]any{
		"name": p.DefaultBranch, "merged": false, "protected": p.Protected, "default": true,
		"developers_can_push": false, "developers_can_merge": false, "can_push": true,
		"web_url": s.URL + "/" + p.Path + "/-/tree/" + p.DefaultBranch,
		"commit": map[string]any{"id": id, "short_id": id[:8], "title": "Change", "message": "Change\n",
			"created_at": "2026-01-01T00:00:00.000Z", "committed_date": "2026-01-01T00:00:00.000Z"},
	})
}

func (s *Server) mergeRequests(w http.ResponseWriter, r *http.Request) {
	p := s.project(r)
	if p == nil {
		notFound(w, "Project")
		return
	}
	q := r.URL.Query()
	out := []map[string]any{}
	target := q.Get("target_branch")
	if (q.Get("state") == "merged" || q.Get("state") == "") && (target == "" || target == p.DefaultBranch) && !p.LastMerged.IsZero() {
		at := p.LastMerged.UTC().Format("2006-01-02T15:04:05.000Z")
		out = append(out, map[string]any{
			"id": p.ID*1000 + 1, "iid": 1, "project_id": p.ID, "title": "Change", "state": "merged",
			"target_branch": p.DefaultBranch, "source_branch": "feature",
			"created_at": at, "updated_at": at, "merged_at": at,
			"web_url": s.URL + "/" + p.Path + "/-/merge_requests/1",
		})
	}
	emulator.CountItems(r, len(out))
	emulator.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) approvalRules(w http.ResponseWriter, r *http.Request) {
	p := s.project(r)
	if p == nil {
		notFound(w, "Project")
		return
	}
	out := []map[string]any{}
	for i, rule := range p.ApprovalRules {
		out = append(out, map[string]any{
			"id": i + 1, "name": rule.Name, "rule_type": rule.RuleType, "approvals_required": rule.ApprovalsRequired,
			"eligible_approvers": []any{}, "users": []any{}, "groups": []any{}, "protected_branches": []any{},
			"applies_to_all_protected_branches": false, "contains_hidden_groups": false,
		})
	}
	emulator.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) protectedBranch(w http.ResponseWriter, r *http.Request) {
	p := s.project(r)
	if p == nil {
		notFound(w, "Project")
		return
	}
	if !p.Protected || r.PathValue("name") != p.DefaultBranch {
		notFound(w, "Protected Branch")
		return
	}
	level := []map[string]any{{"id": 1, "access_level": 40, "access_level_description": "Maintainers", "user_id": nil, "group_id": nil}}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{
		"id": p.ID, "name": p.DefaultBranch, "push_access_levels": level, "merge_access_levels": level,
		"unprotect_access_levels": []any{}, "allow_force_push": false, "code_owner_approval_required": p.CodeOwnerApproval,
	})
}
