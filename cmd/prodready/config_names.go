package main

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// A mistyped variable is ignored by whatever reads the environment, so
// its setting silently keeps its default: PRODREADY_GITHUB_ORGS=acme
// would gate a deploy on the embedded demo. Every PRODREADY_* name is
// therefore checked against the table, and names close to one of the
// table's other variables are pointed out.

// testVariablePrefix marks variables read only by tests and demos: they
// are not configuration, so they are neither listed nor refused.
const testVariablePrefix = "PRODREADY_TEST_"

// notOurs are PRODREADY_* names that other parts of the project read, not
// the prodready binary: the GitHub Action's run.sh finds the binary with
// them, and they are in the environment of the `check` it starts.
func notOurs() map[string]bool {
	return map[string]bool{"PRODREADY_BIN": true, "PRODREADY_RELEASES_URL": true}
}

// maxNearMiss is the largest edit distance at which a name outside
// PRODREADY_* is taken for a typo of one of ours: one or two keys slipped.
const maxNearMiss = 2

// kubernetesServiceVariable matches what Kubernetes puts in every pod's
// environment for each Service of its namespace (unless the pod sets
// enableServiceLinks: false): a Service named prodready, as in deploy/,
// gives PRODREADY_SERVICE_HOST, PRODREADY_PORT_8080_TCP_ADDR and the like.
var kubernetesServiceVariable = regexp.MustCompile(`^[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$`)

// checkNames looks at the names of the environment (entries NAME=value;
// .env's are among them): an unknown PRODREADY_* name is an error naming
// the nearest known variable; a name near one of our PORT_*, SLACK_*,
// GITHUB_*, PAGERDUTY_* or BACKSTAGE_* variables is a warning. fromDotenv
// says which names came from .env. Values are never looked at: they may be
// secrets.
func checkNames(environ []string, fromDotenv map[string]bool) (errs []error, warnings []string) {
	known := map[string]bool{testDigestPeriod: true}
	for _, name := range ciVariables() {
		known[name] = true
	}
	var ours, others []string
	for _, v := range variables() {
		known[v.name] = true
		if strings.HasPrefix(v.name, "PRODREADY_") {
			ours = append(ours, v.name)
		} else {
			others = append(others, v.name)
		}
	}
	skip := notOurs()
	// The families of the variables prodready reads beside its own. Other
	// programs use these prefixes too (GitHub Actions sets a dozen GITHUB_*
	// variables), so only a name close to one of ours is worth a warning,
	// and only a warning.
	nearMissPrefixes := []string{"PORT_", "SLACK_", "GITHUB_", "PAGERDUTY_", "BACKSTAGE_"}
	var names []string
	seen := map[string]bool{}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		upper := strings.ToUpper(name)
		if known[name] || skip[upper] || strings.HasPrefix(upper, testVariablePrefix) || kubernetesServiceVariable.MatchString(upper) {
			continue
		}
		where := ""
		if fromDotenv[name] {
			where = " (in .env)"
		}
		if strings.HasPrefix(upper, "PRODREADY_") {
			near, _ := nearest(upper, ours)
			errs = append(errs, fmt.Errorf("%s%s is not a variable prodready reads; did you mean %s? ('prodready config' lists them all)", name, where, near))
			continue
		}
		for _, p := range nearMissPrefixes {
			if !strings.HasPrefix(upper, p) {
				continue
			}
			if near, d := nearest(upper, others); d <= maxNearMiss && strings.HasPrefix(near, p) {
				warnings = append(warnings, fmt.Sprintf("%s%s is not a variable prodready reads; did you mean %s?", name, where, near))
			}
			break
		}
	}
	return errs, warnings
}

// nearest is the candidate at the smallest edit distance from name (the
// first in order on a tie), and that distance.
func nearest(name string, candidates []string) (string, int) {
	best, bestD := "", -1
	for _, c := range candidates {
		if d := editDistance(name, c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (variable names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// nameErrors joins checkNames' errors to the table's, for settings.
func nameErrors(cfgErr error, errs []error) error {
	if len(errs) == 0 {
		return cfgErr
	}
	return errors.Join(append([]error{cfgErr}, errs...)...)
}
