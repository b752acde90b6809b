package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

func TestAppHomeShowsTheUsersServices(t *testing.T) {
	emu := slackemu.New(t)
	lead := emu.AddUser("payments-lead@example.com") // a member of the demo's payments team
	stranger := emu.AddUser("nobody@example.com")
	r := start(t, emu, Config{BotToken: emu.BotToken()})
	waitReady(t, r.bot)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := strings.TrimSuffix(r.url, CommandPath) + EventsPath
	rep, err := emu.SendAppHomeOpened(ctx, events, lead.ID)
	if err != nil || rep.Status != 200 {
		t.Fatalf("%v %+v", err, rep)
	}
	home, err := emu.WaitHome(ctx, lead.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	txt := blocksText(home.Blocks)
	for _, want := range []string{"Your services", "*Payments*", "*Payments API* — Production Readiness *Silver*", "next for Gold: Merged a PR in the last 30 days"} {
		if !strings.Contains(txt, want) {
			t.Errorf("Home tab lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "search-api") {
		t.Errorf("Home tab shows another team's service:\n%s", txt)
	}
	// Refreshed when opened again; a user of no team hears why.
	if _, err := emu.SendAppHomeOpened(ctx, events, lead.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.WaitHome(ctx, lead.ID, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.SendAppHomeOpened(ctx, events, stranger.ID); err != nil {
		t.Fatal(err)
	}
	h, err := emu.WaitHome(ctx, stranger.ID, 1)
	if err != nil || !strings.Contains(blocksText(h.Blocks), "No team in the catalog or the teams file lists your email") {
		t.Errorf("stranger's Home: %v %s", err, blocksText(h.Blocks))
	}
}

func TestAppHomeOverSocketMode(t *testing.T) {
	emu := slackemu.New(t)
	lead := emu.AddUser("search-lead@example.com")
	r := start(t, emu, Config{BotToken: emu.BotToken(), AppToken: emu.AppToken()})
	waitReady(t, r.bot)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := emu.SendAppHomeOpenedSocket(ctx, lead.ID); err != nil {
		t.Fatal(err)
	}
	home, err := emu.WaitHome(ctx, lead.ID, 1)
	if err != nil || !strings.Contains(blocksText(home.Blocks), "*Search*") {
		t.Fatalf("%v %s", err, blocksText(home.Blocks))
	}
}

// bigTeam is a catalog where one team owns n services, most failing.
func bigTeam(tb testing.TB, n int) *Evaluated {
	tb.Helper()
	ents := make([]scorecard.Entity, n)
	for i := range ents {
		ents[i] = dgService(fmt.Sprintf("service-with-a-long-name-%05d", i), i%4, "big")
		ents[i].Title = fmt.Sprintf("Service with a rather long title number %05d <!channel> & co", i)
	}
	scs, f := scorecard.ParseScorecards("ladder.json", []byte(dgLadderJSON))
	if err := f.Err(); err != nil {
		tb.Fatal(err)
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		tb.Fatal(err)
	}
	b := &scorecard.Bundle{Scorecards: scs, Catalog: cat, Teams: []scorecard.Team{{Identifier: "big", Name: "Big", Emails: []string{"owner@example.com"}}}}
	return NewEvaluated(b, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
}

// TestAppHomeForManyServicesFitsSlack: a user owning 500 (or 3,000)
// services gets a Home tab Slack accepts, listing every service or saying
// how many more there are.
func TestAppHomeForManyServicesFitsSlack(t *testing.T) {
	emu := slackemu.New(t)
	u := emu.AddUser("owner@example.com")
	api := blockkit.NewClient(emu.BotToken(), "", emu.URL())
	for _, n := range []int{500, 3000} {
		s := bigTeam(t, n)
		teams := s.TeamsOf("OWNER@example.com", nil)
		if len(teams) != 1 {
			t.Fatalf("teams %v", teams)
		}
		if _, err := api.PublishViewContext(context.Background(), slackPublish(u.ID, HomeView(s, teams, nil))); err != nil {
			t.Fatalf("%d services: Slack refused the Home tab: %v", n, err)
		}
		home, _ := emu.Home(u.ID)
		txt := blocksText(home.Blocks)
		listed := strings.Count(txt, "• *")
		more := 0
		if i := strings.Index(txt, "…and "); i >= 0 {
			fmt.Sscanf(txt[i:], "…and %d more services", &more)
		}
		if listed+more != n || strings.Contains(txt, "<!channel>") {
			t.Errorf("%d services: %d listed, %d more", n, listed, more)
		}
	}
}

func BenchmarkAppHome500(b *testing.B) {
	s := bigTeam(b, 500)
	teams := s.TeamsOf("owner@example.com", nil)
	b.ReportAllocs()
	for b.Loop() {
		HomeView(s, teams, nil)
	}
}

func TestTeamsOfEmailInCatalogAndTeamsFile(t *testing.T) {
	s := bigTeam(t, 3)
	routes, err := delivery.ParseTeamRoutes("teams.yaml", []byte("default_channel: C0DEF\nteams:\n  search:\n    dm: [Owner@Example.com, b@example.com]\n  big:\n    channel: C0BIG\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		email string
		want  string
	}{
		{"owner@example.com", "big,search"}, // the catalog's members and the file's DM list, any case
		{"b@example.com", "search"},
		{"nobody@example.com", ""},
		{"", ""},
	}
	for _, tc := range cases {
		if got := strings.Join(s.TeamsOf(tc.email, routes), ","); got != tc.want {
			t.Errorf("TeamsOf(%q) = %q, want %q", tc.email, got, tc.want)
		}
	}
}

func TestAppHomeListsExemptions(t *testing.T) {
	base := bigTeam(t, 4)
	b := *base.Bundle
	now := base.LoadedAt
	b.Exemptions = []scorecard.Exemption{{Service: "service-with-a-long-name-00000", Scorecard: "pr", Rule: "readme", Until: now.Add(24 * time.Hour), Reason: "repo split", By: "U0LEAD", Origin: scorecard.OriginSlack}}
	s := NewEvaluated(&b, now)
	pending := []history.ExemptionRecord{{ID: 7, Status: history.ExemptionRequested, RequestedBy: "U0DEV",
		Exemption: scorecard.Exemption{Service: "service-with-a-long-name-00001", Scorecard: "pr", Rule: "oncall", Until: now.Add(48 * time.Hour)}}}
	txt := blocksText(mustJSON(t, HomeView(s, []string{"big"}, pending).Blocks))
	for _, want := range []string{"1 exemption in force · 1 request waiting", "*Exemptions in force*", "exempt until " + now.Add(24*time.Hour).Format(time.DateOnly) + ": repo split — by <@U0LEAD> (slack)", "*Exemption requests waiting for approval*", "`oncall` (pr)", "asked by <@U0DEV>"} {
		if !strings.Contains(txt, want) {
			t.Errorf("Home tab lacks %q:\n%s", want, txt)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
