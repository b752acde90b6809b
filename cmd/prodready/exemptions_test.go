package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

const readmeExemption = `# reviewed in Git
- service: refunds-worker
  scorecard: production_readiness
  rule: has_readme
  until: 2026-12-31
  reason: README moves with the repository split
  by: alice
`

// TestCheckExemptionFromFile: an exemption in PRODREADY_EXEMPTIONS makes
// check show the rule exempt and the level rise, and stops counting after
// its until.
func TestCheckExemptionFromFile(t *testing.T) {
	vars := map[string]string{"PRODREADY_EXEMPTIONS": writeFile(t, "exemptions.yaml", readmeExemption)}

	code, out, errs := cli(t, vars, "check", "refunds-worker", "--now", fixedNow, "--scorecard", "production_readiness", "--min-level", "Bronze")
	if code != 0 {
		t.Fatalf("exit %d with the exemption: %s\n%s", code, out, errs)
	}
	for _, want := range []string{"Production Readiness: Bronze", "exempt until 2026-12-31: README moves with the repository split — by alice (file)"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}

	code, out, errs = cli(t, vars, "check", "refunds-worker", "--now", fixedNow, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Entities []struct {
			Scorecards map[string]struct {
				Level string `json:"level"`
				Rules []struct {
					Identifier string `json:"identifier"`
					Status     string `json:"status"`
					Exempt     *struct {
						Until, Reason, By, Origin string
					} `json:"exempt"`
				} `json:"rules"`
			} `json:"scorecards"`
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	pr := got.Entities[0].Scorecards["production_readiness"]
	if pr.Level != "Bronze" {
		t.Errorf("level %s, want Bronze", pr.Level)
	}
	exempt := 0
	for _, r := range pr.Rules {
		if r.Exempt == nil {
			continue
		}
		exempt++
		if r.Identifier != "has_readme" || r.Status != "FAILURE" || r.Exempt.Until != "2026-12-31" || r.Exempt.By != "alice" || r.Exempt.Origin != "file" || r.Exempt.Reason == "" {
			t.Errorf("rule %+v, exempt %+v", r, *r.Exempt)
		}
	}
	if exempt != 1 {
		t.Errorf("%d exempt rules, want 1", exempt)
	}

	// The next evaluation after until: the exemption no longer counts.
	code, out, errs = cli(t, vars, "check", "refunds-worker", "--now", "2027-01-01T00:00:00Z", "--scorecard", "production_readiness", "--min-level", "Bronze")
	if code != 1 || strings.Contains(out, "exempt until") || !strings.Contains(out, "Production Readiness: Basic") {
		t.Errorf("after until: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, `field "until": until 2026-12-31 is past`) {
		t.Errorf("no warning about the expired exemption: %s", errs)
	}
}

func TestCheckExemptionFileErrors(t *testing.T) {
	cases := []struct {
		name, src, now, err string
		code                int
	}{
		{"missing field", "- service: refunds-worker\n  scorecard: production_readiness\n  rule: has_readme\n  until: 2026-12-31\n  by: alice\n", fixedNow,
			`exemptions.yaml:1:3: error: field "reason" is missing`, 2},
		{"beyond the maximum", strings.Replace(readmeExemption, "2026-12-31", "2027-06-30", 1), fixedNow,
			`exemptions.yaml:5:10: error: field "until": until 2027-06-30 is more than 90 days from now`, 2},
		{"unknown rule warns", strings.Replace(readmeExemption, "has_readme", "has_readme_file", 1), fixedNow,
			`scorecard production_readiness has no rule "has_readme_file"`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"PRODREADY_EXEMPTIONS": writeFile(t, "exemptions.yaml", tc.src)}
			code, _, errs := cli(t, vars, "check", "refunds-worker", "--now", tc.now)
			if code != tc.code || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant ~ %q", code, tc.code, errs, tc.err)
			}
		})
	}
	code, _, errs := cli(t, map[string]string{"PRODREADY_EXEMPTION_APPROVERS": "alice"}, "check")
	if code != 2 || !strings.Contains(errs, "PRODREADY_EXEMPTION_APPROVERS") {
		t.Errorf("bad approvers: exit %d: %s", code, errs)
	}
}

// TestCheckShowsExemptionsApprovedInSlack: with PRODREADY_DB, check also
// counts the exemptions approved in Slack, with their origin.
func TestCheckShowsExemptionsApprovedInSlack(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "h.db")
	st, err := history.Open(ctx, db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now, _ := time.Parse(time.RFC3339, fixedNow)
	rec, err := st.RequestExemption(ctx, scorecard.Exemption{Service: "refunds-worker", Scorecard: "production_readiness", Rule: "has_readme",
		Until: now.Add(48 * time.Hour), Reason: "split"}, "U0DEV", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DecideExemption(ctx, rec.ID, true, "U0LEAD", now); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errs := cli(t, map[string]string{"PRODREADY_DB": db}, "check", "refunds-worker", "--now", fixedNow, "--scorecard", "production_readiness")
	if code != 0 || !strings.Contains(out, "Production Readiness: Bronze") || !strings.Contains(out, "— by U0LEAD (slack)") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	// No database: check does not create one.
	missing := filepath.Join(t.TempDir(), "none.db")
	if code, _, errs := cli(t, map[string]string{"PRODREADY_DB": missing}, "check", "refunds-worker", "--now", fixedNow); code != 0 {
		t.Errorf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("check created a history database")
	}
}
