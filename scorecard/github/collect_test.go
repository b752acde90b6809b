package github_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func at(days int) *time.Time {
	t := now.Add(-time.Duration(days)*24*time.Hour - time.Hour)
	return &t
}

func newClient(t testing.TB, srv *githubtest.Server, opts ...github.Option) *github.Client {
	t.Helper()
	c, err := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken, RetryWait: time.Millisecond,
		RetryMaxWait: 2 * time.Second, SecondaryWait: 10 * time.Millisecond}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(t *testing.T, srv *githubtest.Server, c *github.Collector) *scorecard.Facts {
	t.Helper()
	f, err := c.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func byName(f *scorecard.Facts) map[string]scorecard.FactRecord {
	m := map[string]scorecard.FactRecord{}
	for _, r := range f.Records {
		m[r.Identifier] = r
	}
	return m
}

const owners = "# owners\n*       @acme/payments @someone @acme/Platform\n/docs/ @acme/writers\n"

// Every property, on repositories that cover the edge cases.
func TestCollectProperties(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	push := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	srv.AddRepo("acme", githubtest.Repo{Name: "api", Topics: []string{"go", "tier-1"}, PushedAt: push,
		Files: map[string]string{"README.md": "# API\n", ".github/CODEOWNERS": owners},
		Pulls: []githubtest.Pull{
			{Number: 1, CreatedAt: *at(40), UpdatedAt: *at(2), MergedAt: at(9)}, // updated after merge
			{Number: 2, CreatedAt: *at(30), UpdatedAt: *at(3), ClosedAt: at(3)}, // closed, not merged
			{Number: 3, CreatedAt: *at(20), UpdatedAt: *at(5), MergedAt: at(5)}, // the last merge
			{Number: 4, CreatedAt: *at(1), UpdatedAt: *at(1)},                   // open
			{Number: 5, Base: "release", CreatedAt: *at(1), UpdatedAt: *at(1), MergedAt: at(1)},
		},
		Protection: &githubtest.Protection{RequiredApprovals: 1},
		Rules:      []githubtest.Rule{{Type: "deletion"}, {Type: "pull_request", RequiredApprovals: 2, CodeOwnerReview: true, Source: "Organization"}},
	})
	srv.AddRepo("acme", githubtest.Repo{Name: "web", DefaultBranch: "trunk",
		Files:      map[string]string{"docs/README.rst": "Web", "CODEOWNERS": "/src/ @acme/frontend\n"},
		Protection: &githubtest.Protection{RequiredApprovals: 3, CodeOwnerReviews: true},
		Teams:      []githubtest.TeamAccess{{Slug: "frontend", Permission: "maintain"}, {Slug: "everyone", Permission: "pull"}, {Slug: "leads", Permission: "admin"}},
		Pulls:      []githubtest.Pull{{Number: 1, CreatedAt: *at(3), UpdatedAt: *at(3), ClosedAt: at(3)}},
	})
	srv.AddRepo("acme", githubtest.Repo{Name: "bare", Files: map[string]string{"docs/CODEOWNERS": "* @acme/ops\n"},
		Protection: &githubtest.Protection{NoReviews: true}})
	srv.AddRepo("acme", githubtest.Repo{Name: "empty", Empty: true, Teams: []githubtest.TeamAccess{{Slug: "ops", Permission: "admin"}}})
	srv.AddRepo("acme", githubtest.Repo{Name: "nobranch", NoBranch: true, Files: map[string]string{"README": "x"}})
	srv.AddRepo("acme", githubtest.Repo{Name: "old", Archived: true, Files: map[string]string{"README.md": "old"}})
	srv.AddRepo("acme", githubtest.Repo{Name: "fork", Fork: true})

	c := &github.Collector{Client: newClient(t, srv), Org: "acme"}
	f := collect(t, srv, c)
	if f.Source != "github" {
		t.Errorf("Source = %q", f.Source)
	}
	providesExactly(t, c, f)
	recs := byName(f)
	if _, ok := recs["old"]; ok {
		t.Error("archived repository collected by default")
	}
	if _, ok := recs["fork"]; ok {
		t.Error("fork collected by default")
	}
	cases := []struct {
		repo string
		prop string
		want any
	}{
		{"api", "readme", "# API\n"},
		{"api", "freshness", float64(5)},
		{"api", "required_approvals_for_pr", float64(2)}, // the ruleset is stricter
		{"api", "require_code_owner_review", true},       // from the ruleset
		{"api", "has_codeowners", true},
		{"api", "default_branch", "main"},
		{"api", "last_push", "2026-03-01T09:30:00Z"},
		{"api", "archived", false},
		{"api", "topics", []any{"go", "tier-1"}},
		{"api", "repository", "acme/api"},
		{"api", "url", "https://github.com/acme/api"},
		{"web", "readme", "Web"},                         // docs/README.rst, found by GitHub
		{"web", "freshness", nil},                        // closed, never merged
		{"web", "required_approvals_for_pr", float64(3)}, // classic protection is stricter
		{"web", "require_code_owner_review", true},
		{"web", "has_codeowners", true}, // at the root
		{"web", "default_branch", "trunk"},
		{"web", "topics", []any{}},
		{"bare", "readme", nil},
		{"bare", "required_approvals_for_pr", float64(0)}, // protected without reviews
		{"bare", "require_code_owner_review", false},
		{"bare", "has_codeowners", true}, // docs/CODEOWNERS
		{"empty", "readme", nil},
		{"empty", "freshness", nil},
		{"empty", "required_approvals_for_pr", float64(0)},
		{"empty", "require_code_owner_review", false},
		{"empty", "has_codeowners", false},
		{"nobranch", "default_branch", nil},
		{"nobranch", "readme", "x"},
		{"nobranch", "required_approvals_for_pr", float64(0)},
		{"nobranch", "freshness", nil},
	}
	for _, tc := range cases {
		r, ok := recs[tc.repo]
		if !ok {
			t.Errorf("%s: no record", tc.repo)
			continue
		}
		got, has := r.Properties[tc.prop]
		if !has {
			t.Errorf("%s.%s: missing", tc.repo, tc.prop)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s.%s = %#v, want %#v", tc.repo, tc.prop, got, tc.want)
		}
	}
	teams := []struct {
		repo string
		want []string
	}{
		{"api", []string{"payments", "platform"}}, // the catch-all rule, users left out
		{"web", []string{"frontend", "leads"}},    // no catch-all: admin and maintain teams
		{"bare", []string{"ops"}},
		{"empty", []string{"ops"}},
	}
	for _, tc := range teams {
		if got := recs[tc.repo].Teams; strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s teams = %v, want %v", tc.repo, got, tc.want)
		}
	}
	api := recs["api"]
	want := scorecard.JoinKeys{Property: "repository", Annotation: "github.com/project-slug", Value: "acme/api", Name: "api"}
	if api.Join != want || api.Identifier != "api" || api.Title != "api" {
		t.Errorf("api join %+v id %q title %q", api.Join, api.Identifier, api.Title)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings: %v", f.Warnings)
	}
	// No team lookup where the catch-all names teams.
	if n := srv.CountPath("/repos/acme/api/teams"); n != 0 {
		t.Errorf("%d team requests for a repository whose CODEOWNERS names teams", n)
	}

	// Archived and forks when asked.
	c.IncludeArchived, c.IncludeForks = true, true
	recs = byName(collect(t, srv, c))
	if recs["old"].Properties["archived"] != true || recs["old"].Properties["readme"] != "old" {
		t.Errorf("archived: %v", recs["old"].Properties)
	}
	if _, ok := recs["fork"]; !ok {
		t.Error("fork not collected when asked")
	}
}

// providesExactly checks Provides against what a collection filled: every
// property of a record is provided, every provided property is in some
// record, and the team is provided when a record names one.
func providesExactly(t *testing.T, c scorecard.Collector, f *scorecard.Facts) {
	t.Helper()
	provided := map[string]bool{}
	for _, name := range c.Provides() {
		provided[name] = true
	}
	seen := map[string]bool{}
	for _, r := range f.Records {
		for k := range r.Properties {
			seen[k] = true
			if !provided[k] {
				t.Errorf("record %s has %s, which Provides does not name", r.Identifier, k)
			}
		}
		if len(r.Teams) > 0 {
			seen[scorecard.TeamProperty] = true
		}
	}
	for name := range provided {
		if !seen[name] {
			t.Errorf("Provides names %s, which no record has", name)
		}
	}
}
