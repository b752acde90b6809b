package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prodready/prodready/bot/slackemu"
)

// doctorWorld is a workspace and an environment where every check passes.
func doctorWorld(t *testing.T) (*slackemu.Server, map[string]string, func(teams string) string) {
	t.Helper()
	emu := slackemu.New(t)
	emu.AddToken(emu.BotToken(), append(slackemu.BotScopes, "channels:read")...)
	reports := emu.AddChannel("reports")
	payments := emu.AddChannel("payments")
	emu.AddUser("lead@example.com")
	dir := t.TempDir()
	teamsFile := func(teams string) string {
		p := filepath.Join(dir, "teams.yaml")
		if err := os.WriteFile(p, []byte(teams), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	vars := map[string]string{
		"SLACK_BOT_TOKEN": emu.BotToken(), "SLACK_APP_TOKEN": emu.AppToken(), "SLACK_API_URL": emu.URL(),
		"PRODREADY_REPORT_CHANNEL": reports,
		"PRODREADY_TEAMS":          teamsFile(fmt.Sprintf("teams:\n  payments:\n    channel: %s\n  search:\n    dm: [lead@example.com]\n", payments)),
		"PRODREADY_DB":             filepath.Join(dir, "h.db"),
	}
	return emu, vars, teamsFile
}

func runDoctorCLI(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), e, append([]string{"doctor"}, args...))
	return code, out.String(), errb.String()
}

func TestDoctor(t *testing.T) {
	tests := []struct {
		name  string
		setup func(emu *slackemu.Server, vars map[string]string, teams func(string) string)
		code  int
		want  []string
	}{
		{"all good", nil, exitOK, []string{"✓ SLACK_BOT_TOKEN: accepted", "✓ PRODREADY_REPORT_CHANNEL: #reports", "2 of 2 teams are in the catalog", "No problems found."}},
		{"refused token", func(_ *slackemu.Server, vars map[string]string, _ func(string) string) {
			vars["SLACK_BOT_TOKEN"] = "xoxb-wrong-1234"
		},
			exitBelow, []string{"✗ SLACK_BOT_TOKEN: the token in SLACK_BOT_TOKEN was refused: invalid_auth", "1 problem found."}},
		{"bot not invited, team misspelt", func(emu *slackemu.Server, vars map[string]string, teams func(string) string) {
			vars["PRODREADY_REPORT_CHANNEL"] = emu.AddChannel("managers", slackemu.NotMember())
			vars["PRODREADY_TEAMS"] = teams("teams:\n  paymants:\n    channel: " + vars["PRODREADY_REPORT_CHANNEL"] + "\n")
		}, exitBelow, []string{
			"✗ PRODREADY_REPORT_CHANNEL: the bot is not a member of #managers",
			"invite the bot to #managers",
			`teams.paymants: team "paymants" is not in the catalog, so its notices go to the default channel: did you mean "payments"?`,
			"3 problems found.", // the channel twice (report channel, teams file) and the team
		}},
		{"scope missing", func(emu *slackemu.Server, _ map[string]string, _ func(string) string) {
			emu.AddToken(emu.BotToken(), "chat:write", "commands", "files:write", "im:write", "channels:read")
		}, exitBelow, []string{"✗ SLACK_BOT_TOKEN scope users:read.email", "add the users:read.email scope under OAuth & Permissions and reinstall the app"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, vars, teams := doctorWorld(t)
			if tt.setup != nil {
				tt.setup(emu, vars, teams)
			}
			code, out, errs := runDoctorCLI(t, vars)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, secret := range []string{emu.BotToken(), emu.AppToken(), "xoxb-wrong-1234"} {
				if strings.Contains(out+errs, secret) {
					t.Errorf("a token is in the output:\n%s%s", out, errs)
				}
			}
		})
	}
}

func TestDoctorUsage(t *testing.T) {
	if code, _, errs := runDoctorCLI(t, nil, "extra"); code != exitUsage || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if code, out, _ := runDoctorCLI(t, nil, "--help"); code != exitOK || !strings.Contains(out, "Exit status: 0 no problem, 1 a problem") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}
	if code, _, errs := runDoctorCLI(t, map[string]string{"PRODREADY_REFRESH_EVERY": "often"}); code != exitUsage || !strings.Contains(errs, "PRODREADY_REFRESH_EVERY") {
		t.Errorf("bad configuration: exit %d, stderr %q", code, errs)
	}
}

// serve runs the same checks at start, logs each problem as a warning and
// keeps answering.
func TestServeSelfCheckWarnsAndKeepsRunning(t *testing.T) {
	emu, vars, _ := doctorWorld(t)
	vars["PRODREADY_REPORT_CHANNEL"] = emu.AddChannel("managers", slackemu.NotMember())
	vars["SLACK_APP_TOKEN"] = ""
	vars["SLACK_SIGNING_SECRET"] = emu.SigningSecret()
	vars["PRODREADY_LISTEN_ADDR"] = "127.0.0.1:0"
	vars["PRODREADY_REFRESH_EVERY"] = "1h"
	e := serveEnv(t, vars)
	logs := e.stderr.(*lockedBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- runServe(ctx, e, nil) }()
	logs.waitFor(t, regexp.MustCompile(`level=WARN msg="self-check: PRODREADY_REPORT_CHANNEL: the bot is not a member of #managers \(C\d+\)" check=problem fix="invite the bot to #managers`))
	logs.waitFor(t, regexp.MustCompile(`self-check found problems; serve keeps running`))
	select {
	case c := <-code:
		t.Fatalf("serve exited (%d) after the self-check:\n%s", c, logs.String())
	default:
	}
	if strings.Contains(logs.String(), emu.BotToken()) {
		t.Error("the bot token is in the log")
	}
	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("serve exit %d:\n%s", c, logs.String())
	}
}
