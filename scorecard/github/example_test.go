package github_test

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// How cmd wires the collector: settings from the environment, one Client
// kept across runs (its cache makes the next run cheap), a Collector.
func Example() {
	srv := githubtest.NewServer()
	defer srv.Close()
	srv.AddRepo("acme", githubtest.Repo{Name: "api", Files: map[string]string{"README.md": "# API", ".github/CODEOWNERS": "* @acme/payments\n"},
		Protection: &githubtest.Protection{RequiredApprovals: 2}})

	env := map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": githubtest.DefaultToken, "GITHUB_API_URL": srv.URL}
	s, err := github.SettingsFromEnv(func(k string) string { return env[k] }, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := github.New(s.Client, github.WithCache(github.NewMemoryCache()))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &github.Collector{Client: client, Org: s.Org, Repos: s.Repos}
	facts, err := c.Collect(context.Background(), time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range facts.Records {
		fmt.Println(r.Identifier, r.Teams, r.Properties["readme"], r.Properties["required_approvals_for_pr"], r.Properties["has_codeowners"])
	}
	fmt.Println("every", s.Every)
	// Output:
	// api [payments] # API 2 true
	// every 1h0m0s
}
