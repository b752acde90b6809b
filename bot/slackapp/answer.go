package slackapp

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// Answer answers a parsed /prodready command from an evaluation.
func Answer(s *Evaluated, q Query) Message {
	return answerWith(s, q, nil, time.Time{})
}

// answer is Answer with what CI last reported for the service.
func (b *Bot) answer(ctx context.Context, s *Evaluated, q Query) Message {
	return answerWith(s, q, func(id string) []history.CIResult { return b.lastCI(ctx, id) }, b.now())
}

// answerWith answers q; lastCI, when set, gives a service's results
// pushed from CI, shown beside the evaluation's at now.
func answerWith(s *Evaluated, q Query, lastCI func(id string) []history.CIResult, now time.Time) Message {
	switch q.Kind {
	case QueryService:
		name := q.Typed
		if name == "" {
			name = q.Arg
		}
		return answerService(s, name, lastCI, now)
	case QueryTeam:
		return answerTeam(s, q.Arg)
	}
	return Help(q.Problem)
}

// Help says how to use /prodready, after problem when there is one.
func Help(problem string) Message {
	usage := "*`/prodready <service>`* — a service's level on each scorecard, what it fails and what to fix next.\n" +
		"*`/prodready team <team>`* — a team's services with their levels.\n" +
		"*`/prodready help`* — this help.\n" +
		"Services are found by identifier or title, in any case."
	text := "Usage: /prodready <service> | /prodready team <team> | /prodready help"
	var b blockBuilder
	if problem != "" {
		b.line(problem, false)
		b.flush()
		text = strings.ReplaceAll(problem, "`", "") + " " + text
	}
	b.line(blockkit.Esc(usage), false)
	return Message{Text: blockkit.Fallback(text), Blocks: b.finish()}
}

// Pending is the immediate answer when no evaluation is ready yet.
func Pending() Message {
	t := "Evaluating the catalog… the answer will follow here in a moment."
	return Message{Text: blockkit.Fallback(t), Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn(":hourglass_flowing_sand: "+t), nil, nil)}}
}

// Unavailable says the catalog could not be loaded and why.
func Unavailable(err error) Message {
	t := blockkit.Cut("The catalog could not be loaded, so there is nothing to answer from yet: "+err.Error()+". prodready retries within a minute.", blockkit.MaxSectionText-20)
	return Message{Text: blockkit.Fallback(t), Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn(":warning: "+blockkit.Esc(t)), nil, nil)}}
}

