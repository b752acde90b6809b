package github_test

import (
	"fmt"
	"testing"

	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// What each kind of repository costs, first run and unchanged second run,
// besides its share of the organisation's list: alone, and among 100 of
// its kind, where one issue search (its share: 0.01) reads the last merges
// that would cost a /pulls request each.
func TestRequestsPerRepository(t *testing.T) {
	merged := []githubtest.Pull{{Number: 1, CreatedAt: *at(4), UpdatedAt: *at(3), MergedAt: at(3)}}
	cases := []struct {
		name                      string
		repo                      githubtest.Repo
		first, second, fleetFirst int
	}{
		{"CODEOWNERS in .github with a catch-all team", githubtest.Repo{Files: map[string]string{"README.md": "x", ".github/CODEOWNERS": "* @acme/a\n"},
			Protection: &githubtest.Protection{RequiredApprovals: 1}, Pulls: merged}, 5, 2, 4}, // readme, pulls, codeowners, rules, protection; then rules and protection (304)
		{"CODEOWNERS at the root", githubtest.Repo{Files: map[string]string{"CODEOWNERS": "* @acme/a\n"}, Protection: &githubtest.Protection{}, Pulls: merged}, 6, 2, 5},
		{"no CODEOWNERS", githubtest.Repo{Teams: []githubtest.TeamAccess{{Slug: "a", Permission: "admin"}}, Protection: &githubtest.Protection{}}, 8, 3, 7}, // 3 locations, teams
		{"unprotected", githubtest.Repo{Files: map[string]string{".github/CODEOWNERS": "* @acme/a\n"}, Pulls: merged}, 5, 2, 4},                             // protection 404 each run
		{"empty", githubtest.Repo{Empty: true}, 2, 1, 2}, // readme 409, teams
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.NewServer()
			defer srv.Close()
			tc.repo.Name = "r"
			srv.AddRepo("acme", tc.repo)
			c := &github.Collector{Client: newClient(t, srv), Org: "acme"}
			collect(t, srv, c)
			if n, _ := srv.Count(); n-1 != tc.first {
				t.Errorf("first run: %d requests besides the list; want %d", n-1, tc.first)
			}
			srv.ResetRequests()
			collect(t, srv, c)
			if n, _ := srv.Count(); n-1 != tc.second {
				t.Errorf("second run: %d requests besides the list; want %d", n-1, tc.second)
			}
		})
		t.Run(tc.name+", 100 of them", func(t *testing.T) {
			srv := githubtest.NewServer()
			defer srv.Close()
			const n = 100
			for i := range n {
				r := tc.repo
				r.Name = fmt.Sprintf("r%03d", i)
				srv.AddRepo("acme", r)
			}
			c := &github.Collector{Client: newClient(t, srv), Org: "acme"}
			f := collect(t, srv, c)
			total, _ := srv.Count()
			searches := srv.CountPath("/search/issues")
			if searches != 1 {
				t.Errorf("%d searches; want 1", searches)
			}
			if per := total - 1 - searches; per != n*tc.fleetFirst {
				t.Errorf("first run: %d requests besides the list and the search, %.2f each; want %d each", per, float64(per)/n, tc.fleetFirst)
			}
			if want := fmt.Sprint(f.Records[0].Properties[github.PropFreshness]); tc.repo.Pulls != nil && want != "3" {
				t.Errorf("freshness %s; want 3", want)
			}
			srv.ResetRequests()
			collect(t, srv, c)
			if total, _ := srv.Count(); total-1 != n*tc.second {
				t.Errorf("second run: %d requests besides the list; want %d each", total-1, tc.second)
			}
		})
	}
}
