package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// The team answer before it was laid out once per evaluation, kept as the
// reference its answers must equal byte for byte: answerTeam and
// blockBuilder as they were, renamed.

func refAnswerTeam(s *Evaluated, name string) Message {
	id, display, ents, ok := s.Team(name)
	if !ok {
		t, fb := notFound("team", name, s.SuggestTeams(name, 3))
		return Message{Text: blockkit.Fallback(fb), Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Cut(t, blockkit.MaxSectionText)), nil, nil)}}
	}
	title := "Team " + display
	if display != id {
		title += " (" + id + ")"
	}
	b := refBlockBuilder{noun: "services"}
	b.block(blockkit.Header(title), 0)
	summary := scorecard.Plural(len(ents), "service")
	b.block(slack.NewContextBlock("", blockkit.Mrkdwn(summary+" · levels and failing rules per scorecard")), 0)
	var fb strings.Builder
	fmt.Fprintf(&fb, "%s: %s.", title, summary)
	if len(ents) == 0 {
		b.line("This team owns no service in the catalog.", false)
	}
	ev := s.Evaluation
	for _, e := range ents {
		ent := &ev.Catalog.Entities[e]
		l := "• *" + blockkit.Esc(ent.Name()) + "*"
		if ent.Title != "" && ent.Title != ent.Identifier {
			l += " (" + blockkit.Code(ent.Identifier) + ")"
		}
		fmt.Fprintf(&fb, " %s:", ent.Identifier)
		var parts []string
		for si, sc := range ev.Scorecards {
			r := ev.Result(e, si)
			if !r.Applies {
				continue
			}
			failing := 0
			for _, p := range r.Pass {
				if !p {
					failing++
				}
			}
			sep := " "
			if len(parts) > 0 {
				sep = ", "
			}
			target := len(sc.Levels) - 1
			want := report.TargetFor(s.Target, sc.Identifier)
			for i, lv := range sc.Levels {
				if want != "" && strings.EqualFold(lv.Title, want) {
					target = i
					break
				}
			}
			st := report.Standing{Rank: r.Level}
			parts = append(parts, fmt.Sprintf("%s %s *%s*, %d failing", statusMarker(&st, target), blockkit.Esc(sc.Name()), blockkit.Esc(r.LevelName()), failing))
			fmt.Fprintf(&fb, "%s%s %s (%d failing)", sep, sc.Name(), r.LevelName(), failing)
		}
		if len(parts) == 0 {
			parts = append(parts, "no scorecard applies")
		}
		b.line(l+" — "+strings.Join(parts, " · "), true)
		fb.WriteString(";")
	}
	return Message{Text: blockkit.Fallback(fb.String()), Blocks: b.finish()}
}

type refBlockBuilder struct {
	blocks  []slack.Block
	lines   []string
	size    int // characters in lines, with their newlines
	items   int // items in lines
	dropped int // items that did not fit
	full    bool
	noun    string
}

// room keeps one block free for the "…and N more" line.
func (b *refBlockBuilder) room() bool { return !b.full && len(b.blocks) < blockkit.MaxBlocks-1 }

// block adds a block after the pending lines; items is how many listed
// things (rules, services) it shows, counted if it does not fit.
func (b *refBlockBuilder) block(blk slack.Block, items int) {
	b.flush()
	if !b.room() {
		b.full = true
		b.dropped += items
		return
	}
	b.blocks = append(b.blocks, blk)
}

// line adds a line of mrkdwn to the current section; item says whether it
// is one of the listed things.
func (b *refBlockBuilder) line(s string, item bool) {
	s = blockkit.Cut(s, blockkit.MaxSectionText)
	n := utf8.RuneCountInString(s)
	if b.size > 0 && b.size+1+n > blockkit.MaxSectionText {
		b.flush()
	}
	if b.size > 0 {
		b.size++
	}
	b.lines = append(b.lines, s)
	b.size += n
	if item {
		b.items++
	}
}

func (b *refBlockBuilder) flush() {
	if len(b.lines) == 0 {
		return
	}
	text := strings.Join(b.lines, "\n")
	items := b.items
	b.lines, b.size, b.items = nil, 0, 0
	b.block(slack.NewSectionBlock(blockkit.Mrkdwn(text), nil, nil), items)
}

