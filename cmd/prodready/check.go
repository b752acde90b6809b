package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/collected"
	"github.com/prodready/prodready/scorecard/files"
	"github.com/prodready/prodready/scorecard/port"
)

// parseInterspersed lets flags follow positional arguments
// (`check payments-api --min-level Silver`), which package flag alone stops at.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a flag set whose usage flagExit prints once: package
// flag prints an error and the usage itself while parsing, to stderr even
// for --help, so it is silenced here.
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// usageTo prints fs's usage to w.
func usageTo(fs *flag.FlagSet, w io.Writer) {
	fs.SetOutput(w)
	fs.Usage()
	fs.SetOutput(io.Discard)
}

// flagExit turns a flag parse error into an exit status: --help is
// success, its usage on stdout; a mistake is named, with the usage, on
// stderr.
func flagExit(e *env, fs *flag.FlagSet, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		usageTo(fs, e.stdout)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "prodready %s: %v\n", fs.Name(), err)
	usageTo(fs, e.stderr)
	return exitUsage
}

type checkOpts struct {
	src       sourceFlags
	scorecard string
	minLevel  string
	now       string
	format    string
	compare   bool
	verbose   bool
	ci        checkCI  // check_format.go
	report    reportTo // check_report.go
}

func runCheck(ctx context.Context, e *env, args []string) int {
	var o checkOpts
	fs := newFlagSet(e, "check", "prodready check [SERVICE...] [--catalog FILE] [--scorecards FILE]... [--scorecard ID] [--min-level LEVEL] [--now RFC3339] [--format text|json|github|junit|markdown]\n"+
		"       [--repository OWNER/NAME] [--baseline FILE] [--write-baseline FILE] [--summary FILE] [--github-output FILE]\n"+
		"       [--report-to URL [--commit SHA] [--pipeline-url URL]]\n\n"+
		"Evaluates every scorecard over the catalog (or over the named services: identifier or title, any case)\n"+
		"and prints each service's level, its failing rules with reasons, and what to fix for the next level.\n"+
		"Exit status: 0 all at or above --min-level; 1 some below (listed); 2 bad input or usage.\n"+
		"With --baseline: 1 only when a level dropped or a rule that passed now fails (listed).\n"+
		"With --report-to: the result is also posted to a prodready serve; a failed post is a warning\n"+
		"on stderr and does not change the exit status.")
	o.src.register(fs)
	fs.StringVar(&o.scorecard, "scorecard", "", "evaluate only the scorecard with this `ID`")
	fs.StringVar(&o.minLevel, "min-level", "", "fail (exit 1) when a service is below this `LEVEL` on a scorecard that defines it")
	fs.StringVar(&o.now, "now", "", "evaluate at this time (`RFC3339`) instead of the current time, to reproduce a result")
	fs.StringVar(&o.format, "format", "text", "output `format`: text, json, github (workflow annotations), junit (XML) or markdown (a job summary)")
	fs.BoolVar(&o.verbose, "verbose", false, "with --min-level over the whole catalog, print every service and rule, not only the services below the level and the rules they fail")
	fs.BoolVar(&o.compare, "compare-port", false, "compare prodready's results with the ones Port computed itself; exit 1 on any difference (needs PORT_CLIENT_ID)")
	o.ci.register(fs)
	o.report.register(fs)
	services, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(e, fs, err)
	}
	if err := o.report.resolve(e.getenv); err != nil {
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage
	}
	if !validCheckFormat(o.format) {
		fmt.Fprintf(e.stderr, "prodready check: --format must be text or json (or, for CI, github, junit or markdown), not %q\n", o.format)
		return exitUsage
	}
	now := time.Now().UTC()
	if o.now != "" {
		if now, err = time.Parse(time.RFC3339, o.now); err != nil {
			fmt.Fprintf(e.stderr, "prodready check: --now %q is not an RFC 3339 time (like 2026-11-26T09:00:00Z)\n", o.now)
			return exitUsage
		}
	}
	src, err := pickSource(e, o.src, withRepository(o.ci.repository))
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage
	}
	if o.compare {
		// Port's results are compared on Port's own data: facts joined from
		// GitHub or PagerDuty would be differences of data, not of engines.
		ps, ok := portOf(src)
		if !ok {
			fmt.Fprintf(e.stderr, "prodready check: --compare-port needs the Port source (set PORT_CLIENT_ID and PORT_CLIENT_SECRET); the data comes from %s\n", src.Describe())
			return exitUsage
		}
		if _, direct := src.(port.Source); !direct {
			fmt.Fprintln(e.stderr, "prodready: --compare-port compares on Port's own data: the facts collected from GitHub or PagerDuty are not joined for it")
			src = ps
		}
	}
	if cf, ok := src.(checkedFiles); ok {
		switch {
		case len(services) > 0 && o.ci.repository == "":
			cf.Only = services // decode only where they are
			src = cf
		case o.streams(services) && !e.whole:
			data, ok, err := files.ReadJSONCatalog(cf.Catalog)
			if err != nil {
				fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
				return exitUsage
			}
			if ok {
				restore := tuneGC(e.getenv, cf.Catalog, 2, 16<<20, 32<<20)
				code, streamed := runCheckStream(ctx, e, &o, cf, data, now)
				restore()
				if streamed {
					return code
				}
			}
			// Read whole: that says what is wrong with the catalog.
		}
		defer tuneGC(e.getenv, cf.Catalog, 4.5, 0, 64<<20)()
	}
	fmt.Fprintf(e.stderr, "prodready: reading %s\n", src.Describe())
	b, err := src.Load(ctx, now)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage
	}
	st, code := o.setup(ctx, e, e.stderr, b, now)
	if st == nil {
		return code
	}
	scs, minRanks := st.scs, st.minRanks
	ev := scorecard.Evaluate(now, scs, b.Catalog)
	applyExemptions(e.stderr, ev, st.xs)
	entities, ok := selectEntities(e, b.Catalog, services)
	if o.ci.repository != "" && ok {
		if len(services) > 0 {
			fmt.Fprintln(e.stderr, "prodready check: give SERVICE arguments or --repository, not both")
			return exitUsage
		}
		entities, ok = selectRepository(e, b.Catalog, o.ci.repository)
	}
	if !ok {
		return exitUsage
	}
	if o.compare {
		return max(code, comparePort(e, o.format, ev, entities, b.Findings))
	}
	var below []string
	for _, ei := range entities {
		below = appendBelow(below, ev, ei, o.minLevel, minRanks)
	}
	ci, err := newCheckRun(&o.ci, ev, entities, b, o.minLevel, minRanks)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage
	}
	stdout := bufio.NewWriterSize(e.stdout, 64<<10)
	switch {
	case o.format != "text" && o.format != "json":
		err = ci.writeFormat(stdout, o.format)
	case o.minLevel != "" && !o.verbose && o.format == "text" && len(services) == 0 && o.ci.repository == "":
		// Services named on the command line were asked about: they are
		// printed in full. A gate over the whole catalog is quiet unless
		// --verbose.
		err = writeGate(stdout, ev, entities, minRanks, o.minLevel)
	default:
		err = writeCheck(stdout, o.format, ev, entities, b)
	}
	if err == nil {
		err = stdout.Flush()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready check: write output: %v\n", err)
		return exitUsage
	}
	if ci.base != nil {
		code = max(code, ci.gateOnBaseline(e, below))
	} else {
		code = sayBelow(e, below, o.minLevel, code)
	}
	if o.report.url != "" {
		// After the output: the gate's verdict is printed whatever serve does.
		if n, err := e.reportClient().post(ctx, &o.report, st.cfg.apiToken, ev, entities); err != nil {
			fmt.Fprintf(e.stderr, "prodready check: warning: %v\n", err)
		} else {
			fmt.Fprintf(e.stderr, "prodready: %s posted to %s\n", plural(n, "result"), o.report.url)
		}
	}
	return ci.finish(e, &o.ci, code)
}

