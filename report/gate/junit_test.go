package gate

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// junit10 is what Jenkins' junit-10.xsd allows, element by element, as
// validateJUnit checks it. The schema is the xunit plugin's
// https://github.com/jenkinsci/xunit-plugin/blob/master/src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd
// (MIT licence); only the constraints on what prodready writes are kept.
var junit10 = map[string]struct {
	required, optional []string
	children           []string // allowed child elements, any order and number
	text               bool     // mixed content: text allowed
}{
	"testsuites": {optional: []string{"name", "time", "tests", "failures", "errors"}, children: []string{"testsuite"}},
	"testsuite": {required: []string{"name", "tests", "failures", "errors"},
		optional: []string{"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"},
		children: []string{"testsuite", "properties", "testcase", "system-out", "system-err"}},
	"properties": {children: []string{"property"}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {required: []string{"name"}, optional: []string{"time", "classname", "group"},
		children: []string{"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"}},
	"failure":    {optional: []string{"type", "message"}, text: true},
	"error":      {optional: []string{"type", "message"}, text: true},
	"skipped":    {optional: []string{"type", "message"}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// surefireTime is junit-10.xsd's SUREFIRE_TIME, the type of time on
// <testsuites> and <testsuite>.
var surefireTime = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$`)

// validateJUnit checks doc against junit10: the root, every element's
// attributes (required and allowed), children and text.
func validateJUnit(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	root := true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return fmt.Errorf("unclosed <%s>", stack[len(stack)-1])
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			el, ok := junit10[name]
			if !ok {
				return fmt.Errorf("<%s> is not an element of junit-10.xsd", name)
			}
			if root && name != "testsuites" {
				return fmt.Errorf("the root is <%s>, not <testsuites>", name)
			}
			root = false
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				if !contains(junit10[parent].children, name) {
					return fmt.Errorf("<%s> may not hold <%s>", parent, name)
				}
			}
			seen := map[string]bool{}
			for _, a := range t.Attr {
				if !contains(el.required, a.Name.Local) && !contains(el.optional, a.Name.Local) {
					return fmt.Errorf("<%s> may not have the attribute %s", name, a.Name.Local)
				}
				if a.Name.Local == "time" && (name == "testsuite" || name == "testsuites") && !surefireTime.MatchString(a.Value) {
					return fmt.Errorf("<%s time=%q> is not a SUREFIRE_TIME", name, a.Value)
				}
				seen[a.Name.Local] = true
			}
			for _, r := range el.required {
				if !seen[r] {
					return fmt.Errorf("<%s> lacks the attribute %s", name, r)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && !junit10[stack[len(stack)-1]].text && strings.TrimSpace(string(t)) != "" {
				return fmt.Errorf("<%s> may not hold text %q", stack[len(stack)-1], t)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestJUnitValidAgainstJenkinsSchema: check --format junit over the demo,
// with an exempt rule and hostile text, is valid junit-10.xsd; the exempt
// rule is skipped with its exemption, not failed, and the totals count it
// so.
func TestJUnitValidAgainstJenkinsSchema(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	d, err := demo.Source{}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	ev := scorecard.Evaluate(now, d.Scorecards, d.Catalog)
	if problems := ev.Exempt([]scorecard.Exemption{{Service: "refunds-worker", Scorecard: "production_readiness", Rule: "has_readme",
		Until: now.AddDate(0, 1, 0), Reason: `legacy <repo> & "docs" elsewhere`, By: "alice"}}); len(problems) > 0 {
		t.Fatal(problems)
	}
	ranks := make([]int, len(ev.Scorecards))
	for si, sc := range ev.Scorecards {
		ranks[si] = sc.LevelRankFold("Silver")
	}
	run, err := NewRun(ev, all(len(d.Catalog.Entities)), nil, "Silver", ranks, "")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run.WriteJUnit(&out); err != nil {
		t.Fatal(err)
	}
	if err := validateJUnit(out.Bytes()); err != nil {
		t.Fatalf("not valid junit-10.xsd: %v\n%s", err, out.String())
	}
	var doc junitDoc
	if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	failures, skipped, tests := 0, 0, 0
	for _, s := range doc.Suites {
		failures += s.Failures
		skipped += s.Skipped
		tests += s.Tests
		for _, c := range s.Cases {
			if c.Skipped != nil {
				if c.Failure != nil || s.Name != "refunds-worker" || !strings.Contains(c.Name, "has_readme") ||
					c.Skipped.Message != `exempt: until 2026-12-26: legacy <repo> & "docs" elsewhere — by alice` {
					t.Errorf("skipped case %s/%s: %+v", s.Name, c.Name, c.Skipped)
				}
			}
		}
	}
	if skipped != 1 || doc.Failures != failures || doc.Tests != tests || tests == 0 {
		t.Errorf("totals: %d tests, %d failures (suites: %d, %d), %d skipped", doc.Tests, doc.Failures, tests, failures, skipped)
	}
	// The schema check refuses what junit-10.xsd refuses.
	for _, bad := range []string{
		`<testsuites skipped="1"></testsuites>`,
		`<testsuites><testsuite name="a" tests="1" failures="0"></testsuite></testsuites>`,
		`<testsuites><testsuite name="a" tests="1" failures="0" errors="0" time="1s"></testsuite></testsuites>`,
		`<testsuites><testcase name="x"></testcase></testsuites>`,
		`<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="x"><failure><b/></failure></testcase></testsuite></testsuites>`,
	} {
		if err := validateJUnit([]byte(bad)); err == nil {
			t.Errorf("%s passes the schema check", bad)
		}
	}
}

// junitSuite and the types below are the suite as encoding/xml's Encoder
// wrote it: junitWriter must keep writing exactly these bytes.
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

// encoderSuite is jw.suite as the Encoder wrote it.
func encoderSuite(w io.Writer, now string, cases []ruleCase, props []junitProperty) error {
	s := junitSuite{Name: cases[0].Entity, Time: "0", Timestamp: now, Properties: props}
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
	enc := xml.NewEncoder(w)
	enc.Indent("  ", "  ")
	return enc.Encode(s)
}

// TestJUnitAsEncoded: the hand-written suites are byte for byte what the
// Encoder made, markup, quotes, control characters and invalid UTF-8
// included.
func TestJUnitAsEncoded(t *testing.T) {
	hostile := "a<b>&\"q\" 'x'\t\r\n\x01\xff\u2028 é 𝄞 ]]>"
	cases := []ruleCase{
		{Entity: hostile, Scorecard: "sc" + hostile, ScorecardTitle: "SC" + hostile, Rule: "r1" + hostile, RuleTitle: hostile, Level: "Gold" + hostile, Reasons: []string{"x is 1; needs < 2", hostile}},
		{Entity: hostile, Scorecard: "sc", ScorecardTitle: "SC", Rule: "r2", RuleTitle: "Waived", Level: "Gold", Reasons: []string{"y is not set"}, Exempt: "until 2027-01-01: " + hostile},
		{Entity: hostile, Scorecard: "sc", ScorecardTitle: "SC", Rule: "r3", RuleTitle: "OK", Level: "Bronze", Pass: true},
		{Entity: hostile, Scorecard: "sc", ScorecardTitle: "SC", Rule: "r4", RuleTitle: "No reason", Level: "Bronze"},
	}
	for _, props := range [][]junitProperty{nil, {{Name: "level.sc", Value: hostile}, {Name: "level.x", Value: "Gold"}}} {
		var want, got bytes.Buffer
		if err := encoderSuite(&want, "2026-11-26T09:00:00", cases, props); err != nil {
			t.Fatal(err)
		}
		jw := &junitWriter{w: &got, now: "2026-11-26T09:00:00"}
		if err := jw.suite(cases, props); err != nil {
			t.Fatal(err)
		}
		want.WriteByte('\n') // between suites, and before </testsuites>
		if got.String() != want.String() {
			t.Errorf("the suite differs from the Encoder's:\ngot:  %q\nwant: %q", got.String(), want.String())
		}
	}
}
