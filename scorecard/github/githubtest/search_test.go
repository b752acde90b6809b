package githubtest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/github/githubtest"
)

type searchAnswer struct {
	TotalCount        int    `json:"total_count"`
	IncompleteResults bool   `json:"incomplete_results"`
	SearchType        string `json:"search_type"`
	Items             []struct {
		Number        int       `json:"number"`
		RepositoryURL string    `json:"repository_url"`
		State         string    `json:"state"`
		UpdatedAt     time.Time `json:"updated_at"`
		CreatedAt     time.Time `json:"created_at"`
		PullRequest   *struct {
			MergedAt *time.Time `json:"merged_at"`
		} `json:"pull_request"`
	} `json:"items"`
	Message string `json:"message"`
	Errors  []struct {
		Resource, Field, Code, Message string
	} `json:"errors"`
}

func search(t *testing.T, srv *githubtest.Server, q string, extra ...string) (answer, searchAnswer) {
	t.Helper()
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if q == "" {
		v.Del("q")
	}
	a := get(t, srv.URL+"/search/issues?"+v.Encode())
	var s searchAnswer
	if err := json.Unmarshal([]byte(a.body), &s); err != nil {
		t.Fatalf("%s: %v", a.body, err)
	}
	return a, s
}

func searchOrg(srv *githubtest.Server) time.Time {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	day := func(d int) *time.Time { t := now.AddDate(0, 0, -d); return &t }
	srv.AddRepo("acme", githubtest.Repo{Name: "api", Pulls: []githubtest.Pull{
		{Number: 1, CreatedAt: *day(30), UpdatedAt: *day(20), MergedAt: day(20)},
		{Number: 2, CreatedAt: *day(10), UpdatedAt: *day(2), MergedAt: day(9)}, // commented on after its merge
		{Number: 3, CreatedAt: *day(5), UpdatedAt: *day(4), ClosedAt: day(4)},  // closed unmerged
		{Number: 4, CreatedAt: *day(1), UpdatedAt: *day(1)},                    // open
		{Number: 5, Base: "release", CreatedAt: *day(3), UpdatedAt: *day(3), MergedAt: day(3)},
	}})
	srv.AddRepo("acme", githubtest.Repo{Name: "web", DefaultBranch: "master", Pulls: []githubtest.Pull{
		{Number: 1, CreatedAt: *day(8), UpdatedAt: *day(7), MergedAt: day(7)},
	}})
	srv.AddRepo("other", githubtest.Repo{Name: "x", Pulls: []githubtest.Pull{
		{Number: 1, CreatedAt: *day(8), UpdatedAt: *day(6), MergedAt: day(6)},
	}})
	return now
}

// Qualifiers, sort and order select and order pull requests as GitHub does.
func TestEmulatorSearchQualifiers(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	searchOrg(srv)
	cases := []struct {
		q     string
		extra []string
		want  string // repo#number in order
	}{
		{"org:acme is:pr is:merged base:main", []string{"sort", "updated", "order", "desc"}, "api#2,api#1"},
		{"org:acme is:pr is:merged base:main", []string{"sort", "updated", "order", "asc"}, "api#1,api#2"},
		{"org:acme is:pull-request is:merged", []string{"sort", "updated"}, "api#2,api#5,web#1,api#1"},
		{"org:acme is:pr is:merged base:master", nil, "web#1"},
		{"org:acme is:pr is:closed base:main", []string{"sort", "updated"}, "api#2,api#3,api#1"},
		{"org:acme is:pr is:open", nil, "api#4"},
		{"org:acme is:pr is:unmerged", []string{"sort", "created"}, "api#4,api#3"},
		{"org:acme is:pr -base:main", []string{"sort", "created"}, "api#5,web#1"},
		{"repo:acme/web is:pr", nil, "web#1"},
		{"org:ACME is:pr is:merged updated:>=2026-03-07", []string{"sort", "updated"}, "api#2,api#5,web#1"},
		{"org:acme is:pr is:merged updated:<2026-03-07", []string{"sort", "updated"}, "api#1"},
		{"org:acme is:pr is:merged updated:>2026-03-07", []string{"sort", "updated"}, "api#2,api#5"},
		{"org:acme is:pr is:merged updated:<=2026-03-07", []string{"sort", "updated"}, "web#1,api#1"},
		{"org:acme is:pr updated:2026-03-01..2026-03-11", []string{"sort", "updated"}, "api#5,api#3,web#1"},
		{"org:acme is:issue", nil, ""},
		{"is:pr is:merged", []string{"sort", "updated"}, "api#2,api#5,x#1,web#1,api#1"},
		{"org:acme change 4", nil, "api#4"}, // free words match the title
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			a, s := search(t, srv, tc.q, tc.extra...)
			if a.status != 200 {
				t.Fatalf("%d %s", a.status, a.body)
			}
			var got []string
			for _, it := range s.Items {
				repo := it.RepositoryURL[strings.LastIndexByte(it.RepositoryURL, '/')+1:]
				got = append(got, fmt.Sprintf("%s#%d", repo, it.Number))
				if it.PullRequest == nil {
					t.Errorf("%s: no pull_request", got[len(got)-1])
				}
			}
			if strings.Join(got, ",") != tc.want || s.TotalCount != len(got) || s.IncompleteResults || s.SearchType != "lexical" {
				t.Errorf("got %v (total %d, incomplete %v, type %q); want %s", got, s.TotalCount, s.IncompleteResults, s.SearchType, tc.want)
			}
		})
	}
}