func answerService(s *Evaluated, name string, lastCI func(id string) []history.CIResult, now time.Time) Message {
	cat := s.Evaluation.Catalog
	e, ok := cat.Find(name)
	if !ok {
		return unknownService(s, name)
	}
	svc := report.ForService(s.Evaluation, e, report.EntityLink(s.Bundle.EntityURL))
	b := blockBuilder{noun: "failing rules"}
	title := svc.Identifier
	if svc.Title != "" && svc.Title != svc.Identifier {
		title = svc.Title + " (" + svc.Identifier + ")"
	}
	b.block(blockkit.Header(title), 0)
	var ctx []string
	if len(svc.Teams) > 0 {
		teams := make([]string, len(svc.Teams))
		for i, t := range svc.Teams {
			teams[i] = "*" + blockkit.Esc(s.teamName(t)) + "*"
		}
		ctx = append(ctx, "Owned by "+strings.Join(teams, ", "))
	} else {
		ctx = append(ctx, "No owning team")
	}
	if svc.URL != "" {
		where := report.LinkLabel(svc.URL)
		switch where {
		case "":
			where = "Open"
		case "GitHub", "GitLab":
			where = "Open on " + where
		default:
			where = "Open in " + where
		}
		ctx = append(ctx, blockkit.Link(svc.URL, where))
	}
	b.block(slack.NewContextBlock("", blockkit.Mrkdwn(blockkit.Cut(strings.Join(ctx, " · "), blockkit.MaxSectionText))), 0)
	if lastCI != nil {
		titles := func(id string) string {
			for _, sc := range s.Evaluation.Scorecards {
				if sc.Identifier == id {
					return sc.Name()
				}
			}
			return id
		}
		if l := lastCILine(lastCI(svc.Identifier), titles, now); l != "" {
			b.block(slack.NewContextBlock("", blockkit.Mrkdwn(l)), 0)
		}
	}

	var fb strings.Builder // the plain-text fallback
	fmt.Fprintf(&fb, "%s:", svc.Identifier)
	if len(svc.Scorecards) == 0 {
		b.line("No scorecard applies to this service.", false)
		fb.WriteString(" no scorecard applies.")
		return Message{Text: blockkit.Fallback(fb.String()), Blocks: b.finish()}
	}
	// Levels at a glance: one field per scorecard, ten per section, each
	// with a marker: at target, below it, or at the bottom level.
	for i := 0; i < len(svc.Scorecards); i += blockkit.MaxFields {
		var fields []*slack.TextBlockObject
		for _, st := range svc.Scorecards[i:min(i+blockkit.MaxFields, len(svc.Scorecards))] {
			target := answerTarget(&st, s.Target)
			f := fmt.Sprintf("%s *%s*\n*%s*", statusMarker(&st, target), blockkit.Esc(blockkit.Cut(st.Title, 100)), blockkit.Esc(blockkit.Cut(st.Level, 40)))
			if st.Rank < target {
				f += " · target " + blockkit.Esc(blockkit.Cut(st.Levels[target], 40))
			}
			f += fmt.Sprintf(" · %d/%d rules pass", st.Passed, st.Total)
			fields = append(fields, blockkit.Mrkdwn(blockkit.Cut(f, blockkit.MaxFieldText)))
		}
		b.block(slack.NewSectionBlock(nil, fields, nil), 0)
	}
	if a := answerActions(svc); a != nil {
		b.block(a, 0)
	}
	allPass := true
	for _, st := range svc.Scorecards {
		allPass = allPass && st.Passed == st.Total
	}
	if allPass {
		b.line(":white_check_mark: Every rule passes: nothing to fix.", false)
	}
	// The next level's to-do first, for every scorecard; then, briefly,
	// what later levels need.
	for i, st := range svc.Scorecards {
		if i > 0 {
			fb.WriteString(";")
		}
		failing := st.Total - st.Passed
		fmt.Fprintf(&fb, " %s %s (%d failing)", st.Title, st.Level, failing)
		if st.Next == nil || failing == 0 {
			continue
		}
		fmt.Fprintf(&fb, ", to reach %s fix %s", st.Next.Level, scorecard.Plural(len(st.Next.Fix), "rule"))
		b.line(fmt.Sprintf("*%s* — *%s*. %s", blockkit.Esc(blockkit.Cut(st.Title, 100)), blockkit.Esc(blockkit.Cut(st.Level, 40)), toReach(st.Next)), false)
		next := map[string]bool{}
		for _, f := range st.Next.Fix {
			next[f.Rule] = true
		}
		for _, lf := range st.Failing {
			if len(lf.Rules) == 0 || !next[lf.Rules[0].Rule] {
				continue
			}
			b.line(fmt.Sprintf("_Failing at %s_", blockkit.Esc(blockkit.Cut(lf.Level, 40))), false)
			for _, f := range lf.Rules {
				b.line(faultLine(f, true), true)
			}
		}
		b.flush()
	}
	for _, st := range svc.Scorecards {
		if st.Next == nil {
			continue
		}
		next := map[string]bool{}
		for _, f := range st.Next.Fix {
			next[f.Rule] = true
		}
		head := false
		for _, lf := range st.Failing {
			if len(lf.Rules) == 0 || next[lf.Rules[0].Rule] {
				continue
			}
			if !head {
				b.line(fmt.Sprintf("*%s* — after *%s*:", blockkit.Esc(blockkit.Cut(st.Title, 100)), blockkit.Esc(blockkit.Cut(st.Next.Level, 40))), false)
				head = true
			}
			b.line(fmt.Sprintf("_Failing at %s_", blockkit.Esc(blockkit.Cut(lf.Level, 40))), false)
			for _, f := range lf.Rules {
				b.line(faultLine(f, false), true)
			}
		}
		b.flush()
	}
	fb.WriteString(".")
	return Message{Text: blockkit.Fallback(fb.String()), Blocks: b.finish()}
}

