package scorecard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Exemption lets one failing rule of one service count as passing for the
// level until a time. The rule's own status never changes: every output
// shows the rule as failing and exempt, so nothing is hidden.
type Exemption struct {
	Service   string    `json:"service"`   // entity identifier
	Scorecard string    `json:"scorecard"` // scorecard identifier
	Rule      string    `json:"rule"`      // rule identifier
	Until     time.Time `json:"until"`     // last instant it counts
	Reason    string    `json:"reason"`
	By        string    `json:"by"`     // who approved it (a name or a Slack user ID)
	Origin    string    `json:"origin"` // OriginFile or OriginSlack
}

// Where an exemption comes from.
const (
	OriginFile  = "file"
	OriginSlack = "slack"
)

// Active reports whether the exemption counts at now.
func (x *Exemption) Active(now time.Time) bool { return !now.After(x.Until) }

// UntilText is the last day it counts, as written in files: 2026-12-31.
func (x *Exemption) UntilText() string { return x.Until.UTC().Format(time.DateOnly) }

// String is the exemption as people read it: "exempt until 2026-12-31:
// reason — by alice".
func (x *Exemption) String() string {
	s := "exempt until " + x.UntilText()
	if x.Reason != "" {
		s += ": " + x.Reason
	}
	if x.By != "" {
		s += " — by " + x.By
	}
	return s
}

