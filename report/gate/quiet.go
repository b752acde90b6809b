package gate

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// WriteGate is check's quiet output under --min-level: only the services
// below the level, on only the scorecards where they are below it, with
// only the failing rules at or below it (what must be fixed to pass the
// gate), then one line of totals. A CI log then shows what blocks the
// merge rather than every service's standing; --verbose prints that.
func WriteGate(w *bufio.Writer, ev *scorecard.Evaluation, entities []int, minRanks []int, minLevel string) error {
	services := 0
	for _, ei := range byLevel(ev, entities) {
		if writeGateEntity(w, ev, ei, minRanks) {
			services++
		}
	}
	return writeGateTotal(w, services, len(entities), minLevel)
}

// gateWriter is where the gate writes: stdout's buffer, or a piece's.
type gateWriter interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}

// writeGateEntity writes entity ei if it is below the level on some
// scorecard, and reports whether it was.
func writeGateEntity(w gateWriter, ev *scorecard.Evaluation, ei int, minRanks []int) bool {
	header := false
	for si, sc := range ev.Scorecards {
		r := ev.Result(ei, si)
		if !r.Applies || minRanks[si] < 0 || r.Level >= minRanks[si] {
			continue
		}
		if !header {
			header = true
			writeServiceLine(w, r.Entity)
		}
		fmt.Fprintf(w, "  %s: %s, below %s\n", sc.Name(), r.LevelName(), sc.Levels[minRanks[si]].Title)
		for rank := 1; rank <= minRanks[si]; rank++ {
			heading := false
			for _, ri := range sc.RulesAt(rank) {
				if r.Pass[ri] {
					continue
				}
				if !heading {
					heading = true
					fmt.Fprintf(w, "    %s fails:\n", sc.Levels[rank].Title)
				}
				rule := &sc.Rules[ri]
				fmt.Fprintf(w, "      ✗ %s [%s]\n", rule.Name(), rule.Identifier)
				for _, reason := range r.Reasons(ri) {
					fmt.Fprintf(w, "          %s\n", reason)
				}
			}
		}
	}
	if header {
		w.WriteByte('\n')
	}
	return header
}

// writeGateTotal is the gate's last line.
func writeGateTotal(w io.Writer, below, services int, minLevel string) error {
	_, err := fmt.Fprintf(w, "%d of %s below %s (--verbose prints them all)\n", below, scorecard.Plural(services, "service"), minLevel)
	return err
}

// writeServiceLine names a service as report.WriteText does.
func writeServiceLine(w gateWriter, e *scorecard.Entity) {
	w.WriteString(e.Identifier)
	if title := e.Name(); title != e.Identifier {
		fmt.Fprintf(w, " (%s)", title)
	}
	if len(e.Team) > 0 {
		fmt.Fprintf(w, " — team %s", strings.Join(e.Team, ", "))
	} else {
		w.WriteString(" — no owning team")
	}
	w.WriteByte('\n')
}