// Refusals carry GitHub's status and body.
func TestEmulatorSearchRefusals(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	searchOrg(srv)
	cases := []struct {
		name, q string
		extra   []string
		message string
		code    string // errors[0].code, "" when no errors array
	}{
		{"no q", "", nil, "Validation Failed", "missing"},
		{"unknown org", "org:nope is:pr", nil, "Validation Failed", "invalid"},
		{"unknown repo", "repo:acme/nope is:pr", nil, "Validation Failed", "invalid"},
		{"bad date", "org:acme updated:>yesterday", nil, "Validation Failed", "invalid"},
		{"unsupported qualifier", "org:acme label:bug", nil, "Validation Failed", "invalid"},
		{"bad sort", "org:acme", []string{"sort", "stars"}, "Validation Failed", "invalid"},
		{"beyond 1000", "org:acme", []string{"per_page", "100", "page", "11"}, "Only the first 1000 search results are available", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, s := search(t, srv, tc.q, tc.extra...)
			if a.status != 422 || s.Message != tc.message || !strings.Contains(a.body, `"documentation_url"`) {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if tc.code == "" && len(s.Errors) != 0 || tc.code != "" && (len(s.Errors) != 1 || s.Errors[0].Code != tc.code || s.Errors[0].Resource != "Search") {
				t.Errorf("errors %+v; want code %q", s.Errors, tc.code)
			}
		})
	}
}

// Pages: per_page at most 100, Link next and last, and no more than the
// first 1,000 results, though total_count says how many match.
func TestEmulatorSearchPagination(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		r := githubtest.Repo{Name: fmt.Sprintf("r%02d", i)}
		for n := range 100 {
			at := base.Add(time.Duration(i*100+n) * time.Minute)
			r.Pulls = append(r.Pulls, githubtest.Pull{Number: n + 1, CreatedAt: at, UpdatedAt: at, MergedAt: &at})
		}
		srv.AddRepo("acme", r)
	}
	next := srv.URL + "/search/issues?" + url.Values{"q": {"org:acme is:pr is:merged"}, "sort": {"updated"}, "per_page": {"250"}}.Encode()
	pages, items := 0, 0
	var prev time.Time
	for next != "" {
		a := get(t, next)
		var s searchAnswer
		json.Unmarshal([]byte(a.body), &s)
		if a.status != 200 || s.TotalCount != 1200 || len(s.Items) != 100 {
			t.Fatalf("page %d: %d, total %d, %d items", pages+1, a.status, s.TotalCount, len(s.Items))
		}
		for _, it := range s.Items {
			if !prev.IsZero() && it.UpdatedAt.After(prev) {
				t.Fatalf("not sorted by updated, descending: %s after %s", it.UpdatedAt, prev)
			}
			prev = it.UpdatedAt
		}
		items += len(s.Items)
		pages++
		if pages == 1 && !strings.Contains(a.header.Get("Link"), "page=10") {
			t.Errorf("last link %q; want page 10 (the 1,000th result)", a.header.Get("Link"))
		}
		next = ""
		for _, part := range strings.Split(a.header.Get("Link"), ",") {
			if strings.Contains(part, `rel="next"`) {
				next = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
			}
		}
	}
	if pages != 10 || items != 1000 {
		t.Errorf("%d pages, %d items; want 10 and 1000", pages, items)
	}
	// A search that times out says so and leaves matches out.
	srv.SetSearchIncomplete(true)
	_, s := search(t, srv, "org:acme is:pr is:merged repo:acme/r00")
	if !s.IncompleteResults || s.TotalCount >= 100 || s.TotalCount == 0 {
		t.Errorf("incomplete: %v, total %d", s.IncompleteResults, s.TotalCount)
	}
}