// ParseUntil reads an exemption's end: a date (the exemption counts to the
// end of that day, UTC) or an RFC 3339 time.
func ParseUntil(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Add(24*time.Hour - time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (2026-12-31) or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

// CheckUntil checks an exemption's end against now and the longest an
// exemption may last: past max is an error; already past is a warning
// (returned as warn), since an expired exemption simply stops counting.
func CheckUntil(until, now time.Time, max time.Duration) (warn string, err error) {
	if latest := LatestUntil(now, max); max > 0 && until.After(latest) {
		return "", fmt.Errorf("until %s is more than %s from now (the longest an exemption may last); pick %s or earlier",
			until.UTC().Format(time.DateOnly), Days(max), latest.Format(time.DateOnly))
	}
	if until.Before(now) {
		return fmt.Sprintf("until %s is past: the exemption has expired and no longer counts", until.UTC().Format(time.DateOnly)), nil
	}
	return "", nil
}

// LatestUntil is the latest end an exemption may have at now: the end of
// the day (UTC) max from now. The limit is inclusive: that day may be
// picked, as the date that people are told to pick or earlier, and as a
// date is read (ParseUntil: to the end of the day).
func LatestUntil(now time.Time, max time.Duration) time.Time {
	d := now.Add(max).UTC()
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Add(24*time.Hour - time.Second)
}

// Days writes a duration in whole days when it is one ("90 days").
func Days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return d.String()
}

// exemptionFields are the keys of one entry of an exemptions file.
var exemptionFields = []string{"service", "scorecard", "rule", "until", "reason", "by"}

// ParseExemptions reads an exemptions file: a YAML list of entries with
// service, scorecard, rule, until, reason and by. Errors and warnings name
// file:line and the field; an entry with an error is left out; beyond
// maxFindingsPerKind findings of one kind, one more says how many were
// left out. A second YAML document is an error. max > 0 bounds how far
// from now an exemption may end.
//
// A block list (the usual "- service: …" form) is read an entry at a
// time, so that memory stays proportional to the file rather than to
// YAML's tree of it (some thirty times the file's size).
func ParseExemptions(file string, data []byte, now time.Time, max time.Duration) ([]Exemption, Findings) {
	fresh := func() *exemptionParser {
		return &exemptionParser{file: file, now: now, max: max, seen: map[string]int{}, counts: map[string]int{}, first: map[string]Finding{}}
	}
	p := fresh()
	if !p.parseEntries(data) {
		p = fresh()
		p.parseWhole(data)
	}
	return p.out, p.findings()
}

// maxFindingsPerKind is how many findings of one kind are listed: a file
// of 200,000 expired entries must not print 200,000 lines.
const maxFindingsPerKind = 20

// exemptionParser holds what reading one exemptions file has found.
type exemptionParser struct {
	file string
	now  time.Time
	max  time.Duration
	out  []Exemption
	seen map[string]int // service, scorecard, rule -> line

	fs     Findings
	counts map[string]int // kind -> findings of it
	kinds  []string       // in the order first found
	first  map[string]Finding
}

// add records a finding of a kind (what is wrong, without the values),
// or only counts it past maxFindingsPerKind.
func (p *exemptionParser) add(kind string, f Finding) {
	f.File = p.file
	if p.counts[kind] == 0 {
		p.kinds = append(p.kinds, kind)
		p.first[kind] = f
	}
	p.counts[kind]++
	if p.counts[kind] <= maxFindingsPerKind {
		p.fs = append(p.fs, f)
	}
}

// findings are the findings listed, then one per kind that had more.
func (p *exemptionParser) findings() Findings {
	fs := p.fs
	for _, k := range p.kinds {
		if n := p.counts[k]; n > maxFindingsPerKind {
			f := p.first[k]
			fs = append(fs, Finding{File: p.file, Severity: f.Severity,
				Message: fmt.Sprintf("%d more %ss like %q (line %d) not listed", n-maxFindingsPerKind, f.Severity, f.Message, f.Line)})
		}
	}
	return fs
}

// parseEntries reads a block list an entry at a time: each entry starts
// with "-" in the first column, where YAML allows nothing else of an
// entry (its other lines are indented, quoted ones included). It returns
// false when data is not such a list (a flow list, JSON, a mapping), or
// uses an anchor across entries, for parseWhole to read.
func (p *exemptionParser) parseEntries(data []byte) bool {
	var entries []entrySpan
	line, started := 0, false
	for off := 0; off < len(data); {
		next := bytes.IndexByte(data[off:], '\n')
		if next < 0 {
			next = len(data)
		} else {
			next += off + 1
		}
		text := data[off:next]
		line++
		trimmed := bytes.TrimSpace(text)
		switch {
		case len(trimmed) == 0 || trimmed[0] == '#':
		case text[0] == ' ' || text[0] == '\t':
			if !started {
				return false // an indented list, or a mapping's values
			}
		case isEntryStart(text):
			if len(entries) > 0 {
				entries[len(entries)-1].end = off
			}
			entries = append(entries, entrySpan{start: off, end: len(data), line: line})
			started = true
		case bytes.HasPrefix(text, []byte("---")) || bytes.HasPrefix(text, []byte("...")):
			if !started {
				if rest := bytes.TrimSpace(text[3:]); len(rest) > 0 && rest[0] != '#' {
					return false // "--- [ … ]": a document on the marker's line
				}
				break
			}
			if len(entries) > 0 {
				entries[len(entries)-1].end = off
			}
			p.add("second document", Finding{Line: line, Col: 1, Severity: Error,
				Message: "a second YAML document (after the list, a " + string(bytes.TrimSpace(text[:3])) + " line); an exemptions file holds one list: merge them"})
			return p.readEntries(data, entries)
		default:
			if !started {
				return false
			}
			// Not YAML after a list: the entry it follows says so.
		}
		off = next
	}
	if !started {
		return false
	}
	return p.readEntries(data, entries)
}

// entrySpan is where one entry of a block list is: data[start:end], from
// line on.
type entrySpan struct{ start, end, line int }

func isEntryStart(text []byte) bool {
	return text[0] == '-' && (len(text) == 1 || text[1] == ' ' || text[1] == '\n' || text[1] == '\r' || text[1] == '\t')
}

// readEntries decodes each entry on its own, lines numbered as in the
// file. It returns false if an entry refers to an anchor of another.
func (p *exemptionParser) readEntries(data []byte, entries []entrySpan) bool {
	for _, e := range entries {
		var root yaml.Node
		if err := yaml.Unmarshal(data[e.start:e.end], &root); err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if strings.Contains(msg, "unknown anchor") {
				return false
			}
			n, rest := 0, msg
			if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
				n, _ = strconv.Atoi(m[1])
				rest = m[2]
			}
			p.add("not YAML", Finding{Line: e.line + max(n, 1) - 1, Col: 1, Severity: Error, Message: "not YAML: " + rest})
			continue
		}
		shiftLines(&root, e.line-1)
		if len(root.Content) == 1 && root.Content[0].Kind == yaml.SequenceNode {
			for _, item := range root.Content[0].Content {
				p.item(item)
			}
		}
	}
	return true
}

