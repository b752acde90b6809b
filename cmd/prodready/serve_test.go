package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
)

// lockedBuffer collects a running command's output safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(l.String()); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s in the log:\n%s", re, l.String())
	return nil
}

// serveEnv is an environment of vars, with the history in a temporary
// directory unless vars say where.
func serveEnv(t *testing.T, vars map[string]string) *env {
	all := map[string]string{"PRODREADY_DB": filepath.Join(t.TempDir(), "history.db")}
	for k, v := range vars {
		all[k] = v
	}
	return &env{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, getenv: func(k string) string { return all[k] }}
}

func TestServeAnswersASignedCommandAndStopsCleanly(t *testing.T) {
	emu := slackemu.New(t)
	e := serveEnv(t, map[string]string{
		"SLACK_SIGNING_SECRET":    emu.SigningSecret(),
		"SLACK_BOT_TOKEN":         emu.BotToken(),
		"SLACK_API_URL":           strings.TrimSuffix(emu.URL(), "/"),
		"PRODREADY_LISTEN_ADDR":   "127.0.0.1:0",
		"PRODREADY_REFRESH_EVERY": "1h",
	})
	logs := e.stderr.(*lockedBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- runServe(ctx, e, nil) }()
	addr := logs.waitFor(t, regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`))[1]
	logs.waitFor(t, regexp.MustCompile(`msg="evaluation refreshed" source="embedded demo" entities=30`))
	if !strings.Contains(logs.String(), "slack_api="+emu.URL()) {
		t.Fatalf("SLACK_API_URL not used:\n%s", logs)
	}
	r, err := emu.SendSlashCommand(ctx, "http://"+addr+"/slack/commands", slackemu.SlashCommand{Text: "checkout web"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusOK || r.Message == nil || !strings.HasPrefix(r.Message.Text, "checkout-web: Production Readiness") {
		t.Fatalf("reply %d %s", r.Status, r.Body)
	}
	cancel() // what SIGTERM does through main's signal.NotifyContext
	select {
	case c := <-code:
		if c != exitOK {
			t.Fatalf("exit %d:\n%s", c, logs)
		}
	case <-time.After(12 * time.Second):
		t.Fatal("serve did not stop within the 10s grace")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Fatalf("no shutdown log:\n%s", logs)
	}
}

func TestServeConsoleModeIsAnnounced(t *testing.T) {
	emu := slackemu.New(t)
	e := serveEnv(t, map[string]string{"SLACK_SIGNING_SECRET": "s3cret", "PRODREADY_LISTEN_ADDR": "127.0.0.1:0", "SLACK_API_URL": emu.URL()})
	logs := e.stderr.(*lockedBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- runServe(ctx, e, nil) }()
	logs.waitFor(t, regexp.MustCompile(`console mode: SLACK_BOT_TOKEN is not set`))
	cancel()
	if c := <-code; c != exitOK {
		t.Fatalf("exit %d", c)
	}
}

func TestServeConfigurationErrors(t *testing.T) {
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no signing secret", map[string]string{}, "SLACK_SIGNING_SECRET is required"},
		{"bad refresh", map[string]string{"SLACK_SIGNING_SECRET": "s", "PRODREADY_REFRESH_EVERY": "often"}, `PRODREADY_REFRESH_EVERY="often"`},
		{"negative refresh", map[string]string{"SLACK_SIGNING_SECRET": "s", "PRODREADY_REFRESH_EVERY": "-5m"}, "PRODREADY_REFRESH_EVERY"},
		{"bad api url", map[string]string{"SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"},
		{"user token", map[string]string{"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxp-1"}, "SLACK_BOT_TOKEN must be a bot token"},
		{"bot token as app token", map[string]string{"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN must be an app-level token"},
		{"bad schedule", map[string]string{"SLACK_SIGNING_SECRET": "s", "PRODREADY_WEEKLY_CRON": "every monday"}, "PRODREADY_WEEKLY_CRON"},
		{"busy address", map[string]string{"SLACK_SIGNING_SECRET": "s", "PRODREADY_LISTEN_ADDR": "256.0.0.1:1"}, "PRODREADY_LISTEN_ADDR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := serveEnv(t, c.vars)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if code := runServe(ctx, e, nil); code != exitUsage {
				t.Fatalf("exit %d, want %d", code, exitUsage)
			}
			if got := e.stderr.(*lockedBuffer).String(); !strings.Contains(got, c.want) {
				t.Fatalf("stderr %q lacks %q", got, c.want)
			}
		})
	}
}

func TestServeHelp(t *testing.T) {
	e := serveEnv(t, nil)
	if code := runServe(context.Background(), e, []string{"--help"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	out := e.stdout.(*lockedBuffer).String()
	for _, v := range []string{"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "PRODREADY_LISTEN_ADDR", "PRODREADY_REFRESH_EVERY"} {
		if !strings.Contains(out, v) {
			t.Errorf("help lacks %s", v)
		}
	}
	if code := runServe(context.Background(), serveEnv(t, nil), []string{"extra"}); code != exitUsage {
		t.Fatalf("an argument: exit %d", code)
	}
}

// TestServeChildProcess is the child of TestServeSIGTERM: prodready serve as
// main runs it, with the signal handling of main.
func TestServeChildProcess(t *testing.T) {
	if os.Getenv("PRODREADY_SERVE_CHILD") != "1" {
		t.Skip("run by TestServeSIGTERM")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, []string{"serve"}))
}

// TestServeSIGTERM sends SIGTERM while a request is half sent: serve stops
// accepting, still answers it, and exits 0.
func TestServeSIGTERM(t *testing.T) {
	emu := slackemu.New(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChildProcess$")
	cmd.Env = append(os.Environ(),
		"PRODREADY_SERVE_CHILD=1",
		"PRODREADY_DB="+filepath.Join(t.TempDir(), "history.db"),
		"SLACK_SIGNING_SECRET="+emu.SigningSecret(),
		"PRODREADY_LISTEN_ADDR=127.0.0.1:0",
		"SLACK_API_URL="+emu.URL(),
		"SLACK_BOT_TOKEN=", "SLACK_APP_TOKEN=", "PORT_CLIENT_ID=", "PRODREADY_CATALOG=", "PRODREADY_SCORECARDS=",
	)
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	addr := logs.waitFor(t, regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`))[1]
	logs.waitFor(t, regexp.MustCompile(`msg="evaluation refreshed"`))

	req, body, _, err := emu.CommandRequest(context.Background(), "http://"+addr+"/slack/commands", slackemu.SlashCommand{Text: "payments-api"})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	req.Body = pr
	req.ContentLength = int64(len(body))
	answered := make(chan *slackemu.Reply, 1)
	go func() {
		r, err := emu.Do(req, "")
		if err != nil {
			t.Error(err)
		}
		answered <- r
	}()
	pw.Write(body[:10]) // the request is in flight
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, regexp.MustCompile(`shutting down`))
	// The log line comes just before the listener closes: wait for the
	// close, within a bound, rather than dial once and race it.
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Error("still accepting connections 5 s after SIGTERM")
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	pw.Write(body[10:])
	pw.Close()
	r := <-answered
	if r == nil || r.Status != http.StatusOK || r.Message == nil || !strings.HasPrefix(r.Message.Text, "payments-api:") {
		t.Fatalf("the in-flight request: %+v", r)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, logs)
		}
	case <-time.After(12 * time.Second):
		t.Fatal("serve did not exit within the grace period")
	}
}

