package gate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
)

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
func (c *Run) ruleCases() []ruleCase {
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
func (c *Run) WriteJUnit(w io.Writer) error {
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
