package blockkit

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/slack-go/slack"
)

// Slack's Block Kit limits, as the digests and notices respect them.
const (
	dgMaxBlocks      = 50
	dgMaxSectionText = 3000
	dgMaxHeaderText  = 150
	dgMaxFallback    = 3000
)

// dgLayout collects blocks within Slack's limits: it always keeps one block
// free to say what did not fit.
type dgLayout struct {
	blocks  []slack.Block
	omitted []string
}

func (l *dgLayout) room(n int) bool { return len(l.blocks)+n <= dgMaxBlocks-1 }

func (l *dgLayout) add(what string, b ...slack.Block) bool {
	if !l.room(len(b)) {
		l.omitted = append(l.omitted, what)
		return false
	}
	l.blocks = append(l.blocks, b...)
	return true
}

func (l *dgLayout) header(s string) {
	l.add("header", slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, Cut(s, dgMaxHeaderText), false, false)))
}

func (l *dgLayout) section(what, s string) bool {
	if strings.TrimSpace(s) == "" {
		return true
	}
	return l.add(what, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, Cut(s, dgMaxSectionText), false, false), nil, nil))
}

func (l *dgLayout) context(s string) bool {
	return l.add("note", slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, Cut(s, dgMaxSectionText), false, false)))
}

func (l *dgLayout) finish(hint string) []slack.Block {
	if len(l.omitted) > 0 {
		l.blocks = append(l.blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			Cut(fmt.Sprintf("Not shown, for Slack's 50-block limit: %s. %s", Esc(strings.Join(dgUnique(l.omitted), ", ")), hint), dgMaxSectionText), false, false)))
	}
	return l.blocks
}

