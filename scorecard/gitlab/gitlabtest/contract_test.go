package gitlabtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/emulator/openapi"
	"github.com/prodready/prodready/scorecard/gitlab"
	"github.com/prodready/prodready/scorecard/gitlab/gitlabtest"
)

// filePath stands in for a repository file's path, which GitLab takes
// URL-encoded as one segment and the request log holds decoded.
var filePath = regexp.MustCompile(`(/repository/files/).+(/raw)$`)

func spec(t *testing.T) *openapi.Spec {
	t.Helper()
	data, err := os.ReadFile("api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := openapi.Parse("api.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mapOf(x any) map[string]any { m, _ := x.(map[string]any); return m }
func listOf(x any) []any         { l, _ := x.([]any); return l }

// checkExchange validates one recorded request and its answer against
// api.yaml: the operation exists, each query parameter is declared with a
// value of its schema, and the body matches the status's schema without
// fields the description does not declare.
func checkExchange(t *testing.T, v *openapi.Spec, r emulator.Request) string {
	t.Helper()
	path := filePath.ReplaceAllString(r.Path, "${1}FILE${2}")
	tmpl, op := v.MustOperation(t, r.Method, path)
	name := fmt.Sprintf("%s %s (status %d)", r.Method, r.Path, r.Status)
	params := map[string]map[string]any{}
	for _, p := range listOf(op["parameters"]) {
		pm := mapOf(p)
		params[pm["in"].(string)+":"+pm["name"].(string)] = pm
	}
	for key, vals := range r.Query {
		p := params["query:"+key]
		if p == nil {
			t.Errorf("%s: query parameter %q is not in api.yaml", name, key)
			continue
		}
		for _, x := range vals {
			if errs := v.Validate(p["schema"], x, "query."+key); len(errs) > 0 {
				t.Errorf("%s: %s", name, strings.Join(errs, "; "))
			}
		}
	}
	if r.Status == http.StatusNotModified || r.Status == http.StatusTooManyRequests {
		return tmpl
	}
	resp := v.Deref(openapi.Dig(op, "responses", strconv.Itoa(r.Status)))
	if resp == nil {
		t.Errorf("%s: api.yaml has no %d answer", name, r.Status)
		return tmpl
	}
	content := mapOf(resp["content"])
	if s := openapi.Dig(content, "text/plain", "schema"); s != nil {
		return tmpl
	}
	var body any
	if err := json.Unmarshal(r.Response, &body); err != nil {
		t.Errorf("%s: the answer is not JSON: %v", name, err)
		return tmpl
	}
	if errs := v.Check(openapi.Dig(content, "application/json", "schema"), body, "body"); len(errs) > 0 {
		t.Errorf("%s: the answer does not match api.yaml:\n  %s", name, strings.Join(errs, "\n  "))
	}
	return tmpl
}

// TestContract drives the collector over every endpoint, with its 200s,
// 304s and 404s, and checks each exchange against api.yaml.
func TestContract(t *testing.T) {
	v := spec(t)
	srv := gitlabtest.NewServer(gitlabtest.WithRecordBodies(), gitlabtest.WithPageSize(1))
	t.Cleanup(srv.Close)
	merged := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	srv.AddProject(gitlabtest.Project{ID: 1, Path: "acme/a", Files: map[string]string{"README.md": "# A", "docs/CODEOWNERS": "* @acme/x\n"},
		LastMerged: merged, Protected: true, CodeOwnerApproval: true,
		ApprovalRules: []gitlabtest.ApprovalRule{{Name: "All", RuleType: "any_approver", ApprovalsRequired: 1}}})
	srv.AddProject(gitlabtest.Project{ID: 2, Path: "acme/sub/b"})
	srv.AddProject(gitlabtest.Project{ID: 3, Path: "acme/c", ForkedFrom: "acme/a"})
	cl, err := gitlab.New(gitlab.Config{BaseURL: srv.URL, Token: gitlabtest.DefaultToken})
	if err != nil {
		t.Fatal(err)
	}
	c := &gitlab.Collector{Client: cl, Group: "acme"}
	for range 2 { // the second run's answers are 304s
		if _, err := c.Collect(context.Background(), merged); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		seen[checkExchange(t, v, r)+" "+strconv.Itoa(r.Status)] = true
	}
	for _, want := range []string{
		"/api/v4/personal_access_tokens/self 200",
		"/api/v4/groups/{id}/projects 200", "/api/v4/groups/{id}/projects 304",
		"/api/v4/projects/{id}/repository/files/{file_path}/raw 200", "/api/v4/projects/{id}/repository/files/{file_path}/raw 404",
		"/api/v4/projects/{id}/merge_requests 200", "/api/v4/projects/{id}/approval_rules 200",
		"/api/v4/projects/{id}/protected_branches/{name} 200", "/api/v4/projects/{id}/repository/branches/{branch} 200",
	} {
		if !seen[want] {
			t.Errorf("no exchange %s was checked; seen %v", want, seen)
		}
	}
}

// TestErrorsMatchDescription checks the emulator's own errors: a token
// without read_api, an unknown token, a rate limit.
func TestErrorsMatchDescription(t *testing.T) {
	srv := gitlabtest.NewServer(gitlabtest.WithToken("weak", "read_user"), gitlabtest.WithToken(gitlabtest.DefaultToken, "read_api"), gitlabtest.WithRateLimit(3, time.Hour), gitlabtest.WithRecordBodies())
	t.Cleanup(srv.Close)
	srv.AddProject(gitlabtest.Project{ID: 1, Path: "acme/a"})
	tests := []struct {
		name, token, path string
		status            int
		check             func(t *testing.T, h http.Header, body string)
	}{
		{"insufficient scope", "weak", "/api/v4/groups/acme/projects?pagination=keyset&order_by=id&sort=asc", 403, func(t *testing.T, _ http.Header, body string) {
			if !strings.Contains(body, `"error":"insufficient_scope"`) {
				t.Errorf("body %s", body)
			}
		}},
		{"scopes are shown to a weak token", "weak", "/api/v4/personal_access_tokens/self", 200, func(t *testing.T, _ http.Header, body string) {
			if !strings.Contains(body, `"scopes":["read_user"]`) {
				t.Errorf("body %s", body)
			}
		}},
		{"unprotected branch", gitlabtest.DefaultToken, "/api/v4/projects/1/protected_branches/main", 404, nil},
		{"unknown token", "nope", "/api/v4/projects/1/approval_rules", 401, nil},
		{"last request of the window", "weak", "/api/v4/personal_access_tokens/self", 200, func(t *testing.T, h http.Header, _ string) {
			if h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Limit") != "3" || h.Get("RateLimit-Reset") == "" {
				t.Errorf("headers %v", h)
			}
		}},
		{"rate limited", "weak", "/api/v4/personal_access_tokens/self", 429, func(t *testing.T, h http.Header, body string) {
			if h.Get("Retry-After") == "" || body != "Retry later\n" {
				t.Errorf("headers %v, body %q", h, body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+tt.path, nil)
			req.Header.Set("PRIVATE-TOKEN", tt.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.check != nil {
				tt.check(t, resp.Header, string(body))
			}
		})
	}
	v := spec(t)
	for _, r := range srv.Requests() {
		if r.Status != http.StatusUnauthorized { // the token check answers before routing, any path
			checkExchange(t, v, r)
		}
	}
}
