package main

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

// checkFormats are the values --format accepts. text and json are written
// by check.go; the CI formats (github, junit, markdown) here.
var checkFormats = []string{"text", "json", "github", "junit", "markdown"}

func validCheckFormat(f string) bool {
	for _, v := range checkFormats {
		if f == v {
			return true
		}
	}
	return false
}

// checkCI holds check's CI-gate flags: the service of a repository, the
// baseline to compare with, and the extra files a CI job collects.
type checkCI struct {
	repository    string
	baseline      string
	writeBaseline string
	summary       string
	githubOutput  string
}

func (x *checkCI) register(fs *flag.FlagSet) {
	fs.StringVar(&x.repository, "repository", "", "evaluate the service(s) of this GitHub repository (`OWNER/NAME`, e.g. $GITHUB_REPOSITORY): by the github.com/project-slug annotation, a repository property or relation, else the identifier NAME")
	fs.StringVar(&x.baseline, "baseline", "", "compare with `FILE`, a previous --format json output: exit 1 only when a level dropped or a rule that passed now fails")
	fs.StringVar(&x.writeBaseline, "write-baseline", "", "also write the results to `FILE` as --format json does, for a later --baseline")
	fs.StringVar(&x.summary, "summary", "", "also append the markdown summary to `FILE` (in GitHub Actions: $GITHUB_STEP_SUMMARY)")
	fs.StringVar(&x.githubOutput, "github-output", "", "also append level=, levels=, passed= and regressions= to `FILE` (in GitHub Actions: $GITHUB_OUTPUT)")
}

// checkRun is one evaluation as the CI formats see it: which results gate,
// and, with a baseline, what got worse.
type checkRun struct {
	ev       *scorecard.Evaluation
	entities []int
	url      func(*scorecard.Entity) string
	minLevel string
	minRanks []int // per scorecard; -1 where the level is not defined
	// baselineFile is "" without --baseline; base then is nil.
	baselineFile string
	base         *baseline
	regressions  []regression
}

// newCheckRun reads the baseline, if any, and compares with it.
func newCheckRun(x *checkCI, ev *scorecard.Evaluation, entities []int, b *scorecard.Bundle, minLevel string, minRanks []int) (*checkRun, error) {
	c := &checkRun{ev: ev, entities: entities, url: b.EntityURL, minLevel: minLevel, minRanks: minRanks, baselineFile: x.baseline}
	if x.baseline != "" {
		base, err := readBaseline(x.baseline)
		if err != nil {
			return nil, err
		}
		c.base = base
		c.regressions = c.compare(base)
	}
	return c, nil
}

// below reports whether result r of scorecard si is under --min-level.
func (c *checkRun) below(r scorecard.Result, si int) bool {
	return r.Applies && c.minLevel != "" && c.minRanks[si] >= 0 && r.Level < c.minRanks[si]
}

// gates reports whether failing rule ri is what fails the check: with a
// baseline, a regression; otherwise a rule at or under --min-level of a
// service below it. Other failing rules are worth a warning, not an error.
func (c *checkRun) gates(r scorecard.Result, si, ri int) bool {
	if c.base != nil {
		for _, g := range c.regressions {
			if g.Entity == r.Entity.Identifier && g.Scorecard == r.Scorecard.Identifier && g.Rule == r.Scorecard.Rules[ri].Identifier {
				return true
			}
		}
		return false
	}
	return c.below(r, si) && r.Scorecard.Rules[ri].Rank <= c.minRanks[si]
}

// failed reports whether the check fails on its results (not on bad input).
func (c *checkRun) failed() bool {
	if c.base != nil {
		return len(c.regressions) > 0
	}
	for _, ei := range c.entities {
		for si := range c.ev.Scorecards {
			if c.below(c.ev.Result(ei, si), si) {
				return true
			}
		}
	}
	return false
}

// writeFormat writes one of the CI formats.
func (c *checkRun) writeFormat(w io.Writer, format string) error {
	switch format {
	case "github":
		return c.writeGitHub(w)
	case "junit":
		return c.writeJUnit(w)
	case "markdown":
		return c.writeMarkdown(w)
	}
	return fmt.Errorf("format %q is not a CI format", format)
}

