package gate

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prodready/prodready/report"
)

// mdCell makes text safe inside a GitHub-flavoured markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r", "", "\n", "<br>").Replace(s)
}

// WriteMarkdown writes a job summary: the verdict, each service's level on
// each scorecard, and for each service that fails rules, the failing rules
// with their values and what to fix for the next level.
func (c *Run) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	mark := "✅"
	if c.failed() {
		mark = "❌"
	}
	fmt.Fprintf(&b, "## prodready check\n\n%s %s (evaluated at %s)\n\n", mark, mdCell(c.headline()), c.ev.Now.Format(time.RFC3339))
	if len(c.regressions) > 0 {
		b.WriteString("### Got worse since the baseline\n\n")
		for _, g := range c.regressions {
			fmt.Fprintf(&b, "- %s\n", mdCell(g.String()))
		}
		b.WriteString("\n")
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
	b.WriteString("| Service | Team |")
	for _, si := range cols {
		fmt.Fprintf(&b, " %s |", mdCell(c.ev.Scorecards[si].Name()))
	}
	b.WriteString("\n| --- | --- |")
	b.WriteString(strings.Repeat(" --- |", len(cols)))
	b.WriteString("\n")
	for _, ei := range c.entities {
		ent := &c.ev.Catalog.Entities[ei]
		name := mdCell(ent.Identifier)
		if c.url != nil {
			if u := c.url(ent); u != "" {
				name = fmt.Sprintf("[%s](%s)", name, u)
			}
		}
		fmt.Fprintf(&b, "| %s | %s |", name, mdCell(strings.Join(ent.Team, ", ")))
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
			fmt.Fprintf(&b, " %s |", mdCell(cell))
		}
		b.WriteString("\n")
	}
	wrote := false
	for _, ei := range c.entities {
		svc := report.ForService(c.ev, ei, nil)
		for _, st := range svc.Scorecards {
			if len(st.Failing) == 0 {
				continue
			}
			if !wrote {
				b.WriteString("\n### What to fix\n")
				wrote = true
			}
			fmt.Fprintf(&b, "\n#### %s — %s: %s\n\n| Level | Rule | Why it fails |\n| --- | --- | --- |\n", mdCell(svc.Identifier), mdCell(st.Title), mdCell(st.Level))
			for _, lf := range st.Failing {
				for _, f := range lf.Rules {
					fmt.Fprintf(&b, "| %s | %s (`%s`) | %s |\n", mdCell(lf.Level), mdCell(f.Title), mdCell(f.Rule), mdCell(strings.Join(f.Reasons, "; ")))
				}
			}
			if st.Next != nil {
				titles := make([]string, len(st.Next.Fix))
				for i, f := range st.Next.Fix {
					titles[i] = mdCell(f.Title)
				}
				fmt.Fprintf(&b, "\n**Next:** to reach %s, fix %s: %s.\n", mdCell(st.Next.Level), plural(len(titles), "rule"), strings.Join(titles, "; "))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
