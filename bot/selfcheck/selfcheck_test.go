package selfcheck

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard"
)

// selfCheckWorld is a workspace where everything is right until a case
// breaks one thing.
type selfCheckWorld struct {
	emu                        *slackemu.Server
	cfg                        Config
	reports, payments, general string
}

func newSelfCheckWorld(t *testing.T) *selfCheckWorld {
	t.Helper()
	emu := slackemu.New(t)
	w := &selfCheckWorld{emu: emu}
	emu.AddToken(emu.BotToken(), append(slackemu.BotScopes, "channels:read")...)
	w.reports = emu.AddChannel("reports")
	w.payments = emu.AddChannel("payments")
	w.general = emu.AddChannel("readiness")
	emu.AddUser("lead@example.com")
	src := &dgSource{}
	src.set(dgService("pay-api", 1, "payments"), dgService("indexer", 0, "search"))
	w.cfg = Config{
		BotToken: emu.BotToken(), AppToken: emu.AppToken(), APIURL: emu.URL(),
		ReportChannel: w.reports, Source: src,
		Routes: &delivery.TeamRoutes{File: "teams.yaml", DefaultChannel: w.general, Teams: map[string]delivery.TeamRoute{
			"payments": {Channel: w.payments}, "search": {DM: []string{"lead@example.com"}},
		}},
	}
	return w
}

