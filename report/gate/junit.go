package gate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prodready/prodready/scorecard"
)

// The JUnit XML that GitLab, Jenkins (JUnit plugin, junit-10.xsd) and
// CircleCI read: only elements and attributes common to all three. The
// <testsuites> element has no skipped attribute in junit-10.xsd, and is
// written by hand, so that the suites stream one service at a time.
// junitProperty is one of a suite's properties.
type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
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
	// The suites are made on every core, a chunk at a time, and written
	// in order.
	err = inOrder(w, len(c.entities), junitChunk, func(buf []byte, lo, hi int) []byte {
		var cases []ruleCase
		var props []junitProperty
		for _, ei := range c.entities[lo:hi] {
			cases, props = c.ruleCases(cases[:0], ei), props[:0]
			for si := range c.ev.Scorecards {
				if r := c.ev.Result(ei, si); r.Applies {
					props = append(props, junitProperty{Name: "level." + r.Scorecard.Identifier, Value: r.LevelName()})
				}
			}
			buf = appendSuite(buf, jw.now, cases, props)
		}
		return buf
	})
	if err != nil {
		return err
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

// junitWriter writes a <testsuites> document a suite at a time, as
// encoding/xml's Encoder indents junitSuite (TestJUnitAsEncoded keeps the
// two equal), without its reflection.
type junitWriter struct {
	w   io.Writer
	now string
	buf []byte
}

// junitChunk services' suites are made at a time: about 250 KB.
const junitChunk = 64

func newJUnitWriter(w io.Writer, now time.Time, tests, failures int) (*junitWriter, error) {
	_, err := fmt.Fprintf(w, "%s<testsuites name=\"prodready\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"0\">\n", xml.Header, tests, failures)
	return &junitWriter{w: w, now: now.UTC().Format("2006-01-02T15:04:05")}, err
}

// suite writes the cases of one service (none: no suite).
func (jw *junitWriter) suite(cases []ruleCase, props []junitProperty) error {
	jw.buf = appendSuite(jw.buf[:0], jw.now, cases, props)
	_, err := jw.w.Write(jw.buf)
	return err
}

// appendSuite appends the suite of one service's cases and a line break
// (nothing for no cases).
func appendSuite(b []byte, now string, cases []ruleCase, props []junitProperty) []byte {
	if len(cases) == 0 {
		return b
	}
	failures, skipped := 0, 0
	for _, rc := range cases {
		switch {
		case rc.Exempt != "":
			skipped++
		case !rc.Pass:
			failures++
		}
	}
	b = append(b, "  <testsuite name=\""...)
	b = appendXML(b, cases[0].Entity)
	b = fmt.Appendf(b, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"0\" timestamp=\"", len(cases), failures, skipped)
	b = appendXML(b, now)
	b = append(b, "\">"...)
	if len(props) == 0 {
		b = append(b, "\n    <properties></properties>"...)
	} else {
		b = append(b, "\n    <properties>"...)
		for _, p := range props {
			b = append(b, "\n      <property name=\""...)
			b = appendXML(b, p.Name)
			b = append(b, "\" value=\""...)
			b = appendXML(b, p.Value)
			b = append(b, "\"></property>"...)
		}
		b = append(b, "\n    </properties>"...)
	}
	for _, rc := range cases {
		b = append(b, "\n    <testcase name=\""...)
		b = appendXML(b, rc.Level)
		b = append(b, ": "...)
		b = appendXML(b, rc.RuleTitle)
		b = append(b, " ["...)
		b = appendXML(b, rc.Rule)
		b = append(b, "]\" classname=\""...)
		b = appendXML(b, rc.Entity)
		b = append(b, '.')
		b = appendXML(b, rc.Scorecard)
		b = append(b, "\" time=\"0\">"...)
		switch {
		case rc.Exempt != "":
			b = append(b, "\n      <skipped message=\"exempt: "...)
			b = appendXML(b, rc.Exempt)
			b = append(b, "\"></skipped>\n    "...)
		case !rc.Pass:
			msg := strings.Join(rc.Reasons, "; ")
			if msg == "" {
				msg = "the rule fails"
			}
			b = append(b, "\n      <failure message=\""...)
			b = appendXML(b, msg)
			b = append(b, "\" type=\""...)
			b = appendXML(b, rc.Level)
			b = append(b, "\">"...)
			b = appendXML(b, fmt.Sprintf("%s on %s: the %s rule %q (%s) fails\n%s\n", rc.Entity, rc.ScorecardTitle, rc.Level, rc.RuleTitle, rc.Rule, strings.Join(rc.Reasons, "\n")))
			b = append(b, "</failure>\n    "...)
		}
		b = append(b, "</testcase>"...)
	}
	return append(b, "\n  </testsuite>\n"...)
}

func (jw *junitWriter) end() error {
	_, err := io.WriteString(jw.w, "</testsuites>\n")
	return err
}

// appendXML escapes s as encoding/xml's EscapeText does, for text and
// attribute values alike: markup and quotes, tabs and line breaks as
// character references, and what XML cannot hold as U+FFFD.
func appendXML(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		var esc string
		switch {
		case r == '"':
			esc = "&#34;"
		case r == '\'':
			esc = "&#39;"
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '\t':
			esc = "&#x9;"
		case r == '\n':
			esc = "&#xA;"
		case r == '\r':
			esc = "&#xD;"
		case !xmlChar(r) || (r == utf8.RuneError && size == 1):
			esc = "\uFFFD"
		default:
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		i += size
		start = i
	}
	return append(b, s[start:]...)
}

// xmlChar reports whether r is a character XML 1.0 allows.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
