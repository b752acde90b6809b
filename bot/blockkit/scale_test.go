package blockkit

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

var testNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func teamNamesOf(b *scorecard.Bundle) map[string]string {
	m := map[string]string{}
	for _, t := range b.Teams {
		if t.Name != "" {
			m[t.Identifier] = t.Name
		}
	}
	return m
}

var moreServices = regexp.MustCompile(`and (\d+) more services: ` + "`/prodready team ([^`]+)`")

// A team with 500 failing services hears about ten and how many more.
func TestNoticeOf500Services(t *testing.T) {
	b, err := demo.Scaled(context.Background(), testNow, 500, 1)
	if err != nil {
		t.Fatal(err)
	}
	snap := report.TakeSnapshot(b.Evaluate(testNow), b.Origin, report.EntityLink(b.EntityURL))
	ns := report.BuildNotices(snap, "", teamNamesOf(b))
	if len(ns) != 1 {
		t.Fatalf("%d notices", len(ns))
	}
	n := ns[0]
	n.MarkSince(nil, nil)
	text, blocks := NoticeMessage(n)
	raw, _ := json.Marshal(blocks)
	if err := slackemu.ValidateBlocks(raw); err != nil {
		t.Fatalf("Slack would refuse it: %v", err)
	}
	if len([]rune(text)) > MaxFallback {
		t.Errorf("fallback of %d characters", len([]rune(text)))
	}
	m := moreServices.FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatalf("no 'and N more services' in %s", raw)
	}
	more, _ := strconv.Atoi(m[1])
	shown := 0
	for _, blk := range blocks {
		if sec, ok := blk.(*slack.SectionBlock); ok && sec.Text != nil && strings.HasPrefix(sec.Text.Text, "*<") {
			shown++
		}
	}
	if !strings.Contains(string(raw), `"block_id":"`+NoticeMoreBlockID+`"`) {
		t.Errorf("the 'more services' line has no block_id %q for the button beside it", NoticeMoreBlockID)
	}
	if shown != ntServicesShown || shown+more != len(n.Services) || m[2] != "team-000" {
		t.Errorf("shown %d + %d more != %d services, or team %q", shown, more, len(n.Services), m[2])
	}
}

// A digest over 250 teams names ten per scorecard and says how many more.
func TestDigestOf250Teams(t *testing.T) {
	b, err := demo.Scaled(context.Background(), testNow, 3000, 250)
	if err != nil {
		t.Fatal(err)
	}
	cur := report.TakeSnapshot(b.Evaluate(testNow), b.Origin, nil)
	prev := report.TakeSnapshot(b.Evaluate(testNow.Add(-7*24*time.Hour)), b.Origin, nil)
	d := report.BuildDigest(report.DigestInput{Period: report.PeriodOf(report.Weekly, testNow), Cur: cur, Prev: prev, TeamNames: teamNamesOf(b)})
	text, blocks := DigestMessage(d, "weekly-report")
	raw, _ := json.Marshal(blocks)
	if err := slackemu.ValidateBlocks(raw); err != nil {
		t.Fatalf("Slack would refuse it: %v", err)
	}
	if len([]rune(text)) > MaxFallback {
		t.Errorf("fallback of %d characters", len([]rune(text)))
	}
	all := blockText(raw)
	got := regexp.MustCompile(`… and (\d+) more teams`).FindAllStringSubmatch(all, -1)
	if len(got) != len(d.Scorecards) {
		t.Fatalf("%d 'more teams' lines for %d scorecards:\n%s", len(got), len(d.Scorecards), all)
	}
	for i, m := range got {
		if more, _ := strconv.Atoi(m[1]); more+dgTeamsShown != len(d.Scorecards[i].Teams) {
			t.Errorf("scorecard %d: %d more + %d shown != %d teams", i, more, dgTeamsShown, len(d.Scorecards[i].Teams))
		}
	}
	// A rule failing across many teams names the three most affected.
	for _, m := range regexp.MustCompile(`\+(\d+) more teams`).FindAllStringSubmatch(all, -1) {
		if n, _ := strconv.Atoi(m[1]); n <= 0 {
			t.Errorf("'+%s more teams'", m[1])
		}
	}
	if !strings.Contains(all, "more teams") {
		t.Errorf("no rule's teams are cut:\n%s", all)
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