// finish writes the files the CI flags asked for, once the exit status is
// known; a file that cannot be written turns success into exit 2.
func (c *checkRun) finish(e *env, x *checkCI, code int) int {
	appendTo := func(path, what string, write func(io.Writer) error) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err == nil {
			err = write(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "prodready check: %s %s: %v\n", what, path, err)
			code = max(code, exitUsage)
		}
	}
	if x.writeBaseline != "" {
		if err := writeBaselineFile(x.writeBaseline, c.ev, c.entities); err != nil {
			fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
			code = max(code, exitUsage)
		} else {
			fmt.Fprintf(e.stderr, "prodready: baseline written to %s\n", x.writeBaseline)
		}
	}
	if x.summary != "" {
		appendTo(x.summary, "--summary", c.writeMarkdown)
	}
	if x.githubOutput != "" {
		appendTo(x.githubOutput, "--github-output", func(w io.Writer) error { return c.writeOutputs(w, code == exitOK) })
	}
	return code
}

// results calls fn for every selected entity and scorecard that applies.
func (c *checkRun) results(fn func(ei, si int, r scorecard.Result)) {
	for _, ei := range c.entities {
		for si := range c.ev.Scorecards {
			if r := c.ev.Result(ei, si); r.Applies {
				fn(ei, si, r)
			}
		}
	}
}

// lowest is, per scorecard, the lowest level among the selected services.
func (c *checkRun) lowest() (ids []string, levels map[string]string) {
	ranks := map[int]int{}
	c.results(func(_, si int, r scorecard.Result) {
		if old, ok := ranks[si]; !ok || r.Level < old {
			ranks[si] = r.Level
		}
	})
	levels = map[string]string{}
	for si, sc := range c.ev.Scorecards {
		if rank, ok := ranks[si]; ok {
			ids = append(ids, sc.Identifier)
			levels[sc.Identifier] = sc.Levels[rank].Title
		}
	}
	return ids, levels
}

// writeOutputs writes GitHub step outputs: level is the lowest level on the
// first scorecard that applies (the only one with --scorecard), levels
// every scorecard's lowest as JSON, passed whether the check passed.
func (c *checkRun) writeOutputs(w io.Writer, passed bool) error {
	ids, levels := c.lowest()
	level := ""
	if len(ids) > 0 {
		level = levels[ids[0]]
	}
	// JSON by hand to keep the scorecards' order, which a map would sort.
	pairs := make([]string, len(ids))
	for i, id := range ids {
		k, _ := json.Marshal(id)
		v, _ := json.Marshal(levels[id])
		pairs[i] = string(k) + ":" + string(v)
	}
	_, err := fmt.Fprintf(w, "level=%s\nlevels={%s}\npassed=%t\nregressions=%d\n", oneLine(level), strings.Join(pairs, ","), passed, len(c.regressions))
	return err
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// --- github: workflow commands ------------------------------------------------

// ghData escapes a workflow command's message as the runner unescapes it.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value: the message's
// escapes plus the separators of the property list.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// writeGitHub writes one annotation per failing rule (an error when it
// fails the check, else a warning), one per level that dropped since the
// baseline, and a closing notice with the counts.
func (c *checkRun) writeGitHub(w io.Writer) error {
	var b strings.Builder
	for _, g := range c.regressions {
		if g.Rule == "" {
			fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty(g.Entity+": "+g.ScorecardTitle+" dropped to "+g.To), ghData(g.String()))
		}
	}
	errs, warns := 0, 0
	c.results(func(_, si int, r scorecard.Result) {
		for _, ri := range r.Failing() {
			rule := &r.Scorecard.Rules[ri]
			kind := "warning"
			if c.gates(r, si, ri) {
				kind = "error"
				errs++
			} else {
				warns++
			}
			title := fmt.Sprintf("%s: %s (%s)", r.Entity.Identifier, rule.Name(), rule.Level)
			msg := fmt.Sprintf("%s is %s on %s; the %s rule %s fails", r.Entity.Identifier, r.LevelName(), r.Scorecard.Name(), rule.Level, rule.Identifier)
			if reasons := r.Reasons(ri); len(reasons) > 0 {
				msg += ": " + strings.Join(reasons, "; ")
			}
			if rule.Description != "" {
				msg += "\n" + rule.Description
			}
			fmt.Fprintf(&b, "::%s title=%s::%s\n", kind, ghProperty(title), ghData(msg))
		}
	})
	fmt.Fprintf(&b, "::notice title=prodready::%s\n", ghData(c.headline()+fmt.Sprintf(" (%s, %s)", plural(errs, "failing rule"), plural(warns, "warning"))))
	_, err := io.WriteString(w, b.String())
	return err
}

