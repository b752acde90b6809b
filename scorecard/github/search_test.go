package github_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// fleet adds n repositories named prefix-NN on branch, each with one pull
// request merged days(i) days ago, and returns the freshness each should
// have.
func fleet(srv *githubtest.Server, prefix, branch string, n int, days func(i int) int) map[string]any {
	want := map[string]any{}
	for i := range n {
		d := days(i)
		name := fmt.Sprintf("%s-%02d", prefix, i)
		srv.AddRepo("acme", githubtest.Repo{Name: name, DefaultBranch: branch, Files: map[string]string{".github/CODEOWNERS": "* @acme/a\n"},
			Pulls: []githubtest.Pull{{Number: 1, CreatedAt: *at(d + 1), UpdatedAt: *at(d), MergedAt: at(d)}}})
		want[name] = float64(d)
	}
	return want
}

func freshness(f *scorecard.Facts) map[string]any {
	out := map[string]any{}
	for _, r := range f.Records {
		out[r.Identifier] = r.Properties[github.PropFreshness]
	}
	return out
}

func sameFacts(t *testing.T, got, want map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d repositories, want %d", len(got), len(want))
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || fmtv(g) != fmtv(w) {
			t.Errorf("%s: freshness %v, want %v", k, g, w)
		}
	}
}

