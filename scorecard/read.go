package scorecard

import (
	"fmt"
	"sort"
	"strings"
)

// FieldRead is one property, meta-property ("$team") or relation that
// scorecards read, with every condition that reads it: what a catalog must
// provide for the scorecards to mean anything.
type FieldRead struct {
	// Name is the property ("lifecycle", "pagerduty.com/service-id"), the
	// meta-property ("$team") or the relation ("repository").
	Name     string
	Relation bool
	Uses     []FieldUse
}

// FieldUse is one condition that reads a field.
type FieldUse struct {
	Scorecard string
	// Rule is the rule's identifier; empty for the scorecard's filter.
	Rule     string
	Level    string
	Operator Operator
	Not      bool
	// Value is the rule's value as written; nil for isEmpty and isNotEmpty.
	Value any
}

// Meta reports whether the field is a meta-property such as $team.
func (f FieldRead) Meta() bool { return !f.Relation && strings.HasPrefix(f.Name, "$") }

// Operators lists the distinct operators the uses apply, in first-use order,
// with "not" in front of an inverted isEmpty/isNotEmpty.
func (f FieldRead) Operators() []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range f.Uses {
		op := string(u.Operator)
		if u.Not {
			op = "not " + op
		}
		if !seen[op] {
			seen[op] = true
			out = append(out, op)
		}
	}
	return out
}

// Values lists the distinct values the uses compare with, as JSON-like
// text, in first-use order.
func (f FieldRead) Values() []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range f.Uses {
		if u.Value == nil {
			continue
		}
		v := formatValue(u.Value)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func formatValue(v any) string {
	switch t := v.(type) {
	case string:
		return fmt.Sprintf("%q", t)
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = formatValue(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q: %s", k, formatValue(t[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case float64:
		return fmt.Sprint(t)
	}
	return fmt.Sprint(v)
}

// FieldsRead lists every field the scorecards' filters and rules read:
// meta-properties first, then properties, then relations, each sorted by
// name, with the conditions that read it in scorecard and rule order.
func FieldsRead(scs []*Scorecard) []FieldRead {
	idx := map[[2]string]int{} // {"p" or "r", name} -> index in out
	var out []FieldRead
	add := func(sc *Scorecard, rule, level string, q *Query) {
		for _, c := range q.Conditions {
			kind, name := "p", c.Property
			if c.Relation != "" {
				kind, name = "r", c.Relation
			}
			if name == "" {
				continue
			}
			i, ok := idx[[2]string{kind, name}]
			if !ok {
				i = len(out)
				idx[[2]string{kind, name}] = i
				out = append(out, FieldRead{Name: name, Relation: kind == "r"})
			}
			out[i].Uses = append(out[i].Uses, FieldUse{Scorecard: sc.Identifier, Rule: rule, Level: level, Operator: c.Operator, Not: c.Not, Value: c.Value})
		}
	}
	for _, sc := range scs {
		if sc == nil {
			continue
		}
		if sc.Filter != nil {
			add(sc, "", "", sc.Filter)
		}
		for i := range sc.Rules {
			r := &sc.Rules[i]
			add(sc, r.Identifier, r.Level, &r.Query)
		}
	}
	group := func(f FieldRead) int {
		switch {
		case f.Meta():
			return 0
		case f.Relation:
			return 2
		}
		return 1
	}
	sort.SliceStable(out, func(i, j int) bool {
		gi, gj := group(out[i]), group(out[j])
		if gi != gj {
			return gi < gj
		}
		return out[i].Name < out[j].Name
	})
	return out
}
