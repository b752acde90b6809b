package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/prodready/prodready/report/gate"
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
	ci        gate.CI
	report    reportTo
}

func runCheck(ctx context.Context, e *env, args []string) int {
	// CI logs are read for workflow commands, and check's messages quote
	// the catalog's and scorecards' own text.
	e.stderr = gate.CommandSafe(e.stderr)
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
	registerCI(fs, &o.ci)
	o.report.register(fs)
	services, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(e, fs, err)
	}
	if err := o.report.resolve(e.getenv); err != nil {
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage
	}
	if !gate.ValidFormat(o.format) {
		fmt.Fprintf(e.stderr, "prodready check: --format must be text or json (or, for CI, github, junit or markdown), not %q\n", o.format)
		return exitUsage
	}
	if o.format == "text" {
		e.stdout = gate.CommandSafe(e.stdout) // it quotes titles too
	}
	now := time.Now().UTC()
	if o.now != "" {
		if now, err = time.Parse(time.RFC3339, o.now); err != nil {
			fmt.Fprintf(e.stderr, "prodready check: --now %q is not an RFC 3339 time (like 2026-11-26T09:00:00Z)\n", o.now)
			return exitUsage
		}
	}
	src, err := pickSource(e, o.src, withRepository(o.ci.Repository))
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
		case len(services) > 0 && o.ci.Repository == "":
			cf.Only = services // decode only where they are
			src = cf
		case o.streams(services) && !e.whole:
			data, ok, err := files.ReadJSONCatalog(cf.Catalog)
			if err != nil {
				fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
				return exitUsage
			}
			if ok {
				if code, streamed := runCheckStream(ctx, e, &o, cf, data, now); streamed {
					return code
				}
			}
			// Read whole: that says what is wrong with the catalog.
		}
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
	ev := scorecard.Evaluate(now, st.scs, b.Catalog)
	applyExemptions(e.stderr, ev, st.xs)
	entities, ok := gate.SelectServices(e.stderr, b.Catalog, services)
	if o.ci.Repository != "" && ok {
		if len(services) > 0 {
			fmt.Fprintln(e.stderr, "prodready check: give SERVICE arguments or --repository, not both")
			return exitUsage
		}
		entities, ok = gate.SelectRepository(e.stderr, b.Catalog, o.ci.Repository)
	}
	if !ok {
		return exitUsage
	}
	if o.compare {
		return max(code, gate.ComparePort(e.stdout, e.stderr, o.format, ev, entities, b.Findings))
	}
	var below []gate.Below
	for _, ei := range entities {
		below = gate.AppendBelow(below, ev, ei, o.minLevel, st.minRanks)
	}
	ci, err := gate.NewRun(ev, entities, b.EntityURL, o.minLevel, st.minRanks, o.ci.Baseline)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage
	}
	if fs, ok := filesOf(src); ok {
		ci.SetPlaces(gate.Places{Workspace: e.getenv("GITHUB_WORKSPACE"), Catalog: fs.Catalog, Scorecards: fs.Scorecards})
	}
	stdout := bufio.NewWriterSize(e.stdout, 64<<10)
	switch {
	case o.format != "text" && o.format != "json":
		err = ci.WriteFormat(stdout, o.format)
	case o.minLevel != "" && !o.verbose && o.format == "text" && len(services) == 0 && o.ci.Repository == "":
		// Services named on the command line were asked about: they are
		// printed in full. A gate over the whole catalog is quiet unless
		// --verbose.
		err = gate.WriteGate(stdout, ev, entities, st.minRanks, o.minLevel)
	default:
		err = gate.WriteText(stdout, o.format, ev, entities, b.EntityURL)
	}
	if err == nil {
		err = stdout.Flush()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready check: write output: %v\n", err)
		return exitUsage
	}
	if ci.Baseline() {
		code = max(code, ci.GateOnBaseline(e.stderr, below))
	} else {
		code = gate.SayBelow(e.stderr, below, o.minLevel, code)
	}
	if o.report.url != "" {
		// After the output: the gate's verdict is printed whatever serve does.
		if n, err := e.poster().Post(ctx, o.report.target(st.cfg.apiToken), ev, entities); err != nil {
			fmt.Fprintf(e.stderr, "prodready check: warning: %v\n", err)
		} else {
			fmt.Fprintf(e.stderr, "prodready: %s posted to %s\n", scorecard.Plural(n, "result"), o.report.url)
		}
	}
	return ci.Finish(e.stderr, &o.ci, code)
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
		fmt.Fprintf(w, "prodready check: %s rejected; the other scorecards were evaluated\n", scorecard.Plural(len(b.Findings.Errors()), "error"))
		code = exitUsage
	}
	scs, ok := gate.SelectScorecards(w, b.Scorecards, o.scorecard)
	if !ok {
		return nil, exitUsage
	}
	st := &checkSetup{scs: scs}
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
	if cfg.initiatives != "" {
		f, ok := readInitiatives(w, cfg.initiatives, b.Scorecards)
		if !ok {
			return nil, exitUsage
		}
		for _, warn := range scorecard.Announce(b.Scorecards, f.Announcements) {
			fmt.Fprintf(w, "prodready: warning: %s\n", warn)
		}
	}
	xs, ok := loadExemptions(w, cfg.exemptions, now)
	if !ok {
		fmt.Fprintln(w, "prodready check: fix PRODREADY_EXEMPTIONS (errors above)")
		return nil, exitUsage
	}
	st.xs = append(xs, approvedExemptions(ctx, w, cfg, now)...)
	if st.minRanks, ok = gate.MinRanks(w, st.scs, o.minLevel); !ok {
		return nil, exitUsage
	}
	return st, code
}

