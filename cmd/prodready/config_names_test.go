package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestUnknownVariableRefused: a mistyped PRODREADY_* variable stops every
// command (exit 2) naming the variable it was meant to be, instead of
// leaving that setting at its default (a gate on the embedded demo).
func TestUnknownVariableRefused(t *testing.T) {
	cases := []struct {
		name    string
		vars    map[string]string
		dotenv  map[string]bool
		args    []string
		code    int
		stderr  []string
		without []string
	}{
		{name: "issue 20's typo", vars: map[string]string{"PRODREADY_GITHUB_ORGS": "acme"}, args: []string{"check"}, code: exitUsage,
			stderr: []string{"PRODREADY_GITHUB_ORGS is not a variable prodready reads; did you mean PRODREADY_GITHUB_ORG?"}, without: []string{"acme"}},
		{name: "from .env", vars: map[string]string{"PRODREADY_REFRESH_EVRY": "1m"}, dotenv: map[string]bool{"PRODREADY_REFRESH_EVRY": true}, args: []string{"check", "payments-api"}, code: exitUsage,
			stderr: []string{"PRODREADY_REFRESH_EVRY (in .env) is not a variable", "did you mean PRODREADY_REFRESH_EVERY?"}},
		{name: "config lists and refuses", vars: map[string]string{"PRODREADY_LOG_LEVLE": "debug"}, args: []string{"config"}, code: exitUsage,
			stderr: []string{"did you mean PRODREADY_LOG_LEVEL?"}},
		{name: "lower case", vars: map[string]string{"prodready_catalog": "x.json"}, args: []string{"check"}, code: exitUsage,
			stderr: []string{"prodready_catalog is not a variable prodready reads; did you mean PRODREADY_CATALOG?"}},
		{name: "test variables are not configuration", vars: map[string]string{"PRODREADY_TEST_POSTGRES": "postgres://x", "PRODREADY_TEST_POSTGRES_REQUIRED": "1", testDigestPeriod: "10s"},
			args: []string{"check", "payments-api", "--now", fixedNow}, code: exitOK, without: []string{"not a variable"}},
		{name: "the Action's own variables", vars: map[string]string{"PRODREADY_BIN": "/tmp/prodready", "PRODREADY_RELEASES_URL": "https://example.com"},
			args: []string{"check", "payments-api", "--now", fixedNow}, code: exitOK, without: []string{"not a variable"}},
		{name: "near miss of another family warns", vars: map[string]string{"SLACK_BOT_TOKN": "xoxb-1", "PORT_REGOIN": "us", "PAGERDUTY_TOKEM": "x", "BACKSTAGE_UR": "x", "GITHUB_TOKN": "x"},
			args: []string{"check", "payments-api", "--now", fixedNow}, code: exitOK,
			stderr:  []string{"warning: SLACK_BOT_TOKN is not a variable prodready reads; did you mean SLACK_BOT_TOKEN?", "did you mean PORT_REGION?", "did you mean PAGERDUTY_TOKEN?", "did you mean BACKSTAGE_URL?", "did you mean GITHUB_TOKEN?"},
			without: []string{"xoxb-1"}},
		{name: "what Kubernetes sets for a Service named prodready", vars: map[string]string{"PRODREADY_SERVICE_HOST": "10.0.0.1", "PRODREADY_SERVICE_PORT": "8080",
			"PRODREADY_SERVICE_PORT_HTTP": "8080", "PRODREADY_PORT": "tcp://10.0.0.1:8080", "PRODREADY_PORT_8080_TCP": "tcp://10.0.0.1:8080",
			"PRODREADY_PORT_8080_TCP_PROTO": "tcp", "PRODREADY_PORT_8080_TCP_PORT": "8080", "PRODREADY_PORT_8080_TCP_ADDR": "10.0.0.1",
			"PRODREADY_POSTGRES_SERVICE_HOST": "10.0.0.2", "PRODREADY_POSTGRES_PORT_5432_TCP_ADDR": "10.0.0.2"},
			args: []string{"check", "payments-api", "--now", fixedNow}, code: exitOK, without: []string{"not a variable", "warning"}},
		{name: "what GitHub Actions sets is not a near miss", vars: githubActionsEnvironment(), args: []string{"check", "payments-api", "--now", fixedNow}, code: exitOK,
			without: []string{"not a variable", "warning"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return c.vars[k] }, dotenv: c.dotenv,
				environ: func() []string {
					var l []string
					for k, v := range c.vars {
						l = append(l, k+"="+v)
					}
					return l
				}}
			code := run(context.Background(), e, c.args)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, errb.String())
			}
			for _, want := range c.stderr {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errb.String())
				}
			}
			for _, not := range c.without {
				if strings.Contains(errb.String()+out.String(), not) {
					t.Errorf("output has %q:\n%s\n%s", not, errb.String(), out.String())
				}
			}
		})
	}
}

// githubActionsEnvironment is what a GitHub Actions runner sets (its
// documented default variables), with prodready's own CI variables.
func githubActionsEnvironment() map[string]string {
	vars := map[string]string{}
	for _, n := range []string{"GITHUB_ACTION", "GITHUB_ACTION_PATH", "GITHUB_ACTION_REPOSITORY", "GITHUB_ACTIONS", "GITHUB_ACTOR", "GITHUB_ACTOR_ID",
		"GITHUB_API_URL", "GITHUB_BASE_REF", "GITHUB_ENV", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_GRAPHQL_URL", "GITHUB_HEAD_REF",
		"GITHUB_JOB", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_REF", "GITHUB_REF_NAME", "GITHUB_REF_PROTECTED", "GITHUB_REF_TYPE",
		"GITHUB_REPOSITORY", "GITHUB_REPOSITORY_ID", "GITHUB_REPOSITORY_OWNER", "GITHUB_REPOSITORY_OWNER_ID", "GITHUB_RETENTION_DAYS",
		"GITHUB_RUN_ATTEMPT", "GITHUB_RUN_ID", "GITHUB_RUN_NUMBER", "GITHUB_SERVER_URL", "GITHUB_SHA", "GITHUB_STATE", "GITHUB_STEP_SUMMARY",
		"GITHUB_TRIGGERING_ACTOR", "GITHUB_WORKFLOW", "GITHUB_WORKFLOW_REF", "GITHUB_WORKFLOW_SHA", "GITHUB_WORKSPACE"} {
		vars[n] = "x"
	}
	vars["GITHUB_API_URL"] = "https://api.github.com"
	vars["GITHUB_SERVER_URL"] = "https://github.com"
	return vars
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"PRODREADY_GITHUB_ORGS", "PRODREADY_GITHUB_ORG", 1}, {"ab", "ba", 2}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
