package scorecard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir is Port's published reference material, beside the repository.
const sharedDir = "../../shared/port/scorecards"

func readShared(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir, name))
	if os.IsNotExist(err) {
		t.Skipf("%s is absent (../shared is only beside the repository in development and CI): skipping", sharedDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Every scorecard Port publishes loads; 07 carries the string-versus-boolean warning.
func TestPortPublishedScorecardsLoad(t *testing.T) {
	cases := []struct {
		file       string
		scorecards int
		levels     [][]string
		warn       string // a warning that must be there
	}{
		{"01-ownership-filter-relation.json", 1, [][]string{{"Basic", "Bronze", "Silver", "Gold"}}, ""},
		{"02-dora-metrics-custom-levels.json", 1, [][]string{{"Low", "Medium", "High", "Elite"}}, ""},
		{"03-pci-dss-five-levels-containsAny.json", 1, [][]string{{"Basic", "Bronze", "Silver", "Gold", "Platinum"}}, ""},
		{"04-ai-readiness-two-custom-levels.json", 1, [][]string{{"Not ready for coding agent", "Ready for coding agent"}}, ""},
		{"05-gitlab-production-readiness-or-default-levels.json", 1, [][]string{{"Basic", "Bronze", "Silver", "Gold"}}, ""},
		{"06-amplication-alert-level-custom-levels.json", 1, [][]string{{"Severe", "High", "Elevated", "Low"}}, ""},
		{"07-k8s-exporter-workload-scorecards.json", 2, [][]string{{"Basic", "Bronze", "Silver", "Gold"}, {"Basic", "Bronze", "Silver", "Gold"}}, `the string "false" is compared where a boolean is probably meant`},
		{"08-security-compliance-nonstandard-level-order.json", 1, [][]string{{"Basic", "Silver", "Bronze", "Gold"}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			scs, findings := ParseScorecards(tc.file, readShared(t, tc.file))
			if errs := findings.Errors(); len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(scs) != tc.scorecards {
				t.Fatalf("got %d scorecards, want %d", len(scs), tc.scorecards)
			}
			for i, sc := range scs {
				if got := strings.Join(sc.LevelNames(), ","); got != strings.Join(tc.levels[i], ",") {
					t.Errorf("scorecard %s levels %s, want %v", sc.Identifier, got, tc.levels[i])
				}
			}
			if tc.warn != "" && !hasFinding(findings, Warning, tc.warn) {
				t.Errorf("no warning %q in %v", tc.warn, findings)
			}
		})
	}
}

func hasFinding(fs Findings, sev Severity, substr string) bool {
	for _, f := range fs {
		if f.Severity == sev && strings.Contains(f.String(), substr) {
			return true
		}
	}
	return false
}

// 09 uses levels A and B, which do not exist: every such rule is an error
// that names the level and the levels that exist (SEMANTICS, Levels 4).
func TestSeedGuideScorecardIsRejected(t *testing.T) {
	file := "09-INVALID-production-readiness-undefined-levels.json"
	scs, findings := ParseScorecards(file, readShared(t, file))
	if len(scs) != 0 {
		t.Fatalf("the scorecard loaded; it must be rejected")
	}
	want := map[string]string{
		"fressnessUnderYear": `level "B" is not defined; levels are Basic, Bronze, Silver, Gold`,
		"fressnessUnder90":   `level "B" is not defined`,
		"fressnessUnder30":   `level "A" is not defined`,
		"branchProtection":   `level "B" is not defined`,
		"ownerProtection":    `level "A" is not defined`,
	}
	got := map[string]Finding{}
	for _, f := range findings.Errors() {
		got[f.Rule] = f
	}
	if len(got) != len(want) {
		t.Errorf("errors for rules %v; want exactly %d", findings.Errors(), len(want))
	}
	for rule, msg := range want {
		f, ok := got[rule]
		if !ok || !strings.Contains(f.Message, msg) || f.Line == 0 || f.Scorecard != "ProductionReadiness" || f.File != file {
			t.Errorf("rule %s: finding %+v; want one naming %q with a line", rule, f, msg)
		}
	}
	for _, w := range []string{`the string "true" is compared where a boolean is probably meant`, `same title "Branch protection set"`, `identifier word "fressness" and title word "freshness" differ`} {
		if !hasFinding(findings, Warning, w) {
			t.Errorf("no warning %q", w)
		}
	}
}

// 10 is a bare list of rules, and says so.
func TestRulesFragmentIsRecognised(t *testing.T) {
	file := "10-RULES-FRAGMENT-pr-working-agreements.json"
	scs, findings := ParseScorecards(file, readShared(t, file))
	if len(scs) != 0 || len(findings) != 1 {
		t.Fatalf("got %d scorecards and findings %v; want one error", len(scs), findings)
	}
	if f := findings[0]; f.Severity != Error || !strings.Contains(f.Message, "bare list of 12 rules, not a scorecard") || f.Line != 1 {
		t.Errorf("finding %s", f)
	}
}
