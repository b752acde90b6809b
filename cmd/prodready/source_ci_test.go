package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNoDemoInCI: where CI is set, check with no catalog configured stops
// (exit 2) instead of evaluating the embedded demo, unless --demo asks for
// it: a gate on fake data passes every deploy.
func TestNoDemoInCI(t *testing.T) {
	catalog := writeFile(t, "catalog.json", `[{"identifier": "svc", "title": "Svc", "properties": {}}]`)
	defs, err := filepath.Abs("../../scorecard/demo/scorecards.json")
	if err != nil {
		t.Fatal(err)
	}
	const refused = "no catalog configured (CI is set)"
	cases := []struct {
		name   string
		vars   map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"check in CI", map[string]string{"CI": "true"}, []string{"check"}, exitUsage, refused},
		{"check a service in CI", map[string]string{"CI": "1"}, []string{"check", "payments-api", "--min-level", "Bronze"}, exitUsage, "pass --demo to use the embedded demo"},
		{"scorecards without a catalog in CI", map[string]string{"CI": "true", "PRODREADY_SCORECARDS": defs}, []string{"check", "payments-api"}, exitUsage, refused},
		{"--demo in CI", map[string]string{"CI": "true"}, []string{"check", "--demo", "payments-api", "--now", fixedNow}, exitOK, "reading embedded demo"},
		{"CI=false", map[string]string{"CI": "false"}, []string{"check", "payments-api", "--now", fixedNow}, exitOK, "reading embedded demo"},
		{"not in CI", nil, []string{"check", "payments-api", "--now", fixedNow}, exitOK, "reading embedded demo"},
		{"a catalog in CI", map[string]string{"CI": "true", "PRODREADY_CATALOG": catalog}, []string{"check", "svc", "--now", fixedNow}, exitOK, ""},
		{"--catalog in CI", map[string]string{"CI": "true"}, []string{"check", "--catalog", catalog, "svc", "--now", fixedNow}, exitOK, ""},
		{"other commands in CI", map[string]string{"CI": "true"}, []string{"properties"}, exitOK, ""},
		{"help in CI", map[string]string{"CI": "true"}, []string{"check", "--help"}, exitOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := cli(t, c.vars, c.args...)
			if code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant stderr ~ %q", code, c.code, stderr, c.stderr)
			}
		})
	}
}