func dgUnique(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// dgLines joins lines into one section's text, stopping before the limit
// and saying how many were left out.
func dgLines(title string, lines []string, noun string) string {
	var b strings.Builder
	b.WriteString(title)
	for i, line := range lines {
		more := fmt.Sprintf("\n… and %d more %s", len(lines)-i, noun)
		if utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(line)+len(more) > dgMaxSectionText {
			b.WriteString(more)
			break
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// How much of each list a digest shows: the reader wants the gist on a
// phone; `/prodready team <team>` and the terminal digest have the rest.
const (
	dgTeamsShown     = 10 // teams per scorecard, lowest share first
	dgRulesShown     = 5  // rules failing most, per scorecard
	dgRuleTeamsShown = 3  // teams named per rule, most affected first
	dgMovesShown     = 5  // promoted or demoted services named per scorecard
)

// DigestMessage renders a manager digest as Block Kit, answer first: one
// opening section with each scorecard's share at target and its change,
// then what moved, then the teams (one short line each, lowest share
// first), then the rules failing most with the teams most affected. job
// is the job that sends it, named in the hint to print it all.
func DigestMessage(d *report.Digest, job string) (text string, blocks []slack.Block) {
	var l dgLayout
	l.header("Production readiness, " + report.PeriodWords(d.Period))
	var open []string
	for i := range d.Scorecards {
		open = append(open, dgShareLine(d, &d.Scorecards[i]))
	}
	if len(open) == 0 {
		open = append(open, "No scorecard applies to any service.")
	}
	if d.First {
		open = append(open, "_"+Esc(d.HistoryLine())+"_")
	}
	l.section("summary", dgLines("", open, "scorecards")[1:])
	ctx := "Source: " + Esc(d.Origin) + " · taken " + d.Now.Format("Mon 2 Jan 2006 15:04 MST")
	if !d.First {
		ctx += " · compared with " + d.Since.Format("Mon 2 Jan 15:04")
	}
	l.context(ctx)
	if s := d.StaleLine(); s != "" {
		l.section("stale", ":warning: *"+Esc(s)+"*")
	}
	if x := d.ExemptionLine(); x != "" {
		l.context(Esc(x))
	}
	if !d.First {
		var moved []string
		for i := range d.Scorecards {
			if m := dgMoved(&d.Scorecards[i], len(d.Scorecards) > 1); m != "" {
				moved = append(moved, m)
			}
		}
		if len(moved) > 0 {
			l.section("what moved", dgLines("*What moved*", moved, "scorecards"))
		} else {
			l.context("Nothing moved: no service changed level and no rule newly fails.")
		}
	}
	for i := range d.Scorecards {
		sd := &d.Scorecards[i]
		if sd.Services == 0 {
			continue
		}
		l.add("divider", slack.NewDividerBlock())
		l.section(sd.Title+" teams", dgTeams(d, sd))
		l.context(dgLevels(d, sd))
		if len(sd.TopFailing) > 0 {
			l.section(sd.Title+" failing rules", dgFailing(sd))
		}
	}
	if len(d.NoTeam) > 0 {
		var names []string
		for _, e := range d.NoTeam[:min(dgTeamsShown, len(d.NoTeam))] {
			names = append(names, dgServiceLink(e))
		}
		s := strings.Join(names, ", ")
		if n := len(d.NoTeam) - len(names); n > 0 {
			s += fmt.Sprintf(", +%d more services", n)
		}
		l.add("divider", slack.NewDividerBlock())
		l.section("services with no team", Cut(fmt.Sprintf("*Services with no team* (%d)\n", len(d.NoTeam))+s, dgMaxSectionText))
	}
	if len(d.Failures) > 0 {
		var lines []string
		for _, f := range d.Failures {
			lines = append(lines, fmt.Sprintf("• %s %s to %s: %s", Esc(f.Job), Esc(f.Period), Esc(f.Destination), Esc(f.Reason)))
		}
		l.section("delivery failures", dgLines("*Messages that could not be delivered since the last digest*", lines, "failures"))
	}
	hint := "`prodready run " + Esc(job) + " --dry-run` prints everything."
	if job == "" {
		hint = ""
	}
	blocks = l.finish(hint)
	text = "Production readiness, " + report.PeriodWords(d.Period) + ":"
	for i := range d.Scorecards {
		sd := &d.Scorecards[i]
		text += fmt.Sprintf(" %s %s at %s%s", sd.Title, report.Percent(sd.Share), sd.Target, dgOrAbove(sd))
		if !d.First && sd.HasPrev {
			text += ", " + report.PointsWords(sd.Share-sd.PrevShare)
		}
		text += "."
	}
	// The fallback is mrkdwn too: &, < and > must be escaped there as well.
	return Cut(Esc(text), dgMaxFallback), blocks
}

// dgShareLine is "*Production Readiness*: 62% at Silver or above (18 of
// 29), ▲ 4 points since last week".
func dgShareLine(d *report.Digest, sd *report.ScorecardDigest) string {
	if sd.Services == 0 {
		return "*" + Esc(sd.Title) + "*: no service it applies to"
	}
	s := fmt.Sprintf("*%s*: *%s* at %s%s (%d of %d)", Esc(sd.Title), report.Percent(sd.Share), Esc(sd.Target), dgOrAbove(sd), sd.AtTarget, sd.Services)
	if !d.First && sd.HasPrev {
		s += ", " + report.PointsWords(sd.Share-sd.PrevShare) + " " + dgSince(d)
	}
	return s
}

// dgOrAbove is " or above" unless the target is the top level.
func dgOrAbove(sd *report.ScorecardDigest) string {
	if n := len(sd.Levels); n > 0 && sd.Levels[n-1].Level != sd.Target {
		return " or above"
	}
	return ""
}

func dgSince(d *report.Digest) string {
	if c, ok := report.CadenceOf(d.Period.Kind); ok {
		return c.Since()
	}
	return "since " + d.Since.Format("2 Jan 15:04")
}

// dgMoved is one scorecard's promotions, demotions and newly failing
// rules, a few names each; "" when nothing moved.
func dgMoved(sd *report.ScorecardDigest, named bool) string {
	var lines []string
	for _, mv := range []struct {
		mark  string
		moves []report.Move
	}{{":arrow_up: Promoted", sd.Promoted}, {":arrow_down: Demoted", sd.Demoted}} {
		if len(mv.moves) == 0 {
			continue
		}
		var names []string
		for _, m := range mv.moves[:min(dgMovesShown, len(mv.moves))] {
			names = append(names, fmt.Sprintf("%s %s → %s", dgServiceLink(m.Service), Esc(m.From), Esc(m.To)))
		}
		line := fmt.Sprintf("%s (%d): %s", mv.mark, len(mv.moves), strings.Join(names, ", "))
		if n := len(mv.moves) - dgMovesShown; n > 0 {
			line += fmt.Sprintf(", +%d more", n)
		}
		lines = append(lines, line)
	}
	if len(sd.NewlyFailing) > 0 {
		var rules []string
		for _, r := range sd.NewlyFailing[:min(dgRulesShown, len(sd.NewlyFailing))] {
			rules = append(rules, fmt.Sprintf("*%s* (%s)", Esc(Cut(r.Title, 150)), scorecard.Plural(r.Count, "service")))
		}
		line := ":new: Newly failing: " + strings.Join(rules, ", ")
		if n := len(sd.NewlyFailing) - dgRulesShown; n > 0 {
			line += ", +" + scorecard.Plural(n, "more rule")
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return ""
	}
	if named {
		return "_" + Esc(sd.Title) + "_\n" + strings.Join(lines, "\n")
	}
	return strings.Join(lines, "\n")
}

// dgTeams is one line per team, lowest share at target first, a phone's
// width each: "• *Payments*: 40% (2 of 5), ▼ 20 points".
func dgTeams(d *report.Digest, sd *report.ScorecardDigest) string {
	title := fmt.Sprintf("*%s* — teams at %s%s, lowest first", Esc(sd.Title), Esc(sd.Target), dgOrAbove(sd))
	var lines []string
	for _, t := range sd.Teams[:min(dgTeamsShown, len(sd.Teams))] {
		line := fmt.Sprintf("• *%s*: %s (%d of %d)", Esc(Cut(t.Name, 60)), report.Percent(t.Share), t.AtTarget, t.Services)
		// Only what changed: a column of "no change" hides the news.
		switch {
		case d.First:
		case !t.HasPrev:
			line += ", new"
		case report.PointsWords(t.Change) != "no change":
			line += ", " + report.PointsWords(t.Change)
		}
		lines = append(lines, line)
	}
	more := len(sd.Teams) - len(lines)
	s := dgLines(title, lines, "teams")
	if more > 0 {
		s += fmt.Sprintf("\n… and %d more teams: `/prodready team <team>` shows one", more)
	}
	return Cut(s, dgMaxSectionText)
}

// dgLevels is the level mix and the trend, as small print.
func dgLevels(d *report.Digest, sd *report.ScorecardDigest) string {
	parts := make([]string, len(sd.Levels))
	for i, lv := range sd.Levels {
		parts[i] = fmt.Sprintf("%s %d", Esc(lv.Level), lv.Count)
		if !d.First && sd.HasPrev && lv.Change != 0 {
			parts[i] += fmt.Sprintf(" (%+d)", lv.Change)
		}
	}
	s := scorecard.Plural(sd.Services, "service") + ": " + strings.Join(parts, " · ")
	if len(sd.Trend) > 1 {
		pts := make([]string, 0, len(sd.Trend))
		for _, p := range sd.Trend[max(0, len(sd.Trend)-6):] {
			pts = append(pts, report.Percent(p.Share))
		}
		s += " · at target over time: " + strings.Join(pts, " → ")
	}
	return s
}

// dgFailing is the rules failing most, each with the teams most affected.
func dgFailing(sd *report.ScorecardDigest) string {
	names := make(map[string]string, len(sd.Teams))
	for _, t := range sd.Teams {
		names[t.Team] = t.Name
	}
	var lines []string
	for _, r := range sd.TopFailing[:min(dgRulesShown, len(sd.TopFailing))] {
		var teams []string
		for _, tc := range r.ByTeam[:min(dgRuleTeamsShown, len(r.ByTeam))] {
			name := names[tc.Team]
			if name == "" {
				name = tc.Team
			}
			teams = append(teams, fmt.Sprintf("%s %d", Esc(Cut(name, 60)), tc.Count))
		}
		line := fmt.Sprintf("• *%s* (%s): %s — %s", Esc(Cut(r.Title, 150)), Esc(Cut(r.Level, 40)), scorecard.Plural(r.Count, "service"), strings.Join(teams, ", "))
		if n := len(r.ByTeam) - dgRuleTeamsShown; n > 0 {
			line += fmt.Sprintf(", +%d more %s", n, map[bool]string{true: "team", false: "teams"}[n == 1])
		}
		lines = append(lines, line)
	}
	s := dgLines("*Rules failing most*", lines, "rules")
	if n := len(sd.TopFailing) - dgRulesShown; n > 0 {
		s += "\n… and " + scorecard.Plural(n, "more failing rule")
	}
	return Cut(s, dgMaxSectionText)
}

func dgServiceLink(e report.EntityRef) string { return Link(e.URL, Cut(e.Name(), 80)) }
