package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report"
)

func TestParseTeamRoutes(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		err  string // "" for success
	}{
		{"yaml", "teams.yaml", "default_channel: C0DEF\nteams:\n  payments:\n    channel: C0PAY\n  search:\n    dm: [lead@example.com, oncall@example.com]\n", ""},
		{"json", "teams.json", `{"default_channel":"C0DEF","teams":{"payments":{"channel":"C0PAY"}}}`, ""},
		{"empty file", "teams.yaml", "", ""},
		{"unknown top-level key", "teams.yaml", "default_chanel: C0DEF\n", `teams.yaml:1: unknown key "default_chanel" in top level (known keys: default_channel, teams)`},
		{"unknown team key", "teams.yaml", "teams:\n  payments:\n    chanel: C0PAY\n", `teams.yaml:3: unknown key "chanel" in a team (known keys: channel, dm, email)`},
		{"unknown key in json", "teams.json", `{"teams":{"payments":{"channel":"C0PAY","owner":"x"}}}`, `teams.json:1: unknown key "owner" in a team`},
		{"not yaml", "teams.yaml", "teams: [unclosed\n", "teams.yaml: "},
		{"wrong shape", "teams.yaml", "teams: 3\n", "teams.yaml: "},
		{"both routes", "teams.yaml", "teams:\n  p:\n    channel: C1\n    dm: [a@b.c]\n", "teams.yaml: teams.p: give channel or dm, not both"},
		{"bad email route", "teams.yaml", "teams:\n  p:\n    email: [not-an-address]\n", `teams.yaml: teams.p.email[0]: "not-an-address" is not an email address`},
		{"no route", "teams.yaml", "teams:\n  p: {}\n", "teams.yaml: teams.p: needs a channel, a dm list or an email list"},
		{"bad email", "teams.yaml", "teams:\n  p:\n    dm: [lead]\n", `teams.yaml: teams.p.dm[0]: "lead" is not an email address`},
		{"too many people", "teams.yaml", "teams:\n  p:\n    dm: [a@x.io, b@x.io, c@x.io, d@x.io, e@x.io, f@x.io, g@x.io, h@x.io, i@x.io]\n", "at most 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := delivery.ParseTeamRoutes(tt.file, []byte(tt.data))
			if tt.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("parsed %+v, want error %q", r, tt.err)
			}
			if !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %q, want it to contain %q", err, tt.err)
			}
		})
	}
}

func TestTeamRoutesFor(t *testing.T) {
	r, err := delivery.ParseTeamRoutes("t.yaml", []byte("default_channel: C0DEF\nteams:\n  payments:\n    channel: C0PAY\n  search:\n    dm: [a@x.io]\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		team string
		want string
		ok   bool
	}{
		{"payments", "channel C0PAY", true},
		{"search", "DM a@x.io", true},
		{"platform", "channel C0DEF", true},
		{"", "channel C0DEF", true},
	}
	for _, tt := range tests {
		got, ok := r.For(tt.team)
		if ok != tt.ok || got.Where() != tt.want {
			t.Errorf("For(%q) = %s, %v; want %s", tt.team, got.Where(), ok, tt.want)
		}
	}
	r.DefaultChannel = ""
	if _, ok := r.For("platform"); ok {
		t.Error("a team with no route and no default channel has nowhere to go")
	}
}

func TestLoadTeamRoutesMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := delivery.LoadTeamRoutes(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "PRODREADY_TEAMS") {
		t.Errorf("missing teams file: %v", err)
	}
}

func TestNoticeMessageCountsWhatDoesNotFit(t *testing.T) {
	n := &report.Notice{Team: "t"}
	for i := 0; i < 2000; i++ {
		n.Services = append(n.Services, report.NoticeService{Service: report.EntityRef{Identifier: fmt.Sprintf("svc-%04d", i)},
			Scorecards: []report.NoticeStanding{{Title: "Readiness", Level: "Basic", Target: "Gold", Fix: []report.NoticeRule{
				{Title: "Has a README", Level: "Bronze", Description: strings.Repeat("Write it. ", 20)}}}}})
	}
	_, blocks := blockkit.NoticeMessage(n)
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	if err := slackemu.ValidateBlocks(raw); err != nil {
		t.Fatalf("Slack would reject the notice: %v", err)
	}
	shown := strings.Count(string(raw), "svc-")
	m := regexp.MustCompile(`and (\d+) more services`).FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatalf("the notice does not say how many services it left out")
	}
	if more, _ := strconv.Atoi(m[1]); shown+more != 2000 {
		t.Errorf("%d shown + %s more != 2000", shown, m[1])
	}
}