// answerTarget is the rank of the level an answer counts as done: the
// configured target when the scorecard has it, else its top level.
func answerTarget(st *report.Standing, target string) int {
	target = report.TargetFor(target, st.Scorecard)
	for _, match := range []func(a, b string) bool{func(a, b string) bool { return a == b }, strings.EqualFold} {
		for i, l := range st.Levels {
			if target != "" && match(l, target) {
				return i
			}
		}
	}
	return len(st.Levels) - 1
}

// statusMarker is green at or above target, red at the bottom level,
// yellow in between.
func statusMarker(st *report.Standing, target int) string {
	switch {
	case st.Rank >= target:
		return ":white_check_mark:"
	case st.Rank == 0:
		return ":red_circle:"
	}
	return ":large_yellow_circle:"
}

// toReach is "To reach *Gold*: fix these 2 rules: A, B."
func toReach(st *report.Step) string {
	names := make([]string, len(st.Fix))
	for i, f := range st.Fix {
		names[i] = blockkit.Esc(f.Title)
	}
	these := "these " + scorecard.Plural(len(st.Fix), "rule")
	if len(st.Fix) == 1 {
		these = "this rule"
	}
	return fmt.Sprintf("To reach *%s*: fix %s: %s.", blockkit.Esc(st.Level), these, blockkit.Cut(strings.Join(names, ", "), 1000))
}

// faultLine is a failing rule with what the service has and needs, in
// words; with what to do (the rule's description) when full.
func faultLine(f report.Fault, full bool) string {
	l := "• *" + blockkit.Esc(blockkit.Cut(f.Title, 150)) + "*"
	why := f.Why
	if len(why) == 0 {
		why = f.Reasons
	}
	if len(why) > 0 {
		l += " — " + blockkit.Esc(blockkit.Cut(strings.Join(why, "; "), 300))
	}
	if f.Doc != "" {
		l += " · <" + f.Doc + "|how to fix>"
	}
	if d := strings.TrimSpace(f.Description); d != "" && full {
		l += "\n      _" + blockkit.Esc(blockkit.Cut(strings.Join(strings.Fields(d), " "), 300)) + "_"
	}
	l += blockkit.ExemptSuffix(f.Exempt)
	return l
}

// notFound says "No <what> named X. Did you mean a, b or c?" in mrkdwn
// and in the plain-text fallback.
func notFound(what, name string, suggestions []string) (text, plain string) {
	text = "No " + what + " named " + blockkit.Code(name) + "."
	plain = "No " + what + " named \"" + name + "\"."
	if len(suggestions) > 0 {
		shown := make([]string, len(suggestions))
		for i, x := range suggestions {
			shown[i] = blockkit.Code(x)
		}
		text += " Did you mean " + scorecard.OrList(shown) + "?"
		plain += " Did you mean " + scorecard.OrList(suggestions) + "?"
	}
	return text, plain
}

func unknownService(s *Evaluated, name string) Message {
	t, fb := notFound("service", name, s.SuggestServices(name, 3))
	if id, _, _, ok := s.Team(name); ok {
		t += " " + blockkit.Code(name) + " is a team: try " + blockkit.Code("/prodready team "+id) + "."
		fb += " It is a team: try /prodready team " + id + "."
	}
	return Message{Text: blockkit.Fallback(fb), Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Cut(t, blockkit.MaxSectionText)), nil, nil)}}
}

func (s *Evaluated) teamName(id string) string {
	if t, ok := s.teams[strings.ToLower(id)]; ok && t.ID == id {
		return t.Name
	}
	return id
}

// teamAnswer is a team's answer for one evaluation at one target.
type teamAnswer struct {
	target string
	kept   keptMessage
}

