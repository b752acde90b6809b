package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodready/prodready/report/gate"
)

// cli runs prodready in-process with its own streams and environment.
func cli(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

const fixedNow = "2026-11-26T09:00:00Z"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckExitStatus(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings
	}{
		{"one service", []string{"check", "payments-api", "--now", fixedNow}, 0, "Production Readiness: Silver (7 of 8 rules pass)", "reading embedded demo"},
		{"by title any case", []string{"check", "PAYMENTS api", "--now", fixedNow}, 0, "payments-api (Payments API)", ""},
		{"reasons and next level", []string{"check", "payments-api", "--now", fixedNow}, 0, "freshness is 35; needs < 30", ""},
		{"to reach", []string{"check", "payments-api", "--now", fixedNow}, 0, "to reach Gold: fix 1 rule: Merged a PR in the last 30 days", ""},
		{"gate passes", []string{"check", "checkout-web", "--min-level", "Silver", "--now", fixedNow}, 0, "", ""},
		{"gate fails", []string{"check", "--min-level", "Silver", "--now", fixedNow}, 1, "", "refunds-worker is Basic on Production Readiness, below Silver"},
		{"gate level any case", []string{"check", "refunds-worker", "--min-level", "silver", "--now", fixedNow}, 1, "", "below silver"},
		{"gate on a scorecard's own levels", []string{"check", "--scorecard", "operational_maturity", "--min-level", "Operable", "--now", fixedNow}, 1, "", "below Operable"},
		{"unknown level", []string{"check", "--min-level", "Platnum"}, 2, "", `--min-level "Platnum" is not a level of any scorecard evaluated`},
		{"unknown service", []string{"check", "payment-api"}, 2, "", `no service named "payment-api"; did you mean payments-api`},
		{"unknown scorecard", []string{"check", "--scorecard", "production-readiness"}, 2, "", `did you mean production_readiness?`},
		{"bad now", []string{"check", "--now", "yesterday"}, 2, "", `--now "yesterday" is not an RFC 3339 time`},
		{"bad format", []string{"check", "--format", "yaml"}, 2, "", "--format must be text or json"},
		{"bad flag", []string{"check", "--nope"}, 2, "", "flag provided but not defined"},
		{"summary", []string{"check", "--now", fixedNow}, 0, "30 services evaluated at 2026-11-26T09:00:00Z", ""},
		{"deprecated service has no operational scorecard", []string{"check", "legacy-billing", "--now", fixedNow}, 0, "", ""},
		{"help", []string{"check", "--help"}, 0, "Usage: prodready check", ""},
		{"validate help", []string{"validate", "--help"}, 0, "Usage: prodready validate", ""},
		{"version", []string{"version"}, 0, "prodready dev", ""},
		{"unknown command", []string{"chek"}, 2, "", `unknown command "chek"`},
		{"validate without files", []string{"validate"}, 2, "", "name at least one scorecard file"},
		{"validate missing file", []string{"validate", "/nonexistent.json"}, 2, "", "/nonexistent.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout ~ %q, stderr ~ %q", code, tc.code, out, errs, tc.out, tc.err)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	code, out, errs := cli(t, nil, "check", "--format", "json", "--now", fixedNow, "payments-api", "legacy-billing")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Now      string `json:"now"`
		Entities []struct {
			Identifier string   `json:"identifier"`
			Title      string   `json:"title"`
			Team       []string `json:"team"`
			Scorecards map[string]struct {
				Level string `json:"level"`
				Rules []struct {
					Identifier, Title, Level, Status string
					Reasons                          []string
				} `json:"rules"`
			} `json:"scorecards"`
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Now != fixedNow || len(got.Entities) != 2 {
		t.Fatalf("now %s, %d entities", got.Now, len(got.Entities))
	}
	pay := got.Entities[0]
	pr, ok := pay.Scorecards["production_readiness"]
	if pay.Identifier != "payments-api" || pay.Team[0] != "payments" || !ok || pr.Level != "Silver" || len(pr.Rules) != 8 {
		t.Fatalf("payments-api: %+v", pay)
	}
	failures := 0
	for _, r := range pr.Rules {
		switch r.Status {
		case "FAILURE":
			failures++
			if r.Identifier != "freshness_under_30" || len(r.Reasons) != 1 || r.Reasons[0] != "freshness is 35; needs < 30" || r.Level != "Gold" {
				t.Errorf("failure %+v", r)
			}
		case "SUCCESS":
			if len(r.Reasons) != 0 {
				t.Errorf("success with reasons %+v", r)
			}
		default:
			t.Errorf("status %q", r.Status)
		}
	}
	if failures != 1 {
		t.Errorf("%d failures, want 1", failures)
	}
	if _, ok := got.Entities[1].Scorecards["operational_maturity"]; ok {
		t.Error("a scorecard whose filter excludes the entity is in its results")
	}
	if !strings.Contains(out, `"team": [`) {
		t.Error("team is not an array")
	}
}

func TestCheckFiles(t *testing.T) {
	defs := writeFile(t, "defs.json", `{"identifier":"basic","rules":[{"identifier":"r","title":"Has owner","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"owner","operator":"isNotEmpty"}]}}]}`)
	cat := writeFile(t, "cat.json", `{"ok":true,"entities":[{"identifier":"a","properties":{"owner":"x"}},{"identifier":"b","properties":{}}]}`)
	bad := writeFile(t, "bad.json", "[\n{\"identifier\": \"a\"},\n{\"title\": \"x\"}]")
	mixed := writeFile(t, "mixed.json", `[{"identifier":"ok","rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[{"property":"p","operator":"isEmpty"}]}}]},
		{"identifier":"broken","rules":[{"identifier":"r","title":"R","level":"B","query":{"combinator":"and","conditions":[{"property":"p","operator":"isEmpty"}]}}]}]`)
	cases := []struct {
		name     string
		vars     map[string]string
		args     []string
		code     int
		out, err string
	}{
		{"flags", nil, []string{"check", "--catalog", cat, "--scorecards", defs, "--min-level", "Bronze"}, 1, "b — no owning team\n  basic: Basic, below Bronze", "b is Basic on basic, below Bronze"},
		{"environment", map[string]string{"PRODREADY_CATALOG": cat, "PRODREADY_SCORECARDS": defs}, []string{"check", "a", "--min-level", "Bronze"}, 0, "basic: Bronze", "files: catalog " + cat},
		{"catalog without id", nil, []string{"check", "--catalog", bad}, 2, "", bad + `:3:1: entity #2 has no "identifier"`},
		{"scorecards as catalog", nil, []string{"check", "--catalog", defs}, 2, "", "this is scorecard definitions"},
		{"catalog as scorecards", nil, []string{"check", "--scorecards", cat}, 2, "", "catalog of entities, not scorecard definitions (pass it with --catalog)"},
		{"missing file", nil, []string{"check", "--catalog", "/nope.json"}, 2, "", "/nope.json"},
		{"one rejected, others evaluated", nil, []string{"check", "--catalog", cat, "--scorecards", mixed}, 2, "ok: Gold", `scorecard broken, rule r, level "B" is not defined`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, tc.vars, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout ~ %q, stderr ~ %q", code, tc.code, out, errs, tc.out, tc.err)
			}
		})
	}
}

