package scorecard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Initiative is a campaign to bring the services in its scope to a goal
// on one scorecard by a due date (SEMANTICS, Initiatives).
type Initiative struct {
	ID, Title string
	Scorecard string
	// The goal: a level of the scorecard, or rules of it that must all
	// count as passing. Exactly one is set.
	Level string
	Rules []string
	Scope Scope
	// Starts and Due are days: Due is the last day, to its end (UTC).
	Starts, Due time.Time
	Owner       string // a Slack user ID or an e-mail address
	Line        int    // where it starts in its file
}

// Scope says which services an initiative is about: every one the
// scorecard applies to that matches all the given filters.
type Scope struct {
	Teams       []string
	Identifiers []string
	// Properties maps a property to the values it may have (any of them).
	Properties map[string][]any
}

// Empty reports whether the scope filters nothing.
func (s Scope) Empty() bool {
	return len(s.Teams) == 0 && len(s.Identifiers) == 0 && len(s.Properties) == 0
}

// Has reports whether the entity is in the scope (the scorecard's own
// filter is the caller's).
func (s Scope) Has(e *Entity) bool {
	if len(s.Identifiers) > 0 && !slices.Contains(s.Identifiers, e.Identifier) {
		return false
	}
	if len(s.Teams) > 0 && !slices.ContainsFunc(e.Team, func(t string) bool { return slices.Contains(s.Teams, t) }) {
		return false
	}
	for prop, want := range s.Properties {
		have := fromAny(e.Properties[prop])
		ok := false
		for _, w := range want {
			if equal(have, fromAny(w)) || (have.isArray() && containsElem(have, fromAny(w))) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// DueEnd is the last instant the initiative is due: the end of its due day.
func (in *Initiative) DueEnd() time.Time { return in.Due.Add(24*time.Hour - time.Nanosecond) }

// Goal says the goal in words: "Silver", or "rules readme, on_call".
func (in *Initiative) Goal() string {
	if in.Level != "" {
		return in.Level
	}
	return "rules " + strings.Join(in.Rules, ", ")
}

// InitiativeFile is what an initiatives file holds.
type InitiativeFile struct {
	Initiatives   []Initiative
	Announcements []Announcement
}

var (
	initiativeFields   = []string{"id", "title", "scorecard", "level", "rules", "services", "starts", "due", "owner"}
	scopeFields        = []string{"teams", "identifiers", "properties"}
	announcementFields = []string{"scorecard", "rule", "from"}
)

// ParseInitiatives reads an initiatives file: a YAML mapping with
// "initiatives" (a list) and "announcements" (a list), checked against the
// scorecards. Findings name file:line:col and the field; an entry with an
// error is left out, the others are kept.
func ParseInitiatives(file string, data []byte, scs []*Scorecard) (InitiativeFile, Findings) {
	var out InitiativeFile
	var fs Findings
	errAt := func(n *yaml.Node, format string, args ...any) {
		fs = append(fs, Finding{File: file, Line: n.Line, Col: n.Column, Severity: Error, Message: fmt.Sprintf(format, args...)})
	}
	warnAt := func(n *yaml.Node, format string, args ...any) {
		fs = append(fs, Finding{File: file, Line: n.Line, Col: n.Column, Severity: Warning, Message: fmt.Sprintf(format, args...)})
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		return out, Findings{{File: file, Severity: Error, Message: "not YAML: " + err.Error()}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return out, Findings{{File: file, Line: extra.Line, Col: extra.Column, Severity: Error, Message: "a second YAML document (after ---): put everything in one"}}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return out, nil
	}
	if doc.Kind != yaml.MappingNode {
		errAt(doc, "want a mapping with initiatives: [...] and announcements: [...]")
		return out, fs
	}
	byID := map[string]*Scorecard{}
	for _, sc := range scs {
		byID[sc.Identifier] = sc
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "initiatives":
			if v.Kind != yaml.SequenceNode {
				errAt(v, "initiatives must be a list")
				continue
			}
			seen := map[string]int{}
			for _, item := range v.Content {
				in, ok := parseInitiative(item, byID, errAt, warnAt)
				if !ok {
					continue
				}
				if first, dup := seen[in.ID]; dup {
					errAt(item, "initiative %q is already defined at line %d", in.ID, first)
					continue
				}
				seen[in.ID] = item.Line
				out.Initiatives = append(out.Initiatives, in)
			}
		case "announcements":
			if v.Kind != yaml.SequenceNode {
				errAt(v, "announcements must be a list")
				continue
			}
			for _, item := range v.Content {
				if a, ok := parseAnnouncement(file, item, byID, errAt, warnAt); ok {
					out.Announcements = append(out.Announcements, a)
				}
			}
		default:
			errAt(k, "unknown key %q; the keys are initiatives and announcements", k.Value)
		}
	}
	return out, fs
}

type at func(n *yaml.Node, format string, args ...any)

// fields reads a mapping's known fields, reporting unknown and repeated ones.
func fields(item *yaml.Node, known []string, what string, errAt at) (map[string]*yaml.Node, bool) {
	if item.Kind != yaml.MappingNode {
		errAt(item, "%s is a mapping with %s", what, strings.Join(known, ", "))
		return nil, false
	}
	vals := map[string]*yaml.Node{}
	ok := true
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		switch {
		case !slices.Contains(known, k.Value):
			errAt(k, "unknown field %q of %s; the fields are %s", k.Value, what, strings.Join(known, ", "))
			ok = false
		case vals[k.Value] != nil:
			errAt(k, "field %q is given twice", k.Value)
			ok = false
		default:
			vals[k.Value] = v
		}
	}
	return vals, ok
}

func scalar(vals map[string]*yaml.Node, key string, required bool, parent *yaml.Node, errAt at) (string, bool) {
	v := vals[key]
	if v == nil {
		if required {
			errAt(parent, "field %q is missing", key)
			return "", false
		}
		return "", true
	}
	if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" || v.Tag == "!!null" {
		errAt(v, "field %q must be a non-empty value", key)
		return "", false
	}
	return strings.TrimSpace(v.Value), true
}

func day(vals map[string]*yaml.Node, key string, parent *yaml.Node, errAt at) (time.Time, bool) {
	s, ok := scalar(vals, key, true, parent, errAt)
	if !ok {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		errAt(vals[key], "field %q: %q is not a date like 2027-03-31", key, s)
		return time.Time{}, false
	}
	return d, true
}

func stringList(v *yaml.Node, key string, errAt at) ([]string, bool) {
	if v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) != "" && v.Tag != "!!null" {
		return []string{strings.TrimSpace(v.Value)}, true
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		errAt(v, "field %q must be a list of names", key)
		return nil, false
	}
	var out []string
	for _, it := range v.Content {
		if it.Kind != yaml.ScalarNode || strings.TrimSpace(it.Value) == "" {
			errAt(it, "field %q: every entry must be a name", key)
			return nil, false
		}
		out = append(out, strings.TrimSpace(it.Value))
	}
	return out, true
}

