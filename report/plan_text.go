package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// WriteText writes the plan for a terminal.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Plan over %d services at %s: %s\n", p.Services, p.Now.Format(time.RFC3339), p.summary())
	for _, sp := range p.Scorecards {
		fmt.Fprintf(&b, "\n%s (%s)%s\n", sp.Title, sp.Identifier, sp.status())
		b.WriteString("  levels: " + sp.levelLine() + "\n")
		if len(sp.Changes) > 0 {
			b.WriteString("  services whose level changes (demotions first, by team):\n")
			for _, team := range groupByTeam(sp.Changes) {
				fmt.Fprintf(&b, "    %s:\n", team.name)
				for _, c := range team.changes {
					fmt.Fprintf(&b, "      %s %s: %s → %s\n", mark(c.Demoted), c.Service, orNone(c.Before), orNone(c.After))
				}
			}
		}
		for _, r := range sp.Rules {
			fmt.Fprintf(&b, "  rule %s [%s] %s%s\n", r.Title, r.Rule, r.Change, r.effect())
		}
		for _, a := range sp.Announced {
			fmt.Fprintf(&b, "  %s\n", a.line())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxMarkdown keeps a plan's markdown under GitHub's limit for a comment
// (65,536 characters) and for a job summary (1 MiB), with room to spare.
const maxMarkdown = 60_000

// WriteMarkdown writes the plan for a pull request comment or a job
// summary: tables, with every value from the definitions or the catalog
// escaped, and cut to fit GitHub's limit.
func (p *Plan) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## prodready plan\n\n%s over %d services.\n", mdText(p.summary()), p.Services)
	for _, sp := range p.Scorecards {
		fmt.Fprintf(&b, "\n### %s (`%s`)%s\n\n| level | before | after |\n| --- | ---: | ---: |\n", mdText(sp.Title), mdCode(sp.Identifier), mdText(sp.status()))
		for _, l := range sp.Levels {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", mdText(l.Level), l.Before, l.After)
		}
		if len(sp.Rules) > 0 {
			b.WriteString("\n| rule | change | newly failing | now passing |\n| --- | --- | ---: | ---: |\n")
			for _, r := range sp.Rules {
				change := r.Change
				if len(r.What) > 0 {
					change += ": " + strings.Join(r.What, ", ")
				}
				fmt.Fprintf(&b, "| %s (`%s`) | %s | %d | %d |\n", mdText(r.Title), mdCode(r.Rule), mdText(change), r.NewlyFailing, r.NowPassing)
			}
		}
		for _, a := range sp.Announced {
			fmt.Fprintf(&b, "\n%s\n", mdText(a.line()))
		}
		if len(sp.Changes) > 0 {
			b.WriteString("\n| team | service | before | after |\n| --- | --- | --- | --- |\n")
			rows := 0
			for _, team := range groupByTeam(sp.Changes) {
				for _, c := range team.changes {
					if b.Len() > maxMarkdown {
						fmt.Fprintf(&b, "\n… and %d more services whose level changes (see `prodready plan --format json`).\n", len(sp.Changes)-rows)
						goto next
					}
					fmt.Fprintf(&b, "| %s | %s %s | %s | %s |\n", mdText(team.name), mark(c.Demoted), mdText(c.Service), mdText(orNone(c.Before)), mdText(orNone(c.After)))
					rows++
				}
			}
		}
	next:
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (p *Plan) summary() string {
	changed := 0
	for _, sp := range p.Scorecards {
		changed += len(sp.Changes)
	}
	if changed == 0 {
		return "no service changes level"
	}
	return fmt.Sprintf("%d level changes, %d services demoted", changed, p.Demotions)
}

func (sp ScorecardPlan) status() string {
	switch {
	case sp.Added:
		return ": new scorecard"
	case sp.Removed:
		return ": removed"
	}
	return ""
}

func (sp ScorecardPlan) levelLine() string {
	parts := make([]string, len(sp.Levels))
	for i, l := range sp.Levels {
		parts[i] = fmt.Sprintf("%s %d → %d", l.Level, l.Before, l.After)
	}
	return strings.Join(parts, " · ")
}

func (r RuleDelta) effect() string {
	var parts []string
	if len(r.What) > 0 {
		parts = append(parts, strings.Join(r.What, ", "))
	}
	if r.NewlyFailing > 0 {
		parts = append(parts, fmt.Sprintf("%d newly failing", r.NewlyFailing))
	}
	if r.NowPassing > 0 {
		parts = append(parts, fmt.Sprintf("%d now passing", r.NowPassing))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

func (a AnnouncedEffect) line() string {
	s := fmt.Sprintf("announced rule %s [%s] counts from %s: ", a.Title, a.Rule, a.CountsFrom.UTC().Format("2 Jan 2006"))
	if a.Drops == 0 {
		return s + "no service would drop a level, as things stand"
	}
	var by []string
	for level, n := range a.ByLevel {
		by = append(by, fmt.Sprintf("%d from %s", n, level))
	}
	slices.Sort(by)
	return s + fmt.Sprintf("%d services would drop a level (%s)", a.Drops, strings.Join(by, ", "))
}

type teamChanges struct {
	name    string
	changes []LevelChange
}

// groupByTeam keeps the changes' order (demotions first) within each team,
// teams in the order of their first change.
func groupByTeam(cs []LevelChange) []teamChanges {
	var out []teamChanges
	at := map[string]int{}
	for _, c := range cs {
		name := "no team"
		if len(c.Teams) > 0 {
			name = strings.Join(c.Teams, ", ")
		}
		i, ok := at[name]
		if !ok {
			i = len(out)
			at[name] = i
			out = append(out, teamChanges{name: name})
		}
		out[i].changes = append(out[i].changes, c)
	}
	return out
}

func mark(demoted bool) string {
	if demoted {
		return "▼"
	}
	return "·"
}

func orNone(level string) string {
	if level == "" {
		return "(not scored)"
	}
	return level
}

// mdText escapes text for a Markdown table cell or paragraph: markup
// characters, pipes and backslashes, and line breaks.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '|', '*', '_', '`', '[', ']', '<', '>', '#', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode is text inside backticks: a backtick cannot be escaped there, so
// it is dropped, and so are pipes, which end a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "", "|", "", "\n", " ", "\r", " ").Replace(s)
}