// headline says in one sentence whether the check passes, and why.
func (c *checkRun) headline() string {
	services := plural(len(c.entities), "service")
	if c.base != nil {
		if len(c.regressions) > 0 {
			return fmt.Sprintf("%s since the baseline %s", plural(len(c.regressions), "regression"), c.baselineFile)
		}
		return fmt.Sprintf("nothing got worse since the baseline %s (%s)", c.baselineFile, services)
	}
	if c.minLevel == "" {
		return services + " evaluated, no --min-level"
	}
	below := map[int]bool{}
	c.results(func(ei, si int, r scorecard.Result) {
		if c.below(r, si) {
			below[ei] = true
		}
	})
	if len(below) > 0 {
		return fmt.Sprintf("%d of %s below %s", len(below), services, c.minLevel)
	}
	return fmt.Sprintf("%s at or above %s", services, c.minLevel)
}

// --- junit ----------------------------------------------------------------------

// The JUnit XML that GitLab, Jenkins (JUnit plugin) and CircleCI read: only
// elements and attributes common to all three.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// ruleCase is one rule's outcome for one service, before it is rendered.
type ruleCase struct {
	Entity, Scorecard, ScorecardTitle string
	Rule, RuleTitle, Level            string
	Pass                              bool
	Reasons                           []string
	// Exempt, when not empty, says why the rule is waived for this service;
	// such a case is skipped, not failed. The evaluation has no exemptions
	// yet; when it has, ruleCases fills this in.
	Exempt string
}

// ruleCases lists every rule of every applying scorecard, per service.
func (c *checkRun) ruleCases() []ruleCase {
	var out []ruleCase
	c.results(func(_, _ int, r scorecard.Result) {
		for ri := range r.Scorecard.Rules {
			rule := &r.Scorecard.Rules[ri]
			out = append(out, ruleCase{
				Entity: r.Entity.Identifier, Scorecard: r.Scorecard.Identifier, ScorecardTitle: r.Scorecard.Name(),
				Rule: rule.Identifier, RuleTitle: rule.Name(), Level: rule.Level,
				Pass: r.Pass[ri], Reasons: r.Reasons(ri),
			})
		}
	})
	return out
}

// writeJUnit writes one test suite per service and one test case per
// service and rule: a failing rule is a failure whose message is its
// reasons (the value the service has, what the rule needs).
func (c *checkRun) writeJUnit(w io.Writer) error {
	levels := map[string][]junitProperty{}
	c.results(func(_, _ int, r scorecard.Result) {
		levels[r.Entity.Identifier] = append(levels[r.Entity.Identifier], junitProperty{Name: "level." + r.Scorecard.Identifier, Value: r.LevelName()})
	})
	return writeJUnitCases(w, c.ev.Now, c.ruleCases(), levels)
}

func writeJUnitCases(w io.Writer, now time.Time, cases []ruleCase, props map[string][]junitProperty) error {
	doc := junitSuites{Name: "prodready", Time: "0"}
	index := map[string]int{}
	for _, rc := range cases {
		i, ok := index[rc.Entity]
		if !ok {
			i = len(doc.Suites)
			index[rc.Entity] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: rc.Entity, Time: "0", Timestamp: now.UTC().Format("2006-01-02T15:04:05"), Properties: props[rc.Entity]})
		}
		s := &doc.Suites[i]
		tc := junitCase{Name: fmt.Sprintf("%s: %s [%s]", rc.Level, rc.RuleTitle, rc.Rule), Classname: rc.Entity + "." + rc.Scorecard, Time: "0"}
		switch {
		case rc.Exempt != "":
			tc.Skipped = &junitSkipped{Message: "exempt: " + rc.Exempt}
			s.Skipped++
		case !rc.Pass:
			msg := strings.Join(rc.Reasons, "; ")
			if msg == "" {
				msg = "the rule fails"
			}
			tc.Failure = &junitFailure{Message: msg, Type: rc.Level,
				Text: fmt.Sprintf("%s on %s: the %s rule %q (%s) fails\n%s\n", rc.Entity, rc.ScorecardTitle, rc.Level, rc.RuleTitle, rc.Rule, strings.Join(rc.Reasons, "\n"))}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// --- markdown -------------------------------------------------------------------

// mdCell makes text safe inside a GitHub-flavoured markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r", "", "\n", "<br>").Replace(s)
}

// writeMarkdown writes a job summary: the verdict, each service's level on
// each scorecard, and for each service that fails rules, the failing rules
// with their values and what to fix for the next level.
func (c *checkRun) writeMarkdown(w io.Writer) error {
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
