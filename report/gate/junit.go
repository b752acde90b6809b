package gate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// The JUnit XML that GitLab, Jenkins (JUnit plugin, junit-10.xsd) and
// CircleCI read: only elements and attributes common to all three. The
// <testsuites> element has no skipped attribute in junit-10.xsd, and is
// written by hand, so that the suites stream one service at a time.
type junitSuite struct {
	XMLName    xml.Name        `xml:"testsuite"`
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

// ruleCases lists every rule of every applying scorecard of entity ei.
func (c *Run) ruleCases(out []ruleCase, ei int) []ruleCase {
	for si := range c.ev.Scorecards {
		r := c.ev.Result(ei, si)
		if !r.Applies {
			continue
		}
		for ri := range r.Scorecard.Rules {
			rule := &r.Scorecard.Rules[ri]
			rc := ruleCase{
				Entity: r.Entity.Identifier, Scorecard: r.Scorecard.Identifier, ScorecardTitle: r.Scorecard.Name(),
				Rule: rule.Identifier, RuleTitle: rule.Name(), Level: rule.Level,
				Pass: r.Pass[ri], Reasons: r.Reasons(ri),
			}
			if x := r.Exemption(ri); x != nil && !r.Pass[ri] {
				rc.Exempt = strings.TrimPrefix(x.String(), "exempt ")
			}
			out = append(out, rc)
		}
	}
	return out
}

// WriteJUnit writes one test suite per service and one test case per
// service and rule: a failing rule is a failure whose message is its
// reasons (the value the service has, what the rule needs); a failing
// rule an exemption waives is skipped, with the exemption. The totals
// are counted first, then the suites are written a service at a time.
func (c *Run) WriteJUnit(w io.Writer) error {
	var tests, failures int
	c.results(func(_, _ int, r scorecard.Result) {
		tests += len(r.Scorecard.Rules)
		for _, ri := range r.Failing() {
			if r.Exemption(ri) == nil {
				failures++
			}
		}
	})
	jw, err := newJUnitWriter(w, c.ev.Now, tests, failures)
	if err != nil {
		return err
	}
	var cases []ruleCase
	var props []junitProperty
	for _, ei := range c.entities {
		cases, props = c.ruleCases(cases[:0], ei), props[:0]
		for si := range c.ev.Scorecards {
			if r := c.ev.Result(ei, si); r.Applies {
				props = append(props, junitProperty{Name: "level." + r.Scorecard.Identifier, Value: r.LevelName()})
			}
		}
		if err := jw.suite(cases, props); err != nil {
			return err
		}
	}
	return jw.end()
}

// writeJUnitCases writes cases, grouped by service, with each service's
// properties.
func writeJUnitCases(w io.Writer, now time.Time, cases []ruleCase, props map[string][]junitProperty) error {
	failures := 0
	for _, rc := range cases {
		if !rc.Pass && rc.Exempt == "" {
			failures++
		}
	}
	jw, err := newJUnitWriter(w, now, len(cases), failures)
	if err != nil {
		return err
	}
	for lo := 0; lo < len(cases); {
		hi := lo + 1
		for hi < len(cases) && cases[hi].Entity == cases[lo].Entity {
			hi++
		}
		if err := jw.suite(cases[lo:hi], props[cases[lo].Entity]); err != nil {
			return err
		}
		lo = hi
	}
	return jw.end()
}

// junitWriter writes a <testsuites> document a suite at a time.
type junitWriter struct {
	w     io.Writer
	enc   *xml.Encoder
	now   string
	wrote bool // a suite
}

func newJUnitWriter(w io.Writer, now time.Time, tests, failures int) (*junitWriter, error) {
	_, err := fmt.Fprintf(w, "%s<testsuites name=\"prodready\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"0\">\n", xml.Header, tests, failures)
	// The suites' lines are indented one level under <testsuites>; the
	// encoder puts a line break between two suites.
	enc := xml.NewEncoder(w)
	enc.Indent("  ", "  ")
	return &junitWriter{w: w, enc: enc, now: now.UTC().Format("2006-01-02T15:04:05")}, err
}

// suite writes the cases of one service (none: no suite).
func (jw *junitWriter) suite(cases []ruleCase, props []junitProperty) error {
	if len(cases) == 0 {
		return nil
	}
	s := junitSuite{Name: cases[0].Entity, Time: "0", Timestamp: jw.now, Properties: props}
	for _, rc := range cases {
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
	jw.wrote = true
	return jw.enc.Encode(s)
}

func (jw *junitWriter) end() error {
	end := "</testsuites>\n"
	if jw.wrote {
		end = "\n" + end
	}
	_, err := io.WriteString(jw.w, end)
	return err
}
