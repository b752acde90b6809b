package slackapp

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

var updateBlockKit = flag.Bool("update", false, "rewrite docs/blockkit/*.json from the current rendering")

// blockKitDemo is the demo as the docs show it: now, and a week before
// with a few services in a different state, so that the digest and the
// notice have something that moved.
func blockKitDemo(t *testing.T) (cur, prev *report.Snapshot, b *scorecard.Bundle) {
	t.Helper()
	b, err := demo.Source{}.Load(context.Background(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	cur = report.TakeSnapshot(b.Evaluate(testNow), b.Origin, report.EntityLink(b.EntityURL))
	weekAgo := testNow.AddDate(0, 0, -7)
	pb, err := demo.Source{}.Load(context.Background(), weekAgo)
	if err != nil {
		t.Fatal(err)
	}
	ents := append([]scorecard.Entity(nil), pb.Catalog.Entities...)
	for i := range ents {
		e := &ents[i]
		p := make(map[string]any, len(e.Properties))
		for k, v := range e.Properties {
			p[k] = v
		}
		switch e.Identifier {
		case "payments-api": // merged a PR since: was Gold, now Silver
			p["freshness"] = 10.0
		case "fraud-detector": // last PR 60 days ago then, 120 now
			p["freshness"] = 60.0
		case "indexer": // branch protection was off
			p["required_approvals_for_pr"] = 0.0
		case "mfa-service": // on-call named since
			p["on_call"] = nil
		}
		e.Properties = p
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		t.Fatal(err)
	}
	prev = report.TakeSnapshot(scorecard.Evaluate(weekAgo, pb.Scorecards, cat), pb.Origin, nil)
	return cur, prev, b
}

func blockKitMessages(t *testing.T) map[string][]slack.Block {
	cur, prev, b := blockKitDemo(t)
	names := jobs.TeamNames(b)

	d := report.BuildDigest(report.DigestInput{Period: report.PeriodOf(report.Weekly, testNow), Cur: cur, Prev: prev,
		History: []report.Mix{report.MixOf(prev, "2026-W47")}, Target: "Silver", TeamNames: names})
	_, digest := blockkit.DigestMessage(d, jobs.Weekly)

	var notice []slack.Block
	for _, n := range report.BuildNotices(cur, "Silver", names) {
		if n.Team == "payments" {
			n.MarkSince(prev, prev.EntityIndex())
			_, notice = blockkit.NoticeMessage(n)
		}
	}
	if notice == nil {
		t.Fatal("the demo's payments team has no notice")
	}
	s := NewEvaluated(b, testNow)
	s.Target = "Silver"
	answer := Answer(s, ParseQuery("fraud-detector")).Blocks
	return map[string][]slack.Block{"answer": answer, "digest": digest, "notice": notice}
}

// TestBlockKitDocs keeps docs/blockkit in step with the rendering: the
// files are what Slack receives for the demo at a fixed time, ready to
// paste into Block Kit Builder. go test ./bot/slackapp -run BlockKitDocs -update
// rewrites them.
func TestBlockKitDocs(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "blockkit")
	for name, blocks := range blockKitMessages(t) {
		got, err := json.MarshalIndent(map[string]any{"blocks": blocks}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		raw, _ := json.Marshal(blocks)
		if err := slackemu.ValidateBlocks(raw); err != nil {
			t.Errorf("%s: Slack would refuse it: %v", name, err)
		}
		file := filepath.Join(dir, name+".json")
		if *updateBlockKit {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (go test ./bot/slackapp -run BlockKitDocs -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the rendering; if the change is meant, run go test ./bot/slackapp -run BlockKitDocs -update\n%s", file, firstDiff(string(want), string(got)))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  file:      %s\n  rendering: %s", i+1, x, y)
		}
	}
	return ""
}

// The demo messages read answer first: what the issue asks of each.
func TestBlockKitDemoReadsAnswerFirst(t *testing.T) {
	msgs := blockKitMessages(t)
	text := func(name string) string {
		raw, _ := json.Marshal(msgs[name])
		return blockText(raw)
	}
	digest := text("digest")
	for _, want := range []string{
		"Production readiness, week of 23 Nov 2026",
		"*Production Readiness*: *",
		" at Silver or above (",
		"since last week",
		":arrow_down: Demoted",
		":arrow_up: Promoted",
		":new: Newly failing: *Merged a PR in the last 90 days*",
	} {
		if !strings.Contains(digest, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest)
		}
	}
	if strings.Contains(digest, "2026-W48") || strings.Contains(digest, "pts") || strings.Contains(digest, "```") {
		t.Errorf("digest has a week key, points as pts, or a code block:\n%s", digest)
	}
	// The opening section is the first after the header, and holds every scorecard.
	first := msgs["digest"][1].(*slack.SectionBlock).Text.Text
	if !strings.Contains(first, "Production Readiness") || !strings.Contains(first, "Operational Maturity") {
		t.Errorf("opening section: %s", first)
	}

	notice := text("notice")
	reg, still := strings.Index(notice, "*Regressed*"), strings.Index(notice, "*Still below target*")
	if reg < 0 || still < 0 || reg > still {
		t.Errorf("regressions do not come first:\n%s", notice)
	}
	for _, want := range []string{"freshness is 120; needs under 90", "<https://github.com/example/fraud-detector|Fraud Detector>", ":warning: *1 service regressed*"} {
		if !strings.Contains(notice, want) {
			t.Errorf("notice lacks %q:\n%s", want, notice)
		}
	}

	answer := text("answer")
	for _, want := range []string{":large_yellow_circle: *Production Readiness*", "target Silver", "To reach *Silver*", "Open on GitHub"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q:\n%s", want, answer)
		}
	}
}

