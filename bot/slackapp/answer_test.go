package slackapp

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

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

var testNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func demoBundle(t testing.TB) *scorecard.Bundle {
	t.Helper()
	b, err := demo.Source{}.Load(context.Background(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	b.EntityURL = func(e *scorecard.Entity) string {
		return "https://app.getport.io/serviceEntity?identifier=" + e.Identifier
	}
	return b
}

func demoEvaluated(t testing.TB) *Evaluated {
	t.Helper()
	return NewEvaluated(demoBundle(t), testNow)
}

// render is a message as Slack receives it: blocks as JSON, text.
func render(t testing.TB, m Message) (string, json.RawMessage) {
	t.Helper()
	raw, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if err := slackemu.ValidateBlocks(raw); err != nil {
		t.Fatalf("Slack would refuse these blocks: %v\n%s", err, raw)
	}
	if strings.TrimSpace(m.Text) == "" {
		t.Fatal("no plain-text fallback")
	}
	return m.Text, raw
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

func TestAnswerService(t *testing.T) {
	s := demoEvaluated(t)
	e, _ := s.Evaluation.Catalog.Find("payments-api")
	want := report.ForService(s.Evaluation, e, nil)
	for _, name := range []string{"payments-api", "  PAYMENTS-API ", "Payments API", "*payments-api*", "<@U123> payments-api :rocket:"} {
		m := Answer(s, ParseQuery(name))
		text, raw := render(t, m)
		all := blockText(raw)
		if !strings.Contains(all, "Payments API (payments-api)") || !strings.Contains(all, "Open in Port") || !strings.Contains(all, "Owned by *Payments*") {
			t.Fatalf("%q: header/context missing:\n%s", name, all)
		}
		for _, st := range want.Scorecards {
			if !strings.Contains(all, st.Title) || !strings.Contains(text, st.Title+" "+st.Level) {
				t.Fatalf("%q: scorecard %s level %s missing:\n%s\n%s", name, st.Title, st.Level, all, text)
			}
			for _, lf := range st.Failing {
				if !strings.Contains(all, "_Failing at "+lf.Level+"_") {
					t.Fatalf("%q: level group %s missing", name, lf.Level)
				}
				for _, f := range lf.Rules {
					if !strings.Contains(all, f.Title) || (len(f.Why) > 0 && !strings.Contains(all, blockkit.Esc(f.Why[0]))) {
						t.Fatalf("%q: rule %s or its reason missing:\n%s", name, f.Rule, all)
					}
				}
			}
			if st.Next != nil && !strings.Contains(all, "To reach *"+st.Next.Level+"*: fix ") {
				t.Fatalf("%q: no 'to reach %s':\n%s", name, st.Next.Level, all)
			}
		}
	}
	t.Log(blockText(func() json.RawMessage { _, r := render(t, Answer(s, ParseQuery("payments-api"))); return r }()))
}

func TestAnswerUnknownServiceSuggests(t *testing.T) {
	s := demoEvaluated(t)
	cases := []struct{ in, want string }{
		{"payment-api", "Did you mean `payments-api`"},
		{"serch-api", "`search-api`"},
		{"payments", "is a team: try `/prodready team payments`"},
		{"zzzzzzzz", "No service named `zzzzzzzz`."},
		{"&lt;script&gt;", "No service named `&lt;script&gt;`."},
	}
	for _, c := range cases {
		text, raw := render(t, Answer(s, ParseQuery(c.in)))
		if all := blockText(raw); !strings.Contains(all, c.want) {
			t.Errorf("%q: want %q in\n%s", c.in, c.want, all)
		}
		if !strings.HasPrefix(text, "No service named") {
			t.Errorf("%q: fallback %q", c.in, text)
		}
	}
}

func TestAnswerTeam(t *testing.T) {
	s := demoEvaluated(t)
	for _, in := range []string{"team payments", "TEAM Payments", "team *payments*"} {
		text, raw := render(t, Answer(s, ParseQuery(in)))
		all := blockText(raw)
		if !strings.Contains(all, "Team Payments (payments)") || !strings.Contains(all, "5 services") {
			t.Fatalf("%q:\n%s", in, all)
		}
		for _, id := range []string{"payments-api", "checkout-web", "ledger-service", "fraud-detector", "refunds-worker"} {
			if !strings.Contains(all, "`"+id+"`") || !strings.Contains(text, id+":") {
				t.Fatalf("%q: %s missing:\n%s", in, id, all)
			}
		}
		if strings.Contains(all, "search-api") {
			t.Fatalf("%q lists another team's service", in)
		}
	}
	_, raw := render(t, Answer(s, ParseQuery("team paymnts")))
	if all := blockText(raw); !strings.Contains(all, "No team named `paymnts`. Did you mean `payments`") {
		t.Fatalf("near-miss team:\n%s", all)
	}
	// Failing counts agree with the evaluation.
	e, _ := s.Evaluation.Catalog.Find("payments-api")
	r := s.Evaluation.Result(e, 0)
	_, raw = render(t, Answer(s, ParseQuery("team payments")))
	want := fmt.Sprintf("%s *%s*, %d failing", r.Scorecard.Name(), r.LevelName(), len(r.Failing()))
	if !strings.Contains(blockText(raw), want) {
		t.Fatalf("want %q in\n%s", want, blockText(raw))
	}
}

func TestHelp(t *testing.T) {
	s := demoEvaluated(t)
	for _, in := range []string{"", "   ", "help", "HELP", "?", "team"} {
		_, raw := render(t, Answer(s, ParseQuery(in)))
		if all := blockText(raw); !strings.Contains(all, "/prodready team &lt;team&gt;") {
			t.Fatalf("%q:\n%s", in, all)
		}
	}
	_, raw := render(t, Answer(s, ParseQuery("team")))
	if !strings.Contains(blockText(raw), "needs a team's name") {
		t.Fatal("`team` alone does not say what is missing")
	}
}

// hugeBundle is one service failing many long rules, across many
// scorecards, and a team owning many services.
func hugeBundle(t testing.TB, rules, scorecards, services int) *scorecard.Bundle {
	t.Helper()
	long := strings.Repeat("Explains at length why this matters & <what> to do. ", 30)
	var scs []map[string]any
	for s := 0; s < scorecards; s++ {
		var rs []map[string]any
		for i := 0; i < rules; i++ {
			rs = append(rs, map[string]any{
				"identifier": fmt.Sprintf("rule_%d_%03d", s, i), "title": fmt.Sprintf("Rule %d.%03d with a long title", s, i),
				"description": long, "level": []string{"Bronze", "Silver", "Gold"}[i%3],
				"query": map[string]any{"combinator": "and", "conditions": []any{
					map[string]any{"property": fmt.Sprintf("p%d", i), "operator": "isNotEmpty"},
				}},
			})
		}
		scs = append(scs, map[string]any{"identifier": fmt.Sprintf("sc%02d", s), "title": fmt.Sprintf("Scorecard %02d", s), "blueprint": "service", "rules": rs})
	}
	data, _ := json.Marshal(scs)
	parsed, findings := scorecard.ParseScorecards("huge.json", data)
	if err := findings.Err(); err != nil {
		t.Fatal(err)
	}
	ents := make([]scorecard.Entity, services)
	for i := range ents {
		ents[i] = scorecard.Entity{Identifier: fmt.Sprintf("svc-%05d", i), Title: fmt.Sprintf("Service %05d %s", i, strings.Repeat("x", 40)), Blueprint: "service", Team: scorecard.Teams{"big"}}
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		t.Fatal(err)
	}
	return &scorecard.Bundle{Scorecards: parsed, Catalog: cat, Teams: []scorecard.Team{{Identifier: "big", Name: "Big Team"}}}
}

var andMore = regexp.MustCompile(`…and (\d+) more (failing rules|services)`)

func TestHugeAnswersStayWithinSlackLimits(t *testing.T) {
	s := NewEvaluated(hugeBundle(t, 120, 12, 2000), testNow)
	cases := []struct {
		q     string
		total int
		count func(all string) int
	}{
		{"svc-00001", 12 * 120, func(all string) int { return strings.Count(all, "• *Rule ") }},
		{"team big", 2000, func(all string) int { return strings.Count(all, "• *Service ") }},
	}
	for _, c := range cases {
		m := Answer(s, ParseQuery(c.q))
		text, raw := render(t, m)
		if len(m.Blocks) > slackemu.MaxBlocks {
			t.Fatalf("%s: %d blocks", c.q, len(m.Blocks))
		}
		if n := len([]rune(text)); n > blockkit.MaxFallback {
			t.Fatalf("%s: fallback of %d characters", c.q, n)
		}
		all := blockText(raw)
		got := andMore.FindStringSubmatch(all)
		if got == nil {
			t.Fatalf("%s: no '…and N more' in\n%s", c.q, all[len(all)-300:])
		}
		more, _ := strconv.Atoi(got[1])
		if shown := c.count(all); shown+more != c.total || shown == 0 {
			t.Fatalf("%s: shown %d + more %d != %d", c.q, shown, more, c.total)
		}
	}
	// Fields: 12 scorecards need two sections of at most ten fields.
	m := Answer(s, ParseQuery("svc-00001"))
	for i, b := range m.Blocks {
		if sec, ok := b.(*slack.SectionBlock); ok && len(sec.Fields) > blockkit.MaxFields {
			t.Fatalf("block %d has %d fields", i, len(sec.Fields))
		}
	}
}

func TestCutKeepsRunes(t *testing.T) {
	s := strings.Repeat("é", 200)
	if got := blockkit.Cut(s, 150); len([]rune(got)) != 150 || !strings.HasSuffix(got, "…") {
		t.Fatalf("cut = %q", got)
	}
	if blockkit.Cut("short", 150) != "short" {
		t.Fatal("cut changed a short string")
	}
}

func TestAnswerAllPass(t *testing.T) {
	b := hugeBundle(t, 2, 1, 1)
	ents := b.Catalog.Entities
	ents[0].Properties = map[string]any{"p0": "x", "p1": "y"}
	cat, err := scorecard.NewCatalog(ents) // a catalog's entities do not change after NewCatalog
	if err != nil {
		t.Fatal(err)
	}
	b.Catalog = cat
	s := NewEvaluated(b, testNow)
	text, raw := render(t, Answer(s, ParseQuery("svc-00000")))
	if all := blockText(raw); !strings.Contains(all, "Every rule passes") || strings.Contains(all, "Failing at") || !strings.Contains(text, "(0 failing)") {
		t.Fatalf("all-pass answer:\n%s\n%s", all, text)
	}
}

func TestNamesCannotPing(t *testing.T) {
	b := hugeBundle(t, 1, 1, 1)
	b.Catalog.Entities[0].Title = "<!channel> & <@U123>"
	s := NewEvaluated(b, testNow)
	for _, q := range []string{"svc-00000", "team big", "svc-0000x", "help"} {
		m := Answer(s, ParseQuery(q))
		text, _ := render(t, m)
		// plain_text (the header) shows markup literally; mrkdwn parses it.
		var mrk []string
		for _, blk := range m.Blocks {
			raw, _ := json.Marshal(blk)
			var v struct {
				Text     *textObj  `json:"text"`
				Fields   []textObj `json:"fields"`
				Elements []textObj `json:"elements"`
			}
			json.Unmarshal(raw, &v)
			all := append(append(v.Fields, v.Elements...), textObj{})
			if v.Text != nil {
				all = append(all, *v.Text)
			}
			for _, o := range all {
				if o.Type == "mrkdwn" {
					mrk = append(mrk, o.Text)
				}
			}
		}
		for _, where := range append(mrk, text) {
			if strings.Contains(where, "<!") || strings.Contains(where, "<@") || strings.Contains(where, "<service>") {
				t.Fatalf("%s: unescaped markup in %q", q, where)
			}
		}
	}
}

type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Services whose names end in markup characters, or run past 200
// characters, are found by the name as typed (issue 13 #12); emphasis is
// dropped only when no service has the name as typed.
func TestAnswerFindsNamesAsTyped(t *testing.T) {
	b := demoBundle(t)
	long := strings.Repeat("very-long-service-name-", 11) // 253 characters
	ents := append([]scorecard.Entity{}, b.Catalog.Entities...)
	for _, id := range []string{"evil-4-*bold*", "tilde~", "tick`", long} {
		ents = append(ents, scorecard.Entity{Identifier: id, Blueprint: "service"})
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		t.Fatal(err)
	}
	b.Catalog = cat
	s := NewEvaluated(b, testNow)
	for _, typed := range []string{"evil-4-*bold*", "tilde~", "tick`", long, "*payments-api*", "`payments-api`"} {
		m := Answer(s, ParseQuery(typed))
		if strings.Contains(m.Text, "No service named") {
			t.Errorf("%q not found: %s", typed, m.Text)
		}
	}
}