// checkSetup is what check needs besides the catalog.
type checkSetup struct {
	scs      []*scorecard.Scorecard
	xs       []scorecard.Exemption
	minRanks []int // per scorecard; -1 where --min-level is not one of its levels
	cfg      *settings
}

// setup says the bundle's findings on w and picks the scorecards,
// exemptions and levels to gate on. A nil setup ends the command with the code; else
// code is exitUsage when some scorecard was rejected, and exitOK.
func (o *checkOpts) setup(ctx context.Context, e *env, w io.Writer, b *scorecard.Bundle, now time.Time) (*checkSetup, int) {
	code := exitOK
	for _, f := range b.Findings {
		fmt.Fprintln(w, f)
	}
	if len(b.Findings.Errors()) > 0 {
		fmt.Fprintf(w, "prodready check: %s rejected; the other scorecards were evaluated\n", plural(len(b.Findings.Errors()), "error"))
		code = exitUsage
	}
	st := &checkSetup{scs: b.Scorecards}
	if o.scorecard != "" {
		st.scs = nil
		var ids []string
		for _, sc := range b.Scorecards {
			ids = append(ids, sc.Identifier)
			if sc.Identifier == o.scorecard {
				st.scs = append(st.scs, sc)
			}
		}
		if len(st.scs) == 0 {
			fmt.Fprintf(w, "prodready check: --scorecard %q is not defined; scorecards are %s%s\n", o.scorecard, strings.Join(ids, ", "), didYouMean(scorecard.Suggest(o.scorecard, ids, 3)))
			return nil, exitUsage
		}
	}
	cfg, _ := e.settings() // a bad value stopped the command before
	if cfg == nil {
		cfg = &settings{}
	}
	st.cfg = cfg
	notes, terr := checkTargets(cfg.jobs.TargetLevel, b.Scorecards)
	for _, n := range notes {
		fmt.Fprintf(w, "prodready: %s\n", n)
	}
	if terr != nil {
		fmt.Fprintf(w, "prodready check: %v\n", terr)
		return nil, exitUsage
	}
	xs, ok := loadExemptions(w, cfg.exemptions, now)
	if !ok {
		fmt.Fprintln(w, "prodready check: fix PRODREADY_EXEMPTIONS (errors above)")
		return nil, exitUsage
	}
	st.xs = append(xs, approvedExemptions(ctx, w, cfg, now)...)
	st.minRanks = make([]int, len(st.scs))
	if o.minLevel != "" {
		var all []string
		defined := false
		for i, sc := range st.scs {
			st.minRanks[i] = sc.LevelRankFold(o.minLevel)
			defined = defined || st.minRanks[i] >= 0
			all = append(all, sc.LevelNames()...)
		}
		if !defined {
			fmt.Fprintf(w, "prodready check: --min-level %q is not a level of any scorecard evaluated; levels are %s%s\n", o.minLevel, strings.Join(uniq(all), ", "), didYouMean(scorecard.Suggest(o.minLevel, uniq(all), 3)))
			return nil, exitUsage
		}
		for i, sc := range st.scs {
			if st.minRanks[i] < 0 {
				fmt.Fprintf(w, "prodready: scorecard %s has no level %q; it does not gate\n", sc.Identifier, o.minLevel)
			}
		}
	}
	return st, code
}