// The search settles what it can prove and leaves the rest to a request
// per repository.
func TestSearchSettlesLastMerges(t *testing.T) {
	hours := func(h int) *time.Time { t := now.Add(-time.Duration(h) * time.Hour); return &t }
	cases := []struct {
		name  string
		opts  []githubtest.Option
		setup func(srv *githubtest.Server, want map[string]any)
		// searches, and per-repository /pulls requests, expected
		searches, pulls int
		queries         []string // base: qualifiers searched
	}{
		{
			name: "every repository settled by one page",
			setup: func(srv *githubtest.Server, want map[string]any) {
				for k, v := range fleet(srv, "svc", "main", 25, func(i int) int { return 1 + i*3 }) {
					want[k] = v
				}
			},
			searches: 1, pulls: 0, queries: []string{"base:main"},
		},
		{
			name: "a last merge older than the pages read falls back",
			setup: func(srv *githubtest.Server, want map[string]any) {
				// 24 busy repositories, 45 merges each, interleaved: over
				// 1,000 results, all 24 settled by the first page.
				for i := range 24 {
					r := githubtest.Repo{Name: fmt.Sprintf("busy-%02d", i)}
					for k := range 45 {
						at := hours(k*25 + i)
						r.Pulls = append(r.Pulls, githubtest.Pull{Number: k + 1, CreatedAt: *at, UpdatedAt: *at, MergedAt: at})
					}
					srv.AddRepo("acme", r)
					want[r.Name] = float64(0)
				}
				srv.AddRepo("acme", githubtest.Repo{Name: "stale", Pulls: []githubtest.Pull{{Number: 1, CreatedAt: *at(401), UpdatedAt: *at(400), MergedAt: at(400)}}})
				want["stale"] = float64(400)
			},
			searches: 2, pulls: 1, queries: []string{"base:main", "base:main"}, // the second page settles nothing new
		},
		{
			name: "a merge commented on later does not hide a newer one on the next page",
			setup: func(srv *githubtest.Server, want map[string]any) {
				for i := range 21 {
					r := githubtest.Repo{Name: fmt.Sprintf("svc-%02d", i)}
					for k := range 5 {
						at := hours(k*21 + i + 1)
						r.Pulls = append(r.Pulls, githubtest.Pull{Number: k + 1, CreatedAt: *at, UpdatedAt: *at, MergedAt: at})
					}
					srv.AddRepo("acme", r)
					want[r.Name] = float64(0)
				}
				// #1 merged 100 days ago, commented on just now: first of page 1;
				// #2 merged 8 days ago: last of page 2.
				srv.AddRepo("acme", githubtest.Repo{Name: "revived", Pulls: []githubtest.Pull{
					{Number: 1, CreatedAt: *at(101), UpdatedAt: *hours(0), MergedAt: at(100)},
					{Number: 2, CreatedAt: *at(9), UpdatedAt: *at(8), MergedAt: at(8)}}})
				want["revived"] = float64(8)
			},
			searches: 2, pulls: 0, queries: []string{"base:main", "base:main"},
		},
		{
			name: "a page that settles one repository ends the search",
			setup: func(srv *githubtest.Server, want map[string]any) {
				busy := githubtest.Repo{Name: "busy"}
				for k := range 150 {
					at := hours(k)
					busy.Pulls = append(busy.Pulls, githubtest.Pull{Number: k + 1, CreatedAt: *at, UpdatedAt: *at, MergedAt: at})
				}
				srv.AddRepo("acme", busy)
				want["busy"] = float64(0)
				for k, v := range fleet(srv, "svc", "main", 20, func(i int) int { return 10 + i }) {
					want[k] = v
				}
			},
			searches: 1, pulls: 20, queries: []string{"base:main"},
		},
		{
			name: "no merged pull request in a complete result: null without a request",
			setup: func(srv *githubtest.Server, want map[string]any) {
				for k, v := range fleet(srv, "svc", "main", 22, func(i int) int { return 2 + i }) {
					want[k] = v
				}
				srv.AddRepo("acme", githubtest.Repo{Name: "never", Pulls: []githubtest.Pull{
					{Number: 1, CreatedAt: *at(5), UpdatedAt: *at(4), ClosedAt: at(4)}, {Number: 2, CreatedAt: *at(1), UpdatedAt: *at(1)}}})
				want["never"] = nil
			},
			searches: 1, pulls: 0, queries: []string{"base:main"},
		},
		{
			name: "a private repository without a result is asked: the token may not see its pulls",
			setup: func(srv *githubtest.Server, want map[string]any) {
				for k, v := range fleet(srv, "svc", "main", 22, func(i int) int { return 2 + i }) {
					want[k] = v
				}
				srv.AddRepo("acme", githubtest.Repo{Name: "secret", Private: true})
				want["secret"] = nil
			},
			searches: 1, pulls: 1, queries: []string{"base:main"},
		},
		{
			name: "grouped by default branch; a small group is asked per repository",
			setup: func(srv *githubtest.Server, want map[string]any) {
				for k, v := range fleet(srv, "main", "main", 21, func(i int) int { return 1 + i }) {
					want[k] = v
				}
				for k, v := range fleet(srv, "master", "master", 20, func(i int) int { return 30 + i }) {
					want[k] = v
				}
				for k, v := range fleet(srv, "trunk", "trunk", 5, func(i int) int { return 60 + i }) {
					want[k] = v
				}
				// A newer merge into another branch than the default one is not its last merge.
				srv.UpdateRepo("acme", "master-00", func(r *githubtest.Repo) {
					r.Pulls = append(r.Pulls, githubtest.Pull{Number: 2, Base: "main", CreatedAt: *at(1), UpdatedAt: *at(0), MergedAt: at(0)})
				})
			},
			searches: 2, pulls: 5, queries: []string{"base:main", "base:master"},
		},
		{
			name: "fewer than 20 on a branch: no search",
			setup: func(srv *githubtest.Server, want map[string]any) {
				for k, v := range fleet(srv, "svc", "main", 19, func(i int) int { return i }) {
					want[k] = v
				}
			},
			searches: 0, pulls: 19,
		},
		{
			name: "pushed within the index's lag: asked per repository",
			opts: []githubtest.Option{githubtest.WithClock(func() time.Time { return now }), githubtest.WithSearchLag(5 * time.Minute)},
			setup: func(srv *githubtest.Server, want map[string]any) {
				for k, v := range fleet(srv, "svc", "main", 22, func(i int) int { return 2 + i }) {
					want[k] = v
				}
				just := now.Add(-time.Minute)
				srv.AddRepo("acme", githubtest.Repo{Name: "hot", PushedAt: just, Pulls: []githubtest.Pull{
					{Number: 1, CreatedAt: *at(9), UpdatedAt: *at(8), MergedAt: at(8)},
					{Number: 2, CreatedAt: *at(1), UpdatedAt: just, MergedAt: &just}}})
				want["hot"] = float64(0)
			},
			searches: 1, pulls: 1, queries: []string{"base:main"},
		},
		{
			name: "renamed within the index's lag: asked per repository",
			opts: []githubtest.Option{githubtest.WithClock(func() time.Time { return now }), githubtest.WithSearchLag(5 * time.Minute)},
			setup: func(srv *githubtest.Server, want map[string]any) {
				for k, v := range fleet(srv, "svc", "main", 22, func(i int) int { return 2 + i }) {
					want[k] = v
				}
				srv.AddRepo("acme", githubtest.Repo{Name: "old", Pulls: []githubtest.Pull{{Number: 1, CreatedAt: *at(6), UpdatedAt: *at(5), MergedAt: at(5)}}})
				srv.RenameRepo("acme", "old", "new") // the index still says acme/old
				want["new"] = float64(5)
			},
			searches: 1, pulls: 1, queries: []string{"base:main"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.NewServer(tc.opts...)
			defer srv.Close()
			want := map[string]any{}
			tc.setup(srv, want)
			f := collect(t, srv, &github.Collector{Client: newClient(t, srv), Org: "acme"})
			sameFacts(t, freshness(f), want)
			if len(f.Warnings) != 0 {
				t.Errorf("warnings %q", f.Warnings)
			}
			var queries []string
			for _, r := range srv.Requests() {
				if r.Path == "/search/issues" {
					q := r.Query.Get("q")
					queries = append(queries, q[strings.Index(q, "base:"):])
				}
			}
			if n := srv.CountPath("/search/issues"); n != tc.searches || strings.Join(queries, " ") != strings.Join(tc.queries, " ") {
				t.Errorf("%d searches %q; want %d %q", n, queries, tc.searches, tc.queries)
			}
			if n := srv.CountPath("/pulls"); n != tc.pulls {
				t.Errorf("%d per-repository /pulls requests; want %d", n, tc.pulls)
			}
		})
	}
}

