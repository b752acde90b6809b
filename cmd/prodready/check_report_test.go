package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/report/history/historytest"
	"github.com/prodready/prodready/scorecard/demo"
)

const reportToken = "push-token-4c1e"

// serveResults is a prodready serve's HTTP handler over a fresh history,
// with failFirst answers of status before it lets requests through.
func serveResults(t *testing.T, failFirst int32, status int) (*httptest.Server, *history.Store, *atomic.Int32) {
	t.Helper()
	st, err := history.Open(context.Background(), historytest.SQLiteDSN(t), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := slackapp.New(slackapp.Config{Source: demo.Source{}, SigningSecret: "s", APIToken: reportToken, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	// Pushes are checked against the catalog serve has evaluated.
	if err := b.Holder().Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	h := b.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= failFirst {
			w.Header().Set("Retry-After", "0")
			http.Error(w, `{"error":"busy"}`, status)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, st, &calls
}

func TestCheckReportTo(t *testing.T) {
	github := map[string]string{"PRODREADY_API_TOKEN": reportToken, "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/payments", "GITHUB_RUN_ID": "991"}
	gitlab := map[string]string{"PRODREADY_API_TOKEN": reportToken, "CI_COMMIT_SHA": "fedcba9876543210", "CI_PIPELINE_URL": "https://gitlab.example.com/acme/payments/-/pipelines/7"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			if a != k {
				out[a] = b
			}
		}
		return out
	}
	cases := []struct {
		name      string
		vars      map[string]string
		args      []string
		failFirst int32 // 503s before serve answers
		down      bool  // nothing listens
		code      int
		stderr    string
		commit    string // recorded for payments-api; "" when nothing is
		pipeline  string
		level     string
	}{
		{name: "GitHub Actions", vars: github, args: []string{"payments-api"}, stderr: "2 results posted",
			commit: github["GITHUB_SHA"], pipeline: "https://github.com/acme/payments/actions/runs/991", level: "Silver"},
		{name: "GitLab CI", vars: gitlab, args: []string{"payments-api"}, stderr: "2 results posted",
			commit: "fedcba9876543210", pipeline: gitlab["CI_PIPELINE_URL"], level: "Silver"},
		{name: "flags over variables", vars: github, args: []string{"payments-api", "--commit", "feedbee", "--pipeline-url", "https://ci.example.com/9"}, stderr: "posted",
			commit: "feedbee", pipeline: "https://ci.example.com/9", level: "Silver"},
		{name: "a failing gate keeps its status", vars: github, args: []string{"--min-level", "Gold"}, code: exitBelow, stderr: "posted",
			commit: github["GITHUB_SHA"], pipeline: "https://github.com/acme/payments/actions/runs/991", level: "Silver"},
		{name: "retried after a 503", vars: github, args: []string{"payments-api"}, failFirst: 2, stderr: "2 results posted",
			commit: github["GITHUB_SHA"], pipeline: "https://github.com/acme/payments/actions/runs/991", level: "Silver"},
		{name: "serve keeps failing: a warning", vars: github, args: []string{"payments-api"}, failFirst: 100, stderr: "warning: not recorded by"},
		{name: "wrong token: a warning", vars: with(github, "PRODREADY_API_TOKEN", "push-token-wrong"), args: []string{"payments-api"}, stderr: "401 Unauthorized: missing or wrong bearer token"},
		{name: "no token: a warning", vars: with(github, "PRODREADY_API_TOKEN", ""), args: []string{"payments-api"}, stderr: "PRODREADY_API_TOKEN is not set"},
		{name: "serve down: a warning", vars: github, args: []string{"payments-api"}, down: true, stderr: "warning: not posted to"},
		{name: "failing gate, serve down", vars: github, args: []string{"refunds-worker", "--min-level", "Silver"}, down: true, code: exitBelow, stderr: "warning: not posted to"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, st, _ := serveResults(t, c.failFirst, http.StatusServiceUnavailable)
			url := srv.URL
			if c.down {
				srv.Close()
			}
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return c.vars[k] },
				report: &reportClient{Retries: 2, Wait: time.Millisecond, MaxGap: 5 * time.Millisecond, Timeout: 5 * time.Second}}
			args := append([]string{"check", "--now", fixedNow, "--report-to", url + "/"}, c.args...)
			code := run(context.Background(), e, args)
			if code != c.code || !strings.Contains(errb.String(), c.stderr) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errb.String(), c.code, c.stderr)
			}
			if strings.Contains(errb.String()+out.String(), "push-token") {
				t.Errorf("the token is shown:\n%s", errb.String())
			}
			rs, err := st.LatestCIResults(context.Background(), "payments-api")
			if err != nil {
				t.Fatal(err)
			}
			if c.commit == "" {
				if len(rs) != 0 {
					t.Errorf("recorded %+v", rs)
				}
				return
			}
			if len(rs) != 2 {
				t.Fatalf("recorded %+v; want both scorecards", rs)
			}
			for _, r := range rs {
				if r.Commit != c.commit || r.PipelineURL != c.pipeline {
					t.Errorf("recorded %+v; want commit %s, pipeline %s", r, c.commit, c.pipeline)
				}
				if r.Scorecard == "production_readiness" && r.Level != c.level {
					t.Errorf("recorded level %s, want %s", r.Level, c.level)
				}
			}
		})
	}
}