// appendBelow adds the results of entity ei under --min-level, as the
// gate lists them on stderr.
func appendBelow(below []string, ev *scorecard.Evaluation, ei int, minLevel string, minRanks []int) []string {
	if minLevel == "" {
		return below
	}
	for si := range ev.Scorecards {
		r := ev.Result(ei, si)
		if r.Applies && minRanks[si] >= 0 && r.Level < minRanks[si] {
			below = append(below, fmt.Sprintf("%s is %s on %s, below %s", r.Entity.Identifier, r.LevelName(), r.Scorecard.Name(), r.Scorecard.Levels[minRanks[si]].Title))
		}
	}
	return below
}

// sayBelow lists the results under --min-level on stderr; the exit code
// becomes exitBelow when there are some and it was exitOK.
func sayBelow(e *env, below []string, minLevel string, code int) int {
	if len(below) == 0 {
		return code
	}
	stderr := bufio.NewWriterSize(e.stderr, 16<<10)
	fmt.Fprintf(stderr, "prodready check: %s below %s:\n", plural(len(below), "result"), minLevel)
	for _, l := range below {
		fmt.Fprintf(stderr, "  %s\n", l)
	}
	stderr.Flush()
	if code == exitOK {
		code = exitBelow
	}
	return code
}

// portOf finds the Port source that src reads: src itself, or the catalog
// the collected facts are joined to.
func portOf(src scorecard.Source) (port.Source, bool) {
	for {
		switch s := src.(type) {
		case port.Source:
			return s, true
		case saying:
			src = s.Source
		case collected.Source:
			src = s.Base
		default:
			return port.Source{}, false
		}
	}
}

