package github_test

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// How cmd wires the collector: a Config from the checked variables, one
// Client kept across runs (its cache makes the next run cheap), a Collector.
func Example() {
	srv := githubtest.NewServer()
	defer srv.Close()
	srv.AddRepo("acme", githubtest.Repo{Name: "api", Files: map[string]string{"README.md": "# API", ".github/CODEOWNERS": "* @acme/payments\n"},
		Protection: &githubtest.Protection{RequiredApprovals: 2}})

	base, err := github.ParseBaseURL(srv.URL) // GITHUB_API_URL
	if err != nil {
		fmt.Println(err)
		return
	}
	repos, err := github.ParseRepos("") // PRODREADY_GITHUB_REPOS: every repository
	if err != nil {
		fmt.Println(err)
		return
	}
	every, err := github.ParseEvery("") // PRODREADY_GITHUB_EVERY
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := github.New(github.Config{BaseURL: base, Token: githubtest.DefaultToken}, github.WithCache(github.NewMemoryCache()))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &github.Collector{Client: client, Org: "acme", Repos: repos}
	facts, err := c.Collect(context.Background(), time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range facts.Records {
		fmt.Println(r.Identifier, r.Teams, r.Properties["readme"], r.Properties["required_approvals_for_pr"], r.Properties["has_codeowners"])
	}
	fmt.Println("every", every)
	// Output:
	// api [payments] # API 2 true
	// every 1h0m0s
}
