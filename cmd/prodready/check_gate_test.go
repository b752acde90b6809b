package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCheckQuietGate: under --min-level, only the services below the
// level and the rules at or below it that they fail; --verbose prints all.
func TestCheckQuietGate(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		code       int
		has, lacks []string
	}{
		{"quiet", []string{"check", "--min-level", "Silver", "--now", fixedNow}, 1,
			[]string{"refunds-worker (Refunds Worker) — team payments\n  Production Readiness: Basic, below Silver\n    Bronze fails:\n      ✗ Has a README [has_readme]\n          readme is not set\n    Silver fails:\n", "13 of 30 services below Silver"},
			[]string{"payments-api", "Gold fails", "Has an on-call", "Operational Maturity", "to reach"}},
		{"quiet, a lower level", []string{"check", "--min-level", "Bronze", "--now", fixedNow}, 1,
			[]string{"Production Readiness: Basic, below Bronze\n    Bronze fails:\n      ✗ Has a README", "5 of 30 services below Bronze"}, []string{"Silver fails", "Pull requests need an approval", "fraud-detector"}},
		{"a named service is printed in full", []string{"check", "payments-api", "--min-level", "Silver", "--now", fixedNow}, 0,
			[]string{"payments-api (Payments API)", "Gold fails:", "to reach Gold"}, []string{"below Silver"}},
		{"verbose", []string{"check", "--min-level", "Silver", "--verbose", "--now", fixedNow}, 1,
			[]string{"payments-api (Payments API)", "Gold fails:", "to reach Gold", "30 services evaluated"}, []string{"below Silver (--verbose"}},
		{"json is whole", []string{"check", "--min-level", "Silver", "--format", "json", "--now", fixedNow}, 1,
			[]string{`"identifier": "payments-api"`, `"identifier": "has_on_call"`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, nil, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, errs)
			}
			for _, s := range tc.has {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestCheckTextOrder: check's text output, its quiet gate (read whole or
// in pieces) and its list of results below the bar are ordered by level,
// lowest first, then by identifier, whatever the catalog's order.
func TestCheckTextOrder(t *testing.T) {
	defs := writeFile(t, "defs.json", `{"identifier":"pr","title":"PR","levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"}],"rules":[
		{"identifier":"owner","title":"Has owner","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"owner","operator":"isNotEmpty"}]}},
		{"identifier":"readme","title":"Has readme","level":"Silver","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}}]}`)
	// Catalog order: Silver, Bronze, Basic, Bronze, Basic.
	cat := writeFile(t, "cat.json", `[
{"identifier":"s-1","properties":{"owner":"x","readme":"y"}},
{"identifier":"z-bronze","properties":{"owner":"x"}},
{"identifier":"m-basic","properties":{}},
{"identifier":"a-bronze","properties":{"owner":"x"}},
{"identifier":"b-basic","properties":{}}
]`)
	order := func(s string, names ...string) []string {
		type at struct {
			i    int
			name string
		}
		var found []at
		for _, n := range names {
			if i := strings.Index(s, n); i >= 0 {
				found = append(found, at{i, n})
			}
		}
		slices.SortFunc(found, func(a, b at) int { return a.i - b.i })
		var out []string
		for _, f := range found {
			out = append(out, f.name)
		}
		return out
	}
	names := []string{"s-1", "z-bronze", "m-basic", "a-bronze", "b-basic"}
	want := []string{"b-basic", "m-basic", "a-bronze", "z-bronze", "s-1"}
	for _, whole := range []bool{true, false} {
		_, out, _ := cliRead(nil, whole, "check", "--catalog", cat, "--scorecards", defs, "--now", fixedNow)
		if got := order(out, names...); !slices.Equal(got, want) {
			t.Errorf("text (whole %v): %v, want %v\n%s", whole, got, want, out)
		}
		code, out, errs := cliRead(nil, whole, "check", "--catalog", cat, "--scorecards", defs, "--now", fixedNow, "--min-level", "Silver")
		if got, w := order(out, names...), want[:4]; code != exitBelow || !slices.Equal(got, w) {
			t.Errorf("gate (whole %v): exit %d, %v, want %v\n%s", whole, code, got, w, out)
		}
		if got, w := order(errs, names...), want[:4]; !slices.Equal(got, w) {
			t.Errorf("below on stderr (whole %v): %v, want %v\n%s", whole, got, w, errs)
		}
	}
}

// TestCheckStderrStartsNoWorkflowCommand: scorecard and level titles from
// the definitions reach check's list of results below the bar on stderr;
// one holding a line break and "::error" must not make GitHub's runner
// read a workflow command there.
func TestCheckStderrStartsNoWorkflowCommand(t *testing.T) {
	defs := writeFile(t, "defs.json", `{"identifier":"pr","title":"PR\n::error title=forged::the check passed","levels":[{"title":"Basic\r::warning::x"},{"title":"Bronze\n  ::notice::y"}],"rules":[
		{"identifier":"owner","title":"Has owner\n::error::z","level":"Bronze\n  ::notice::y","query":{"combinator":"and","conditions":[{"property":"owner","operator":"isNotEmpty"}]}}]}`)
	cat := writeFile(t, "cat.json", `[{"identifier":"svc\n::error::svc","properties":{}}]`)
	base := filepath.Join(t.TempDir(), "base.json")
	if code, _, errs := cli(t, nil, "check", "--catalog", cat, "--scorecards", defs, "--now", fixedNow, "--write-baseline", base); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, args := range [][]string{
		{"--min-level", "bronze\n  ::notice::y"},
		{"--min-level", "bronze\n  ::notice::y", "--verbose"},
		{"--min-level", "bronze\n  ::notice::y", "--baseline", base},
		{"--min-level", "bronze\n  ::notice::y", "--format", "json"},
	} {
		for _, whole := range []bool{true, false} {
			code, _, errs := cliRead(nil, whole, append([]string{"check", "--catalog", cat, "--scorecards", defs, "--now", fixedNow}, args...)...)
			if code != exitBelow && !(code == exitOK && slices.Contains(args, "--baseline")) {
				t.Errorf("%q: exit %d\n%s", args, code, errs)
			}
			if !strings.Contains(errs, "below") {
				t.Errorf("%q: stderr does not list the service below the bar:\n%s", args, errs)
			}
			for _, l := range strings.FieldsFunc(errs, func(r rune) bool { return r == '\n' || r == '\r' }) {
				if strings.HasPrefix(strings.TrimLeft(l, " \t"), "::") {
					t.Errorf("%q (whole %v): a line of stderr starts a workflow command: %q\n%s", args, whole, l, errs)
				}
			}
		}
	}
}