// selectEntities resolves SERVICE arguments; none means every entity.
func selectEntities(e *env, cat *scorecard.Catalog, names []string) ([]int, bool) {
	if len(names) == 0 {
		out := make([]int, len(cat.Entities))
		for i := range out {
			out[i] = i
		}
		return out, true
	}
	var out []int
	seen := map[int]bool{}
	for _, n := range names {
		i, ok := cat.Find(n)
		if !ok {
			fmt.Fprintf(e.stderr, "prodready check: no service named %q%s\n", n, didYouMean(cat.Suggest(n, 3)))
			return nil, false
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out, true
}

func didYouMean(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return "; did you mean " + scorecard.OrList(s) + "?"
}

func writeCheck(w io.Writer, format string, ev *scorecard.Evaluation, entities []int, b *scorecard.Bundle) error {
	if format == "json" {
		return writeCheckJSON(w, ev, entities)
	}
	// Services no scorecard applies to are said once per reason, not once
	// each: a scorecard for another blueprint would otherwise repeat for
	// every service of the catalog.
	var groups []string
	none := map[string][]string{} // reason -> services
	for _, i := range entities {
		why := notApplies(ev, i)
		if why != "" && len(entities) > 1 {
			if _, ok := none[why]; !ok {
				groups = append(groups, why)
			}
			none[why] = append(none[why], ev.Catalog.Entities[i].Identifier)
			continue
		}
		if err := report.WriteText(w, report.ForService(ev, i, b.EntityURL)); err != nil {
			return err
		}
		if why != "" {
			fmt.Fprintf(w, "    %s\n", why)
		}
		fmt.Fprintln(w)
	}
	for _, why := range groups {
		names := none[why]
		shown := names[:min(len(names), 5)]
		more := ""
		if len(names) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(names)-len(shown))
		}
		fmt.Fprintf(w, "no scorecard applies to %s (%s%s): %s\n\n", plural(len(names), "service"), strings.Join(shown, ", "), more, why)
	}
	if len(entities) > 1 {
		return writeSummary(w, ev, entities)
	}
	return nil
}

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

// writeSummary counts services per level on each scorecard.
func writeSummary(w io.Writer, ev *scorecard.Evaluation, entities []int) error {
	fmt.Fprintf(w, "%s evaluated at %s\n", plural(len(entities), "service"), ev.Now.Format(time.RFC3339))
	for si, sc := range ev.Scorecards {
		counts := make([]int, len(sc.Levels))
		applied := 0
		for _, ei := range entities {
			if r := ev.Result(ei, si); r.Applies {
				counts[r.Level]++
				applied++
			}
		}
		parts := make([]string, 0, len(counts))
		for rank := len(counts) - 1; rank >= 0; rank-- {
			parts = append(parts, fmt.Sprintf("%s %d", sc.Levels[rank].Title, counts[rank]))
		}
		_, err := fmt.Fprintf(w, "  %s (%d): %s\n", sc.Name(), applied, strings.Join(parts, ", "))
		if err != nil {
			return err
		}
	}
	return nil
}

// comparePort prints every difference between prodready's results and
// Port's own, for the selected entities; exit 1 when there is any.
// A scorecard the user left out (PORT_SCORECARDS, --scorecard) is not a
// difference; one that prodready rejected is, since Port evaluates it.
func comparePort(e *env, format string, ev *scorecard.Evaluation, entities []int, findings scorecard.Findings) int {
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
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Now         string            `json:"now"`
			Entities    int               `json:"entities"`
			Differences []port.Difference `json:"differences"`
		}{ev.Now.Format(time.RFC3339), len(entities), append([]port.Difference{}, diffs...)}); err != nil {
			fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
			return exitUsage
		}
	} else {
		for _, d := range diffs {
			fmt.Fprintln(e.stdout, d)
		}
		fmt.Fprintf(e.stdout, "%d entities compared with Port: %s\n", len(entities), plural(len(diffs), "difference"))
	}
	if len(diffs) > 0 {
		return exitBelow
	}
	return exitOK
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func uniq(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
