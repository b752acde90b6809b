package report

import (
	"fmt"
	"io"
	"strings"
)

// Change formats a signed count change: "(+3)", "(-1)", "(±0)".
func Change(n int) string {
	switch {
	case n > 0:
		return fmt.Sprintf("(+%d)", n)
	case n < 0:
		return fmt.Sprintf("(%d)", n)
	}
	return "(±0)"
}

// Points formats a change of share in percentage points: "+4.0 pts".
func Points(d float64) string {
	return fmt.Sprintf("%+.1f pts", d*100)
}

// Percent formats a share: "42%".
func Percent(s float64) string { return fmt.Sprintf("%.0f%%", s*100) }

// Title is the digest's heading: "Weekly production-readiness digest, 2026-W48".
func (d *Digest) Title() string {
	kind := "Weekly"
	if c, ok := CadenceOf(d.Period.Kind); ok {
		kind = c.Title
	}
	return kind + " production-readiness digest, " + d.Period.Key
}

// HistoryLine says what the changes compare with, or that there is no history.
func (d *Digest) HistoryLine() string {
	if d.First && d.Earlier {
		unit := "period"
		if c, ok := CadenceOf(d.Period.Kind); ok {
			unit = c.Unit
		}
		return fmt.Sprintf("No changes shown: the previous %s has no snapshot yet; changes appear from next %s.", unit, unit)
	}
	if d.First {
		return "First digest: there is no earlier snapshot yet, so no changes are shown. The next digest will compare with this one."
	}
	return "Changes since " + d.Since.Format("Mon 2 Jan 2006 15:04 MST") + "."
}

// LevelLine is "Basic 3 (+1) · Bronze 5 (-1) · …", without changes on a
// first digest or for a scorecard the previous snapshot did not have.
func (d *Digest) LevelLine(sd *ScorecardDigest) string {
	parts := make([]string, len(sd.Levels))
	for i, l := range sd.Levels {
		parts[i] = fmt.Sprintf("%s %d", l.Level, l.Count)
		if !d.First && sd.HasPrev {
			parts[i] += " " + Change(l.Change)
		}
	}
	return strings.Join(parts, " · ")
}

// ShareLine is "At or above Gold: 12 of 30 (40%), +3.3 pts; trend 30% → 36% → 40%".
func (d *Digest) ShareLine(sd *ScorecardDigest) string {
	s := fmt.Sprintf("At or above %s: %d of %d (%s)", sd.Target, sd.AtTarget, sd.Services, Percent(sd.Share))
	if !d.First && sd.HasPrev {
		s += ", " + Points(sd.Share-sd.PrevShare)
	}
	if len(sd.Trend) > 1 {
		pts := make([]string, len(sd.Trend))
		for i, p := range sd.Trend {
			pts[i] = Percent(p.Share)
		}
		s += "; trend " + strings.Join(pts, " → ")
	}
	return s
}

// TeamTable renders the per-team table in fixed-width columns, at most max
// rows (0: all); the second result is how many rows were left out.
func (d *Digest) TeamTable(sd *ScorecardDigest, levels []string, max int) (string, int) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %8s ", "team", "services")
	for _, l := range levels {
		fmt.Fprintf(&b, " %5s", clip(l, 5))
	}
	fmt.Fprintf(&b, " %7s", "target")
	if !d.First {
		b.WriteString("  change")
	}
	b.WriteByte('\n')
	rows := sd.Teams
	left := 0
	if max > 0 && len(rows) > max {
		rows, left = rows[:max], len(rows)-max
	}
	for _, t := range rows {
		fmt.Fprintf(&b, "%-20s %8d ", clip(t.Name, 20), t.Services)
		for _, n := range t.Mix {
			fmt.Fprintf(&b, " %5d", n)
		}
		fmt.Fprintf(&b, " %7s", Percent(t.Share))
		if !d.First {
			if t.HasPrev {
				fmt.Fprintf(&b, "  %s", Points(t.Change))
			} else {
				b.WriteString("  new")
			}
		}
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n"), left
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}

