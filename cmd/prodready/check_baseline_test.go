package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baselineScorecard has one rule per level: an owner (Bronze), approvals
// (Silver), a recent merge (Gold).
const baselineScorecard = `{"identifier":"pr","title":"Production Readiness","rules":[
	{"identifier":"owner","title":"Has an owner","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"owner","operator":"isNotEmpty"}]}},
	{"identifier":"approvals","title":"Approvals","level":"Silver","query":{"combinator":"and","conditions":[{"property":"approvals","operator":">","value":0}]}},
	{"identifier":"fresh","title":"Fresh","level":"Gold","query":{"combinator":"and","conditions":[{"property":"freshness","operator":"<","value":30}]}}]}`

func TestBaseline(t *testing.T) {
	dir := t.TempDir()
	defs := writeFile(t, "defs.json", baselineScorecard)
	catalog := func(name, a, b string, extra ...string) string {
		p := filepath.Join(dir, name)
		ents := append([]string{`{"identifier":"a","properties":` + a + `}`, `{"identifier":"b","properties":` + b + `}`}, extra...)
		if err := os.WriteFile(p, []byte("["+strings.Join(ents, ",")+"]"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Before: a is Silver (not fresh), b is Basic (no owner): below Silver.
	before := catalog("before.json", `{"owner":"x","approvals":2,"freshness":40}`, `{"approvals":1}`)
	base := filepath.Join(dir, "baseline.json")
	code, _, errs := cli(t, nil, "check", "--catalog", before, "--scorecards", defs, "--write-baseline", base, "--now", fixedNow)
	if code != 0 || !strings.Contains(errs, "baseline written to "+base) {
		t.Fatalf("write: exit %d: %s", code, errs)
	}
	cases := []struct {
		name     string
		catalog  string
		code     int
		err      []string // substrings of stderr
		notInErr []string
	}{
		{"unchanged, below min-level", before, 0,
			[]string{"nothing got worse since the baseline " + base, "b is Basic on Production Readiness, below Silver"},
			[]string{"regression"}},
		{"better", catalog("better.json", `{"owner":"x","approvals":2,"freshness":10}`, `{"approvals":1}`), 0,
			[]string{"nothing got worse"}, nil},
		{"a rule that passed now fails and the level drops",
			catalog("worse.json", `{"owner":"x","approvals":0,"freshness":40}`, `{"approvals":1}`, `{"identifier":"c","properties":{}}`), 1,
			[]string{
				"2 regressions since the baseline " + base + " (taken at " + fixedNow + "):\n" +
					"  a: Production Readiness dropped from Silver to Bronze\n" +
					"  a: Production Readiness: the Silver rule \"Approvals\" (approvals) passed, now fails: approvals is 0; needs > 0\n",
				"not in the baseline, so not compared: c",
			},
			[]string{"b:"}},
		{"a service gone from the catalog", writeFile(t, "gone.json", `[{"identifier":"b","properties":{"approvals":1}}]`), 0,
			[]string{"nothing got worse"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, nil, "check", "--catalog", tc.catalog, "--scorecards", defs, "--baseline", base, "--min-level", "Silver", "--now", fixedNow)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errs)
			}
			for _, w := range tc.err {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			for _, w := range tc.notInErr {
				if strings.Contains(errs, w) {
					t.Errorf("stderr has %q:\n%s", w, errs)
				}
			}
		})
	}
}

// b's approvals rule passed before; breaking it is a regression even though
// b was already below Silver (it fails the Bronze owner rule).
func TestBaselineRuleRegressionBelowTheBar(t *testing.T) {
	defs := writeFile(t, "defs.json", baselineScorecard)
	before := writeFile(t, "before.json", `[{"identifier":"b","properties":{"approvals":1}}]`)
	after := writeFile(t, "after.json", `[{"identifier":"b","properties":{"approvals":0}}]`)
	base := filepath.Join(t.TempDir(), "base.json")
	if code, _, errs := cli(t, nil, "check", "--catalog", before, "--scorecards", defs, "--format", "json", "--write-baseline", base); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := cli(t, nil, "check", "--catalog", after, "--scorecards", defs, "--baseline", base, "--format", "github", "--min-level", "Silver")
	if code != 1 || !strings.Contains(errs, "1 regression since") || !strings.Contains(errs, `b: Production Readiness: the Silver rule "Approvals" (approvals) passed, now fails`) {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	// With a baseline only the regression is an error; the owner rule that
	// already failed is a warning.
	if !strings.Contains(out, "::error title=b%3A Approvals (Silver)::") || !strings.Contains(out, "::warning title=b%3A Has an owner (Bronze)::") {
		t.Errorf("annotations:\n%s", out)
	}
}

func TestBaselineBadFile(t *testing.T) {
	dir := t.TempDir()
	garbled := writeFile(t, "garbled.json", "{\"now\": \"x\",\n \"entities\": [ {\"identifier\": \"a\",, } ]}")
	wrongShape := writeFile(t, "catalog.json", `[{"identifier":"a"}]`)
	noEntities := writeFile(t, "other.json", `{"ok":true}`)
	missing := filepath.Join(dir, "missing.json")
	cases := []struct{ name, file, err string }{
		{"missing", missing, "--baseline " + missing + ": no such file"},
		{"garbled", garbled, "--baseline " + garbled + ": 2:35: invalid character ','"},
		{"a catalog", wrongShape, "--baseline " + wrongShape + ": 1:1: the top level is a JSON array, not an object: not a `prodready check --format json` output"},
		{"other JSON", noEntities, "--baseline " + noEntities + `: not a ` + "`prodready check --format json`" + ` output (it has no "now" and "entities")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, nil, "check", "payments-api", "--baseline", tc.file)
			if code != 2 || !strings.Contains(errs, tc.err) || out != "" {
				t.Errorf("exit %d\nstdout %q\nstderr: %s\nwant ~ %q", code, out, errs, tc.err)
			}
		})
	}
	code, _, errs := cli(t, nil, "check", "payments-api", "--write-baseline", filepath.Join(dir, "nope", "b.json"))
	if code != 2 || !strings.Contains(errs, "--write-baseline "+filepath.Join(dir, "nope", "b.json")) {
		t.Errorf("unwritable baseline: exit %d: %s", code, errs)
	}
}
