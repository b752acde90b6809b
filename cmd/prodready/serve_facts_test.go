package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// serve with only GitHub, PagerDuty and the guide's scorecard: a slash
// command is answered from the repositories' facts, and the collection's
// warnings are logged, not printed bare.
func TestServeAnswersFromGitHubFacts(t *testing.T) {
	gh, pd := guideOrg(t, time.Now()) // serve evaluates at the present
	emu := slackemu.New(t)
	vars := guideEnv(gh, pd)
	for k, v := range map[string]string{
		"SLACK_SIGNING_SECRET":    emu.SigningSecret(),
		"SLACK_BOT_TOKEN":         emu.BotToken(),
		"SLACK_API_URL":           strings.TrimSuffix(emu.URL(), "/"),
		"PRODREADY_LISTEN_ADDR":   "127.0.0.1:0",
		"PRODREADY_REFRESH_EVERY": "1h",
	} {
		vars[k] = v
	}
	e := serveEnv(t, vars)
	logs := e.stderr.(*lockedBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- runServe(ctx, e, nil) }()
	addr := logs.waitFor(t, regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`))[1]
	logs.waitFor(t, regexp.MustCompile(`msg="evaluation refreshed" source=.*entities=6`))
	logs.waitFor(t, regexp.MustCompile(`level=WARN msg=".*Administration: read`))
	r, err := emu.SendSlashCommand(ctx, "http://"+addr+"/slack/commands", slackemu.SlashCommand{Text: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusOK || r.Message == nil || !strings.Contains(r.Message.Text, "Gold") {
		t.Fatalf("reply %d %s", r.Status, r.Body)
	}
	if strings.Contains(logs.String(), githubtest.DefaultToken) {
		t.Error("the GitHub token is logged")
	}
	cancel()
	select {
	case c := <-code:
		if c != exitOK {
			t.Fatalf("exit %d:\n%s", c, logs)
		}
	case <-time.After(12 * time.Second):
		t.Fatal("serve did not stop within the 10s grace")
	}
}
