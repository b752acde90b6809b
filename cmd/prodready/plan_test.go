package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/gate"
	"github.com/prodready/prodready/scorecard/demo"
)

func runCLI(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

// planFixture writes a generated catalog of n services, the demo's
// scorecards, and a changed copy of them: a threshold made stricter, a rule
// moved up a level, a rule removed and one added.
func planFixture(t *testing.T, n int) (dir, catalog, old, next string) {
	t.Helper()
	dir = t.TempDir()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	b, err := demo.Scaled(context.Background(), now, n, 100)
	if err != nil {
		t.Fatal(err)
	}
	catalog = filepath.Join(dir, "catalog.json")
	data, _ := json.Marshal(b.Catalog.Entities)
	os.WriteFile(catalog, data, 0o600)
	raw, err := os.ReadFile("../../scorecard/demo/scorecards.json")
	if err != nil {
		t.Fatal(err)
	}
	old = filepath.Join(dir, "old.json")
	os.WriteFile(old, raw, 0o600)
	var scs []map[string]any
	if err := json.Unmarshal(raw, &scs); err != nil {
		t.Fatal(err)
	}
	rules := scs[0]["rules"].([]any)
	for _, r := range rules {
		rm := r.(map[string]any)
		switch rm["identifier"] {
		case "freshness_under_year":
			cond := rm["query"].(map[string]any)["conditions"].([]any)[0].(map[string]any)
			cond["value"] = 90.0
		case "required_approvals":
			rm["level"] = "Gold"
		}
	}
	rules = append(rules[1:], map[string]any{"identifier": "has_owner", "title": "Has an owner | <b>team</b>", "level": "Bronze",
		"query": map[string]any{"combinator": "and", "conditions": []any{map[string]any{"property": "$team", "operator": "isNotEmpty"}}}})
	scs[0]["rules"] = rules
	data, _ = json.Marshal(scs)
	next = filepath.Join(dir, "new.json")
	os.WriteFile(next, data, 0o600)
	return dir, catalog, old, next
}

func checkLevels(t *testing.T, catalog, scorecards, now string) map[string]map[string]string {
	t.Helper()
	code, out, errs := runCLI(t, nil, "check", "--catalog", catalog, "--scorecards", scorecards, "--format", "json", "--now", now)
	if code != exitOK {
		t.Fatalf("check exit %d: %s", code, errs)
	}
	var doc gate.JSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	levels := map[string]map[string]string{}
	for _, e := range doc.Entities {
		levels[e.Identifier] = map[string]string{}
		for id, sc := range e.Scorecards {
			levels[e.Identifier][id] = sc.Level
		}
	}
	return levels
}

// TestPlanAgreesWithCheck is issue 23's acceptance: for each service of a
// generated catalog of 10,000, the plan gives exactly the levels check
// gives with the old and with the new scorecards.
func TestPlanAgreesWithCheck(t *testing.T) {
	_, catalog, old, next := planFixture(t, 10_000)
	const now = "2026-11-26T12:00:00Z"
	before := checkLevels(t, catalog, old, now)
	after := checkLevels(t, catalog, next, now)
	code, out, errs := runCLI(t, nil, "plan", "--catalog", catalog, "--base", old, "--scorecards", next, "--format", "json", "--now", now)
	if code != exitOK {
		t.Fatalf("plan exit %d: %s", code, errs)
	}
	var p report.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	changed := map[string]map[string]report.LevelChange{}
	for _, sp := range p.Scorecards {
		for _, c := range sp.Changes {
			if changed[c.Service] == nil {
				changed[c.Service] = map[string]report.LevelChange{}
			}
			changed[c.Service][sp.Identifier] = c
		}
	}
	diffs := 0
	for svc, b := range before {
		for id := range mergeKeys(b, after[svc]) {
			c, isChange := changed[svc][id]
			if b[id] == after[svc][id] {
				if isChange {
					t.Errorf("%s %s: plan says %s → %s, check says %s both times", svc, id, c.Before, c.After, b[id])
				}
				continue
			}
			diffs++
			if !isChange || c.Before != b[id] || c.After != after[svc][id] {
				t.Errorf("%s %s: check says %q → %q; plan %+v", svc, id, b[id], after[svc][id], c)
			}
		}
	}
	if diffs == 0 {
		t.Fatal("the change moved no service: the test proves nothing")
	}
	if p.Demotions == 0 {
		t.Error("a stricter threshold demoted no one")
	}
	var rules []string
	for _, r := range p.Scorecards[0].Rules {
		rules = append(rules, r.Rule+":"+r.Change)
	}
	for _, want := range []string{"freshness_under_year:changed", "required_approvals:changed", "has_owner:added", "has_readme:removed"} {
		if !strings.Contains(strings.Join(rules, " "), want) {
			t.Errorf("rules %v lack %s", rules, want)
		}
	}
}

func mergeKeys(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func TestPlanFormatsAndExits(t *testing.T) {
	dir, catalog, old, next := planFixture(t, 200)
	const now = "2026-11-26T12:00:00Z"
	code, out, _ := runCLI(t, nil, "plan", "--catalog", catalog, "--base", old, "--scorecards", next, "--format", "markdown", "--now", now, "--fail-on-demotion")
	if code != exitBelow {
		t.Errorf("--fail-on-demotion with demotions: exit %d, want 1", code)
	}
	if !strings.Contains(out, `Has an owner \| \<b\>team\</b\>`) || strings.Contains(out, "<b>") {
		t.Errorf("markdown does not escape a rule's title:\n%s", out)
	}
	code, out, _ = runCLI(t, nil, "plan", "--catalog", catalog, "--base", old, "--scorecards", old, "--now", now, "--fail-on-demotion")
	if code != exitOK || !strings.Contains(out, "no service changes level") {
		t.Errorf("the same definitions: exit %d:\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"identifier": "x", "rules": [`), 0o600)
	code, _, errs := runCLI(t, nil, "plan", "--catalog", catalog, "--scorecards", bad)
	if code != exitUsage || !strings.Contains(errs, bad) {
		t.Errorf("definitions that do not parse: exit %d, stderr %q; want 2 naming the file", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "plan", "--catalog", catalog); code != exitUsage || !strings.Contains(errs, "--scorecards") {
		t.Errorf("no --scorecards: exit %d, %q", code, errs)
	}
}

func TestPlanSaysWhatAnAnnouncedRuleWillDo(t *testing.T) {
	dir, catalog, old, _ := planFixture(t, 500)
	initiatives := filepath.Join(dir, "initiatives.yaml")
	os.WriteFile(initiatives, []byte("announcements:\n  - {scorecard: production_readiness, rule: has_readme, from: 2027-02-01}\n"), 0o600)
	vars := map[string]string{"PRODREADY_INITIATIVES": initiatives}
	code, out, errs := runCLI(t, vars, "plan", "--catalog", catalog, "--base", old, "--scorecards", old, "--now", "2026-11-26T12:00:00Z")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "announced rule Has a README [has_readme] counts from 1 Feb 2027: ") || !strings.Contains(out, "would drop a level") {
		t.Errorf("plan output:\n%s", out)
	}
}

// TestCheckShowsAnnouncedRules: before its date an announced rule is shown
// with counts_from and leaves every level as it would be without it.
func TestCheckShowsAnnouncedRules(t *testing.T) {
	dir, catalog, old, _ := planFixture(t, 300)
	initiatives := filepath.Join(dir, "initiatives.yaml")
	os.WriteFile(initiatives, []byte("announcements:\n  - {scorecard: production_readiness, rule: has_readme, from: 2027-02-01}\n"), 0o600)
	vars := map[string]string{"PRODREADY_INITIATIVES": initiatives}
	for _, tc := range []struct {
		now     string
		pending bool
	}{{"2027-01-31T23:59:59Z", true}, {"2027-02-01T00:00:00Z", false}} {
		code, out, errs := runCLI(t, vars, "check", "--catalog", catalog, "--scorecards", old, "--format", "json", "--now", tc.now)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var doc gate.JSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		// The level without the rule: what a scorecard without it gives.
		without := checkLevelsWithout(t, dir, catalog, old, "has_readme", tc.now)
		with := checkLevels(t, catalog, old, tc.now)
		for _, e := range doc.Entities {
			sc, ok := e.Scorecards["production_readiness"]
			if !ok {
				continue
			}
			want := with[e.Identifier]["production_readiness"]
			if tc.pending {
				want = without[e.Identifier]["production_readiness"]
			}
			if sc.Level != want {
				t.Errorf("%s at %s: %s, want %s", e.Identifier, tc.now, sc.Level, want)
			}
			for _, r := range sc.Rules {
				if (r.Identifier == "has_readme" && tc.pending) != (r.CountsFrom == "2027-02-01") {
					t.Errorf("%s at %s: rule %s counts_from %q", e.Identifier, tc.now, r.Identifier, r.CountsFrom)
				}
			}
		}
	}
}

func checkLevelsWithout(t *testing.T, dir, catalog, scorecards, rule, now string) map[string]map[string]string {
	t.Helper()
	raw, _ := os.ReadFile(scorecards)
	var scs []map[string]any
	json.Unmarshal(raw, &scs)
	for _, sc := range scs {
		var keep []any
		for _, r := range sc["rules"].([]any) {
			if r.(map[string]any)["identifier"] != rule {
				keep = append(keep, r)
			}
		}
		sc["rules"] = keep
	}
	data, _ := json.Marshal(scs)
	path := filepath.Join(dir, "without.json")
	os.WriteFile(path, data, 0o600)
	return checkLevels(t, catalog, path, now)
}

// TestAnnouncementsReachServeAndTheJobs: the source serve, the jobs and
// the MCP tools load from applies PRODREADY_INITIATIVES' announcements at
// each load, and an initiatives file with an error stops the load, naming it.
func TestAnnouncementsReachServeAndTheJobs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "initiatives.yaml")
	os.WriteFile(good, []byte("announcements:\n  - {scorecard: production_readiness, rule: has_readme, from: 2099-02-01}\n"), 0o600)
	src := withAnnouncements(demo.Source{}, &settings{initiatives: good})
	b, err := src.Load(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sc := range b.Scorecards {
		if i := sc.RuleIndex("has_readme"); sc.Identifier == "production_readiness" && i >= 0 {
			found = sc.Rules[i].CountsFrom.Equal(time.Date(2099, 2, 1, 0, 0, 0, 0, time.UTC))
		}
	}
	if !found {
		t.Error("the announced rule does not count from its date after a load")
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("initiatives:\n  - {id: a}\n"), 0o600)
	if _, err := withAnnouncements(demo.Source{}, &settings{initiatives: bad}).Load(context.Background(), time.Now()); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a bad file: err = %v, want one naming %s", err, bad)
	}
	if src := withAnnouncements(demo.Source{}, &settings{}); src != (demo.Source{}) {
		t.Error("without PRODREADY_INITIATIVES the source is wrapped")
	}
}