// A search GitHub refuses or cannot finish costs one warning and a request
// per repository, never a wrong value: the facts are those of a run that
// did not search.
func TestSearchRefusedFallsBack(t *testing.T) {
	const n = 24
	org := func(srv *githubtest.Server) {
		fleet(srv, "svc", "main", n-1, func(i int) int { return 1 + i })
		srv.AddRepo("acme", githubtest.Repo{Name: "never"})
	}
	// The facts without a search: each repository alone on its branch.
	base := githubtest.NewServer()
	defer base.Close()
	org(base)
	for i := range n - 1 {
		name := fmt.Sprintf("svc-%02d", i)
		base.UpdateRepo("acme", name, func(r *githubtest.Repo) { r.DefaultBranch = name })
	}
	base.UpdateRepo("acme", "never", func(r *githubtest.Repo) { r.DefaultBranch = "never" })
	want := freshness(collect(t, base, &github.Collector{Client: newClient(t, base), Org: "acme"}))
	if base.CountPath("/search/issues") != 0 {
		t.Fatal("the baseline searched")
	}

	cases := []struct {
		name     string
		fault    *emulator.Fault
		prepare  func(srv *githubtest.Server)
		searches int // requests to /search/issues
		warn     string
	}{
		{name: "403", fault: &emulator.Fault{Path: "/search/issues", Status: 403, Times: -1}, searches: 1, warn: "HTTP 403"},
		{name: "422", fault: &emulator.Fault{Path: "/search/issues", Status: 422, Message: "Validation Failed", Times: -1}, searches: 1, warn: "HTTP 422"},
		{name: "secondary limit, not waited out", fault: &emulator.Fault{Path: "/search/issues", Status: 403, Message: githubtest.SecondaryRateLimit, RetryAfter: "60", Times: -1}, searches: 1, warn: "secondary rate limit"},
		{name: "429", fault: &emulator.Fault{Path: "/search/issues", Status: 429, Message: githubtest.SecondaryRateLimit, Times: -1}, searches: 1, warn: "HTTP 429"},
		{name: "5xx after retries", fault: &emulator.Fault{Path: "/search/issues", Status: 502, Times: -1}, searches: 5, warn: "HTTP 502"},
		{name: "search budget spent", prepare: func(srv *githubtest.Server) { srv.SetSearchRate(0, time.Now().Add(time.Minute)) }, searches: 1, warn: "search rate limit is spent"},
		{name: "incomplete results", prepare: func(srv *githubtest.Server) { srv.SetSearchIncomplete(true) }, searches: 1, warn: "incomplete_results"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.NewServer()
			defer srv.Close()
			org(srv)
			if tc.fault != nil {
				srv.Inject(*tc.fault)
			}
			if tc.prepare != nil {
				tc.prepare(srv)
			}
			cl := newClient(t, srv, github.WithSleep(func(context.Context, time.Duration) error {
				t.Error("paused: a refused search must not hold the run")
				return nil
			}))
			f := collect(t, srv, &github.Collector{Client: cl, Org: "acme"})
			sameFacts(t, freshness(f), want)
			if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "issue search") || !strings.Contains(f.Warnings[0], fmt.Sprintf("%d repositories", n)) || !strings.Contains(f.Warnings[0], tc.warn) {
				t.Errorf("warnings %q; want one about the issue search for %d repositories, naming %q", f.Warnings, n, tc.warn)
			}
			if got := srv.CountPath("/search/issues"); got != tc.searches {
				t.Errorf("%d searches; want %d", got, tc.searches)
			}
			if got := srv.CountPath("/pulls"); got != n {
				t.Errorf("%d per-repository /pulls requests; want %d", got, n)
			}
			// The core budget is not taken for spent.
			if r := cl.Rate(); !r.Known || r.Remaining < 4000 {
				t.Errorf("core rate %+v after the search failed", r)
			}
		})
	}
}