// yamlErrLine finds the line in yaml.v3's error messages.
var yamlErrLine = regexp.MustCompile(`^line (\d+): (.*)$`)

func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

// parseWhole reads the file as one YAML document: a flow list, JSON, or
// anything that is not a block list (and is then an error).
func (p *exemptionParser) parseWhole(data []byte) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return // an empty file: no exemptions
		}
		p.add("not YAML", Finding{Severity: Error, Message: "not YAML: " + err.Error()})
		return
	}
	// A second document would be ignored: its exemptions would never
	// count, so it is a mistake to point out.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.add("not YAML", Finding{Severity: Error, Message: "after the first document: not YAML: " + err.Error()})
		return
	default:
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		p.add("second document", Finding{Line: line, Col: 1, Severity: Error,
			Message: "a second YAML document (after ---); an exemptions file holds one list: merge them"})
		return
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return
	}
	if doc.Kind != yaml.SequenceNode {
		p.add("not a list", Finding{Line: doc.Line, Col: doc.Column, Severity: Error,
			Message: "want a list of exemptions (- service: …, scorecard: …, rule: …, until: …, reason: …, by: …)"})
		return
	}
	for _, item := range doc.Content {
		p.item(item)
	}
}

// item reads one entry of the list.
func (p *exemptionParser) item(item *yaml.Node) {
	bad := func(kind string, line, col int, msg string) {
		p.add(kind, Finding{Line: line, Col: col, Severity: Error, Message: msg})
	}
	if item.Kind != yaml.MappingNode {
		bad("not a mapping", item.Line, item.Column, "an exemption is a mapping with service, scorecard, rule, until, reason and by")
		return
	}
	vals := map[string]*yaml.Node{}
	ok := true
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias // by: *alice, alice's anchor set on an earlier entry
		}
		if !slices.Contains(exemptionFields, k.Value) {
			bad("unknown field", k.Line, k.Column, fmt.Sprintf("unknown field %q; the fields are %s", k.Value, strings.Join(exemptionFields, ", ")))
			ok = false
			continue
		}
		if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			bad("empty field", v.Line, v.Column, fmt.Sprintf("field %q must be a non-empty value", k.Value))
			ok = false
			continue
		}
		vals[k.Value] = v
	}
	for _, f := range exemptionFields {
		if _, has := vals[f]; !has && ok {
			bad("missing field", item.Line, item.Column, fmt.Sprintf("field %q is missing", f))
			ok = false
		}
	}
	if !ok {
		return
	}
	x := Exemption{Service: strings.TrimSpace(vals["service"].Value), Scorecard: strings.TrimSpace(vals["scorecard"].Value),
		Rule: strings.TrimSpace(vals["rule"].Value), Reason: strings.TrimSpace(vals["reason"].Value),
		By: strings.TrimSpace(vals["by"].Value), Origin: OriginFile}
	u := vals["until"]
	until, err := ParseUntil(u.Value)
	if err != nil {
		bad("bad until", u.Line, u.Column, "field \"until\": "+err.Error())
		return
	}
	x.Until = until
	warn, err := CheckUntil(until, p.now, p.max)
	if err != nil {
		bad("until beyond max", u.Line, u.Column, "field \"until\": "+err.Error())
		return
	}
	if warn != "" {
		p.add("until past", Finding{Line: u.Line, Col: u.Column, Severity: Warning, Message: "field \"until\": " + warn})
	}
	key := x.Service + "\x00" + x.Scorecard + "\x00" + x.Rule
	if first, dup := p.seen[key]; dup {
		bad("duplicate", item.Line, item.Column, fmt.Sprintf("service %s, scorecard %s, rule %s is already exempt at line %d", x.Service, x.Scorecard, x.Rule, first))
		return
	}
	p.seen[key] = item.Line
	p.out = append(p.out, x)
}

// Exempt applies exemptions to the evaluation: each active exemption whose
// service, scorecard and rule exist makes its failing rule count as
// passing for the level; levels are recomputed. Call it once, right after
// Evaluate. It returns the exemptions that name no such service, scorecard
// or rule, with why, so callers can warn about them.
func (ev *Evaluation) Exempt(xs []Exemption) []ExemptionProblem {
	valid, problems := CheckExemptions(xs, ev.Scorecards, func(id string) bool { _, ok := ev.Catalog.byID[id]; return ok })
	ev.apply(valid)
	return problems
}