func TestStatusMarkers(t *testing.T) {
	st := report.Standing{Levels: []string{"Basic", "Bronze", "Silver", "Gold"}}
	cases := []struct {
		rank   int
		target string
		want   string
	}{
		{0, "Silver", ":red_circle:"},
		{1, "Silver", ":large_yellow_circle:"},
		{2, "silver", ":white_check_mark:"},
		{3, "Silver", ":white_check_mark:"},
		{2, "", ":large_yellow_circle:"}, // no target: the top level
		{3, "Platinum", ":white_check_mark:"},
	}
	for _, c := range cases {
		st.Rank = c.rank
		if got := statusMarker(&st, answerTarget(&st, c.target)); got != c.want {
			t.Errorf("rank %d target %q: %s, want %s", c.rank, c.target, got, c.want)
		}
	}
}

// A service failing many long rules on many scorecards still fits one
// section, cut between lines, never inside a link.
func TestNoticeServiceCutBetweenLines(t *testing.T) {
	st := report.NoticeStanding{Title: "Readiness", Level: "Basic", Target: "Gold"}
	for i := 0; i < 5; i++ {
		st.Fix = append(st.Fix, report.NoticeRule{Title: strings.Repeat("Long title ", 20), Why: []string{strings.Repeat("a reason & more ", 30)}, Doc: "https://docs.example.com/rules/" + strconv.Itoa(i)})
	}
	svc := report.NoticeService{Service: report.EntityRef{Identifier: "big", URL: "https://example.com/big"}}
	for i := 0; i < 12; i++ {
		svc.Scorecards = append(svc.Scorecards, st)
	}
	_, blocks := blockkit.NoticeMessage(&report.Notice{Team: "t", Services: []report.NoticeService{svc}})
	raw, _ := json.Marshal(blocks)
	if err := slackemu.ValidateBlocks(raw); err != nil {
		t.Fatalf("Slack would refuse it: %v", err)
	}
	text := blocks[2].(*slack.SectionBlock).Text.Text
	if !strings.HasSuffix(text, "_… more in_ `/prodready big`") || strings.Count(text, "<") != strings.Count(text, ">") {
		t.Errorf("cut badly: …%s", text[len(text)-300:])
	}
}
