package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/files"
)

const planSynopsis = "prodready plan --scorecards NEW.json [--scorecards MORE.json]... [--base OLD.json]... [--catalog FILE] [--now RFC3339] [--format text|json|markdown] [--fail-on-demotion]\n\n" +
	"Says what a scorecard change will do before it merges: the new definitions and the base ones (--base,\n" +
	"else the configured scorecards) are evaluated over the same catalog, facts and exemptions, and the plan\n" +
	"lists per scorecard the services at each level before → after, the services whose level changes (by\n" +
	"team, demotions first), each rule added, removed or changed with how many services it newly fails, and\n" +
	"what announced rules (PRODREADY_INITIATIVES) will do when they count. --format markdown fits a pull\n" +
	"request comment or a job summary.\n" +
	"Exit status: 0; 1 with --fail-on-demotion when a service's level drops; 2 bad input or usage."

func runPlan(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "plan", planSynopsis)
	var next, base stringList
	var catalog, nowFlag, format string
	var failOnDemotion bool
	fs.Var(&next, "scorecards", "the new scorecard definitions `FILE`; repeat for several (required)")
	fs.Var(&base, "base", "the base scorecard definitions `FILE`; repeat for several (default: the configured scorecards)")
	fs.StringVar(&catalog, "catalog", "", "catalog `FILE` or directory (default: the configured source)")
	fs.StringVar(&nowFlag, "now", "", "evaluate at this time (`RFC3339`) instead of the current time")
	fs.StringVar(&format, "format", "text", "output `format`: text, json or markdown")
	fs.BoolVar(&failOnDemotion, "fail-on-demotion", false, "exit 1 when some service's level drops")
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready plan: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if len(next) == 0 {
		fmt.Fprintln(e.stderr, "prodready plan: --scorecards NEW.json is required: the definitions to compare with the base")
		return exitUsage
	}
	if format != "text" && format != "json" && format != "markdown" {
		fmt.Fprintf(e.stderr, "prodready plan: --format must be text, json or markdown, not %q\n", format)
		return exitUsage
	}
	now := time.Now().UTC()
	if nowFlag != "" {
		t, err := time.Parse(time.RFC3339, nowFlag)
		if err != nil {
			fmt.Fprintf(e.stderr, "prodready plan: --now %q is not an RFC 3339 time (like 2026-11-26T09:00:00Z)\n", nowFlag)
			return exitUsage
		}
		now = t.UTC()
	}
	nextScs, ok := readDefinitions(e.stderr, next)
	if !ok {
		return exitUsage
	}
	var baseScs []*scorecard.Scorecard
	if len(base) > 0 {
		if baseScs, ok = readDefinitions(e.stderr, base); !ok {
			return exitUsage
		}
	}
	src, err := pickSource(e, sourceFlags{catalog: catalog})
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready plan: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "prodready: reading %s\n", src.Describe())
	b, err := src.Load(ctx, now)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready plan: %v\n", err)
		return exitUsage
	}
	if baseScs == nil {
		baseScs = b.Scorecards
	}
	s, _ := e.settings()
	xs, ok := loadExemptions(e.stderr, s.exemptions, now)
	if !ok {
		fmt.Fprintln(e.stderr, "prodready plan: fix PRODREADY_EXEMPTIONS (errors above)")
		return exitUsage
	}
	xs = append(xs, approvedExemptions(ctx, e.stderr, s, now)...)
	if code := announce(e, s, baseScs, nextScs); code != exitOK {
		return code
	}
	p := report.MakePlan(now, baseScs, nextScs, b.Catalog, xs)
	if err := writePlan(e.stdout, p, format); err != nil {
		fmt.Fprintf(e.stderr, "prodready plan: %v\n", err)
		return exitUsage
	}
	if failOnDemotion && p.Demotions > 0 {
		fmt.Fprintf(e.stderr, "prodready plan: %d services would drop a level\n", p.Demotions)
		return exitBelow
	}
	return exitOK
}

// readDefinitions reads scorecard files; findings go to w, and an error
// in any file stops the plan (exit 2), naming the file.
func readDefinitions(w io.Writer, paths []string) ([]*scorecard.Scorecard, bool) {
	var out []*scorecard.Scorecard
	ok := true
	for _, path := range paths {
		scs, findings, err := files.ReadScorecards(path)
		if err != nil {
			fmt.Fprintf(w, "prodready plan: %v\n", err)
			ok = false
			continue
		}
		for _, f := range findings {
			fmt.Fprintln(w, f)
		}
		if len(findings.Errors()) > 0 {
			fmt.Fprintf(w, "prodready plan: %s does not parse (errors above)\n", path)
			ok = false
			continue
		}
		out = append(out, scs...)
	}
	return out, ok
}

// announce marks the announced rules of PRODREADY_INITIATIVES in both sets
// of definitions. The initiatives themselves are not the plan's concern: an
// initiative that names what the new definitions lack is said as a warning.
func announce(e *env, s *settings, sets ...[]*scorecard.Scorecard) int {
	if s.initiatives == "" {
		return exitOK
	}
	data, err := os.ReadFile(s.initiatives)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready plan: PRODREADY_INITIATIVES: %v\n", err)
		return exitUsage
	}
	for i, scs := range sets {
		f, findings := scorecard.ParseInitiatives(s.initiatives, data, scs)
		if i == len(sets)-1 {
			for _, fd := range findings {
				fmt.Fprintf(e.stderr, "prodready: with the new definitions: %s\n", fd)
			}
		}
		scorecard.Announce(scs, f.Announcements)
	}
	return exitOK
}

func writePlan(w io.Writer, p *report.Plan, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	case "markdown":
		return p.WriteMarkdown(w)
	}
	return p.WriteText(w)
}