func TestSelfCheck(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(t *testing.T, w *selfCheckWorld)
		// want: a problem whose line contains each of these; none: no problem.
		want []string
		note string // a note that must be there (not a problem)
	}{
		{name: "all good"},
		{"bot token refused", func(t *testing.T, w *selfCheckWorld) { w.cfg.BotToken = "xoxb-not-a-real-one" },
			[]string{"SLACK_BOT_TOKEN", "the token in SLACK_BOT_TOKEN was refused: invalid_auth", "OAuth & Permissions"}, "not checked: the bot token was not accepted"},
		{"bot token revoked", func(t *testing.T, w *selfCheckWorld) { w.emu.RevokeToken(w.cfg.BotToken) },
			[]string{"SLACK_BOT_TOKEN was refused: token_revoked", "reinstall the app"}, ""},
		{"app token refused", func(t *testing.T, w *selfCheckWorld) { w.cfg.AppToken = "xapp-1-wrong" },
			[]string{"SLACK_APP_TOKEN", "was refused: invalid_auth", "App-Level Tokens"}, ""},
		{"a bot token as the app token", func(t *testing.T, w *selfCheckWorld) { w.cfg.AppToken = w.cfg.BotToken },
			[]string{"SLACK_APP_TOKEN is of the wrong kind: not_allowed_token_type"}, ""},
		{"bot not in the report channel", func(t *testing.T, w *selfCheckWorld) {
			w.cfg.ReportChannel = w.emu.AddChannel("managers", slackemu.NotMember())
		}, []string{"PRODREADY_REPORT_CHANNEL", "not a member of #managers", "invite the bot to #managers (/invite @prodready"}, ""},
		{"report channel does not exist", func(t *testing.T, w *selfCheckWorld) { w.cfg.ReportChannel = "C0NOWHERE" },
			[]string{"PRODREADY_REPORT_CHANNEL", "channel C0NOWHERE was not found", "channel's ID"}, ""},
		{"a channel given by name", func(t *testing.T, w *selfCheckWorld) { w.cfg.ReportChannel = "#reports" },
			[]string{"PRODREADY_REPORT_CHANNEL", "channel #reports was not found"}, ""},
		{"teams-file channel archived", func(t *testing.T, w *selfCheckWorld) {
			w.cfg.Routes.Teams["payments"] = delivery.TeamRoute{Channel: w.emu.AddChannel("old-payments", slackemu.Archived())}
		}, []string{"PRODREADY_TEAMS (teams.yaml) teams.payments.channel", "#old-payments", "is archived"}, ""},
		{"teams-file default channel without the bot", func(t *testing.T, w *selfCheckWorld) {
			w.cfg.Routes.DefaultChannel = w.emu.AddChannel("private-ish", slackemu.NotMember())
		}, []string{"default_channel", "invite the bot to #private-ish"}, ""},
		{"misspelt team", func(t *testing.T, w *selfCheckWorld) {
			w.cfg.Routes.Teams["paymnets"] = delivery.TeamRoute{Channel: w.payments}
		}, []string{"teams.paymnets", `team "paymnets" is not in the catalog`, `did you mean "payments"?`}, ""},
		{"team by another case", func(t *testing.T, w *selfCheckWorld) {
			w.cfg.Routes.Teams["Search"] = delivery.TeamRoute{Channel: w.payments}
		}, []string{"teams.Search", `did you mean "search"? The teams file is keyed by team identifier`}, ""},
		{"catalog down", func(t *testing.T, w *selfCheckWorld) { w.cfg.Source = failingSource{} },
			[]string{"PRODREADY_TEAMS (teams.yaml)", "the catalog (broken catalog) could not be loaded: port unreachable"}, ""},
		{"files:write missing", func(t *testing.T, w *selfCheckWorld) {
			w.emu.AddToken(w.cfg.BotToken, without(append(slackemu.BotScopes, "channels:read"), "files:write")...)
		}, []string{"SLACK_BOT_TOKEN scope files:write", "charts", "add the files:write scope under OAuth & Permissions and reinstall the app"}, ""},
		{"users:read.email missing with DM routes", func(t *testing.T, w *selfCheckWorld) {
			w.emu.AddToken(w.cfg.BotToken, without(append(slackemu.BotScopes, "channels:read"), "users:read.email")...)
		}, []string{"add the users:read.email scope"}, ""},
		{"a DM address Slack does not know", func(t *testing.T, w *selfCheckWorld) {
			w.cfg.Routes.Teams["search"] = delivery.TeamRoute{DM: []string{"nobody@example.com"}}
		}, []string{"teams.search.dm", "nobody@example.com is not a member of the Slack workspace", "correct the address"}, ""},
		{"group DM without mpim:write", func(t *testing.T, w *selfCheckWorld) {
			w.emu.AddToken(w.cfg.BotToken, without(append(slackemu.BotScopes, "channels:read"), "mpim:write")...)
			w.cfg.Routes.Teams["search"] = delivery.TeamRoute{DM: []string{"a@example.com", "b@example.com"}}
		}, []string{"scope mpim:write", "group DMs"}, ""},
		{"no channels:read: channels unchecked, not a failure", func(t *testing.T, w *selfCheckWorld) {
			w.emu.AddToken(w.cfg.BotToken, without(slackemu.BotScopes, "channels:read", "groups:read")...)
		}, nil, "not checked: the token lacks channels:read"},
		{"no history scope: optional", func(t *testing.T, w *selfCheckWorld) {
			w.emu.AddToken(w.cfg.BotToken, without(append(slackemu.BotScopes, "channels:read"), "channels:history")...)
		}, nil, "channels:history: not granted (optional"},
		{"Slack unreachable", func(t *testing.T, w *selfCheckWorld) { w.emu.Close() },
			[]string{"could not reach SLACK_API_URL to check SLACK_BOT_TOKEN"}, ""},
		{"console mode", func(t *testing.T, w *selfCheckWorld) { w.cfg.BotToken, w.cfg.AppToken = "", "" },
			nil, "SLACK_BOT_TOKEN: not set: console mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newSelfCheckWorld(t)
			if tt.breakIt != nil {
				tt.breakIt(t, w)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res := Run(ctx, w.cfg)
			var all []string
			for _, r := range res {
				all = append(all, r.String())
			}
			text := strings.Join(all, "\n")
			problems := Problems(res)
			if tt.want == nil && len(problems) > 0 {
				t.Errorf("problems where none was expected:\n%s", text)
			}
			if tt.want != nil {
				found := false
				for _, p := range problems {
					line := p.String()
					ok := true
					for _, w := range tt.want {
						ok = ok && strings.Contains(line, w)
					}
					found = found || ok
				}
				if !found {
					t.Errorf("no problem says all of %q:\n%s", tt.want, text)
				}
			}
			if tt.note != "" && !strings.Contains(text, tt.note) {
				t.Errorf("no %q:\n%s", tt.note, text)
			}
			for _, secret := range []string{w.emu.BotToken(), w.emu.AppToken(), "xoxb-not-a-real-one", "xapp-1-wrong"} {
				if strings.Contains(text, secret) {
					t.Errorf("a token is in the results:\n%s", text)
				}
			}
			if tt.name == "all good" {
				for _, want := range []string{"✓ SLACK_BOT_TOKEN: accepted: bot @prodready", "✓ SLACK_APP_TOKEN", "✓ PRODREADY_REPORT_CHANNEL: #reports", "2 of 2 teams are in the catalog", "1 of 1 people found in Slack by email", "granted: chat:write, commands, files:write"} {
					if !strings.Contains(text, want) {
						t.Errorf("checklist lacks %q:\n%s", want, text)
					}
				}
			}
		})
	}
}

func TestSelfCheckLogsProblems(t *testing.T) {
	w := newSelfCheckWorld(t)
	w.cfg.ReportChannel = w.emu.AddChannel("managers", slackemu.NotMember())
	var buf bytes.Buffer
	LogProblems(slog.New(slog.NewTextHandler(&buf, nil)), Run(context.Background(), w.cfg))
	out := buf.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "invite the bot to #managers") || strings.Contains(out, "✓") {
		t.Errorf("log:\n%s", out)
	}
}

type failingSource struct{}

func (failingSource) Describe() string { return "broken catalog" }
func (failingSource) Load(context.Context, time.Time) (*scorecard.Bundle, error) {
	return nil, errors.New("port unreachable")
}

func without(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}
