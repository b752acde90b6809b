package main

import (
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/gitlab"
	"github.com/prodready/prodready/scorecard/gitlab/gitlabtest"
)

// TestGuideOnGitLab: a GitLab group's projects, with no catalog, are the
// services, scored by the guide's scorecard from the same properties as
// GitHub's repositories (PagerDuty aside, so none reaches Gold).
func TestGuideOnGitLab(t *testing.T) {
	now := fixedTime(t)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days)*24*time.Hour - time.Hour) }
	owners := map[string]string{"README.md": "# Service", "CODEOWNERS": "* @acme/payments\n"}
	gl := gitlabtest.NewServer()
	t.Cleanup(gl.Close)
	for _, p := range []gitlabtest.Project{
		{ID: 1, Path: "acme/checkout", Files: owners, LastMerged: ago(5), Protected: true, CodeOwnerApproval: true,
			ApprovalRules: []gitlabtest.ApprovalRule{{Name: "All", RuleType: "any_approver", ApprovalsRequired: 2}}},
		{ID: 2, Path: "acme/shop/search", Files: owners, LastMerged: ago(40), Protected: true,
			ApprovalRules: []gitlabtest.ApprovalRule{{Name: "All", RuleType: "any_approver", ApprovalsRequired: 1}}},
		{ID: 3, Path: "acme/ledger", Files: map[string]string{"README.md": "# Ledger"}, LastMerged: ago(200)},
		{ID: 4, Path: "acme/scratch", LastMerged: ago(3), Protected: true},
		{ID: 5, Path: "acme/old-monolith", Archived: true, Files: owners, LastMerged: ago(900)},
		{ID: 6, Path: "acme/forked-lib", ForkedFrom: "other/lib", Files: owners},
	} {
		gl.AddProject(p)
	}
	vars := map[string]string{"GITLAB_TOKEN": gitlabtest.DefaultToken, "GITLAB_URL": gl.URL, "PRODREADY_GITLAB_GROUP": "acme", "PRODREADY_SCORECARDS": guideScorecard}
	code, out, errOut := cli(t, vars, "check", "--now", fixedNow, "--format", "json")
	if code != exitOK {
		t.Fatalf("check exit %d\n%s", code, errOut)
	}
	sameLevels(t, "check", levelsOf(t, out), map[string]string{"checkout": "Silver", "search": "Silver", "ledger": "Bronze", "scratch": "Basic"})
	if strings.Contains(out+errOut, gitlabtest.DefaultToken) {
		t.Error("the token is printed")
	}
}

func TestGitLabSettings(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, g gitlabSettings)
	}{
		{"none", map[string]string{}, "", func(t *testing.T, g gitlabSettings) {
			if g.group != "" || g.client.BaseURL != gitlab.DefaultBaseURL {
				t.Errorf("%+v", g)
			}
		}},
		{"self-managed, subgroup, patterns", map[string]string{"GITLAB_TOKEN": "t0ken", "GITLAB_URL": "https://git.example.com/", "PRODREADY_GITLAB_GROUP": "acme/platform", "PRODREADY_GITLAB_PROJECTS": "api-*,tools/*"},
			"", func(t *testing.T, g gitlabSettings) {
				if g.client.BaseURL != "https://git.example.com" || g.group != "acme/platform" || !g.projects.Match("tools/x", "x") || g.projects.Match("web", "web") {
					t.Errorf("%+v", g)
				}
			}},
		{"no token", map[string]string{"PRODREADY_GITLAB_GROUP": "acme"}, "but GITLAB_TOKEN is not: create a token with the read_api scope", nil},
		{"bad url", map[string]string{"GITLAB_TOKEN": "t0ken", "PRODREADY_GITLAB_GROUP": "acme", "GITLAB_URL": "https://u:t0ken@git.example.com"}, "GITLAB_URL must not carry credentials", nil},
		{"api path", map[string]string{"GITLAB_TOKEN": "t0ken", "PRODREADY_GITLAB_GROUP": "acme", "GITLAB_URL": "https://git.example.com/api/v4"}, "without /api/v4", nil},
		{"bad pattern", map[string]string{"GITLAB_TOKEN": "t0ken", "PRODREADY_GITLAB_GROUP": "acme", "PRODREADY_GITLAB_PROJECTS": "a[x"}, "PRODREADY_GITLAB_PROJECTS", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := loadSettings(envOf(tc.env))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, s.gitlab)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "t0ken") {
				t.Errorf("the error echoes the token: %v", err)
			}
		})
	}
}