func (b *refBlockBuilder) finish() []slack.Block {
	b.flush()
	if b.full {
		more := fmt.Sprintf("…and %d more %s", b.dropped, b.noun)
		if b.dropped == 0 {
			more = "…and more"
		}
		b.blocks = append(b.blocks, slack.NewContextBlock("", blockkit.Mrkdwn(more)))
	}
	return b.blocks
}

// awkwardTeams is the demo grown to n services over a few teams whose
// names and services' titles need escaping, are not ASCII, or are long
// enough to be cut; some services have no scorecard that applies, one
// team owns nothing.
func awkwardTeams(t testing.TB, n int) *scorecard.Bundle {
	t.Helper()
	d, err := demo.Source{}.Load(context.Background(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	teams := []scorecard.Team{
		{Identifier: "ops", Name: "Ops & <Friends>"},
		{Identifier: "émile", Name: "Équipe Émile ✓"},
		{Identifier: "same", Name: "same"},
		{Identifier: "nobody", Name: "Owns Nothing"},
	}
	ents := make([]scorecard.Entity, n)
	for i := range ents {
		e := d.Catalog.Entities[i%len(d.Catalog.Entities)]
		e.Identifier = fmt.Sprintf("%s-%05d", e.Identifier, i)
		switch i % 7 {
		case 0:
			e.Title = fmt.Sprintf("Ünïcødé & <%s> ✓ %05d", e.Title, i)
		case 5:
			// Shown in the fallback, which counts characters, not bytes.
			e.Identifier = fmt.Sprintf("ünïcødé-✓✓✓-%05d", i)
		case 1:
			e.Title = e.Identifier
		case 2:
			e.Title = ""
		case 3:
			e.Blueprint = "library" // no scorecard applies
		case 4:
			e.Title = strings.Repeat("é&", 1600) + fmt.Sprint(i) // longer than a section
		default:
			e.Title = fmt.Sprintf("%s %05d", e.Title, i)
		}
		e.Team = scorecard.Teams{teams[i%3].Identifier}
		if i%11 == 0 {
			e.Team = append(e.Team, "unlisted-team")
		}
		ents[i] = e
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		t.Fatal(err)
	}
	return &scorecard.Bundle{Scorecards: d.Scorecards, Catalog: cat, Teams: teams}
}

func messageJSON(t testing.TB, m Message) string {
	t.Helper()
	b, err := json.Marshal(commandReply{ResponseType: slack.ResponseTypeEphemeral, Text: m.Text, Blocks: m.Blocks})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTeamAnswerUnchanged compares team answers, laid out once per
// evaluation, with the reference that laid them out on every request: on
// scaled catalogs (teams of 1,000 services, most not shown, and of 2),
// awkward names, every kind of target, a team's first answer and the
// kept one, and after the target changes.
func TestTeamAnswerUnchanged(t *testing.T) {
	scaled, err := demo.Scaled(context.Background(), testNow, 3000, 3)
	if err != nil {
		t.Fatal(err)
	}
	small, err := demo.Scaled(context.Background(), testNow, 500, 250)
	if err != nil {
		t.Fatal(err)
	}
	catalogs := []struct {
		name   string
		bundle *scorecard.Bundle
		teams  []string
	}{
		{"1000 per team", scaled, []string{"team-000", "TEAM 001", "team-002", "team-003"}},
		{"2 per team", small, []string{"team-000", "team-249", "Team 123"}},
		{"awkward", awkwardTeams(t, 2500), []string{"ops", "Ops & <Friends>", "émile", "same", "nobody", "unlisted-team", "opz"}},
		{"huge rules", hugeBundle(t, 120, 12, 2000), []string{"big", "Big Team"}},
	}
	targets := []string{"", "Silver", "silver", "gold", "production_readiness:bronze,observable", "production_readiness:Bronze,Observable", "operational_maturity:Resilient", "Nonexistent", "bad,,target", "sc01:Silver"}
	for _, c := range catalogs {
		t.Run(c.name, func(t *testing.T) {
			s := NewEvaluated(c.bundle, testNow)
			for _, target := range targets {
				s.Target = target
				for _, team := range c.teams {
					want := messageJSON(t, refAnswerTeam(s, team))
					// The first answer lays out, the second is the kept one.
					for i, kind := range []string{"first", "kept"} {
						got := messageJSON(t, Answer(s, Query{Kind: QueryTeam, Arg: team}))
						if got != want {
							t.Errorf("team %q, target %q, %s answer (%d): differs from the reference\n got: %.300s\nwant: %.300s", team, target, kind, i, got, want)
						}
					}
				}
			}
		})
	}
}

// TestTeamAnswerShowsAndCounts checks that the comparison above compares
// something: a big team's answer is cut and counts what it leaves out,
// and its fallback is cut too.
func TestTeamAnswerShowsAndCounts(t *testing.T) {
	s := NewEvaluated(awkwardTeams(t, 2500), testNow)
	_, _, ents, _ := s.Team("ops")
	m := Answer(s, ParseQuery("team ops"))
	all := messageJSON(t, m)
	shown := strings.Count(all, "• *")
	match := andMore.FindStringSubmatch(all)
	if match == nil || shown == 0 {
		t.Fatalf("no \"…and N more services\" or no service shown in %.500s", all)
	}
	var more int
	fmt.Sscan(match[1], &more)
	if shown+more != len(ents) {
		t.Errorf("%d services shown and %d more, want %d in all", shown, more, len(ents))
	}
	if len(m.Blocks) != blockkit.MaxBlocks {
		t.Errorf("%d blocks, want Slack's %d", len(m.Blocks), blockkit.MaxBlocks)
	}
	if n := utf8.RuneCountInString(strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(m.Text)); n != blockkit.MaxFallback {
		t.Errorf("fallback of %d characters, want it cut to %d", n, blockkit.MaxFallback)
	}
	if !strings.Contains(m.Text, "Ops &amp; &lt;Friends&gt;") || strings.Contains(m.Text, "<Friends>") {
		t.Errorf("the team's name is not escaped in %.300s", m.Text)
	}
}

// TestTeamAnswersConcurrently asks for every team at once, many times,
// on a fresh evaluation, so that first answers race with each other and
// with kept ones (run with -race); each must equal the reference.
func TestTeamAnswersConcurrently(t *testing.T) {
	bundle, err := demo.Scaled(context.Background(), testNow, 2000, 10)
	if err != nil {
		t.Fatal(err)
	}
	ref := NewEvaluated(bundle, testNow)
	want := map[string]string{}
	for i := 0; i < 10; i++ {
		team := fmt.Sprintf("team-%03d", i)
		want[team] = messageJSON(t, refAnswerTeam(ref, team))
	}
	s := NewEvaluated(bundle, testNow)
	var wg sync.WaitGroup
	errs := make(chan string, 80)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				team := fmt.Sprintf("team-%03d", (g+i)%10)
				m := Answer(s, ParseQuery("team "+team))
				b, err := json.Marshal(commandReply{ResponseType: slack.ResponseTypeEphemeral, Text: m.Text, Blocks: m.Blocks})
				if err != nil || string(b) != want[team] {
					errs <- fmt.Sprintf("goroutine %d, %s: differs from the reference (err %v)", g, team, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestKeepRefusesWhatItCannotMakeAgain: a block with more than one text
// is not kept, so a team answer with such a block would be laid out for
// every request rather than shown wrong.
func TestKeepRefusesWhatItCannotMakeAgain(t *testing.T) {
	ok := Message{Text: "t", Blocks: []slack.Block{blockkit.Header("h"), slack.NewContextBlock("", blockkit.Mrkdwn("c")), slack.NewSectionBlock(blockkit.Mrkdwn("s"), nil, nil)}}
	k, kept := keep(ok)
	if !kept || messageJSON(t, k.message()) != messageJSON(t, ok) {
		t.Fatalf("keep(%s) = %v, %s", messageJSON(t, ok), kept, messageJSON(t, k.message()))
	}
	for name, blk := range map[string]slack.Block{
		"fields":          slack.NewSectionBlock(blockkit.Mrkdwn("s"), []*slack.TextBlockObject{blockkit.Mrkdwn("f")}, nil),
		"plain section":   slack.NewSectionBlock(blockkit.Plain("s"), nil, nil),
		"block id":        slack.NewSectionBlock(blockkit.Mrkdwn("s"), nil, nil, slack.SectionBlockOptionBlockID("x")),
		"two elements":    slack.NewContextBlock("", blockkit.Mrkdwn("a"), blockkit.Mrkdwn("b")),
		"emoji header":    slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "h", true, false)),
		"actions":         slack.NewActionBlock("", slack.NewButtonBlockElement("a", "v", blockkit.Plain("b"))),
		"verbatim mrkdwn": slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "s", false, true), nil, nil),
	} {
		if _, kept := keep(Message{Blocks: []slack.Block{blockkit.Header("h"), blk}}); kept {
			t.Errorf("%s: kept", name)
		}
	}
}