// The acceptance of validate on the scorecards Port publishes.
func TestValidatePortScorecards(t *testing.T) {
	dir := "../../../shared/port/scorecards"
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(paths) == 0 {
		t.Skipf("%s is absent (../shared is only beside the repository in development and CI): skipping", dir)
	}
	for _, p := range paths {
		base := filepath.Base(p)
		code, out, errs := cli(t, nil, "validate", p)
		switch {
		case strings.HasPrefix(base, "09"):
			if code != 1 || !strings.Contains(out, `rule fressnessUnder30, level "A" is not defined; levels are Basic, Bronze, Silver, Gold`) {
				t.Errorf("%s: exit %d\n%s%s", base, code, out, errs)
			}
		case strings.HasPrefix(base, "10"):
			if code != 1 || !strings.Contains(out, "bare list of 12 rules") {
				t.Errorf("%s: exit %d\n%s%s", base, code, out, errs)
			}
		default:
			if code != 0 || strings.Contains(out, "error:") {
				t.Errorf("%s: exit %d\n%s%s", base, code, out, errs)
			}
		}
	}
	code, out, _ := cli(t, nil, "validate", "--format", "json", filepath.Join(dir, "09-INVALID-production-readiness-undefined-levels.json"))
	var got struct {
		Findings []struct{ Line, Col int }
		Errors   int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 || got.Errors != 5 || got.Findings[0].Line == 0 {
		t.Errorf("json: exit %d, %+v, %v", code, got, err)
	}
}

// A scorecard for another blueprint is said once, naming the blueprint, not
// "no scorecard applies to this service" once per service (issue 13).
func TestCheckSaysOnceWhyNoScorecardApplies(t *testing.T) {
	dir := t.TempDir()
	var ents []string
	for i := 0; i < 30; i++ {
		ents = append(ents, fmt.Sprintf(`{"identifier": "w-%02d", "blueprint": "workload"}`, i))
	}
	catalog := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(catalog, []byte("["+strings.Join(ents, ",")+"]"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := cli(t, nil, "check", "--catalog", catalog)
	if n := strings.Count(out, "no scorecard applies"); n != 1 {
		t.Fatalf("said %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "30 services") || !strings.Contains(out, `blueprint "service", not "workload"`) {
		t.Errorf("the line does not say how many, or why:\n%s", out)
	}
}

// checkJSON is check's JSON output, read back.
type checkJSON = gate.JSON
