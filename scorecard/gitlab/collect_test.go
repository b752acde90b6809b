package gitlab_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/gitlab"
	"github.com/prodready/prodready/scorecard/gitlab/gitlabtest"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return now.Add(-time.Duration(n)*24*time.Hour - time.Hour) }

// group is a group with subgroups, an archived project, a fork, a project
// without README and one without protection or rules.
func group(srv *gitlabtest.Server) {
	srv.AddProject(gitlabtest.Project{ID: 1, Path: "acme/billing",
		Files:      map[string]string{"README.md": "# Billing\n", "CODEOWNERS": "[Backend] @acme/payments\n*\n/docs/ @acme/writers\n"},
		LastMerged: daysAgo(3), Protected: true, CodeOwnerApproval: true,
		ApprovalRules: []gitlabtest.ApprovalRule{{Name: "All", RuleType: "any_approver", ApprovalsRequired: 1}, {Name: "Leads", RuleType: "regular", ApprovalsRequired: 2}, {Name: "Coverage", RuleType: "report_approver", ApprovalsRequired: 5}}})
	srv.AddProject(gitlabtest.Project{ID: 2, Path: "acme/platform/gateway", DefaultBranch: "trunk",
		Files:      map[string]string{".gitlab/CODEOWNERS": "* @acme/platform/sre @someone @other/team\n"},
		LastMerged: daysAgo(40), Protected: true})
	srv.AddProject(gitlabtest.Project{ID: 3, Path: "acme/old", Archived: true, Files: map[string]string{"README.md": "x"}})
	srv.AddProject(gitlabtest.Project{ID: 4, Path: "acme/billing-fork", ForkedFrom: "acme/billing"})
	srv.AddProject(gitlabtest.Project{ID: 5, Path: "acme/platform/tools", Files: map[string]string{"README": "tools"}})
	srv.AddProject(gitlabtest.Project{ID: 6, Path: "other/secret"})
}

func client(t testing.TB, srv *gitlabtest.Server, token string, opts ...gitlab.Option) *gitlab.Client {
	t.Helper()
	cl, err := gitlab.New(gitlab.Config{BaseURL: srv.URL, Token: token, Retries: 3, RetryWait: time.Millisecond, RetryMaxWait: 5 * time.Second}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func byID(f *scorecard.Facts) map[string]scorecard.FactRecord {
	out := map[string]scorecard.FactRecord{}
	for _, r := range f.Records {
		out[r.Identifier] = r
	}
	return out
}

func TestCollect(t *testing.T) {
	srv := gitlabtest.NewServer(gitlabtest.WithPageSize(1))
	t.Cleanup(srv.Close)
	group(srv)
	c := &gitlab.Collector{Client: client(t, srv, gitlabtest.DefaultToken), Group: "acme"}
	f, err := c.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings: %q", f.Warnings)
	}
	got := byID(f)
	tests := []struct {
		id    string
		props map[string]any
		teams []string
	}{
		{"billing", map[string]any{"readme": "# Billing\n", "freshness": float64(3), "required_approvals_for_pr": float64(2), "require_code_owner_review": true, "has_codeowners": true, "default_branch": "main", "repository": "acme/billing"}, []string{"payments"}},
		{"gateway", map[string]any{"readme": nil, "freshness": float64(40), "required_approvals_for_pr": float64(0), "require_code_owner_review": false, "has_codeowners": true, "default_branch": "trunk"}, []string{"platform/sre"}},
		{"tools", map[string]any{"readme": "tools", "freshness": nil, "required_approvals_for_pr": float64(0), "require_code_owner_review": false, "has_codeowners": false}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r, ok := got[tt.id]
			if !ok {
				t.Fatalf("no record; have %v", keys(got))
			}
			for k, want := range tt.props {
				if v := r.Properties[k]; !reflect.DeepEqual(v, want) {
					t.Errorf("%s = %#v, want %#v", k, v, want)
				}
			}
			if !reflect.DeepEqual(r.Teams, tt.teams) {
				t.Errorf("teams %q, want %q", r.Teams, tt.teams)
			}
		})
	}
	if len(got) != 3 {
		t.Errorf("records %v: want billing, gateway and tools (no archived project, no fork, no other group's)", keys(got))
	}
	// Keyset paging: 4 projects listed (the archived one is not), 1 a page.
	pages := srv.RequestsTo(http.MethodGet, "/api/v4/groups/acme/projects")
	if len(pages) != 4 {
		t.Fatalf("%d pages read, want 4", len(pages))
	}
	if q := pages[0].Query; q.Get("pagination") != "keyset" || q.Get("order_by") != "id" || q.Get("include_subgroups") != "true" || q.Get("archived") != "false" {
		t.Errorf("first page's query %v", q)
	}
	for i, want := range []string{"", "1", "2", "4"} {
		if got := pages[i].Query.Get("id_after"); got != want {
			t.Errorf("page %d: id_after=%q, want %q", i+1, got, want)
		}
	}
	if r := c.Client.Rate(); !r.Known || r.Limit != 2000 || r.Remaining >= r.Limit || r.Reset.IsZero() {
		t.Errorf("rate %+v: want GitLab's RateLimit-* headers", r)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/projects/3/") || strings.Contains(r.Path, "/projects/4/") {
			t.Errorf("read %s of an archived project or a fork", r.Path)
		}
		if r.Header.Get("Authorization") != "Bearer "+gitlabtest.DefaultToken {
			t.Errorf("%s without the token", r.Path)
		}
	}
}

