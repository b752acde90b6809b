// Package gate is prodready's CI gate: what `prodready check` writes about
// an evaluation (text, json, github, junit, markdown), the comparison with
// a baseline, and the post of the result to a running serve. The command
// parses the flags and reads the environment; everything it then says
// about the results is said here.
package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// The exit statuses of a check.
const (
	ExitOK    = 0 // every service at or above the bar
	ExitBelow = 1 // something below the bar, or worse than the baseline
	ExitUsage = 2 // bad input, bad usage, or a file that could not be written
)

// Formats are the values --format accepts.
var Formats = []string{"text", "json", "github", "junit", "markdown"}

// ValidFormat reports whether f is one of Formats.
func ValidFormat(f string) bool {
	for _, v := range Formats {
		if f == v {
			return true
		}
	}
	return false
}

// CI holds the gate's CI settings: the service of a repository, the
// baseline to compare with, and the extra files a CI job collects.
type CI struct {
	Repository    string
	Baseline      string
	WriteBaseline string
	Summary       string
	GitHubOutput  string
}

// Run is one evaluation as the gate sees it: which results gate, and,
// with a baseline, what got worse.
type Run struct {
	ev       *scorecard.Evaluation
	entities []int
	url      func(*scorecard.Entity) string
	minLevel string
	minRanks []int // per scorecard; -1 where the level is not defined
	// baselineFile is "" without a baseline; base then is nil.
	baselineFile string
	base         *baseline
	regressions  []regression
	regressed    map[[3]string]bool // entity, scorecard, rule of the rule regressions
	places       Places             // where --format github's annotations point
}

// NewRun reads the baseline, if any (baselinePath), and compares with it.
// url links a service's name in the markdown; it may be nil. minRanks is
// per scorecard the rank of minLevel, -1 where it is not defined.
func NewRun(ev *scorecard.Evaluation, entities []int, url func(*scorecard.Entity) string, minLevel string, minRanks []int, baselinePath string) (*Run, error) {
	c := &Run{ev: ev, entities: entities, url: url, minLevel: minLevel, minRanks: minRanks, baselineFile: baselinePath}
	if baselinePath != "" {
		base, err := readBaseline(baselinePath)
		if err != nil {
			return nil, err
		}
		c.base = base
		c.regressions = c.compare(base)
		c.regressed = map[[3]string]bool{}
		for _, g := range c.regressions {
			if g.Rule != "" {
				c.regressed[[3]string{g.Entity, g.Scorecard, g.Rule}] = true
			}
		}
	}
	return c, nil
}

// SetPlaces says where the catalog and scorecards are, for the file= and
// line= of GitHub's annotations.
func (c *Run) SetPlaces(p Places) { c.places = p }

// Baseline reports whether the run compares with a baseline.
func (c *Run) Baseline() bool { return c.base != nil }

// below reports whether result r of scorecard si is under the bar.
func (c *Run) below(r scorecard.Result, si int) bool {
	return r.Applies && c.minLevel != "" && c.minRanks[si] >= 0 && r.Level < c.minRanks[si]
}

// gates reports whether failing rule ri is what fails the check: with a
// baseline, a regression; otherwise a rule at or under the bar of a
// service below it. Other failing rules are worth a warning, not an error.
func (c *Run) gates(r scorecard.Result, si, ri int) bool {
	if c.base != nil {
		return c.regressed[[3]string{r.Entity.Identifier, r.Scorecard.Identifier, r.Scorecard.Rules[ri].Identifier}]
	}
	return c.below(r, si) && r.Scorecard.Rules[ri].Rank <= c.minRanks[si]
}

// failed reports whether the check fails on its results (not on bad input).
func (c *Run) failed() bool {
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

// WriteFormat writes one of the CI formats.
func (c *Run) WriteFormat(w io.Writer, format string) error {
	switch format {
	case "github":
		return c.WriteGitHub(w)
	case "junit":
		return c.WriteJUnit(w)
	case "markdown":
		return c.WriteMarkdown(w)
	}
	return fmt.Errorf("format %q is not a CI format", format)
}

// Finish writes the files the CI settings ask for, once the exit status is
// known, and says so on stderr; a file that cannot be written turns
// success into ExitUsage.
func (c *Run) Finish(stderr io.Writer, x *CI, code int) int {
	appendTo := func(path, what string, write func(io.Writer) error) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err == nil {
			err = write(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "prodready check: %s %s: %v\n", what, path, err)
			code = max(code, ExitUsage)
		}
	}
	if x.WriteBaseline != "" {
		if err := writeBaselineFile(x.WriteBaseline, c.ev, c.entities); err != nil {
			fmt.Fprintf(stderr, "prodready check: %v\n", err)
			code = max(code, ExitUsage)
		} else {
			fmt.Fprintf(stderr, "prodready: baseline written to %s\n", x.WriteBaseline)
		}
	}
	if x.Summary != "" {
		appendTo(x.Summary, "--summary", c.WriteMarkdown)
	}
	if x.GitHubOutput != "" {
		appendTo(x.GitHubOutput, "--github-output", func(w io.Writer) error { return c.WriteOutputs(w, code == ExitOK) })
	}
	return code
}

// results calls fn for every selected entity and scorecard that applies.
func (c *Run) results(fn func(ei, si int, r scorecard.Result)) {
	for _, ei := range c.entities {
		for si := range c.ev.Scorecards {
			if r := c.ev.Result(ei, si); r.Applies {
				fn(ei, si, r)
			}
		}
	}
}

// lowest is, per scorecard, the lowest level among the selected services.
func (c *Run) lowest() (ids []string, levels map[string]string) {
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

// WriteOutputs writes GitHub step outputs: level is the lowest level on the
// first scorecard that applies (the only one with --scorecard), levels
// every scorecard's lowest as JSON, passed whether the check passed.
func (c *Run) WriteOutputs(w io.Writer, passed bool) error {
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

var lineBreaks = strings.NewReplacer("\r", " ", "\n", " ")

func oneLine(s string) string { return lineBreaks.Replace(s) }

// headline says in one sentence whether the check passes, and why.
func (c *Run) headline() string {
	services := scorecard.Plural(len(c.entities), "service")
	if c.base != nil {
		if len(c.regressions) > 0 {
			return fmt.Sprintf("%s since the baseline %s", scorecard.Plural(len(c.regressions), "regression"), c.baselineFile)
		}
		return fmt.Sprintf("nothing got worse since the baseline %s (%s)", c.baselineFile, services)
	}
	below, last := 0, -1
	c.results(func(ei, si int, r scorecard.Result) {
		if c.below(r, si) && ei != last {
			last = ei
			below++
		}
	})
	return headlineOf(len(c.entities), below, c.minLevel)
}

// headlineOf is the headline without a baseline: services evaluated, of
// which below are under minLevel.
func headlineOf(n, below int, minLevel string) string {
	services := scorecard.Plural(n, "service")
	if minLevel == "" {
		return services + " evaluated, no --min-level"
	}
	if below > 0 {
		return fmt.Sprintf("%d of %s below %s", below, services, minLevel)
	}
	return fmt.Sprintf("%s at or above %s", services, minLevel)
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

func didYouMean(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return "; did you mean " + scorecard.OrList(s) + "?"
}