// Each budget is its own: a core budget at its reserve pauses core
// requests but not the search, and the search's answers (30 a minute) do
// not move the core budget.
func TestSearchBudgetIsSeparate(t *testing.T) {
	srv := githubtest.NewServer(githubtest.WithRateLimit(2000, time.Hour), githubtest.WithSearchRateLimit(30, time.Minute))
	defer srv.Close()
	want := fleet(srv, "svc", "main", 30, func(i int) int { return i })
	srv.SetRate(101, time.Now().Add(10*time.Minute)) // the list leaves 100: the reserve
	var mu sync.Mutex
	sleeps, searchesBefore := 0, -1
	cl := newClient(t, srv, github.WithSleep(func(context.Context, time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		if sleeps++; sleeps == 1 {
			searchesBefore = srv.CountPath("/search/issues")
			srv.ResetRate() // the hour passes
		}
		return nil
	}))
	f := collect(t, srv, &github.Collector{Client: cl, Org: "acme"})
	sameFacts(t, freshness(f), want)
	if sleeps == 0 || searchesBefore != 1 {
		t.Errorf("%d pauses, %d searches before the first; want the search made while core requests paused", sleeps, searchesBefore)
	}
	core, search := cl.Rate(), cl.SearchRate()
	if !core.Known || core.Limit != 2000 || !search.Known || search.Limit != 30 || search.Remaining != 29 {
		t.Errorf("core %+v, search %+v; want limits 2000 and 30, search 29 left", core, search)
	}
	if srv.CountPath("/pulls") != 0 {
		t.Errorf("%d /pulls requests", srv.CountPath("/pulls"))
	}
}

// Issue 9's target: a first collection of a 1,000-repository organisation
// costs at most 5 requests per repository, counted by the emulator.
func TestFirstCollection1kCost(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 repositories")
	}
	srv := githubtest.NewServer(githubtest.WithRateLimit(1_000_000, time.Hour), githubtest.WithoutRequestLog())
	defer srv.Close()
	const n = 1000
	benchOrg(srv, n)
	c := &github.Collector{Client: newClient(t, srv), Org: "acme"}
	f := collect(t, srv, c)
	if len(f.Records) != n || len(f.Warnings) != 0 {
		t.Fatalf("%d records, warnings %q", len(f.Records), f.Warnings)
	}
	total, _ := srv.Count()
	perRepo := float64(total) / n
	t.Logf("first collection of %d repositories: %d requests, %.3f per repository", n, total, perRepo)
	if perRepo > 5 {
		t.Errorf("%.3f requests per repository; the target is at most 5", perRepo)
	}
	for _, r := range f.Records {
		if p := r.Properties; p[github.PropFreshness] == nil && p[github.PropReadme] != nil {
			t.Errorf("%s: no freshness, though every non-empty repository has a merge", r.Identifier)
			break
		}
	}
}

// proxied serves srv through a proxy that calls after(n) once the n-th
// search answer is read from srv, before it reaches the client: a change
// made there shows from the next page on, as GitHub's results move while
// a client pages through them.
func proxied(t *testing.T, srv *githubtest.Server, after func(n int)) string {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	var self string
	p := httputil.NewSingleHostReverseProxy(target)
	p.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/search/issues" {
			return nil
		}
		resp.Header.Set("Link", strings.ReplaceAll(resp.Header.Get("Link"), srv.URL, self))
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		after(k)
		return nil
	}
	self = httptestServer(t, p)
	return self
}

