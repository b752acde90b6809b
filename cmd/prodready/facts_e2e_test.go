package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/backstage/backstagetest"
	"github.com/prodready/prodready/scorecard/github/githubtest"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
)

// guideScorecard is the guide's production-readiness scorecard, corrected.
const guideScorecard = "../../examples/scorecards/production-readiness.json"

// guideOrg is a GitHub organisation and a PagerDuty account in which each
// repository earns a known level of the guide's scorecard at now.
func guideOrg(t *testing.T, now time.Time) (gh *githubtest.Server, pd *pagerdutytest.Server) {
	t.Helper()
	merged := func(daysAgo int) []githubtest.Pull {
		at := now.Add(-time.Duration(daysAgo)*24*time.Hour - time.Hour)
		return []githubtest.Pull{{Number: 1, CreatedAt: at.Add(-time.Hour), UpdatedAt: at, ClosedAt: &at, MergedAt: &at}}
	}
	owners := map[string]string{"README.md": "# Service", ".github/CODEOWNERS": "* @acme/payments\n"}
	gh = githubtest.NewServer()
	t.Cleanup(gh.Close)
	for _, r := range []githubtest.Repo{
		// Everything, with on-call from PagerDuty: Gold.
		{Name: "checkout", Files: owners, Pulls: merged(5), Protection: &githubtest.Protection{RequiredApprovals: 2, CodeOwnerReviews: true}},
		// Fresh within 90 days and protected, but no code-owner review: Silver.
		{Name: "search", Files: owners, Pulls: merged(40), Protection: &githubtest.Protection{RequiredApprovals: 1}},
		// A README and a merge within the year, unprotected: Bronze.
		{Name: "ledger", Files: map[string]string{"README.md": "# Ledger"}, Pulls: merged(200)},
		// No README: Basic, however fresh.
		{Name: "scratch", Pulls: merged(3), Protection: &githubtest.Protection{RequiredApprovals: 1}},
		// Empty: no README, no merge, nothing to protect: Basic.
		{Name: "empty", Empty: true},
		// Protection cannot be read (the token's user is no admin): the
		// approvals are unknown, not 0, and Silver is not given on a guess.
		{Name: "noperm", Files: owners, Pulls: merged(10), Protection: &githubtest.Protection{RequiredApprovals: 2}, NotAdmin: true},
		// Archived and forks are not services.
		{Name: "old-monolith", Archived: true, Files: owners, Pulls: merged(900)},
		{Name: "forked-lib", Fork: true, Files: owners},
	} {
		gh.AddRepo("acme", r)
	}
	pd = pagerdutytest.NewServer()
	t.Cleanup(pd.Close)
	if err := pd.PutUser(pagerdutytest.User{ID: "PU1", Name: "Ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	pd.PutSchedule(pagerdutytest.Schedule{ID: "PS1", Name: "Primary", OnCall: []string{"PU1"}})
	pd.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "PE1", Name: "Checkout EP", Rules: [][]pagerdutytest.Target{{pagerdutytest.ScheduleTarget("PS1")}}})
	// Named as the repository, case aside: that is how it joins.
	pd.PutService(pagerdutytest.Service{ID: "PSV1", Name: "Checkout", EscalationPolicy: "PE1"})
	return gh, pd
}

func guideEnv(gh *githubtest.Server, pd *pagerdutytest.Server) map[string]string {
	return map[string]string{
		"GITHUB_TOKEN": githubtest.DefaultToken, "PRODREADY_GITHUB_ORG": "acme", "GITHUB_API_URL": gh.URL,
		"PAGERDUTY_TOKEN": pagerdutytest.DefaultToken, "PAGERDUTY_API_URL": pd.URL,
		"PRODREADY_SCORECARDS": guideScorecard,
	}
}

var guideLevels = map[string]string{"checkout": "Gold", "search": "Silver", "ledger": "Bronze", "scratch": "Basic", "empty": "Basic", "noperm": "Bronze"}

// levelsOf reads check --format json's levels on production_readiness.
func levelsOf(t *testing.T, out string) map[string]string {
	t.Helper()
	var doc checkJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("check's JSON: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, e := range doc.Entities {
		got[e.Identifier] = e.Scorecards["production_readiness"].Level
	}
	return got
}

