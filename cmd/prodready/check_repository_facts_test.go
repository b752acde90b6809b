package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// check --repository in CI reads GitHub's facts of that repository only,
// however large the organisation: not every page of its repositories and
// each one's facts (a pull request's check would otherwise cost the whole
// organisation's requests). Unless the repository is outside the
// organisation, or the check is over the whole catalog.
func TestCheckRepositoryReadsOnlyItsRepository(t *testing.T) {
	gh, pd := guideOrg(t, fixedTime(t))
	// Enough repositories for several pages of /orgs/acme/repos.
	for i := range 250 {
		gh.AddRepo("acme", githubtest.Repo{Name: fmt.Sprintf("filler-%03d", i), Files: map[string]string{"README.md": "# filler"}})
	}
	vars := guideEnv(gh, pd)
	delete(vars, "PAGERDUTY_TOKEN") // GitHub's requests only

	cases := []struct {
		name      string
		args      []string
		level     string // checkout's level
		onlyRepo  bool   // every request is about acme/checkout
		maxTotal  int
		errSubstr string
	}{
		{name: "the repository of the check", args: []string{"--repository", "acme/checkout"}, level: "Silver", onlyRepo: true, maxTotal: 6},
		{name: "case and URL form", args: []string{"--repository", "https://github.com/ACME/Checkout.git"}, level: "Silver", onlyRepo: true, maxTotal: 6},
		{name: "another organisation's repository", args: []string{"--repository", "other/checkout"}, level: "Silver", errSubstr: "is not in PRODREADY_GITHUB_ORG acme"},
		{name: "services named: the whole organisation", args: []string{"checkout"}, level: "Silver"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gh.ResetRequests()
			code, out, errOut := cli(t, vars, append([]string{"check", "--now", fixedNow, "--format", "json"}, tc.args...)...)
			if code > exitBelow {
				t.Fatalf("check exit %d\n%s", code, errOut)
			}
			if got := levelsOf(t, out)["checkout"]; got != tc.level {
				t.Errorf("checkout is %q, want %s (facts read: %d requests)\n%s", got, tc.level, len(gh.Requests()), errOut)
			}
			if !strings.Contains(errOut, tc.errSubstr) {
				t.Errorf("stderr lacks %q:\n%s", tc.errSubstr, errOut)
			}
			reqs := gh.Requests()
			var others []string
			for _, r := range reqs {
				if !strings.HasPrefix(strings.ToLower(r.Path), "/repos/acme/checkout") {
					others = append(others, r.Path)
				}
			}
			switch {
			case tc.onlyRepo && (len(others) > 0 || len(reqs) > tc.maxTotal):
				t.Errorf("%d GitHub requests (at most %d), %d not about acme/checkout: %v", len(reqs), tc.maxTotal, len(others), others)
			case !tc.onlyRepo && len(others) == 0:
				t.Errorf("only acme/checkout was read (%d requests), though the check is not narrowed to it", len(reqs))
			}
		})
	}
}
