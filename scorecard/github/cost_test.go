package github_test

import (
	"testing"

	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// What each kind of repository costs, first run and unchanged second run,
// besides its share of the organisation's list.
func TestRequestsPerRepository(t *testing.T) {
	cases := []struct {
		name          string
		repo          githubtest.Repo
		first, second int
	}{
		{"CODEOWNERS in .github with a catch-all team", githubtest.Repo{Files: map[string]string{"README.md": "x", ".github/CODEOWNERS": "* @acme/a\n"},
			Protection: &githubtest.Protection{RequiredApprovals: 1}}, 5, 2}, // readme, pulls, codeowners, rules, protection; then rules and protection (304)
		{"CODEOWNERS at the root", githubtest.Repo{Files: map[string]string{"CODEOWNERS": "* @acme/a\n"}, Protection: &githubtest.Protection{}}, 6, 2},
		{"no CODEOWNERS", githubtest.Repo{Teams: []githubtest.TeamAccess{{Slug: "a", Permission: "admin"}}, Protection: &githubtest.Protection{}}, 8, 3}, // 3 locations, teams
		{"unprotected", githubtest.Repo{Files: map[string]string{".github/CODEOWNERS": "* @acme/a\n"}}, 5, 2},                                            // protection 404 each run
		{"empty", githubtest.Repo{Empty: true}, 2, 1}, // readme 409, teams
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
	}
}