// Results that move between pages settle only what they prove: a
// repository with no result is asked, not taken for one without merges.
func TestSearchResultsMovingWhilePaged(t *testing.T) {
	mins := func(m int) *time.Time { t := now.Add(-time.Duration(m) * time.Minute); return &t }
	cases := []struct {
		name   string
		change func(srv *githubtest.Server)
		pulls  int // per-repository requests: never, and solo when it is not seen
	}{
		// A merge elsewhere comes on top: every item moves one down, and
		// page 2 starts with the last item of page 1; solo is still seen.
		{"a result added above", func(srv *githubtest.Server) {
			srv.UpdateRepo("acme", "gone", func(r *githubtest.Repo) {
				r.Pulls = append(r.Pulls, githubtest.Pull{Number: 9, CreatedAt: *mins(1), UpdatedAt: *mins(1), MergedAt: mins(1)})
			})
		}, 1},
		// A repository deleted: every item moves one up, and the first of
		// page 2 (solo's only merge) slips onto page 1, already read.
		{"a result removed above", func(srv *githubtest.Server) {
			srv.UpdateRepo("acme", "gone", func(r *githubtest.Repo) { r.Pulls = nil })
		}, 2},
		// solo's merge is commented on: it leaves page 2 for the top of
		// page 1, already read, and the count stays the same.
		{"a result below updated to the top", func(srv *githubtest.Server) {
			srv.UpdateRepo("acme", "solo", func(r *githubtest.Repo) { r.Pulls[0].UpdatedAt = now })
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.NewServer()
			defer srv.Close()
			want := map[string]any{}
			// 25 repositories × 4 merges, one an hour apart, then gone's
			// merge on top and solo's at the 101st place.
			for i := range 25 {
				r := githubtest.Repo{Name: fmt.Sprintf("svc-%02d", i)}
				for k := range 4 {
					at := mins(60 * (k*25 + i + 1))
					r.Pulls = append(r.Pulls, githubtest.Pull{Number: k + 1, CreatedAt: *at, UpdatedAt: *at, MergedAt: at})
				}
				srv.AddRepo("acme", r)
				want[r.Name] = float64(int(now.Sub(*r.Pulls[0].MergedAt).Hours() / 24))
			}
			srv.AddRepo("acme", githubtest.Repo{Name: "gone", Archived: true, Pulls: []githubtest.Pull{{Number: 1, CreatedAt: *mins(30), UpdatedAt: *mins(30), MergedAt: mins(30)}}})
			solo := mins(99*60 + 30)
			srv.AddRepo("acme", githubtest.Repo{Name: "solo", Pulls: []githubtest.Pull{{Number: 1, CreatedAt: *solo, UpdatedAt: *solo, MergedAt: solo}}})
			want["solo"] = float64(int(now.Sub(*solo).Hours() / 24))
			srv.AddRepo("acme", githubtest.Repo{Name: "never"})
			want["never"] = nil

			base := proxied(t, srv, func(n int) {
				if n == 1 {
					tc.change(srv)
				}
			})
			cl, err := github.New(github.Config{BaseURL: base, Token: githubtest.DefaultToken, RetryWait: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			f := collect(t, srv, &github.Collector{Client: cl, Org: "acme"})
			sameFacts(t, freshness(f), want)
			if len(f.Warnings) != 0 {
				t.Errorf("warnings %q", f.Warnings)
			}
			if n := srv.CountPath("/search/issues"); n != 2 {
				t.Errorf("%d searches; want 2", n)
			}
			if n := srv.CountPath("/pulls"); n != tc.pulls {
				t.Errorf("%d /pulls requests; want %d", n, tc.pulls)
			}
		})
	}
}

// A stand-in that does not sort its results as asked (newest update
// first) settles nothing: settling relies on that order, so the
// collector falls back to one request per repository, with the same
// values and one warning, rather than keep a merge that is not the last.
func TestSearchUnsortedFallsBack(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	want := fleet(srv, "svc", "main", 25, func(i int) int { return 1 + i*3 })
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(target)
	p.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/search/issues" || resp.StatusCode != http.StatusOK {
			return nil
		}
		var page map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			return err
		}
		resp.Body.Close()
		items, _ := page["items"].([]any)
		slices.Reverse(items) // oldest first
		b, err := json.Marshal(page)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", fmt.Sprint(len(b)))
		resp.Header.Del("Etag")
		return nil
	}
	cl, err := github.New(github.Config{BaseURL: httptestServer(t, p), Token: githubtest.DefaultToken, RetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f := collect(t, srv, &github.Collector{Client: cl, Org: "acme"})
	sameFacts(t, freshness(f), want)
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "not sorted") {
		t.Errorf("warnings %q; want one saying the search was not sorted", f.Warnings)
	}
	if n := srv.CountPath("/pulls"); n != 25 {
		t.Errorf("%d per-repository /pulls requests; want 25", n)
	}
}
