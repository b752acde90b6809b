package scorecard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
	if max > 0 && until.After(now.Add(max)) {
		return "", fmt.Errorf("until %s is more than %s from now (the longest an exemption may last); pick %s or earlier",
			until.UTC().Format(time.DateOnly), Days(max), now.Add(max).UTC().Format(time.DateOnly))
	}
	if until.Before(now) {
		return fmt.Sprintf("until %s is past: the exemption has expired and no longer counts", until.UTC().Format(time.DateOnly)), nil
	}
	return "", nil
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
// file:line and the field; an entry with an error is left out. max > 0
// bounds how far from now an exemption may end.
func ParseExemptions(file string, data []byte, now time.Time, max time.Duration) ([]Exemption, Findings) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file: no exemptions
		}
		return nil, Findings{{File: file, Severity: Error, Message: "not YAML: " + err.Error()}}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil, nil
	}
	if doc.Kind != yaml.SequenceNode {
		return nil, Findings{{File: file, Line: doc.Line, Col: doc.Column, Severity: Error,
			Message: "want a list of exemptions (- service: …, scorecard: …, rule: …, until: …, reason: …, by: …)"}}
	}
	var out []Exemption
	var fs Findings
	seen := map[string]int{}
	for _, item := range doc.Content {
		bad := func(line, col int, msg string) {
			fs = append(fs, Finding{File: file, Line: line, Col: col, Severity: Error, Message: msg})
		}
		if item.Kind != yaml.MappingNode {
			bad(item.Line, item.Column, "an exemption is a mapping with service, scorecard, rule, until, reason and by")
			continue
		}
		vals := map[string]*yaml.Node{}
		ok := true
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			known := false
			for _, f := range exemptionFields {
				known = known || f == k.Value
			}
			if !known {
				bad(k.Line, k.Column, fmt.Sprintf("unknown field %q; the fields are %s", k.Value, strings.Join(exemptionFields, ", ")))
				ok = false
				continue
			}
			if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
				bad(v.Line, v.Column, fmt.Sprintf("field %q must be a non-empty value", k.Value))
				ok = false
				continue
			}
			vals[k.Value] = v
		}
		for _, f := range exemptionFields {
			if _, has := vals[f]; !has && ok {
				bad(item.Line, item.Column, fmt.Sprintf("field %q is missing", f))
				ok = false
			}
		}
		if !ok {
			continue
		}
		x := Exemption{Service: strings.TrimSpace(vals["service"].Value), Scorecard: strings.TrimSpace(vals["scorecard"].Value),
			Rule: strings.TrimSpace(vals["rule"].Value), Reason: strings.TrimSpace(vals["reason"].Value),
			By: strings.TrimSpace(vals["by"].Value), Origin: OriginFile}
		u := vals["until"]
		until, err := ParseUntil(u.Value)
		if err != nil {
			bad(u.Line, u.Column, "field \"until\": "+err.Error())
			continue
		}
		x.Until = until
		warn, err := CheckUntil(until, now, max)
		if err != nil {
			bad(u.Line, u.Column, "field \"until\": "+err.Error())
			continue
		}
		if warn != "" {
			fs = append(fs, Finding{File: file, Line: u.Line, Col: u.Column, Severity: Warning, Message: "field \"until\": " + warn})
		}
		key := x.Service + "\x00" + x.Scorecard + "\x00" + x.Rule
		if first, dup := seen[key]; dup {
			bad(item.Line, item.Column, fmt.Sprintf("service %s, scorecard %s, rule %s is already exempt at line %d", x.Service, x.Scorecard, x.Rule, first))
			continue
		}
		seen[key] = item.Line
		out = append(out, x)
	}
	return out, fs
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
