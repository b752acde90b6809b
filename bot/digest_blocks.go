package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/prodready/prodready/report"
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
	l.add("header", slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, cut(s, dgMaxHeaderText), false, false)))
}

func (l *dgLayout) section(what, s string) bool {
	if strings.TrimSpace(s) == "" {
		return true
	}
	return l.add(what, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cut(s, dgMaxSectionText), false, false), nil, nil))
}

func (l *dgLayout) context(s string) bool {
	return l.add("note", slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, cut(s, dgMaxSectionText), false, false)))
}

func (l *dgLayout) finish(hint string) []slack.Block {
	if len(l.omitted) > 0 {
		l.blocks = append(l.blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			cut(fmt.Sprintf("Not shown, for Slack's 50-block limit: %s. %s", esc(strings.Join(dgUnique(l.omitted), ", ")), hint), dgMaxSectionText), false, false)))
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
// and saying how many were left out. The first line is shortened rather
// than left out, so a section never lists nothing.
func dgLines(title string, lines []string, noun string) string {
	var b strings.Builder
	b.WriteString(title)
	for i, line := range lines {
		more := fmt.Sprintf("\n… and %d more %s", len(lines)-i, noun)
		room := dgMaxSectionText - utf8.RuneCountInString(b.String()) - 1 - utf8.RuneCountInString(more)
		if utf8.RuneCountInString(line) > room {
			if i == 0 {
				b.WriteString("\n" + cut(line, room))
				if i+1 < len(lines) {
					b.WriteString(fmt.Sprintf("\n… and %d more %s", len(lines)-i-1, noun))
				}
				break
			}
			b.WriteString(more)
			break
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// dgLineBudget is how much of a section one listed line may take, so that
// a section shows several.
const dgLineBudget = 500

// dgJoinFit joins items (already mrkdwn) with ", " in at most budget
// characters, whole items only, ending "+N more <noun>" when some did not fit.
func dgJoinFit(items []string, budget int, noun string) string {
	var b strings.Builder
	n := 0
	for i, it := range items {
		more := fmt.Sprintf(", +%d more %s", len(items)-i, noun)
		if i == 0 {
			more = fmt.Sprintf("+%d more %s", len(items), noun)
		}
		sep := ""
		if i > 0 {
			sep = ", "
		}
		if n+len(sep)+utf8.RuneCountInString(it)+len(more) > budget && i+1 < len(items) ||
			n+len(sep)+utf8.RuneCountInString(it) > budget {
			b.WriteString(more)
			return b.String()
		}
		b.WriteString(sep + it)
		n += len(sep) + utf8.RuneCountInString(it)
	}
	return b.String()
}

// dgTeams is a rule's teams, escaped, within a line's budget.
func dgTeams(teams []string) string {
	out := make([]string, len(teams))
	for i, t := range teams {
		out[i] = esc(t)
	}
	return dgJoinFit(out, dgLineBudget, "teams")
}

// DigestMessage renders a manager digest as Block Kit.
func DigestMessage(d *report.Digest) (text string, blocks []slack.Block) {
	var l dgLayout
	l.header(d.Title())
	l.context(esc(fmt.Sprintf("Source: %s · taken %s", d.Origin, d.Now.Format("Mon 2 Jan 2006 15:04 MST"))))
	if s := d.StaleLine(); s != "" {
		l.section("stale", ":warning: *"+esc(s)+"*")
	}
	l.section("history", "_"+esc(d.HistoryLine())+"_")
	if x := d.ExemptionLine(); x != "" {
		l.context(esc(x))
	}
	for i := range d.Scorecards {
		sd := &d.Scorecards[i]
		l.add("divider", slack.NewDividerBlock())
		l.section(sd.Title, fmt.Sprintf("*%s* — %d services\n%s\n%s", esc(sd.Title), sd.Services, esc(d.LevelLine(sd)), esc(d.ShareLine(sd))))
		levels := make([]string, len(sd.Levels))
		for j, lv := range sd.Levels {
			levels[j] = lv.Level
		}
		// The table is a code block: as many teams as fit, lowest share first.
		rows := len(sd.Teams)
		for rows > 0 {
			table, left := d.TeamTable(sd, levels, rows)
			s := "*Teams*, lowest share at target first\n```" + esc(table) + "```"
			if left > 0 {
				s += fmt.Sprintf("\n… and %d more teams", left)
			}
			if utf8.RuneCountInString(s) <= dgMaxSectionText {
				l.section(sd.Title+" teams", s)
				break
			}
			rows = rows * 3 / 4
		}
		if len(sd.TopFailing) > 0 {
			var lines []string
			for _, r := range sd.TopFailing[:min(5, len(sd.TopFailing))] {
				lines = append(lines, fmt.Sprintf("• *%s* (%s): %d services — %s", esc(r.Title), esc(r.Level), r.Count, dgTeams(r.Teams)))
			}
			l.section(sd.Title+" failing rules", dgLines("*Rules failing most*", lines, "rules"))
		}
		if d.First {
			continue
		}
		for _, mv := range []struct {
			title string
			moves []report.Move
		}{{"Promoted", sd.Promoted}, {"Demoted", sd.Demoted}} {
			if len(mv.moves) == 0 {
				continue
			}
			var lines []string
			for _, m := range mv.moves {
				lines = append(lines, fmt.Sprintf("• %s: %s → %s", dgServiceLink(m.Service), esc(m.From), esc(m.To)))
			}
			l.section(sd.Title+" "+strings.ToLower(mv.title), dgLines(fmt.Sprintf("*%s* (%d)", mv.title, len(mv.moves)), lines, "services"))
		}
		if len(sd.NewlyFailing) > 0 {
			var lines []string
			for _, r := range sd.NewlyFailing {
				lines = append(lines, fmt.Sprintf("• *%s* (%s): %d services — %s", esc(r.Title), esc(r.Level), r.Count, dgTeams(r.Teams)))
			}
			l.section(sd.Title+" newly failing rules", dgLines("*Rules newly failing*", lines, "rules"))
		}
	}
	if len(d.NoTeam) > 0 {
		var names []string
		for _, e := range d.NoTeam {
			names = append(names, dgServiceLink(e))
		}
		l.add("divider", slack.NewDividerBlock())
		l.section("services with no team", fmt.Sprintf("*Services with no team* (%d)\n%s", len(names), dgJoinFit(names, dgMaxSectionText-100, "services")))
	}
	if len(d.Failures) > 0 {
		var lines []string
		for _, f := range d.Failures {
			lines = append(lines, fmt.Sprintf("• %s %s to %s: %s", f.Job, f.Period, esc(f.Destination), esc(f.Reason)))
		}
		l.section("delivery failures", dgLines("*Messages that could not be delivered since the last digest*", lines, "failures"))
	}
	blocks = l.finish("`prodready run " + digestJobOf(d.Period.Kind) + " --dry-run` prints everything.")
	text = d.Title() + ". " + d.HistoryLine()
	for _, sd := range d.Scorecards {
		text += fmt.Sprintf(" %s: %s.", sd.Title, d.ShareLine(&sd))
	}
	// The fallback is mrkdwn too: &, < and > must be escaped there as well.
	return cut(esc(text), dgMaxFallback), blocks
}

func dgServiceLink(e report.EntityRef) string {
	return link(e.URL, e.Name())
}

func digestJobOf(k report.Kind) string {
	if k == report.Monthly {
		return JobMonthly
	}
	return JobWeekly
}