func TestNoticeMessageEscapesNames(t *testing.T) {
	n := &report.Notice{Team: "r&d", Services: []report.NoticeService{{Service: report.EntityRef{Identifier: "x", Title: "<!channel> & co"},
		Scorecards: []report.NoticeStanding{{Title: "Readiness", Level: "Basic", Target: "Gold"}}}}}
	text, blocks := blockkit.NoticeMessage(n)
	raw, _ := json.Marshal(blocks)
	for _, s := range []string{text, string(raw)} {
		if strings.Contains(s, "<!channel>") {
			t.Errorf("a service title reached Slack unescaped, where it pings the channel: %s", s)
		}
	}
	if !strings.Contains(text, "&lt;!channel&gt; &amp; co") {
		t.Errorf("fallback text: %s", text)
	}
}

// A notice cut at Slack's limits points its readers at what they can use:
// the team's /prodready command, not a CLI only operators can run.
func TestNoticeCutPointsAtTeamCommand(t *testing.T) {
	for _, tc := range []struct{ team, want string }{{"payments", "`/prodready team payments`"}, {"", "`/prodready <service>`"}} {
		n := &report.Notice{Team: tc.team}
		for i := 0; i < 2000; i++ {
			n.Services = append(n.Services, report.NoticeService{Service: report.EntityRef{Identifier: fmt.Sprintf("svc-%04d", i)},
				Scorecards: []report.NoticeStanding{{Title: "Readiness", Level: "Basic", Target: "Gold", Fix: []report.NoticeRule{
					{Title: "Has a README", Level: "Bronze", Description: strings.Repeat("Write it. ", 20)}}}}})
		}
		_, blocks := blockkit.NoticeMessage(n)
		raw, _ := json.Marshal(blocks)
		all := blockText(raw)
		if !strings.Contains(all, "more services") || !strings.Contains(all, tc.want) || strings.Contains(all, "prodready run") {
			t.Errorf("team %q: a cut notice should point at %s, not the CLI:\n%s", tc.team, tc.want, all[max(0, len(all)-400):])
		}
	}
}

// A second YAML document in the teams file is an error naming the file
// and the line it starts on, not silently ignored.
func TestTeamsFileSecondDocument(t *testing.T) {
	data := "default_channel: C1\nteams:\n  payments:\n    channel: C2\n---\nteams:\n  search:\n    channel: C3\n"
	_, err := delivery.ParseTeamRoutes("teams.yaml", []byte(data))
	if err == nil || !strings.Contains(err.Error(), "teams.yaml:6") || !strings.Contains(err.Error(), "document") {
		t.Errorf("a second document: %v; want an error naming teams.yaml:6", err)
	}
	if _, err := delivery.ParseTeamRoutes("teams.yaml", []byte("---\ndefault_channel: C1\n")); err != nil {
		t.Errorf("one document after a leading ---: %v", err)
	}
}

// A team key in the teams file that matches no team of the catalog is
// warned about at the notices run, with the closest team.
func TestTeamsFileUnknownTeamWarned(t *testing.T) {
	w := dgNewWorld(t)
	w.teamsYAML = fmt.Sprintf("default_channel: %s\nteams:\n  paymnts:\n    channel: %s\n  search:\n    dm: [lead@example.com]\n", w.fallback, w.payments)
	var logs bytes.Buffer
	w.log = slog.New(slog.NewTextHandler(&logs, nil))
	out := w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
	note := strings.Join(out.Notes, "\n")
	for _, where := range []string{note, logs.String()} {
		if !strings.Contains(where, "paymnts") || !strings.Contains(where, "payments") || !strings.Contains(where, "did you mean") {
			t.Errorf("no warning naming teams.paymnts and suggesting payments:\n%s", where)
		}
	}
	if strings.Contains(note, "teams.search") {
		t.Errorf("a team of the catalog was warned about:\n%s", note)
	}
}

// blockText is every text in the blocks, in order, for assertions.
func blockText(raw json.RawMessage) string {
	var sb strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				sb.WriteString(s)
				sb.WriteByte('\n')
			}
			for k, y := range x {
				if k != "text" || fmt.Sprint(y) != y {
					walk(y)
				}
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var v any
	json.Unmarshal(raw, &v)
	walk(v)
	return sb.String()
}
