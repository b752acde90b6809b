package gate

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

// summaryLimit is what the markdown may take: GitHub refuses a job summary
// over 1 MiB (1,048,576 bytes), and --summary appends to the step's.
const summaryLimit = 1000 << 10

var mdEscaper = strings.NewReplacer(`\`, `\\`, "&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r", "", "\n", "<br>")

// mdCell makes text safe inside a GitHub-flavoured markdown table cell: a
// backslash is escaped too, or a title's own `\|` would come out as `\\|`,
// an escaped backslash and then a pipe that ends the cell.
func mdCell(s string) string { return mdEscaper.Replace(s) }

// mdWriter counts what is written, for the summary's limit.
type mdWriter struct {
	*bufio.Writer
	n int
}

func (m *mdWriter) printf(format string, a ...any) {
	n, _ := fmt.Fprintf(m.Writer, format, a...)
	m.n += n
}

func (m *mdWriter) str(s string) {
	n, _ := m.WriteString(s)
	m.n += n
}

// WriteMarkdown writes a job summary: the verdict, each service's level on
// each scorecard, and for each service that fails rules, the failing rules
// with their values and what to fix for the next level. It stays under
// summaryLimit: past a share of it, the table of services ends with how
// many more there are and a table per team counts them all, and the
// services' failing rules end with how many more services fail some.
func (c *Run) WriteMarkdown(w io.Writer) error {
	return c.writeMarkdown(w, summaryLimit)
}

func (c *Run) writeMarkdown(w io.Writer, limit int) error {
	b := &mdWriter{Writer: bufio.NewWriterSize(w, 64<<10)}
	mark := "✅"
	if c.failed() {
		mark = "❌"
	}
	b.printf("## prodready check\n\n%s %s (evaluated at %s)\n\n", mark, mdCell(c.headline()), c.ev.Now.Format(time.RFC3339))
	if len(c.regressions) > 0 {
		b.str("### Got worse since the baseline\n\n")
		for i, g := range c.regressions {
			if b.n > limit/8 {
				b.printf("- … and %d more\n", len(c.regressions)-i)
				break
			}
			b.printf("- %s\n", mdCell(g.String()))
		}
		b.str("\n")
	}
	var cols []int // scorecards that apply to at least one service
	for si := range c.ev.Scorecards {
		for _, ei := range c.entities {
			if c.ev.Result(ei, si).Applies {
				cols = append(cols, si)
				break
			}
		}
	}
	b.str("| Service | Team |")
	for _, si := range cols {
		b.printf(" %s |", mdCell(c.ev.Scorecards[si].Name()))
	}
	b.str("\n| --- | --- |")
	b.str(strings.Repeat(" --- |", len(cols)))
	b.str("\n")
	teams := c.teamTable(cols, limit/4)
	var row strings.Builder
	for k, ei := range c.entities {
		row.Reset()
		c.serviceRow(&row, ei, cols)
		if b.n+row.Len()+len(teams) > limit/2 {
			b.printf("\n%d more services: the table per team counts every service.\n\n%s", len(c.entities)-k, teams)
			break
		}
		b.str(row.String())
	}
	wrote, more := false, 0
	for _, ei := range c.entities {
		if more > 0 || b.n > limit-limit/8 {
			if c.failsSome(ei) {
				more++
			}
			continue
		}
		c.whatToFix(b, ei, &wrote)
	}
	if more > 0 {
		b.printf("\n%s more with failing rules: `prodready check --format json` lists them all.\n", scorecard.Plural(more, "service"))
	}
	return b.Flush()
}

// serviceRow writes entity ei's row of the table of services.
func (c *Run) serviceRow(b *strings.Builder, ei int, cols []int) {
	ent := &c.ev.Catalog.Entities[ei]
	name := mdCell(ent.Identifier)
	if c.url != nil {
		if u := c.url(ent); u != "" {
			name = fmt.Sprintf("[%s](%s)", name, u)
		}
	}
	fmt.Fprintf(b, "| %s | %s |", name, mdCell(strings.Join(ent.Team, ", ")))
	for _, si := range cols {
		r := c.ev.Result(ei, si)
		if !r.Applies {
			b.WriteString(" — |")
			continue
		}
		cell := fmt.Sprintf("%s (%d/%d)", r.LevelName(), len(r.Scorecard.Rules)-len(r.Failing()), len(r.Scorecard.Rules))
		if c.below(r, si) {
			cell = "❌ " + cell
		}
		fmt.Fprintf(b, " %s |", mdCell(cell))
	}
	b.WriteString("\n")
}

// teamTable counts, per team, its services at each level of each
// scorecard, and those below the bar; at most limit bytes, then how many
// more teams there are.
func (c *Run) teamTable(cols []int, limit int) string {
	type counts struct {
		services, below int
		levels          [][]int // by column, by rank
	}
	byTeam := map[string]*counts{}
	for _, ei := range c.entities {
		ent := &c.ev.Catalog.Entities[ei]
		names := ent.Team
		if len(names) == 0 {
			names = []string{""}
		}
		for _, team := range names {
			t := byTeam[team]
			if t == nil {
				t = &counts{levels: make([][]int, len(cols))}
				for k, si := range cols {
					t.levels[k] = make([]int, len(c.ev.Scorecards[si].Levels))
				}
				byTeam[team] = t
			}
			t.services++
			below := false
			for k, si := range cols {
				if r := c.ev.Result(ei, si); r.Applies {
					t.levels[k][r.Level]++
					below = below || c.below(r, si)
				}
			}
			if below {
				t.below++
			}
		}
	}
	names := make([]string, 0, len(byTeam))
	for n := range byTeam {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("| Team | Services | Below the bar |")
	for _, si := range cols {
		fmt.Fprintf(&b, " %s |", mdCell(c.ev.Scorecards[si].Name()))
	}
	b.WriteString("\n| --- | --- | --- |")
	b.WriteString(strings.Repeat(" --- |", len(cols)))
	b.WriteString("\n")
	for i, n := range names {
		if b.Len() > limit {
			fmt.Fprintf(&b, "\n%d more teams.\n", len(names)-i)
			break
		}
		t := byTeam[n]
		name := mdCell(n)
		if n == "" {
			name = "(no team)"
		}
		fmt.Fprintf(&b, "| %s | %d | %d |", name, t.services, t.below)
		for k, si := range cols {
			sc := c.ev.Scorecards[si]
			var parts []string
			for rank := len(sc.Levels) - 1; rank >= 0; rank-- {
				if t.levels[k][rank] > 0 {
					parts = append(parts, fmt.Sprintf("%s %d", sc.Levels[rank].Title, t.levels[k][rank]))
				}
			}
			fmt.Fprintf(&b, " %s |", mdCell(strings.Join(parts, ", ")))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// failsSome reports whether entity ei fails a rule of a scorecard that
// applies.
func (c *Run) failsSome(ei int) bool {
	for si := range c.ev.Scorecards {
		if r := c.ev.Result(ei, si); r.Applies && len(r.Failing()) > 0 {
			return true
		}
	}
	return false
}

// whatToFix writes entity ei's failing rules, per scorecard, and the next
// level's fixes; the section's heading first when wrote is false.
func (c *Run) whatToFix(b *mdWriter, ei int, wrote *bool) {
	svc := report.ForService(c.ev, ei, nil)
	for _, st := range svc.Scorecards {
		if len(st.Failing) == 0 {
			continue
		}
		if !*wrote {
			b.str("\n### What to fix\n")
			*wrote = true
		}
		b.printf("\n#### %s — %s: %s\n\n| Level | Rule | Why it fails |\n| --- | --- | --- |\n", mdCell(svc.Identifier), mdCell(st.Title), mdCell(st.Level))
		for _, lf := range st.Failing {
			for _, f := range lf.Rules {
				b.printf("| %s | %s (`%s`) | %s |\n", mdCell(lf.Level), mdCell(f.Title), mdCell(f.Rule), mdCell(strings.Join(f.Reasons, "; ")))
			}
		}
		if st.Next != nil {
			titles := make([]string, len(st.Next.Fix))
			for i, f := range st.Next.Fix {
				titles[i] = mdCell(f.Title)
			}
			b.printf("\n**Next:** to reach %s, fix %s: %s.\n", mdCell(st.Next.Level), scorecard.Plural(len(titles), "rule"), strings.Join(titles, "; "))
		}
	}
}
