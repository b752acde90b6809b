package github_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// benchOrg fills an organisation of n repositories with a realistic mix:
//   - 2% empty; 86% with a README;
//   - CODEOWNERS: 70% in .github/ with a catch-all team, 10% at the root
//     with one, 10% in docs/ without one, 10% none;
//   - 90% with classic protection, half with a pull_request ruleset;
//   - three pull requests each (merged, closed, open), two teams.
func benchOrg(srv *githubtest.Server, n int) {
	for i := range n {
		r := githubtest.Repo{Name: fmt.Sprintf("svc-%05d", i), Topics: []string{"go", "backend"}, Files: map[string]string{},
			PushedAt: now.Add(-time.Duration(i) * time.Minute),
			Teams:    []githubtest.TeamAccess{{Slug: "owners", Permission: "admin"}, {Slug: "everyone", Permission: "pull"}},
			Pulls: []githubtest.Pull{
				{Number: 1, CreatedAt: *at(20), UpdatedAt: *at(10), MergedAt: at(10)},
				{Number: 2, CreatedAt: *at(9), UpdatedAt: *at(8), ClosedAt: at(8)},
				{Number: 3, CreatedAt: *at(2), UpdatedAt: *at(1)},
			},
		}
		if i%7 != 0 {
			r.Files["README.md"] = fmt.Sprintf("# svc-%05d\n\nRuns the %d things.\n", i, i)
		}
		switch i % 10 {
		case 0, 1, 2, 4, 5, 6, 9:
			r.Files[".github/CODEOWNERS"] = "* @acme/team-" + fmt.Sprint(i%13) + "\n/docs/ @acme/writers\n"
		case 7:
			r.Files["CODEOWNERS"] = "* @acme/team-" + fmt.Sprint(i%13) + "\n"
		case 8:
			r.Files["docs/CODEOWNERS"] = "/api/ @acme/api\n"
		}
		if i%10 != 3 {
			r.Protection = &githubtest.Protection{RequiredApprovals: 1 + i%2, CodeOwnerReviews: i%3 == 0}
		}
		if i%2 == 0 {
			r.Rules = []githubtest.Rule{{Type: "pull_request", RequiredApprovals: 1, Source: "Organization"}, {Type: "deletion", Source: "Organization"}}
		}
		if i%50 == 0 {
			r.Empty, r.Files, r.Pulls = true, nil, nil
		}
		srv.AddRepo("acme", r)
	}
}

const benchLatency = 50 * time.Millisecond

func benchServer(b *testing.B, n int) *githubtest.Server {
	srv := githubtest.NewServer(githubtest.WithLatency(benchLatency), githubtest.WithRateLimit(1_000_000, time.Hour), githubtest.WithoutRequestLog())
	b.Cleanup(srv.Close)
	benchOrg(srv, n)
	return srv
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchFirst: a first full collection (empty cache) of n repositories
// over a GitHub 50 ms away, with the default concurrency.
func benchFirst(b *testing.B, n int) {
	srv := benchServer(b, n)
	ctx := context.Background()
	var total int
	var retained uint64
	for b.Loop() {
		srv.ResetRequests()
		base := heapInUse()
		cl, err := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken})
		if err != nil {
			b.Fatal(err)
		}
		f, err := (&github.Collector{Client: cl, Org: "acme"}).Collect(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Records) != n || len(f.Warnings) != 0 {
			b.Fatalf("%d records, warnings %q", len(f.Records), f.Warnings)
		}
		total, _ = srv.Count()
		// What a run keeps: the facts and the cache for the next run.
		retained = heapInUse() - min(base, heapInUse())
		runtime.KeepAlive(f)
		runtime.KeepAlive(cl)
	}
	b.ReportMetric(float64(total)/float64(n), "requests/repo")
	b.ReportMetric(float64(retained)/(1<<20), "retained-MB")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/collection")
}

// benchSecond: the collection after an unchanged first one, same client
// and cache.
func benchSecond(b *testing.B, n int) {
	srv := benchServer(b, n)
	ctx := context.Background()
	var total, nm int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cl, err := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken})
		if err != nil {
			b.Fatal(err)
		}
		c := &github.Collector{Client: cl, Org: "acme"}
		if _, err := c.Collect(ctx, now); err != nil {
			b.Fatal(err)
		}
		srv.ResetRequests()
		b.StartTimer()
		f, err := c.Collect(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if len(f.Records) != n || len(f.Warnings) != 0 {
			b.Fatalf("%d records, warnings %q", len(f.Records), f.Warnings)
		}
		total, nm = srv.Count()
	}
	b.ReportMetric(float64(total)/float64(n), "requests/repo")
	b.ReportMetric(100*float64(nm)/float64(max(total, 1)), "%304")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/collection")
}

// Targets: ≤ 60 s and ≤ 5 requests per repository.
func BenchmarkFirstCollection1k(b *testing.B) { benchFirst(b, 1000) }

// Targets: ≤ 20 s and ≥ 95% of requests answered 304.
func BenchmarkSecondCollection1k(b *testing.B) { benchSecond(b, 1000) }

// Linear in n: compare s/collection and retained-MB with 1k.
func BenchmarkFirstCollection10k(b *testing.B)  { benchFirst(b, 10_000) }
func BenchmarkSecondCollection10k(b *testing.B) { benchSecond(b, 10_000) }
