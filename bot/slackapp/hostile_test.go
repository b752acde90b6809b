package slackapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

// hostile is in every string of the hostile catalog: a broadcast, a user
// and a channel mention, a link with a label, and lone markup characters.
const hostile = "<!channel> & <@U123> <#C123> <http://x|y> >"

// hostileBundle is a catalog whose every string value is hostile: enough
// scorecards that a digest passes Slack's 50 blocks, services at every
// level (level shifts by services to give moves between two snapshots).
func hostileBundle(t testing.TB, shift int) *scorecard.Bundle {
	t.Helper()
	h := func(s string, a ...any) string { return fmt.Sprintf(s, a...) + " " + hostile }
	levels := []string{h("Basic"), h("Bronze"), h("Silver"), h("Gold")}
	var scs []map[string]any
	for s := 0; s < 12; s++ {
		var rs []map[string]any
		for i := 0; i < 6; i++ {
			rs = append(rs, map[string]any{
				"identifier": fmt.Sprintf("rule_%d_%d", s, i), "title": h("Rule %d.%d", s, i),
				"description": h("Do %d", i), "level": levels[1+i%3],
				"query": map[string]any{"combinator": "and", "conditions": []any{
					map[string]any{"property": fmt.Sprintf("p%d", i), "operator": "isNotEmpty"}}},
			})
		}
		var lv []map[string]any
		for _, l := range levels {
			lv = append(lv, map[string]any{"title": l})
		}
		scs = append(scs, map[string]any{"identifier": fmt.Sprintf("sc%02d", s), "title": h("Scorecard %02d", s),
			"blueprint": "service", "levels": lv, "rules": rs})
	}
	data, _ := json.Marshal(scs)
	parsed, findings := scorecard.ParseScorecards("hostile.json", data)
	if err := findings.Err(); err != nil {
		t.Fatal(err)
	}
	var ents []scorecard.Entity
	var teams []scorecard.Team
	for i := 0; i < 30; i++ {
		p := map[string]any{}
		for k := 0; k < 6; k++ {
			if (i+shift+k)%4 != 0 {
				p[fmt.Sprintf("p%d", k)] = hostile
			}
		}
		var team scorecard.Teams
		if i%5 != 0 {
			id := fmt.Sprintf("team-%d %s", i%4, hostile)
			team = scorecard.Teams{id}
		}
		ents = append(ents, scorecard.Entity{Identifier: fmt.Sprintf("svc-%02d %s", i, hostile), Title: h("Service %02d", i),
			Blueprint: "service", Team: team, Properties: p})
	}
	for k := 0; k < 4; k++ {
		teams = append(teams, scorecard.Team{Identifier: fmt.Sprintf("team-%d %s", k, hostile), Name: h("Team %d", k)})
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		t.Fatal(err)
	}
	return &scorecard.Bundle{Scorecards: parsed, Catalog: cat, Teams: teams, Origin: h("origin"),
		EntityURL: func(e *scorecard.Entity) string { return "https://port.example/e?id=" + e.Identifier + "&x=<y>|z" }}
}