func parseInitiative(item *yaml.Node, scs map[string]*Scorecard, errAt, warnAt at) (Initiative, bool) {
	vals, ok := fields(item, initiativeFields, "an initiative", errAt)
	if !ok {
		return Initiative{}, false
	}
	in := Initiative{Line: item.Line}
	var good [6]bool
	in.ID, good[0] = scalar(vals, "id", true, item, errAt)
	in.Title, good[1] = scalar(vals, "title", true, item, errAt)
	in.Scorecard, good[2] = scalar(vals, "scorecard", true, item, errAt)
	in.Owner, good[3] = scalar(vals, "owner", true, item, errAt)
	in.Starts, good[4] = day(vals, "starts", item, errAt)
	in.Due, good[5] = day(vals, "due", item, errAt)
	for _, g := range good {
		ok = ok && g
	}
	if good[4] && good[5] && !in.Due.After(in.Starts) {
		errAt(vals["due"], "due %s is not after starts %s", in.Due.Format(time.DateOnly), in.Starts.Format(time.DateOnly))
		ok = false
	}
	sc := scs[in.Scorecard]
	if good[2] && sc == nil {
		ids := make([]string, 0, len(scs))
		for id := range scs {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		errAt(vals["scorecard"], "no scorecard %q; the scorecards are %s%s", in.Scorecard, strings.Join(ids, ", "), suggestion(in.Scorecard, ids))
		ok = false
	}
	level, rules := vals["level"], vals["rules"]
	switch {
	case level == nil && rules == nil:
		errAt(item, "no goal: give level (a level of the scorecard) or rules (a list of its rules)")
		ok = false
	case level != nil && rules != nil:
		errAt(rules, "both level and rules: an initiative has one goal")
		ok = false
	case level != nil:
		in.Level, good[0] = scalar(vals, "level", true, item, errAt)
		if !good[0] {
			ok = false
		} else if sc != nil {
			r := sc.LevelRankFold(in.Level)
			switch {
			case r < 0:
				errAt(level, "scorecard %s has no level %q; its levels are %s%s", sc.Identifier, in.Level, strings.Join(sc.LevelNames(), ", "), suggestion(in.Level, sc.LevelNames()))
				ok = false
			case r == 0:
				errAt(level, "level %q is the base level: every service is at it already", in.Level)
				ok = false
			default:
				in.Level = sc.Levels[r].Title
			}
		}
	default:
		in.Rules, good[0] = stringList(rules, "rules", errAt)
		if !good[0] {
			ok = false
		} else if sc != nil {
			var ids []string
			for i := range sc.Rules {
				ids = append(ids, sc.Rules[i].Identifier)
			}
			for _, r := range in.Rules {
				if sc.RuleIndex(r) < 0 {
					errAt(rules, "scorecard %s has no rule %q%s", sc.Identifier, r, suggestion(r, ids))
					ok = false
				}
			}
		}
	}
	if s := vals["services"]; s != nil {
		scope, sok := parseScope(s, errAt)
		ok = ok && sok
		in.Scope = scope
	}
	return in, ok
}

func parseScope(n *yaml.Node, errAt at) (Scope, bool) {
	vals, ok := fields(n, scopeFields, "services", errAt)
	if !ok {
		return Scope{}, false
	}
	var s Scope
	if v := vals["teams"]; v != nil {
		var good bool
		if s.Teams, good = stringList(v, "teams", errAt); !good {
			ok = false
		}
	}
	if v := vals["identifiers"]; v != nil {
		var good bool
		if s.Identifiers, good = stringList(v, "identifiers", errAt); !good {
			ok = false
		}
	}
	if v := vals["properties"]; v != nil {
		if v.Kind != yaml.MappingNode {
			errAt(v, "field \"properties\" must map properties to a value or a list of values")
			return s, false
		}
		s.Properties = map[string][]any{}
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, pv := v.Content[i], v.Content[i+1]
			items := []*yaml.Node{pv}
			if pv.Kind == yaml.SequenceNode {
				items = pv.Content
			}
			for _, it := range items {
				if it.Kind != yaml.ScalarNode {
					errAt(it, "property %q: a value must be a string, number or boolean", k.Value)
					ok = false
					continue
				}
				s.Properties[k.Value] = append(s.Properties[k.Value], scalarValue(it))
			}
		}
	}
	return s, ok
}

