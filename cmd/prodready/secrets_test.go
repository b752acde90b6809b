package main

import (
	"context"
	"encoding/json"
	"github.com/prodready/prodready/scorecard/emulator"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// TestFullCycleLeaksNoSecret runs what an operator runs, with debug logs in
// JSON: serve answering a signed slash command over HTTP while it loads the
// catalog from the Port emulator through a 500 and a 429; /healthz, /readyz
// and /metrics; a refresh, a weekly digest and team notices posted to the
// Slack emulator, one post refused with invalid_auth; `prodready config`;
// and a run against a Postgres URL that cannot be reached. Then it scans
// everything written for every configured secret.
func TestFullCycleLeaksNoSecret(t *testing.T) {
	const signing = "signing-secret-3c9e1f7a55"
	const dbPass = "db-password-8b2d4e6f"
	emu := slackemu.New(t, slackemu.Options{SigningSecret: signing})
	report := emu.AddChannel("eng-managers")
	def := emu.AddChannel("readiness")
	portSrv, vars := portFixture(t)
	search := "/v1/blueprints/service/entities/search"
	portSrv.Inject(emulator.Fault{Path: search, Status: 500})
	portSrv.Inject(emulator.Fault{Path: search, Status: 429, RetryAfter: "0"})
	pd := pagerdutytest.NewServer() // a collector beside Port, for its metrics
	t.Cleanup(pd.Close)
	vars["PAGERDUTY_TOKEN"], vars["PAGERDUTY_API_URL"] = pagerdutytest.DefaultToken, pd.URL
	dir := t.TempDir()
	teams := filepath.Join(dir, "teams.yaml")
	if err := os.WriteFile(teams, []byte("default_channel: "+def+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"SLACK_SIGNING_SECRET":     signing,
		"SLACK_BOT_TOKEN":          emu.BotToken(),
		"SLACK_API_URL":            emu.URL(),
		"PRODREADY_LISTEN_ADDR":    "127.0.0.1:0",
		"PRODREADY_REFRESH_EVERY":  "1h",
		"PRODREADY_LOG_LEVEL":      "debug",
		"PRODREADY_LOG_FORMAT":     "json",
		"PRODREADY_DB":             filepath.Join(dir, "history.db"),
		"PRODREADY_REPORT_CHANNEL": report,
		"PRODREADY_TEAMS":          teams,
	} {
		vars[k] = v
	}
	secrets := []string{signing, emu.BotToken(), porttest.DefaultClientSecret, dbPass, pagerdutytest.DefaultToken}
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	e := &env{stdout: stdout, stderr: stderr, getenv: func(k string) string { return vars[k] }}
	var seen []string // HTTP answers, besides stdout and stderr

	// serve: a slash command, the operations endpoints.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- run(ctx, e, []string{"serve"}) }()
	addr := stderr.waitFor(t, regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`))[1]
	stderr.waitFor(t, regexp.MustCompile(`"msg":"evaluation refreshed"`))
	r, err := emu.SendSlashCommand(ctx, "http://"+addr+"/slack/commands", slackemu.SlashCommand{Text: "payments-api"})
	if err != nil || r.Status != http.StatusOK || r.Message == nil || !strings.Contains(r.Message.Text, "payments-api") {
		t.Fatalf("slash command: %v %+v", err, r)
	}
	seen = append(seen, string(r.Body))
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get("http://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
		seen = append(seen, string(body))
		if p == "/metrics" {
			for _, want := range []string{`prodready_port_requests_total{status="500"} 1`, `prodready_port_requests_total{status="429"} 1`, `prodready_evaluations_total{outcome="ok"} 1`,
				`prodready_api_requests_total{api="port",method="POST",status="500"} 1`, `prodready_api_requests_total{api="pagerduty",method="GET",status="200"}`} {
				if !strings.Contains(string(body), want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		}
	}
	cancel()
	if c := <-code; c != exitOK {
		t.Fatalf("serve exit %d:\n%s", c, stderr)
	}

	// serve again in Socket Mode: the app-level token is configured too, and
	// the operations endpoints still listen.
	vars["SLACK_APP_TOKEN"] = emu.AppToken()
	secrets = append(secrets, emu.AppToken())
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	mark := len(stderr.String())
	go func() { code <- run(ctx, e, []string{"serve"}) }()
	since := func(re string) []string {
		t.Helper()
		r := regexp.MustCompile(re)
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := r.FindStringSubmatch(stderr.String()[mark:]); m != nil {
				return m
			}
		}
		t.Fatalf("no %s in the log of serve in Socket Mode:\n%s", re, stderr.String()[mark:])
		return nil
	}
	opsAddr := since(`"msg":"serving /healthz, /readyz and /metrics over HTTP","addr":"(127\.0\.0\.1:\d+)"`)[1]
	since(`"msg":"socket mode connected"`)
	since(`"msg":"evaluation refreshed"`)
	sr, err := emu.SendSlashCommandSocket(ctx, slackemu.SlashCommand{Text: "payments-api"})
	if err != nil || sr.Message == nil || !strings.Contains(sr.Message.Text, "payments-api") {
		t.Fatalf("slash command over Socket Mode: %v %+v", err, sr)
	}
	seen = append(seen, string(sr.Body))
	resp, err := http.Get("http://" + opsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	seen = append(seen, string(body))
	cancel()
	if c := <-code; c != exitOK {
		t.Fatalf("serve (Socket Mode) exit %d:\n%s", c, stderr)
	}
	delete(vars, "SLACK_APP_TOKEN")

	// The jobs, one Slack post refused.
	emu.FailNextWith("chat.postMessage", "invalid_auth")
	for _, job := range [][]string{{"run", "refresh"}, {"run", "weekly-report"}, {"run", "weekly-report"}, {"run", "team-notices"}, {"config"}} {
		run(context.Background(), e, job)
	}
	if n := len(emu.Messages(report)); n != 1 {
		t.Errorf("%d digests reached %s, want 1", n, report)
	}
	if n := len(emu.Messages(def)); n == 0 {
		t.Error("no team notice reached the default channel")
	}
	if len(emu.CallsTo("chat.postMessage")) < 3 {
		t.Errorf("only %d posts: the refused one did not happen", len(emu.CallsTo("chat.postMessage")))
	}

	// A database that cannot be reached, with a password in its URL.
	vars["PRODREADY_DB"] = "postgres://prodready:" + dbPass + "@127.0.0.1:1/prodready?connect_timeout=2"
	run(context.Background(), e, []string{"run", "refresh"})
	run(context.Background(), e, []string{"config"})

	// Debug logs were on and every log line is JSON.
	logs := stderr.String()
	debug := 0
	for _, l := range strings.Split(logs, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("a log line is not JSON: %q", l)
		}
		if rec["level"] == "DEBUG" {
			debug++
		}
	}
	if debug == 0 {
		t.Errorf("no debug line in the logs:\n%s", logs)
	}
	all := append(seen, logs, stdout.String())
	for _, s := range secrets {
		for i, text := range all {
			if strings.Contains(text, s) {
				t.Errorf("secret %q found in output %d:\n%s", s, i, text)
			}
		}
	}
	t.Logf("scanned %d bytes of logs, %d of stdout, %d HTTP answers for %d secrets; %d debug lines, %d Slack posts",
		len(logs), stdout.b.Len(), len(seen), len(secrets), debug, len(emu.CallsTo("chat.postMessage")))
}
