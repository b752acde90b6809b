package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// demoFailures runs check --format json on the demo and returns every
// failing rule as "entity/scorecard/rule" -> its reasons joined by "; ".
func demoFailures(t *testing.T, args ...string) map[string]string {
	t.Helper()
	code, out, errs := cli(t, nil, append([]string{"check", "--format", "json", "--now", fixedNow}, args...)...)
	if code != 0 {
		t.Fatalf("check --format json: exit %d: %s", code, errs)
	}
	var doc checkJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	fails := map[string]string{}
	for _, e := range doc.Entities {
		for id, sc := range e.Scorecards {
			for _, r := range sc.Rules {
				if r.Status == "FAILURE" {
					fails[e.Identifier+"/"+id+"/"+r.Identifier] = strings.Join(r.Reasons, "; ")
				}
			}
		}
	}
	if len(fails) == 0 {
		t.Fatal("the demo has no failing rule")
	}
	return fails
}

// The JUnit document as GitLab, Jenkins and CircleCI read it.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, data string) junitDoc {
	t.Helper()
	var doc junitDoc
	if err := xml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, data)
	}
	return doc
}

func TestFormatJUnit(t *testing.T) {
	want := demoFailures(t)
	code, out, errs := cli(t, nil, "check", "--format", "junit", "--now", fixedNow)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration: %.60s", out)
	}
	doc := parseJUnit(t, out)
	if len(doc.Suites) != 30 {
		t.Errorf("%d test suites, want one per demo service (30)", len(doc.Suites))
	}
	got := map[string]string{}
	tests, failures := 0, 0
	for _, s := range doc.Suites {
		sf := 0
		for _, c := range s.Cases {
			scorecardID, ok := strings.CutPrefix(c.Classname, s.Name+".")
			m := regexp.MustCompile(`\[([^\]]+)\]$`).FindStringSubmatch(c.Name)
			if !ok || m == nil || c.Time == "" {
				t.Fatalf("suite %s: test case %+v is not named service.scorecard / level: title [rule]", s.Name, c)
			}
			if c.Failure != nil {
				sf++
				key := s.Name + "/" + scorecardID + "/" + m[1]
				if _, dup := got[key]; dup {
					t.Errorf("two failures for %s", key)
				}
				got[key] = c.Failure.Message
				if c.Failure.Type == "" || !strings.Contains(c.Failure.Text, c.Failure.Message) {
					t.Errorf("%s: failure type %q, text %q", key, c.Failure.Type, c.Failure.Text)
				}
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != sf || s.Errors != 0 || s.Skipped != 0 || s.Timestamp != "2026-11-26T09:00:00" {
			t.Errorf("suite %s counts tests=%d failures=%d for %d cases, %d failures; timestamp %q", s.Name, s.Tests, s.Failures, len(s.Cases), sf, s.Timestamp)
		}
		tests += s.Tests
		failures += s.Failures
	}
	if doc.Tests != tests || doc.Failures != failures {
		t.Errorf("testsuites counts %d/%d, suites add up to %d/%d", doc.Tests, doc.Failures, tests, failures)
	}
	// One failure per failing rule, with the reason: value it has, what it needs.
	if len(got) != len(want) {
		t.Errorf("%d failures, want %d (one per failing rule)", len(got), len(want))
	}
	for k, reason := range want {
		if got[k] != reason {
			t.Errorf("%s: failure message %q, want %q", k, got[k], reason)
		}
	}
	if got["payments-api/production_readiness/freshness_under_30"] != "freshness is 35; needs < 30" {
		t.Errorf("payments-api's failure: %q", got["payments-api/production_readiness/freshness_under_30"])
	}
	// The level of each scorecard travels as a suite property.
	for _, s := range doc.Suites {
		if s.Name == "payments-api" {
			if len(s.Properties) != 2 || s.Properties[0].Name != "level.production_readiness" || s.Properties[0].Value != "Silver" {
				t.Errorf("payments-api properties %+v", s.Properties)
			}
		}
	}
}

// ghUnescape is what the runner does with a workflow command's parts.
func ghUnescape(s string) string {
	return strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",").Replace(s)
}

var ghCommand = regexp.MustCompile(`^::(error|warning|notice) title=([^:,]*)::(.*)$`)