func keys(m map[string]scorecard.FactRecord) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSecondCollectionNotModified(t *testing.T) {
	srv := gitlabtest.NewServer(gitlabtest.WithPageSize(2))
	t.Cleanup(srv.Close)
	group(srv)
	cache := gitlab.NewMemoryCache()
	c := &gitlab.Collector{Client: client(t, srv, gitlabtest.DefaultToken, gitlab.WithCache(cache)), Group: "acme"}
	first, err := c.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	srv.SetFile(1, "README.md", "# Billing, changed\n")
	// A new client with the same cache: as after a restart.
	c.Client = client(t, srv, gitlabtest.DefaultToken, gitlab.WithCache(cache))
	second, err := c.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	total, nm := srv.Count()
	// Everything but the scope check and what the changed README changed (the
	// branch's head, the file) is a 304; no 404 is asked again.
	var notCached int
	for _, r := range srv.Requests() {
		if r.Status != http.StatusNotModified {
			notCached++
			if r.Status == http.StatusOK && r.Path != "/api/v4/personal_access_tokens/self" && !strings.HasSuffix(r.Path, "README.md/raw") && r.Path != "/api/v4/projects/1/repository/branches/main" {
				t.Errorf("%s %s answered %d on an unchanged project", r.Method, r.Path, r.Status)
			}
		}
	}
	if nm == 0 || nm+notCached != total || notCached > 4 {
		t.Errorf("%d of %d requests answered 304", nm, total)
	}
	if n := srv.TotalWithStatus(http.StatusNotFound); n > 0 {
		t.Errorf("%d requests answered 404 on the second collection", n)
	}
	a, b := byID(first), byID(second)
	if b["billing"].Properties["readme"] != "# Billing, changed\n" {
		t.Errorf("changed README read as %q", b["billing"].Properties["readme"])
	}
	for id, r := range a {
		for k, v := range r.Properties {
			if k != "readme" && !reflect.DeepEqual(b[id].Properties[k], v) {
				t.Errorf("%s.%s: %#v from the cache, %#v before", id, k, b[id].Properties[k], v)
			}
		}
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		fault   *emulator.Fault
		wantErr string // "" when the collection succeeds
		check   func(t *testing.T, f *scorecard.Facts, srv *gitlabtest.Server)
	}{
		{name: "429 with Retry-After is waited out", fault: &emulator.Fault{Path: "/api/v4/projects/1/approval_rules", Status: 429, RetryAfter: "1"},
			check: func(t *testing.T, f *scorecard.Facts, srv *gitlabtest.Server) {
				rs := srv.RequestsTo(http.MethodGet, "/api/v4/projects/1/approval_rules")
				if len(rs) != 2 || rs[1].Received.Sub(rs[0].Answered) < 900*time.Millisecond {
					t.Errorf("%d requests; the retry did not wait for Retry-After", len(rs))
				}
				if byID(f)["billing"].Properties["required_approvals_for_pr"] != float64(2) {
					t.Errorf("approvals %v after the retry", byID(f)["billing"].Properties["required_approvals_for_pr"])
				}
			}},
		{name: "429 without Retry-After waits until RateLimit-Reset", fault: &emulator.Fault{Path: "/api/v4/projects/2/merge_requests", Status: 429,
			Header: "RateLimit-Reset: {RESET}"},
			check: func(t *testing.T, f *scorecard.Facts, srv *gitlabtest.Server) {
				rs := srv.RequestsTo(http.MethodGet, "/api/v4/projects/2/merge_requests")
				if len(rs) != 2 || rs[1].Received.Sub(rs[0].Answered) < 400*time.Millisecond {
					t.Errorf("%d requests; the retry did not wait for RateLimit-Reset", len(rs))
				}
				if byID(f)["gateway"].Properties["freshness"] != float64(40) {
					t.Errorf("freshness %v after the retry", byID(f)["gateway"].Properties["freshness"])
				}
			}},
		{name: "500s are retried", fault: &emulator.Fault{Path: "/api/v4/groups/acme/projects", Status: 500, Times: 2},
			check: func(t *testing.T, f *scorecard.Facts, _ *gitlabtest.Server) {
				if len(f.Records) != 3 {
					t.Errorf("%d records", len(f.Records))
				}
			}},
		{name: "500s that persist leave a fact unknown with a warning", fault: &emulator.Fault{Path: "/api/v4/projects/2/protected_branches/trunk", Status: 500, Times: -1},
			check: func(t *testing.T, f *scorecard.Facts, _ *gitlabtest.Server) {
				r := byID(f)["gateway"]
				if v, ok := r.Properties["require_code_owner_review"]; !ok || v != nil {
					t.Errorf("require_code_owner_review = %#v, want nil", v)
				}
				if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "acme/platform/gateway") || !strings.Contains(f.Warnings[0], "500") {
					t.Errorf("warnings %q", f.Warnings)
				}
			}},
		{name: "a token without read_api is refused with the scope to grant", token: "read-user-only",
			wantErr: "grant it read_api"},
		{name: "insufficient_scope on a request names the scope", fault: &emulator.Fault{Path: "/api/v4/personal_access_tokens/self", Status: 403,
			Body: `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}`},
			wantErr: "grant it read_api"},
		{name: "an unknown token says so", token: "nope", wantErr: "GITLAB_TOKEN is not valid"},
		{name: "an unknown group names the variable", fault: &emulator.Fault{Path: "/api/v4/groups/acme/projects", Status: 404, Message: "404 Group Not Found"},
			wantErr: "PRODREADY_GITLAB_GROUP"},
		{name: "an endless listing stops", fault: &emulator.Fault{Path: "/api/v4/groups/acme/projects", Status: 200, Times: -1,
			Header: "Link: <{URL}/api/v4/groups/acme/projects?pagination=keyset&order_by=id&sort=asc&id_after=1>; rel=\"next\"", Body: "[]"},
			wantErr: "rather than looping"},
		{name: "a next link to another host is refused", fault: &emulator.Fault{Path: "/api/v4/groups/acme/projects", Status: 200,
			Header: "Link: <https://evil.example/api/v4/groups/acme/projects?id_after=1>; rel=\"next\"", Body: "[]"},
			wantErr: "refusing to send credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := gitlabtest.NewServer(gitlabtest.WithToken(gitlabtest.DefaultToken, "read_api"), gitlabtest.WithToken("read-user-only", "read_user"))
			t.Cleanup(srv.Close)
			group(srv)
			if tt.fault != nil {
				f := *tt.fault
				f.Header = strings.ReplaceAll(f.Header, "{URL}", srv.URL)
				f.Header = strings.ReplaceAll(f.Header, "{RESET}", strconv.FormatInt(time.Now().Add(1500*time.Millisecond).Unix(), 10))
				srv.Inject(f)
			}
			tok := tt.token
			if tok == "" {
				tok = gitlabtest.DefaultToken
			}
			f, err := (&gitlab.Collector{Client: client(t, srv, tok), Group: "acme"}).Collect(context.Background(), now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), tok) {
					t.Errorf("the error shows the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, f, srv)
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		parse    func(string) (string, error)
		want     string
		wantErr  string
	}{
		{"default URL", "", gitlab.ParseBaseURL, gitlab.DefaultBaseURL, ""},
		{"self-managed", "https://git.example.com/", gitlab.ParseBaseURL, "https://git.example.com", ""},
		{"with /api/v4", "https://git.example.com/api/v4", gitlab.ParseBaseURL, "", "without /api/v4"},
		{"not a URL", "git.example.com", gitlab.ParseBaseURL, "", "GITLAB_URL"},
		{"credentials", "https://u:p@git.example.com", gitlab.ParseBaseURL, "", "must not carry credentials"},
		{"group", " acme/platform/ ", gitlab.ParseGroup, "acme/platform", ""},
		{"bad group", "acme/../x", gitlab.ParseGroup, "", "PRODREADY_GITLAB_GROUP"},
		{"projects", "payments/*, *-svc", func(s string) (string, error) { f, err := gitlab.ParseProjects(s); return f.String(), err }, "payments/*,*-svc", ""},
		{"bad pattern", "[a", func(s string) (string, error) { f, err := gitlab.ParseProjects(s); return f.String(), err }, "", "PRODREADY_GITLAB_PROJECTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestProjectFilter(t *testing.T) {
	srv := gitlabtest.NewServer()
	t.Cleanup(srv.Close)
	group(srv)
	tests := []struct {
		patterns string
		want     []string
	}{
		{"", []string{"billing", "gateway", "tools"}},
		{"platform/*", []string{"gateway", "tools"}},
		{"bill*", []string{"billing"}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.patterns), func(t *testing.T) {
			pf, err := gitlab.ParseProjects(tt.patterns)
			if err != nil {
				t.Fatal(err)
			}
			f, err := (&gitlab.Collector{Client: client(t, srv, gitlabtest.DefaultToken), Group: "acme", Projects: pf}).Collect(context.Background(), now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range f.Records {
				got = append(got, r.Identifier)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSubgroup: a subgroup's full path is sent URL-encoded as one segment,
// and CODEOWNERS groups are named below it.
func TestSubgroup(t *testing.T) {
	srv := gitlabtest.NewServer()
	t.Cleanup(srv.Close)
	group(srv)
	f, err := (&gitlab.Collector{Client: client(t, srv, gitlabtest.DefaultToken), Group: "acme/platform"}).Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	got := byID(f)
	if len(got) != 2 || !reflect.DeepEqual(got["gateway"].Teams, []string{"sre"}) || got["tools"].Identifier != "tools" {
		t.Errorf("records %v, gateway's teams %q", keys(got), got["gateway"].Teams)
	}
	if n := len(srv.RequestsTo(http.MethodGet, "/api/v4/groups/acme/platform/projects")); n != 1 {
		t.Errorf("%d requests for the subgroup's projects", n)
	}
}