// CheckExemptions returns the exemptions of xs that name a service (has),
// a scorecard of scs and a rule of it, and a problem for each of the
// others, in the order of xs.
func CheckExemptions(xs []Exemption, scs []*Scorecard, has func(service string) bool) (valid []*Exemption, problems []ExemptionProblem) {
	for i := range xs {
		x := &xs[i]
		if !has(x.Service) {
			problems = append(problems, ExemptionProblem{x, fmt.Sprintf("no service %q in the catalog", x.Service)})
			continue
		}
		si := scorecardIndex(scs, x.Scorecard)
		if si < 0 {
			problems = append(problems, ExemptionProblem{x, fmt.Sprintf("no scorecard %q", x.Scorecard)})
			continue
		}
		if scs[si].RuleIndex(x.Rule) < 0 {
			problems = append(problems, ExemptionProblem{x, fmt.Sprintf("scorecard %s has no rule %q", x.Scorecard, x.Rule)})
			continue
		}
		valid = append(valid, x)
	}
	return valid, problems
}

// ExemptValid applies exemptions that CheckExemptions found valid; those
// naming a service that is not in the evaluation's catalog are passed
// over (`check` applies them a piece of the catalog at a time).
func (ev *Evaluation) ExemptValid(xs []*Exemption) { ev.apply(xs) }

func (ev *Evaluation) apply(xs []*Exemption) {
	ns := len(ev.Scorecards)
	touched := map[int]bool{} // entity*ns+scorecard whose level must be recomputed
	for _, x := range xs {
		ei, ok := ev.Catalog.byID[x.Service]
		if !ok {
			continue
		}
		si := ev.ScorecardIndex(x.Scorecard)
		ri := ev.Scorecards[si].RuleIndex(x.Rule)
		if !x.Active(ev.Now) || !ev.applies[ei*ns+si] {
			continue
		}
		if ev.exempt == nil {
			ev.exempt = map[int]*Exemption{}
		}
		slot := ei*ev.stride + ev.offsets[si] + ri
		if prev := ev.exempt[slot]; prev == nil || x.Until.After(prev.Until) {
			ev.exempt[slot] = x // the longest-lasting one is shown
		}
		touched[ei*ns+si] = true
	}
	var counts []bool
	for k := range touched {
		ei, si := k/ns, k%ns
		s := ev.Scorecards[si]
		base := ei*ev.stride + ev.offsets[si]
		counts = append(counts[:0], ev.pass[base:base+len(s.Rules)]...)
		for ri := range counts {
			counts[ri] = counts[ri] || ev.exempt[base+ri] != nil || ev.isPending(si, ri)
		}
		ev.levels[k] = int16(s.levelOf(counts))
	}
}

// ExemptionProblem is an exemption that names something that does not exist.
type ExemptionProblem struct {
	Exemption *Exemption
	Problem   string
}

func (p ExemptionProblem) String() string {
	return fmt.Sprintf("exemption for %s / %s / %s (%s): %s", p.Exemption.Service, p.Exemption.Scorecard, p.Exemption.Rule, p.Exemption.Origin, p.Problem)
}

// RuleIndex returns the index of the rule with identifier id, or -1.
func (s *Scorecard) RuleIndex(id string) int {
	for i := range s.Rules {
		if s.Rules[i].Identifier == id {
			return i
		}
	}
	return -1
}

// Exemption returns the active exemption of rule i, or nil.
func (r Result) Exemption(i int) *Exemption {
	if r.ev == nil || r.ev.exempt == nil || !r.Applies {
		return nil
	}
	return r.ev.exempt[r.base+i]
}

// Counts reports whether rule i counts as passing for the level: it
// passes, an active exemption covers it, or it is announced and does not
// count yet.
func (r Result) Counts(i int) bool { return r.Pass[i] || r.Exemption(i) != nil || r.Pending(i) }

// Exemptions returns the exemptions that count in this evaluation, one per
// exempt rule of a service, in no particular order.
func (ev *Evaluation) Exemptions() []Exemption {
	out := make([]Exemption, 0, len(ev.exempt))
	for _, x := range ev.exempt {
		out = append(out, *x)
	}
	return out
}
