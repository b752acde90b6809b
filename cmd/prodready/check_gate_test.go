package main

import (
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
