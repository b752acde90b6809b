package gate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/port"
)

// WriteText writes check's text output (or, for format "json", its JSON):
// each service's level, failing rules and next step, then, over more than
// one service, the count per level.
func WriteText(w io.Writer, format string, ev *scorecard.Evaluation, entities []int, url func(*scorecard.Entity) string) error {
	if format == "json" {
		return WriteJSON(w, ev, entities)
	}
	// Services no scorecard applies to are said once per reason, not once
	// each: a scorecard for another blueprint would otherwise repeat for
	// every service of the catalog.
	var groups []string
	none := map[string][]string{} // reason -> services
	var shown []int
	var whys []string // by shown
	for _, i := range byLevel(ev, entities) {
		why := notApplies(ev, i)
		if why != "" && len(entities) > 1 {
			if _, ok := none[why]; !ok {
				groups = append(groups, why)
			}
			none[why] = append(none[why], ev.Catalog.Entities[i].Identifier)
			continue
		}
		shown = append(shown, i)
		whys = append(whys, why)
	}
	// Each service's text is made on every core, a chunk at a time, and
	// written in order.
	err := inOrder(w, len(shown), textChunk, func(buf []byte, lo, hi int) []byte {
		b := bytes.NewBuffer(buf)
		for k := lo; k < hi; k++ {
			report.WriteText(b, report.ForService(ev, shown[k], url)) // a bytes.Buffer does not fail
			if whys[k] != "" {
				fmt.Fprintf(b, "    %s\n", whys[k])
			}
			b.WriteByte('\n')
		}
		return b.Bytes()
	})
	if err != nil {
		return err
	}
	for _, why := range groups {
		if err := writeNone(w, none[why], why); err != nil {
			return err
		}
	}
	if len(entities) > 1 {
		return writeSummary(w, ev, entities)
	}
	return nil
}

// textChunk services' text is made at a time: about 100 KB.
const textChunk = 128

// notApplies says why no scorecard applies to entity i ("" when one does).
func notApplies(ev *scorecard.Evaluation, i int) string {
	var why []string
	for si, sc := range ev.Scorecards {
		if ev.Result(i, si).Applies {
			return ""
		}
		if r := sc.NotApplies(&ev.Catalog.Entities[i], ev.Now); r != "" {
			why = append(why, r)
		}
	}
	if len(why) == 0 {
		return "no scorecard is evaluated"
	}
	return strings.Join(why, "; ")
}

// writeNone says once why no scorecard applies to names.
func writeNone(w io.Writer, names []string, why string) error {
	shown := names[:min(len(names), 5)]
	more := ""
	if len(names) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(names)-len(shown))
	}
	_, err := fmt.Fprintf(w, "no scorecard applies to %s (%s%s): %s\n\n", scorecard.Plural(len(names), "service"), strings.Join(shown, ", "), more, why)
	return err
}

// writeSummary counts services per level on each scorecard.
func writeSummary(w io.Writer, ev *scorecard.Evaluation, entities []int) error {
	counts := make([][]int, len(ev.Scorecards))
	for si, sc := range ev.Scorecards {
		counts[si] = make([]int, len(sc.Levels)+1)
		for _, ei := range entities {
			if r := ev.Result(ei, si); r.Applies {
				counts[si][r.Level]++
				counts[si][len(sc.Levels)]++
			}
		}
	}
	return writeCounts(w, len(entities), ev.Now, ev.Scorecards, counts)
}

// writeCounts writes the summary: counts[si][rank] services at each level
// of scorecard si, and last, how many it applies to.
func writeCounts(w io.Writer, services int, now time.Time, scs []*scorecard.Scorecard, counts [][]int) error {
	fmt.Fprintf(w, "%s evaluated at %s\n", scorecard.Plural(services, "service"), now.Format(time.RFC3339))
	for si, sc := range scs {
		parts := make([]string, 0, len(sc.Levels))
		for rank := len(sc.Levels) - 1; rank >= 0; rank-- {
			parts = append(parts, fmt.Sprintf("%s %d", sc.Levels[rank].Title, counts[si][rank]))
		}
		_, err := fmt.Fprintf(w, "  %s (%d): %s\n", sc.Name(), counts[si][len(sc.Levels)], strings.Join(parts, ", "))
		if err != nil {
			return err
		}
	}
	return nil
}

// AppendBelow adds the results of entity ei under minLevel, as the gate
// lists them on stderr.
func AppendBelow(below []Below, ev *scorecard.Evaluation, ei int, minLevel string, minRanks []int) []Below {
	if minLevel == "" {
		return below
	}
	for si := range ev.Scorecards {
		r := ev.Result(ei, si)
		if r.Applies && minRanks[si] >= 0 && r.Level < minRanks[si] {
			below = append(below, Below{rank: r.Level, id: r.Entity.Identifier,
				text: logData(fmt.Sprintf("%s is %s on %s, below %s", r.Entity.Identifier, r.LevelName(), r.Scorecard.Name(), r.Scorecard.Levels[minRanks[si]].Title))})
		}
	}
	return below
}

// SayBelow lists the results under minLevel on stderr, lowest level
// first; the exit code becomes ExitBelow when there are some and it was
// ExitOK.
func SayBelow(stderr io.Writer, below []Below, minLevel string, code int) int {
	if len(below) == 0 {
		return code
	}
	sortBelow(below)
	w := bufio.NewWriterSize(stderr, 16<<10)
	fmt.Fprintf(w, "prodready check: %s below %s:\n", scorecard.Plural(len(below), "result"), logData(minLevel))
	for _, l := range below {
		fmt.Fprintf(w, "  %s\n", l)
	}
	w.Flush()
	if code == ExitOK {
		code = ExitBelow
	}
	return code
}

// ComparePort prints every difference between prodready's results and
// Port's own, for the selected entities; ExitBelow when there is any.
// A scorecard the user left out (PORT_SCORECARDS, --scorecard) is not a
// difference; one that prodready rejected is, since Port evaluates it.
func ComparePort(stdout, stderr io.Writer, format string, ev *scorecard.Evaluation, entities []int, findings scorecard.Findings) int {
	selected := make(map[string]bool, len(entities))
	for _, i := range entities {
		selected[ev.Catalog.Entities[i].Identifier] = true
	}
	compared := map[string]bool{}
	for _, sc := range ev.Scorecards {
		compared[sc.Identifier] = true
	}
	for _, f := range findings.Errors() {
		compared[f.Scorecard] = true
	}
	var diffs []port.Difference
	for _, d := range port.Compare(ev) {
		if selected[d.Entity] && compared[d.Scorecard] {
			diffs = append(diffs, d)
		}
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Now         string            `json:"now"`
			Entities    int               `json:"entities"`
			Differences []port.Difference `json:"differences"`
		}{ev.Now.Format(time.RFC3339), len(entities), append([]port.Difference{}, diffs...)}); err != nil {
			fmt.Fprintf(stderr, "prodready check: %v\n", err)
			return ExitUsage
		}
	} else {
		for _, d := range diffs {
			fmt.Fprintln(stdout, d)
		}
		fmt.Fprintf(stdout, "%d entities compared with Port: %s\n", len(entities), scorecard.Plural(len(diffs), "difference"))
	}
	if len(diffs) > 0 {
		return ExitBelow
	}
	return ExitOK
}