func TestFormatGitHub(t *testing.T) {
	want := demoFailures(t)
	code, out, _ := cli(t, nil, "check", "--format", "github", "--min-level", "Silver", "--now", fixedNow)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (services below Silver)", code)
	}
	kinds, titles, notices := ghAnnotations(t, out)
	// GitHub shows 10 errors and 10 warnings of a step: the demo has more
	// of each, so 10 of each, and a notice counting the rest.
	if kinds["error"] != 10 || kinds["warning"] != 10 || kinds["notice"] != 2 {
		t.Errorf("%v annotations, want 10 errors, 10 warnings and 2 notices", kinds)
	}
	var moreErr, moreWarn int
	if _, err := fmt.Sscanf(notices[0], "%d errors and %d warnings more than GitHub shows (10 of each): see the job summary", &moreErr, &moreWarn); err != nil {
		t.Fatalf("the first notice does not count what is not shown: %q (%v)", notices[0], err)
	}
	if 10+moreErr+10+moreWarn != len(want) {
		t.Errorf("10 + %d errors and 10 + %d warnings, want %d failing rules in all", moreErr, moreWarn, len(want))
	}
	// The most important errors first: every Bronze rule before any Silver one.
	levels := regexp.MustCompile(`(?m)^::error title=[^:]*\((Bronze|Silver)\)::`).FindAllStringSubmatch(out, -1)
	for i := 1; i < len(levels); i++ {
		if levels[i-1][1] == "Silver" && levels[i][1] == "Bronze" {
			t.Errorf("a Bronze error after a Silver one:\n%s", out)
		}
	}
	if titles["refunds-worker: Has a README (Bronze)"] != "error" || !strings.Contains(out, "::notice title=prodready::13 of 30 services below Silver (27 failing rules, 97 warnings)") {
		t.Errorf("refunds-worker's README error, or the closing notice:\n%s", out)
	}
	// Two services: every failing rule is shown.
	want2 := 0
	for k := range want {
		if strings.HasPrefix(k, "refunds-worker/") || strings.HasPrefix(k, "payments-api/") {
			want2++
		}
	}
	code, out, _ = cli(t, nil, "check", "refunds-worker", "payments-api", "--format", "github", "--min-level", "Silver", "--now", fixedNow)
	kinds, titles, _ = ghAnnotations(t, out)
	if code != 1 || kinds["error"]+kinds["warning"] != want2 || kinds["notice"] != 1 {
		t.Errorf("exit %d, %v annotations, want one error or warning per failing rule (%d) and a notice", code, kinds, want2)
	}
	// refunds-worker is Basic: its Silver rules keep it below Silver (errors);
	// payments-api is Silver: its Gold rule is only a warning.
	for title, kind := range map[string]string{
		"refunds-worker: Code-owner review required (Silver)":  "error",
		"refunds-worker: Has a README (Bronze)":                "error",
		"refunds-worker: Has an on-call (Gold)":                "warning",
		"payments-api: Merged a PR in the last 30 days (Gold)": "warning",
	} {
		if titles[title] != kind {
			t.Errorf("%q is %q, want %s", title, titles[title], kind)
		}
	}
	if !strings.Contains(out, "::warning title=payments-api%3A Merged a PR in the last 30 days (Gold)::payments-api is Silver on Production Readiness; the Gold rule freshness_under_30 fails: freshness is 35; needs < 30%0A") {
		t.Errorf("payments-api's annotation:\n%s", out)
	}
	if !strings.Contains(out, "99.9%25") || !strings.Contains(out, "::notice title=prodready::") {
		t.Errorf("a %% is not escaped, or no notice:\n%s", out)
	}
	// Without --min-level nothing gates: warnings only, exit 0.
	code, out, _ = cli(t, nil, "check", "refunds-worker", "--format", "github", "--now", fixedNow)
	if code != 0 || strings.Contains(out, "::error") || !strings.Contains(out, "::warning") {
		t.Errorf("without --min-level: exit %d\n%s", code, out)
	}
}

// ghAnnotations reads --format github's output: every line a workflow
// command, its message on one line.
func ghAnnotations(t *testing.T, out string) (kinds map[string]int, titles map[string]string, notices []string) {
	t.Helper()
	kinds, titles = map[string]int{}, map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := ghCommand.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not a workflow command: %q", l)
		}
		kinds[m[1]]++
		titles[ghUnescape(m[2])] = m[1]
		if m[1] == "notice" {
			notices = append(notices, ghUnescape(m[3]))
		}
		if strings.ContainsAny(m[3], "\r\n") {
			t.Errorf("unescaped newline in %q", l)
		}
	}
	return kinds, titles, notices
}

