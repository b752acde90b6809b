package gate

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"
)

// The JUnit document as GitLab, Jenkins and CircleCI read it.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, data string) junitDoc {
	t.Helper()
	var doc junitDoc
	if err := xml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, data)
	}
	return doc
}

// An exempt rule is a skipped test case, not a failure; markup in names and
// reasons survives the round trip.
func TestFormatJUnitSkippedAndEscaping(t *testing.T) {
	var buf bytes.Buffer
	cases := []ruleCase{
		{Entity: "a<b>", Scorecard: "sc", ScorecardTitle: "SC", Rule: "r1", RuleTitle: `Has "x" & <y>`, Level: "Gold", Reasons: []string{"x is 1; needs < 2"}},
		{Entity: "a<b>", Scorecard: "sc", ScorecardTitle: "SC", Rule: "r2", RuleTitle: "Waived", Level: "Gold", Reasons: []string{"y is not set"}, Exempt: "until 2027-01-01: legacy"},
		{Entity: "c", Scorecard: "sc", ScorecardTitle: "SC", Rule: "r1", RuleTitle: "OK", Level: "Bronze", Pass: true},
	}
	if err := writeJUnitCases(&buf, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), cases, nil); err != nil {
		t.Fatal(err)
	}
	if err := validateJUnit(buf.Bytes()); err != nil {
		t.Fatalf("not valid junit-10.xsd: %v\n%s", err, buf.String())
	}
	// junit-10.xsd has no skipped on <testsuites>: the suites count it.
	doc := parseJUnit(t, buf.String())
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 0 || len(doc.Suites) != 2 {
		t.Fatalf("counts %+v", doc)
	}
	s := doc.Suites[0]
	if s.Name != "a<b>" || s.Failures != 1 || s.Skipped != 1 {
		t.Errorf("suite %+v", s)
	}
	if f := s.Cases[0].Failure; f == nil || f.Message != "x is 1; needs < 2" || s.Cases[0].Name != `Gold: Has "x" & <y> [r1]` {
		t.Errorf("case 0 %+v", s.Cases[0])
	}
	if sk := s.Cases[1].Skipped; sk == nil || s.Cases[1].Failure != nil || sk.Message != "exempt: until 2027-01-01: legacy" {
		t.Errorf("case 1 %+v", s.Cases[1])
	}
	if c := doc.Suites[1].Cases[0]; c.Failure != nil || c.Skipped != nil {
		t.Errorf("a passing rule %+v", c)
	}
}

func TestFormatGitHubEscaping(t *testing.T) {
	cases := []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"99.9%", "99.9%25", "99.9%25"},
		{"a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"},
		{"svc: rule, Gold", "svc: rule, Gold", "svc%3A rule%2C Gold"},
		{"%0A", "%250A", "%250A"},
	}
	for _, tc := range cases {
		if got := ghData(tc.in); got != tc.data {
			t.Errorf("ghData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := ghProperty(tc.in); got != tc.prop {
			t.Errorf("ghProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
	}
}

func TestFormatMarkdownCell(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a|b <c> & d\ne", `a\|b &lt;c&gt; &amp; d<br>e`},
		{`a\|b`, `a\\\|b`},
		{`C:\dir\`, `C:\\dir\\`},
		{"\\\r\n|", `\\<br>\|`},
	}
	for _, tc := range cases {
		got := mdCell(tc.in)
		if got != tc.want {
			t.Errorf("mdCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Read back as GitHub splits a row into cells: a pipe ends a cell
		// unless a backslash escapes it, and a backslash escapes the next
		// character.
		cells, esc := 0, false
		for _, r := range got {
			switch {
			case esc:
				esc = false
			case r == '\\':
				esc = true
			case r == '|':
				cells++
			}
		}
		if cells != 0 {
			t.Errorf("mdCell(%q) = %q splits the cell", tc.in, got)
		}
	}
}