func sameLevels(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for id, lvl := range want {
		if got[id] != lvl {
			t.Errorf("%s: %s is %q, want %s", what, id, got[id], lvl)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: %s evaluated, but it should have been left out", what, id)
		}
	}
}

// The guide end to end, without Port: GitHub's repositories are the
// services, PagerDuty's on-call joins them by name, and check, collect,
// properties and the bot agree.
func TestGuideWithoutPort(t *testing.T) {
	gh, pd := guideOrg(t, fixedTime(t))
	vars := guideEnv(gh, pd)

	code, out, errOut := cli(t, vars, "check", "--now", fixedNow, "--format", "json")
	if code != exitOK {
		t.Fatalf("check exit %d\n%s", code, errOut)
	}
	sameLevels(t, "check", levelsOf(t, out), guideLevels)
	for _, want := range []string{"Administration", "noperm"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check's warnings do not mention %q:\n%s", want, errOut)
		}
	}
	if strings.Count(errOut, "Administration") != 1 {
		t.Errorf("the missing permission is not said exactly once:\n%s", errOut)
	}
	if strings.Contains(out+errOut, githubtest.DefaultToken) || strings.Contains(out+errOut, pagerdutytest.DefaultToken) {
		t.Error("a token is printed")
	}

	// The gate: search is Silver, the others below are listed.
	if code, _, errOut := cli(t, vars, "check", "--now", fixedNow, "--min-level", "Silver"); code != exitBelow || !strings.Contains(errOut, "ledger is Bronze") {
		t.Errorf("check --min-level Silver: exit %d\n%s", code, errOut)
	}

	// collect writes what check saw; check --catalog reads it back, with no
	// GitHub or PagerDuty configured, and gives the same levels.
	file := filepath.Join(t.TempDir(), "catalog.json")
	if code, _, errOut := cli(t, vars, "collect", "-o", file); code != exitOK {
		t.Fatalf("collect exit %d\n%s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc collectedCatalog
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	src := doc.Sources["checkout"]
	if src["readme"] != "github" || src["on_call"] != "pagerduty" || src["$team"] != "github" {
		t.Errorf("checkout's sources: %v", src)
	}
	for _, e := range doc.Entities {
		if e.Identifier == "checkout" && (e.Properties["on_call"] != "ada@example.com" || e.Properties["repository"] != "acme/checkout") {
			t.Errorf("checkout collected as %+v", e.Properties)
		}
		if e.Identifier == "noperm" && e.Properties["required_approvals_for_pr"] != nil {
			t.Errorf("noperm's approvals were not readable, yet collected as %v", e.Properties["required_approvals_for_pr"])
		}
	}
	code, out, errOut = cli(t, map[string]string{}, "check", "--catalog", file, "--scorecards", guideScorecard, "--now", fixedNow, "--format", "json")
	if code != exitOK {
		t.Fatalf("check --catalog on collect's output: exit %d\n%s", code, errOut)
	}
	if strings.Contains(errOut, "warning") || strings.Contains(errOut, "error") {
		t.Errorf("collect's output is not a clean catalog:\n%s", errOut)
	}
	sameLevels(t, "round trip", levelsOf(t, out), guideLevels)

	// properties: every field the guide reads has a source.
	code, out, errOut = cli(t, vars, "properties")
	if code != exitOK || strings.Contains(out, "none") || !strings.Contains(out, "on_call") || !strings.Contains(out, "PagerDuty") || !strings.Contains(out, "GitHub") {
		t.Errorf("properties: exit %d\n%s\n%s", code, out, errOut)
	}

	// /prodready <repo> through the bot, from the same source.
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: envOf(vars)}
	source, err := pickSource(e, sourceFlags{}, withLog(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	fixed, _ := time.Parse(time.RFC3339, fixedNow)
	h := slackapp.NewHolder(source, func() time.Time { return fixed }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ask, want string }{{"checkout", "Gold"}, {"Search", "Silver"}, {"noperm", "Bronze"}} {
		msg := slackapp.Answer(h.Current(), slackapp.ParseQuery(c.ask))
		if !strings.Contains(msg.Text, c.want) {
			t.Errorf("/prodready %s: %q, want %s", c.ask, msg.Text, c.want)
		}
	}
	if msg := slackapp.Answer(h.Current(), slackapp.ParseQuery("old-monolith")); strings.Contains(msg.Text, "Gold") || strings.Contains(msg.Text, "Basic") {
		t.Errorf("an archived repository answers as a service: %q", msg.Text)
	}
}

// Backstage's catalog, GitHub's facts joined through the
// github.com/project-slug annotation (the component's name is not the
// repository's).
func TestBackstageWithGitHubFacts(t *testing.T) {
	gh, pd := guideOrg(t, fixedTime(t))
	bs := backstagetest.NewServer(backstagetest.WithToken("bs-secret-token-1"))
	t.Cleanup(bs.Close)
	comp := func(name, slug string) backstage.Entity {
		return backstage.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: backstage.Metadata{Name: name, Title: strings.ToUpper(name[:1]) + name[1:], Annotations: map[string]string{"github.com/project-slug": slug}},
			Spec:     map[string]any{"type": "service", "owner": "group:default/payments", "lifecycle": "production"}}
	}
	if err := bs.SetEntities([]backstage.Entity{
		comp("payments-web", "acme/checkout"),
		comp("search-api", "acme/search"),
		comp("unknown-repo", "acme/nowhere"),
	}); err != nil {
		t.Fatal(err)
	}
	vars := guideEnv(gh, pd)
	vars["BACKSTAGE_URL"] = bs.URL
	vars["BACKSTAGE_TOKEN"] = "bs-secret-token-1"

	code, out, errOut := cli(t, vars, "check", "--now", fixedNow, "--format", "json")
	if code != exitOK {
		t.Fatalf("check exit %d\n%s", code, errOut)
	}
	got := levelsOf(t, out)
	// payments-web is checkout's repository but has no on-call: PagerDuty's
	// "Checkout" service matches neither its name nor its title.
	want := map[string]string{"payments-web": "Silver", "search-api": "Silver", "unknown-repo": "Basic"}
	sameLevels(t, "backstage", got, want)
	if !strings.Contains(errOut, "unknown-repo") || !strings.Contains(errOut, "ledger") {
		t.Errorf("what did not join is not said:\n%s", errOut)
	}
	if strings.Contains(out+errOut, "bs-secret-token-1") {
		t.Error("the Backstage token is printed")
	}

	file := filepath.Join(t.TempDir(), "catalog.json")
	if code, _, errOut := cli(t, vars, "collect", "-o", file); code != exitOK {
		t.Fatalf("collect exit %d\n%s", code, errOut)
	}
	data, _ := os.ReadFile(file)
	var doc collectedCatalog
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Sources["payments-web"]; s["readme"] != "github" || s["lifecycle"] != "catalog" || s["github.com/project-slug"] != "catalog" {
		t.Errorf("payments-web's sources: %v", s)
	}

	// Without scorecard files, the demo's are evaluated, and it is said.
	delete(vars, "PRODREADY_SCORECARDS")
	code, out, errOut = cli(t, vars, "check", "--now", fixedNow, "--format", "json")
	if code != exitOK || !strings.Contains(errOut, "PRODREADY_SCORECARDS is not") {
		t.Fatalf("Backstage without scorecards: exit %d\n%s", code, errOut)
	}
	var res checkJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Entities) != 3 || res.Entities[0].Scorecards["production_readiness"].Level == "" {
		t.Errorf("Backstage with the demo's scorecards: %v\n%s", err, out)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "prodready-demo-scorecards-*.json")); len(left) > 0 {
		t.Errorf("temporary scorecard files left behind: %v", left)
	}
}

func fixedTime(t *testing.T) time.Time {
	t.Helper()
	now, err := time.Parse(time.RFC3339, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	return now
}

// run refresh stores a snapshot of the repositories' levels, and keeps
// GitHub's ETags in the same database for the next run.
func TestRunRefreshWithGitHubFacts(t *testing.T) {
	gh, pd := guideOrg(t, time.Now())
	vars := guideEnv(gh, pd)
	vars["PRODREADY_DB"] = filepath.Join(t.TempDir(), "history.db")
	for i := range 2 {
		_, before := gh.Count()
		code, out, errOut := cli(t, vars, "run", "refresh")
		if code != exitOK || !strings.Contains(out, "Stored snapshot") {
			t.Fatalf("run refresh %d: exit %d\n%s\n%s", i, code, out, errOut)
		}
		if _, after := gh.Count(); i == 1 && after == before {
			t.Error("the second run was not answered 304 from the database's ETags")
		}
	}
}