// Search spends a budget of its own, 30 a minute by default: spent, it is
// refused with 403 while the core budget still answers.
func TestEmulatorSearchRateLimit(t *testing.T) {
	srv := githubtest.NewServer(githubtest.WithSearchRateLimit(2, time.Minute), githubtest.WithRateLimit(100, time.Hour))
	defer srv.Close()
	searchOrg(srv)
	for i := range 2 {
		a, _ := search(t, srv, "org:acme is:pr")
		if a.status != 200 || a.header.Get("x-ratelimit-resource") != "search" || a.header.Get("x-ratelimit-limit") != "2" || a.header.Get("x-ratelimit-remaining") != fmt.Sprint(1-i) {
			t.Fatalf("search %d: %d %v", i, a.status, a.header)
		}
	}
	a, s := search(t, srv, "org:acme is:pr")
	if a.status != 403 || !strings.HasPrefix(s.Message, "API rate limit exceeded for user ID") || a.header.Get("x-ratelimit-resource") != "search" || a.header.Get("x-ratelimit-remaining") != "0" {
		t.Errorf("spent: %d %s %v", a.status, a.body, a.header)
	}
	if srv.SearchRateRemaining() != 0 || srv.RateRemaining() != 100 {
		t.Errorf("budgets: search %d, core %d; want 0 and 100", srv.SearchRateRemaining(), srv.RateRemaining())
	}
	if b := get(t, srv.URL+"/repos/acme/api/pulls"); b.status != 200 || b.header.Get("x-ratelimit-resource") != "core" || b.header.Get("x-ratelimit-remaining") != "99" {
		t.Errorf("core after search spent: %d %v", b.status, b.header)
	}
	srv.SetSearchRate(1, time.Now().Add(time.Minute))
	if a, _ := search(t, srv, "org:acme is:pr"); a.status != 200 {
		t.Errorf("after SetSearchRate: %d", a.status)
	}
}

// The index lags: a pull request updated within the lag is not found yet.
func TestEmulatorSearchLag(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	srv := githubtest.NewServer(githubtest.WithClock(func() time.Time { return now }), githubtest.WithSearchLag(5*time.Minute))
	defer srv.Close()
	old, recent := now.Add(-time.Hour), now.Add(-time.Minute)
	srv.AddRepo("acme", githubtest.Repo{Name: "a", Pulls: []githubtest.Pull{
		{Number: 1, CreatedAt: old, UpdatedAt: old, MergedAt: &old},
		{Number: 2, CreatedAt: old, UpdatedAt: recent, MergedAt: &recent},
	}})
	_, s := search(t, srv, "org:acme is:pr is:merged")
	if s.TotalCount != 1 || len(s.Items) != 1 || s.Items[0].Number != 1 {
		t.Errorf("found %d: %+v; want only #1", s.TotalCount, s.Items)
	}
	// A rename: the index still has the old name, the repository its new
	// one and an updated_at that says when.
	srv.RenameRepo("acme", "a", "b")
	_, s = search(t, srv, "org:acme is:pr is:merged")
	if len(s.Items) != 1 || !strings.HasSuffix(s.Items[0].RepositoryURL, "/repos/acme/a") {
		t.Errorf("after a rename: %+v; want the old name", s.Items)
	}
	var repos []struct {
		Name      string    `json:"name"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	json.Unmarshal([]byte(get(t, srv.URL+"/orgs/acme/repos").body), &repos)
	if len(repos) != 1 || repos[0].Name != "b" || !repos[0].UpdatedAt.Equal(now) {
		t.Errorf("repositories %+v; want b, updated now", repos)
	}
}