func TestServeRunsTheScheduler(t *testing.T) {
	emu := slackemu.New(t)
	for _, c := range []struct {
		name, db, want string
	}{
		{"with a history", "", `msg="scheduled job" job=weekly-report`},
		{"without a usable history", "/proc/no/such/dir/history.db", "scheduled digests and notices are off; slash commands still work"},
	} {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{"SLACK_SIGNING_SECRET": "s", "PRODREADY_LISTEN_ADDR": "127.0.0.1:0", "SLACK_API_URL": emu.URL(), "SLACK_BOT_TOKEN": emu.BotToken()}
			if c.db != "" {
				vars["PRODREADY_DB"] = c.db
			}
			e := serveEnv(t, vars)
			logs := e.stderr.(*lockedBuffer)
			ctx, cancel := context.WithCancel(context.Background())
			code := make(chan int, 1)
			go func() { code <- runServe(ctx, e, nil) }()
			logs.waitFor(t, regexp.MustCompile(regexp.QuoteMeta(c.want)))
			logs.waitFor(t, regexp.MustCompile(`serving slash commands over HTTP`))
			cancel()
			if got := <-code; got != exitOK {
				t.Fatalf("exit %d:\n%s", got, logs)
			}
		})
	}
}

// serve warns, once the catalog is loaded, about a team key of the teams
// file that matches no team, suggesting the closest.
func TestServeWarnsOfUnmatchedTeamKey(t *testing.T) {
	teams := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(teams, []byte("default_channel: C0DEF\nteams:\n  paymnts:\n    channel: C0PAY\n  search:\n    channel: C0SEA\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := serveEnv(t, map[string]string{"SLACK_SIGNING_SECRET": "s3cret", "PRODREADY_LISTEN_ADDR": "127.0.0.1:0", "PRODREADY_TEAMS": teams})
	logs := e.stderr.(*lockedBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- runServe(ctx, e, nil) }()
	logs.waitFor(t, regexp.MustCompile(`teams\.paymnts matches no team in the catalog.*did you mean \\?"payments\\?"`))
	cancel()
	if c := <-code; c != exitOK {
		t.Fatalf("exit %d", c)
	}
	if strings.Contains(logs.String(), "teams.search matches no team") {
		t.Errorf("a team of the catalog was warned about:\n%s", logs)
	}
}