// WriteText renders the digest for a terminal.
func (d *Digest) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", d.Title(), strings.Repeat("=", len([]rune(d.Title()))))
	fmt.Fprintf(&b, "Source: %s. Taken %s.\n", d.Origin, d.Now.Format("Mon 2 Jan 2006 15:04 MST"))
	if s := d.StaleLine(); s != "" {
		b.WriteString(s + "\n")
	}
	b.WriteString(d.HistoryLine() + "\n")
	if l := d.ExemptionLine(); l != "" {
		b.WriteString(l + "\n")
	}
	for i := range d.Scorecards {
		sd := &d.Scorecards[i]
		fmt.Fprintf(&b, "\n%s (%d services)\n", sd.Title, sd.Services)
		b.WriteString("  Levels: " + d.LevelLine(sd) + "\n")
		b.WriteString("  " + d.ShareLine(sd) + "\n")
		levels := make([]string, len(sd.Levels))
		for j, l := range sd.Levels {
			levels[j] = l.Level
		}
		table, left := d.TeamTable(sd, levels, 0)
		b.WriteString("  Teams, lowest share at target first:\n")
		for _, line := range strings.Split(table, "\n") {
			b.WriteString("    " + line + "\n")
		}
		if left > 0 {
			fmt.Fprintf(&b, "    … and %d more teams\n", left)
		}
		if len(sd.TopFailing) > 0 {
			b.WriteString("  Rules failing most:\n")
			for _, r := range head(sd.TopFailing, 5) {
				fmt.Fprintf(&b, "    %-40s %4d services (%s) — teams: %s\n", clip(r.Title, 40), r.Count, r.Level, strings.Join(r.Teams, ", "))
			}
		}
		if !d.First {
			writeMoves(&b, "Promoted", sd.Promoted)
			writeMoves(&b, "Demoted", sd.Demoted)
			if len(sd.NewlyFailing) > 0 {
				b.WriteString("  Rules newly failing:\n")
				for _, r := range sd.NewlyFailing {
					fmt.Fprintf(&b, "    %s: %d services (%s)\n", r.Title, r.Count, strings.Join(r.Teams, ", "))
				}
			}
		}
	}
	if len(d.NoTeam) > 0 {
		names := make([]string, len(d.NoTeam))
		for i, e := range d.NoTeam {
			names[i] = e.Name()
		}
		fmt.Fprintf(&b, "\nServices with no team (%d): %s\n", len(names), strings.Join(names, ", "))
	}
	if len(d.Failures) > 0 {
		b.WriteString("\nMessages that could not be delivered since the last digest:\n")
		for _, f := range d.Failures {
			fmt.Fprintf(&b, "  %s %s to %s: %s\n", f.Job, f.Period, f.Destination, f.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMoves(b *strings.Builder, what string, moves []Move) {
	if len(moves) == 0 {
		return
	}
	fmt.Fprintf(b, "  %s (%d):\n", what, len(moves))
	for _, m := range head(moves, 20) {
		fmt.Fprintf(b, "    %s: %s → %s\n", m.Service.Name(), m.From, m.To)
	}
	if len(moves) > 20 {
		fmt.Fprintf(b, "    … and %d more\n", len(moves)-20)
	}
}

func head[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// WriteText renders the notice for a terminal.
func (n *Notice) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Production readiness for %s: %s\n", n.Name(), n.Headline())
	for _, s := range n.Services {
		mark := ""
		if s.New {
			mark = " [new]"
		}
		fmt.Fprintf(&b, "• %s%s\n", s.Service.Name(), mark)
		for _, st := range s.Scorecards {
			line := fmt.Sprintf("    %s: %s, target %s", st.Title, st.Level, st.Target)
			if st.Dropped {
				line += " (dropped from " + st.From + ")"
			}
			b.WriteString(line + "\n")
			for _, f := range st.Fix {
				mark := ""
				if f.New {
					mark = " [new]"
				}
				fmt.Fprintf(&b, "      - %s (%s)%s: %s\n", f.Title, f.Level, mark, f.Description)
				if f.Exempt != nil {
					fmt.Fprintf(&b, "        %s\n", f.Exempt)
				}
			}
		}
	}
	for _, l := range n.NoteLines() {
		b.WriteString(l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Headline is the notice's first line after the team name.
func (n *Notice) Headline() string {
	s, r := n.Counts()
	h := fmt.Sprintf("%d service(s) below target, %d rule(s) to fix", s, r)
	if n.Regressed {
		h += "; something regressed since the last notice"
	}
	return h
}