// answerTeam answers `team <team>`. The answer depends only on the
// evaluation, so it is laid out once per team and evaluation (and target)
// and each request only makes its blocks: laying out a team of 1,000
// services takes milliseconds, making its blocks microseconds.
func answerTeam(s *Evaluated, name string) Message {
	t, ok := s.team(name)
	if !ok {
		t, fb := notFound("team", name, s.SuggestTeams(name, 3))
		return Message{Text: blockkit.Fallback(fb), Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Cut(t, blockkit.MaxSectionText)), nil, nil)}}
	}
	if a := t.answer.Load(); a != nil && a.target == s.Target {
		return a.kept.message()
	}
	m := layOutTeam(s, t)
	k, ok := keep(m)
	if !ok {
		return m
	}
	// Requests that lay it out at the same time store equal answers.
	t.answer.Store(&teamAnswer{target: s.Target, kept: k})
	return k.message()
}

// teamColumn is what a team's lines say of one scorecard, per level.
type teamColumn struct {
	name   string   // plain, for the fallback
	shown  []string // per level: "<marker> <name> *<level>*, " in mrkdwn
	levels []string // plain level titles
}

func layOutTeam(s *Evaluated, t *teamIndex) Message {
	id, display, ents := t.ID, t.Name, t.Entities
	title := "Team " + display
	if display != id {
		title += " (" + id + ")"
	}
	b := blockBuilder{noun: "services"}
	b.block(blockkit.Header(title), 0)
	summary := scorecard.Plural(len(ents), "service")
	b.block(slack.NewContextBlock("", blockkit.Mrkdwn(summary+" · levels and failing rules per scorecard")), 0)
	var fb strings.Builder
	fmt.Fprintf(&fb, "%s: %s.", title, summary)
	if len(ents) == 0 {
		b.line("This team owns no service in the catalog.", false)
	}
	ev := s.Evaluation
	// What depends on the scorecard and level only, once rather than per
	// service.
	cols := make([]teamColumn, len(ev.Scorecards))
	for si, sc := range ev.Scorecards {
		target := len(sc.Levels) - 1
		want := report.TargetFor(s.Target, sc.Identifier)
		for i, lv := range sc.Levels {
			if want != "" && strings.EqualFold(lv.Title, want) {
				target = i
				break
			}
		}
		c := teamColumn{name: sc.Name(), shown: make([]string, len(sc.Levels)), levels: make([]string, len(sc.Levels))}
		for i, lv := range sc.Levels {
			st := report.Standing{Rank: i}
			c.shown[i] = statusMarker(&st, target) + " " + blockkit.Esc(c.name) + " *" + blockkit.Esc(lv.Title) + "*, "
			c.levels[i] = lv.Title
		}
		cols[si] = c
	}
	// The fallback is cut to blockkit.MaxFallback characters: it stops growing once
	// it is longer, which cuts it alike.
	fbDone := false
	var l strings.Builder
	for _, e := range ents {
		if fbDone && b.dropItem(true) {
			continue
		}
		ent := &ev.Catalog.Entities[e]
		show := !b.full
		if show {
			l.Reset()
			l.WriteString("• *")
			l.WriteString(blockkit.Esc(ent.Name()))
			l.WriteString("*")
			if ent.Title != "" && ent.Title != ent.Identifier {
				l.WriteString(" (" + blockkit.Code(ent.Identifier) + ")")
			}
			l.WriteString(" — ")
		}
		if !fbDone {
			fb.WriteString(" " + ent.Identifier + ":")
		}
		parts := 0
		for si := range ev.Scorecards {
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
			n := strconv.Itoa(failing)
			if show {
				if parts > 0 {
					l.WriteString(" · ")
				}
				l.WriteString(cols[si].shown[r.Level])
				l.WriteString(n)
				l.WriteString(" failing")
			}
			if !fbDone {
				sep := " "
				if parts > 0 {
					sep = ", "
				}
				fb.WriteString(sep + cols[si].name + " " + cols[si].levels[r.Level] + " (" + n + " failing)")
			}
			parts++
		}
		if show {
			if parts == 0 {
				l.WriteString("no scorecard applies")
			}
			b.line(l.String(), true)
		} else {
			b.dropItem(true)
		}
		if !fbDone {
			fb.WriteString(";")
			fbDone = fb.Len() > blockkit.MaxFallback && utf8.RuneCountInString(fb.String()) > blockkit.MaxFallback
		}
	}
	return Message{Text: blockkit.Fallback(fb.String()), Blocks: b.finish()}
}
