package gitlab_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/gitlab"
	"github.com/prodready/prodready/scorecard/gitlab/gitlabtest"
)

// benchGroup fills a group of n projects in ten subgroups, with a
// realistic mix: 86% with a README; CODEOWNERS at the root for 70% (a
// catch-all group), in .gitlab/ for 10%, none for 20%; two approval rules;
// 90% with a protected default branch; a merge a few days ago.
func benchGroup(srv *gitlabtest.Server, n int) {
	for i := range n {
		p := gitlabtest.Project{ID: int64(i + 1), Path: fmt.Sprintf("acme/team-%d/svc-%05d", i%10, i), Files: map[string]string{},
			LastMerged:    daysAgo(i % 30),
			ApprovalRules: []gitlabtest.ApprovalRule{{Name: "All", RuleType: "any_approver", ApprovalsRequired: 1}, {Name: "Leads", RuleType: "regular", ApprovalsRequired: 1 + i%2}},
			Protected:     i%10 != 3, CodeOwnerApproval: i%3 == 0}
		if i%7 != 0 {
			p.Files["README.md"] = fmt.Sprintf("# svc-%05d\n\nRuns the %d things.\n", i, i)
		}
		switch i % 10 {
		case 0, 1, 2, 4, 5, 6, 9:
			p.Files["CODEOWNERS"] = fmt.Sprintf("[Owners] @acme/team-%d\n*\n/docs/ @acme/writers\n", i%10)
		case 7:
			p.Files[".gitlab/CODEOWNERS"] = fmt.Sprintf("* @acme/team-%d\n", i%10)
		}
		srv.AddProject(p)
	}
}

const benchLatency = 50 * time.Millisecond

// benchCollection1k collects a group of 1,000 projects over a GitLab
// 50 ms away, with the default concurrency (8), twice with one cache: the
// first collection from an empty cache, the second of the unchanged group.
func BenchmarkCollection1k(b *testing.B) {
	const n = 1000
	srv := gitlabtest.NewServer(gitlabtest.WithLatency(benchLatency), gitlabtest.WithRateLimit(1_000_000, time.Hour), gitlabtest.WithoutRequestLog())
	b.Cleanup(srv.Close)
	benchGroup(srv, n)
	ctx := context.Background()
	for b.Loop() {
		cl, err := gitlab.New(gitlab.Config{BaseURL: srv.URL, Token: gitlabtest.DefaultToken})
		if err != nil {
			b.Fatal(err)
		}
		c := &gitlab.Collector{Client: cl, Group: "acme"}
		for _, run := range []string{"first", "second"} {
			srv.ResetRequests()
			start := time.Now()
			f, err := c.Collect(ctx, now)
			if err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			if len(f.Records) != n || len(f.Warnings) != 0 {
				b.Fatalf("%d records, warnings %q", len(f.Records), f.Warnings)
			}
			total, nm := srv.Count()
			b.ReportMetric(took.Seconds(), run+"-s")
			b.ReportMetric(float64(total)/n, run+"-requests/project")
			b.ReportMetric(100*float64(nm)/float64(max(total, 1)), run+"-%304")
			if run == "first" && took > time.Minute {
				b.Errorf("the first collection took %s; the target is 60 s", took)
			}
			if run == "second" && nm*10 < total*9 {
				b.Errorf("%d of %d requests answered 304; the target is 90%%", nm, total)
			}
		}
	}
}
