package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// WriteText renders a service's standing for a terminal: its level on each
// scorecard, failing rules grouped by level with their reasons, and what it
// takes to reach the next level.
func WriteText(w io.Writer, s Service) error {
	var b strings.Builder
	b.WriteString(s.Identifier)
	if s.Title != "" && s.Title != s.Identifier {
		fmt.Fprintf(&b, " (%s)", s.Title)
	}
	if len(s.Teams) > 0 {
		fmt.Fprintf(&b, " — team %s", strings.Join(s.Teams, ", "))
	} else {
		b.WriteString(" — no owning team")
	}
	b.WriteByte('\n')
	if s.URL != "" {
		fmt.Fprintf(&b, "  %s\n", s.URL)
	}
	if len(s.Scorecards) == 0 {
		b.WriteString("  no scorecard applies to this service\n")
	}
	for _, st := range s.Scorecards {
		fmt.Fprintf(&b, "  %s: %s (%d of %d rules pass)\n", st.Title, st.Level, st.Passed, st.Total)
		for _, lf := range st.Failing {
			fmt.Fprintf(&b, "    %s fails:\n", lf.Level)
			for _, f := range lf.Rules {
				fmt.Fprintf(&b, "      ✗ %s [%s]\n", f.Title, f.Rule)
				for _, r := range f.Reasons {
					fmt.Fprintf(&b, "          %s\n", r)
				}
				if f.Exempt != nil {
					fmt.Fprintf(&b, "          %s (%s)\n", f.Exempt, f.Exempt.Origin)
				}
				if l := f.CountsFromLine(); l != "" {
					fmt.Fprintf(&b, "          %s\n", l)
				}
			}
		}
		switch {
		case st.Next == nil:
			fmt.Fprintf(&b, "    at the top level\n")
		default:
			titles := make([]string, len(st.Next.Fix))
			for i, f := range st.Next.Fix {
				titles[i] = f.Title
			}
			fmt.Fprintf(&b, "    to reach %s: fix %s: %s\n", st.Next.Level, scorecard.Plural(len(titles), "rule"), strings.Join(titles, "; "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