func TestFormatMarkdown(t *testing.T) {
	code, out, _ := cli(t, nil, "check", "payments-api", "refunds-worker", "legacy-billing", "--format", "markdown", "--min-level", "Silver", "--now", fixedNow)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"## prodready check\n\n❌ 2 of 3 services below Silver (evaluated at 2026-11-26T09:00:00Z)",
		"| Service | Team | Production Readiness | Operational Maturity |",
		"| payments-api | payments | Silver (7/8) | Operable (4/6) |",
		"| refunds-worker | payments | ❌ Basic (3/8) | Resilient (6/6) |",
		"| legacy-billing |  | ❌ Basic (2/8) | — |",
		"#### payments-api — Production Readiness: Silver",
		"| Gold | Merged a PR in the last 30 days (`freshness_under_30`) | freshness is 35; needs &lt; 30 |",
		"**Next:** to reach Gold, fix 1 rule: Merged a PR in the last 30 days.",
		"**Next:** to reach Bronze, fix 1 rule: Has a README.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q\n%s", want, out)
		}
	}
	code, out, _ = cli(t, nil, "check", "checkout-web", "--format", "markdown", "--min-level", "Silver", "--now", fixedNow)
	if code != 0 || !strings.Contains(out, "✅ 1 service at or above Silver") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestCheckRepository(t *testing.T) {
	cat := writeFile(t, "cat.json", `[
		{"identifier":"slugged","properties":{"github.com/project-slug":"Octo/Mono"}},
		{"identifier":"nested","properties":{"annotations":{"github.com/project-slug":"octo/mono"}}},
		{"identifier":"by-url","properties":{"repository":"https://github.com/octo/web.git"}},
		{"identifier":"by-name","relations":{"repository":"worker"}},
		{"identifier":"api","properties":{}},
		{"identifier":"other","relations":{"repository":"github.com/someone-else/api"}}
	]`)
	cases := []struct {
		repo string
		code int
		want []string
		err  string
	}{
		{"octo/mono", 0, []string{"slugged", "nested"}, "slugged (annotation github.com/project-slug), nested (annotation github.com/project-slug)"},
		{"octo/web", 0, []string{"by-url"}, "by-url (property repository)"},
		{"OCTO/worker", 0, []string{"by-name"}, "by-name (relation repository)"},
		{"octo/api", 0, []string{"api"}, "api (identifier = repository name)"},
		{"octo/nothing", 2, nil, `no service belongs to repository octo/nothing`},
		{"just-a-name", 2, nil, `--repository "just-a-name" is not OWNER/NAME`},
	}
	for _, tc := range cases {
		t.Run(tc.repo, func(t *testing.T) {
			code, out, errs := cli(t, nil, "check", "--catalog", cat, "--repository", tc.repo, "--format", "json")
			if code != tc.code || !strings.Contains(errs, tc.err) {
				t.Fatalf("exit %d (want %d)\nstderr: %s\nwant ~ %q", code, tc.code, errs, tc.err)
			}
			if tc.code != 0 {
				return
			}
			var doc checkJSON
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range doc.Entities {
				ids = append(ids, e.Identifier)
			}
			if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
				t.Errorf("services %v, want %v", ids, tc.want)
			}
		})
	}
	// The demo's services name their repository in a relation.
	code, out, errs := cli(t, nil, "check", "--repository", "example/payments-api", "--now", fixedNow)
	if code != 0 || !strings.HasPrefix(out, "payments-api (Payments API)") || strings.Contains(out, "checkout-web") {
		t.Errorf("demo: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cli(t, nil, "check", "payments-api", "--repository", "example/payments-api"); code != 2 || !strings.Contains(errs, "not both") {
		t.Errorf("service and --repository: exit %d: %s", code, errs)
	}
}

// --summary and --github-output append to the files GitHub Actions gives.
func TestCheckGitHubFiles(t *testing.T) {
	dir := t.TempDir()
	summary, outputs := filepath.Join(dir, "summary.md"), filepath.Join(dir, "output")
	if err := os.WriteFile(outputs, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := cli(t, nil, "check", "refunds-worker", "--scorecard", "production_readiness", "--min-level", "Silver",
		"--format", "github", "--summary", summary, "--github-output", outputs, "--now", fixedNow)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	out, _ := os.ReadFile(outputs)
	if string(out) != "earlier=1\nlevel=Basic\nlevels={\"production_readiness\":\"Basic\"}\npassed=false\nregressions=0\n" {
		t.Errorf("outputs:\n%s", out)
	}
	sum, _ := os.ReadFile(summary)
	if !strings.Contains(string(sum), "❌ 1 of 1 service below Silver") {
		t.Errorf("summary:\n%s", sum)
	}
	code, _, errs = cli(t, nil, "check", "payments-api", "--github-output", outputs, "--now", fixedNow)
	out, _ = os.ReadFile(outputs)
	if code != 0 || !strings.HasSuffix(string(out), "level=Silver\nlevels={\"production_readiness\":\"Silver\",\"operational_maturity\":\"Operable\"}\npassed=true\nregressions=0\n") {
		t.Errorf("exit %d %s\noutputs:\n%s", code, errs, out)
	}
	code, _, errs = cli(t, nil, "check", "payments-api", "--summary", filepath.Join(dir, "no-such-dir", "s.md"))
	if code != 2 || !strings.Contains(errs, "--summary "+filepath.Join(dir, "no-such-dir", "s.md")) {
		t.Errorf("unwritable summary: exit %d: %s", code, errs)
	}
}