// scalarValue is a YAML scalar as the catalog's JSON would hold it.
func scalarValue(n *yaml.Node) any {
	switch n.Tag {
	case "!!int", "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!bool":
		return n.Value == "true"
	case "!!null":
		return nil
	}
	return n.Value
}

func parseAnnouncement(file string, item *yaml.Node, scs map[string]*Scorecard, errAt, warnAt at) (Announcement, bool) {
	vals, ok := fields(item, announcementFields, "an announcement", errAt)
	if !ok {
		return Announcement{}, false
	}
	a := Announcement{Where: fmt.Sprintf("%s:%d", file, item.Line)}
	var g1, g2, g3 bool
	a.Scorecard, g1 = scalar(vals, "scorecard", true, item, errAt)
	a.Rule, g2 = scalar(vals, "rule", true, item, errAt)
	from, g3 := scalar(vals, "from", true, item, errAt)
	if !(g1 && g2 && g3) {
		return a, false
	}
	if d, err := time.Parse(time.DateOnly, from); err == nil {
		a.From = d
	} else if t, err := time.Parse(time.RFC3339, from); err == nil {
		a.From = t.UTC()
	} else {
		errAt(vals["from"], "field \"from\": %q is not a date (2027-02-01) or an RFC 3339 time", from)
		return a, false
	}
	// SEMANTICS: an announcement naming what does not exist is a warning.
	if sc := scs[a.Scorecard]; sc == nil {
		warnAt(vals["scorecard"], "announced rule %s: no scorecard %q; the announcement changes nothing", a.Rule, a.Scorecard)
	} else if sc.RuleIndex(a.Rule) < 0 {
		var ids []string
		for i := range sc.Rules {
			ids = append(ids, sc.Rules[i].Identifier)
		}
		warnAt(vals["rule"], "scorecard %s has no rule %q%s; the announcement changes nothing", sc.Identifier, a.Rule, suggestion(a.Rule, ids))
	}
	return a, true
}

func suggestion(name string, candidates []string) string {
	near := Suggest(name, candidates, 3)
	if len(near) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(near, ", ") + "?)"
}

// Covers reports whether the service of r is in the initiative's scope:
// the scorecard applies to it and the scope's filters keep it.
func (in *Initiative) Covers(r Result) bool {
	return r.Applies && r.Scorecard.Identifier == in.Scorecard && in.Scope.Has(r.Entity)
}

// Meets reports whether the service of r meets the goal: its level is at
// or above the goal level, or every goal rule counts as passing
// (exemptions included; an announced rule before its date counts).
func (in *Initiative) Meets(r Result) bool {
	if !r.Applies {
		return false
	}
	if in.Level != "" {
		return r.Level >= r.Scorecard.LevelRankFold(in.Level)
	}
	for _, id := range in.Rules {
		i := r.Scorecard.RuleIndex(id)
		if i < 0 || !r.Counts(i) {
			return false
		}
	}
	return true
}