// hostileMessages is every message the jobs and the answers build from
// the hostile catalog.
func hostileMessages(t *testing.T) map[string]Message {
	t.Helper()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	prevB, curB := hostileBundle(t, 1), hostileBundle(t, 0)
	prev := report.TakeSnapshot(prevB.Evaluate(now.Add(-7*24*time.Hour)), prevB.Origin, prevB.EntityURL)
	cur := report.TakeSnapshot(curB.Evaluate(now), curB.Origin, curB.EntityURL)
	out := map[string]Message{}
	names := jobs.TeamNames(curB)
	for _, stale := range []*report.Staleness{nil, {At: now, Reason: hostile}} {
		d := report.BuildDigest(report.DigestInput{Period: report.PeriodOf(report.Weekly, now), Cur: cur, Prev: prev, TeamNames: names,
			Failures: []report.Failure{{Job: jobs.Notices, Period: "2026-11-25", Destination: "team:" + hostile, Reason: hostile, At: now}}, Stale: stale})
		text, blocks := blockkit.DigestMessage(d, jobs.Weekly)
		out[fmt.Sprintf("digest (stale %v)", stale != nil)] = Message{Text: text, Blocks: blocks}
		d = report.BuildDigest(report.DigestInput{Period: report.PeriodOf(report.Weekly, now), Cur: cur, TeamNames: names, Stale: stale})
		text, blocks = blockkit.DigestMessage(d, jobs.Weekly)
		out[fmt.Sprintf("first digest (stale %v)", stale != nil)] = Message{Text: text, Blocks: blocks}
	}
	prevIdx := prev.EntityIndex()
	for i, n := range report.BuildNotices(cur, "", names) {
		n.MarkSince(prev, prevIdx)
		text, blocks := blockkit.NoticeMessage(n)
		out[fmt.Sprintf("notice %d", i)] = Message{Text: text, Blocks: blocks}
		n.MarkSince(nil, nil)
		text, blocks = blockkit.NoticeMessage(n)
		out[fmt.Sprintf("first notice %d", i)] = Message{Text: text, Blocks: blocks}
	}
	s := NewEvaluated(curB, now)
	for _, e := range curB.Catalog.Entities {
		out["answer "+e.Identifier] = Answer(s, ParseQuery(e.Identifier))
	}
	for _, tm := range curB.Teams {
		out["team "+tm.Identifier] = Answer(s, ParseQuery("team "+tm.Identifier))
	}
	for _, q := range []string{hostile, "team " + hostile, "svc-0 " + hostile, "help", "team", "help " + hostile} {
		out["query "+q] = Answer(s, ParseQuery(q))
	}
	out["unavailable"] = Unavailable(errors.New(hostile))
	out["pending"] = Pending()
	return out
}

// ourLink is a link the renderer writes itself: <http(s)://…|label>, with
// nothing in it that could open or close markup.
var ourLink = regexp.MustCompile(`<https?://[^<>|\s]*\|[^<>]*>|<https?://[^<>|\s]*>`)

// entity is what an escaped & may start.
var entity = regexp.MustCompile(`&(amp|lt|gt);`)

// TestNoCatalogValueReachesSlackAsMarkup: whatever the catalog holds, no
// message carries an unescaped mention, link or lone <, > or &.
func TestNoCatalogValueReachesSlackAsMarkup(t *testing.T) {
	msgs := hostileMessages(t)
	sawOmitted := false
	for name, m := range msgs {
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		texts := []string{m.Text}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if x["type"] == slack.MarkdownType {
					if s, ok := x["text"].(string); ok {
						texts = append(texts, s)
					}
				}
				for _, y := range x {
					walk(y)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			}
		}
		var v any
		_ = json.Unmarshal(raw, &v)
		walk(v)
		for _, s := range texts {
			if strings.Contains(s, "Not shown, for Slack") {
				sawOmitted = true
			}
			rest := ourLink.ReplaceAllStringFunc(s, func(l string) string {
				u := strings.TrimPrefix(strings.SplitN(l, "|", 2)[0], "<")
				u = strings.TrimSuffix(u, ">")
				if _, err := url.Parse(strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(u)); err != nil {
					t.Errorf("%s: link %q is not a URL: %v", name, l, err)
				}
				return "LINK"
			})
			rest = entity.ReplaceAllString(rest, "")
			for _, bad := range []string{"<!", "<@", "<#", "<", ">", "&"} {
				if strings.Contains(rest, bad) {
					t.Errorf("%s: %q unescaped in %q", name, bad, s)
					break
				}
			}
		}
	}
	if !sawOmitted {
		t.Error("no digest passed 50 blocks: the omitted sections' titles were not tested")
	}
}