// registerCI registers check's CI-gate flags.
func registerCI(fs *flag.FlagSet, x *gate.CI) {
	fs.StringVar(&x.Repository, "repository", "", "evaluate the service(s) of this GitHub repository (`OWNER/NAME`, e.g. $GITHUB_REPOSITORY): by the github.com/project-slug annotation, a repository property or relation, else the identifier NAME")
	fs.StringVar(&x.Baseline, "baseline", "", "compare with `FILE`, a previous --format json output: exit 1 only when a level dropped or a rule that passed now fails")
	fs.StringVar(&x.WriteBaseline, "write-baseline", "", "also write the results to `FILE` as --format json does, for a later --baseline")
	fs.StringVar(&x.Summary, "summary", "", "also append the markdown summary to `FILE` (in GitHub Actions: $GITHUB_STEP_SUMMARY)")
	fs.StringVar(&x.GitHubOutput, "github-output", "", "also append level=, levels=, passed= and regressions= to `FILE` (in GitHub Actions: $GITHUB_OUTPUT)")
}

// streams reports whether check can evaluate a catalog file a piece at a
// time: for its JSON output, its quiet gate, its text and its GitHub
// annotations over the whole catalog. The other outputs and flags need every result at once.
func (o *checkOpts) streams(services []string) bool {
	if len(services) > 0 || o.ci != (gate.CI{}) || o.report.url != "" || o.compare {
		return false
	}
	return o.format == "json" || o.format == "text" || o.format == "github"
}

// runCheckStream is check over a catalog file cut into pieces
// (gate.Stream). Nothing is written before the cut has checked the catalog's shape, keys
// and identifiers; when it refuses them, streamed is false and the caller
// reads the catalog whole, which says what is wrong. A piece that does not
// decode (a value of the wrong type, a malformed number) stops the output
// where it is: the careful parser then says where the mistake is, and
// check exits 2.
func runCheckStream(ctx context.Context, e *env, o *checkOpts, cf checkedFiles, data []byte, now time.Time) (code int, streamed bool) {
	defs := cf.Source
	defs.Catalog = "" // the scorecards; the catalog is cut here
	b, err := defs.Load(ctx, now)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready: reading %s\n", cf.Describe())
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage, true
	}
	// What setup says is said once the cut has taken the catalog: when it
	// does not, the whole path says it.
	var out bytes.Buffer
	st, code := o.setup(ctx, e, &out, b, now)
	if st == nil {
		fmt.Fprintf(e.stderr, "prodready: reading %s\n", cf.Describe())
		e.stderr.Write(out.Bytes())
		return code, true
	}
	// Which exemptions name no service is said once the cut is done.
	format := o.format
	if format == "text" && o.minLevel != "" && !o.verbose {
		format = "gate"
	}
	s := gate.NewStream(now, st.scs, st.xs, o.minLevel, st.minRanks, format, b.EntityURL)
	s.SetPlaces(gate.Places{Workspace: e.getenv("GITHUB_WORKSPACE"), Catalog: cf.Catalog, Scorecards: cf.Scorecards})
	stdout := bufio.NewWriterSize(e.stdout, 64<<10)
	cat, err := s.Run(stdout, data, func(cat *scorecard.CatalogPieces) {
		// The cut took the catalog: say what the whole path would have
		// said before its output.
		fmt.Fprintf(e.stderr, "prodready: reading %s\n", cf.Describe())
		e.stderr.Write(out.Bytes())
		_, problems := scorecard.CheckExemptions(st.xs, st.scs, cat.Has)
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "prodready: warning: %s\n", p)
		}
	})
	if cat == nil {
		return 0, false
	}
	if err == nil {
		err = stdout.Flush()
	}
	if err != nil {
		var perr *gate.PieceError
		if errors.As(err, &perr) {
			stdout.Flush() // what was written stands; it ends here
			fmt.Fprintf(e.stderr, "prodready check: %v\n", cf.explain(perr))
			if s.Wrote() {
				fmt.Fprintln(e.stderr, "prodready check: the output above stops before that entity")
			}
			return exitUsage, true
		}
		fmt.Fprintf(e.stderr, "prodready check: write output: %v\n", err)
		return exitUsage, true
	}
	return gate.SayBelow(e.stderr, s.Below(), o.minLevel, code), true
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

// filesOf finds the files src reads, for GitHub's annotations to point at.
func filesOf(src scorecard.Source) (files.Source, bool) {
	for {
		switch s := src.(type) {
		case files.Source:
			return s, true
		case checkedFiles:
			return s.Source, true
		case saying:
			src = s.Source
		case collected.Source:
			src = s.Base
		default:
			return files.Source{}, false
		}
	}
}