func TestCheckReportToUsage(t *testing.T) {
	for _, u := range []string{"ftp://prodready.example.com", "prodready.example.com", "https://"} {
		code, _, stderr := cli(t, nil, "check", "--report-to", u)
		if code != exitUsage || !strings.Contains(stderr, "--report-to") {
			t.Errorf("%s: exit %d, %s", u, code, stderr)
		}
	}
	_, out, _ := cli(t, nil, "check", "--help")
	if !strings.Contains(out, "does not change the exit status") {
		t.Errorf("--help does not say a failed post leaves the exit status:\n%s", out)
	}
}

// TestCheckReportToRedactsEchoes: a server that echoes the request in its
// error (a proxy's 400, a debugging endpoint, a 502 after the retries)
// must not make check print the token, on any path: the JSON "error", a
// plain body, a long body, a redirect, and a URL that names credentials.
func TestCheckReportToRedactsEchoes(t *testing.T) {
	dump := func(r *http.Request) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
		for k, vs := range r.Header {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ", "))
		}
		return b.String()
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"400, plain echo", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, dump(r), http.StatusBadRequest)
		}, "400 Bad Request"},
		{"400, JSON error echo", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "bad request: " + dump(r)})
		}, "400 Bad Request"},
		{"400, the token alone late in a long body", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, strings.Repeat("x", 150)+" token="+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), http.StatusBadRequest)
		}, "400 Bad Request"},
		{"502 after the retries", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, dump(r), http.StatusBadGateway)
		}, "502 Bad Gateway"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "http://elsewhere.invalid/?auth="+r.Header.Get("Authorization"))
			http.Error(w, dump(r), http.StatusTemporaryRedirect)
		}, "307 Temporary Redirect"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return map[string]string{"PRODREADY_API_TOKEN": reportToken}[k] },
				report: &reportClient{Retries: 1, Wait: time.Millisecond, MaxGap: 5 * time.Millisecond, Timeout: 5 * time.Second}}
			code := run(context.Background(), e, []string{"check", "payments-api", "--now", fixedNow, "--report-to", srv.URL})
			if code != exitOK || !strings.Contains(errb.String(), "warning: not recorded by") || !strings.Contains(errb.String(), c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant a warning with %q", code, errb.String(), c.want)
			}
			if s := errb.String() + out.String(); strings.Contains(s, reportToken) || strings.Contains(s, "Bearer push") {
				t.Errorf("the token is shown:\n%s", errb.String())
			}
		})
	}
	// Credentials in the URL are refused, and not shown.
	code, _, errs := cli(t, map[string]string{"PRODREADY_API_TOKEN": reportToken}, "check", "--report-to", "https://ci:hunter2@prodready.example.com")
	if code != exitUsage || strings.Contains(errs, "hunter2") || !strings.Contains(errs, "--report-to") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}
