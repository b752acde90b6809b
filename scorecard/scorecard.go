// Package scorecard is prodready's domain: Port-format scorecard definitions,
// catalog entities, their evaluation into levels, and the linter. It knows
// nothing of Slack or HTTP and keeps no clock: every evaluation is given its
// own "now". The contract it implements is SEMANTICS.md; docs/semantics.md
// explains the same rules for readers (entities, levels, operators by kind of
// value, dates, null and missing values, filters, exemptions), and the
// code's comments cite its sections.
package scorecard

import (
	"strings"
	"time"
)

// DefaultLevels are the levels of a scorecard that lists none (SEMANTICS, Levels 1).
var defaultLevels = []Level{{Title: "Basic", Color: "paleBlue"}, {Title: "Bronze", Color: "bronze"}, {Title: "Silver", Color: "silver"}, {Title: "Gold", Color: "gold"}}

// DefaultLevels returns a copy of the levels used when a scorecard lists none.
func DefaultLevels() []Level { return append([]Level(nil), defaultLevels...) }

// Scorecard is one parsed, valid scorecard definition.
type Scorecard struct {
	Identifier  string
	Title       string
	Description string
	// Blueprint is the blueprint the scorecard belongs to, when the input says
	// (Port's API and the integration wrapper do; a bare file does not).
	Blueprint string
	Filter    *Query
	// Levels in rank order; the first is the base level. Never empty.
	Levels []Level
	Rules  []Rule
	// File the scorecard was read from, for messages.
	File string

	// byRank[i] lists the indexes of the rules at level rank i.
	byRank [][]int
	// fields are the distinct fields the filter and rules read; each
	// condition's slot points here, so an entity's field is read once.
	fields []field
}

// Level is one rung of a scorecard's ladder.
type Level struct {
	Title string `json:"title"`
	Color string `json:"color,omitempty"`
}

// Rule is one check of a scorecard, at one level.
type Rule struct {
	Identifier  string
	Title       string
	Description string
	Level       string
	Rank        int // position of Level in the scorecard's Levels
	Query       Query
	// CountsFrom, when set, is when an announced rule starts to count
	// (SEMANTICS, Announced rules): before it the rule is evaluated and
	// shown, but the level is computed without it. Set by Announce.
	CountsFrom time.Time
}

// Query is a rule's query or a scorecard's filter.
type Query struct {
	Combinator string // "and" or "or"
	Conditions []Condition

	or bool // Combinator == "or", for the hot path
}

// Condition compares one value of an entity with the rule's value.
type Condition struct {
	Property string // set for property conditions, including meta-properties ("$team")
	Relation string // set for relation conditions
	Operator Operator
	Value    any  // the rule's value as written (nil for isEmpty/isNotEmpty)
	Not      bool // inverts isEmpty/isNotEmpty

	field  field
	op     opcode    // Operator, as an integer for the hot path
	slot   int       // index of field in the scorecard's fields
	want   value     // Value, ready to compare
	set    []value   // for in and containsAny
	rng    dateRange // for between, notBetween and = with a range
	hasRng bool
	// The words of Explain that do not depend on the entity, made once:
	// subject ("freshness", "relation owner"), and needs ("; needs < 90")
	// where it depends on neither the entity nor the time.
	subject, needs string
	// ranges remembers what a range condition needs at the last now it
	// was asked for: the same for every entity of an evaluation.
	ranges *rangeMemo
}

// Operator is a condition's comparison.
type Operator string

// The operators of SEMANTICS.md.
const (
	OpIsEmpty           Operator = "isEmpty"
	OpIsNotEmpty        Operator = "isNotEmpty"
	OpEq                Operator = "="
	OpNeq               Operator = "!="
	OpGt                Operator = ">"
	OpLt                Operator = "<"
	OpGte               Operator = ">="
	OpLte               Operator = "<="
	OpContains          Operator = "contains"
	OpDoesNotContains   Operator = "doesNotContains"
	OpBeginsWith        Operator = "beginsWith"
	OpDoesNotBeginsWith Operator = "doesNotBeginsWith"
	OpEndsWith          Operator = "endsWith"
	OpDoesNotEndsWith   Operator = "doesNotEndsWith"
	OpIn                Operator = "in"
	OpContainsAny       Operator = "containsAny"
	OpBetween           Operator = "between"
	OpNotBetween        Operator = "notBetween"
)

var operators = []Operator{OpIsEmpty, OpIsNotEmpty, OpEq, OpNeq, OpGt, OpLt, OpGte, OpLte,
	OpContains, OpDoesNotContains, OpBeginsWith, OpDoesNotBeginsWith, OpEndsWith, OpDoesNotEndsWith,
	OpIn, OpContainsAny, OpBetween, OpNotBetween}

func knownOperator(s string) bool {
	for _, o := range operators {
		if string(o) == s {
			return true
		}
	}
	return false
}

// Target names what the condition reads: "freshness", "$team", "relation team".
func (c *Condition) Target() string {
	if c.Relation != "" {
		return c.Relation
	}
	return c.Property
}

// LevelRank returns the rank of the named level, or -1.
func (s *Scorecard) LevelRank(title string) int {
	for i, l := range s.Levels {
		if l.Title == title {
			return i
		}
	}
	return -1
}

// LevelRankFold is LevelRank ignoring case.
func (s *Scorecard) LevelRankFold(title string) int {
	if r := s.LevelRank(title); r >= 0 {
		return r
	}
	for i, l := range s.Levels {
		if strings.EqualFold(l.Title, title) {
			return i
		}
	}
	return -1
}

// RulesAt returns the indexes of the rules at level rank r.
func (s *Scorecard) RulesAt(r int) []int {
	if r < 0 || r >= len(s.byRank) {
		return nil
	}
	return s.byRank[r]
}

// LevelNames lists the level titles in rank order.
func (s *Scorecard) LevelNames() []string {
	out := make([]string, len(s.Levels))
	for i, l := range s.Levels {
		out[i] = l.Title
	}
	return out
}

// Name is the title, or the identifier when there is no title.
func (s *Scorecard) Name() string {
	if s.Title != "" {
		return s.Title
	}
	return s.Identifier
}

// Name is the title, or the identifier when there is no title.
func (r *Rule) Name() string {
	if r.Title != "" {
		return r.Title
	}
	return r.Identifier
}

// index fills the derived lookup tables once parsing is done.
func (s *Scorecard) index() {
	s.byRank = make([][]int, len(s.Levels))
	for i := range s.Rules {
		r := s.Rules[i].Rank
		s.byRank[r] = append(s.byRank[r], i)
	}
	slots := map[field]int{}
	assign := func(q *Query) {
		q.or = q.Combinator == "or"
		for i := range q.Conditions {
			c := &q.Conditions[i]
			slot, ok := slots[c.field]
			if !ok {
				slot = len(s.fields)
				slots[c.field] = slot
				s.fields = append(s.fields, c.field)
			}
			c.slot = slot
		}
	}
	if s.Filter != nil {
		assign(s.Filter)
	}
	for i := range s.Rules {
		assign(&s.Rules[i].Query)
	}
}

// dateRange is a closed interval of time, or a preset resolved against now.
type dateRange struct {
	preset   string
	from, to time.Time
}

// resolve returns the interval's ends for this evaluation's now.
func (d dateRange) resolve(now time.Time) (from, to time.Time) {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	const d24 = 24 * time.Hour
	switch d.preset {
	case "":
		return d.from, d.to
	case "today":
		return day, day.Add(d24 - time.Nanosecond)
	case "yesterday":
		return day.Add(-d24), day.Add(-time.Nanosecond)
	case "tomorrow":
		return day.Add(d24), day.Add(2*d24 - time.Nanosecond)
	}
	return now.Add(-time.Duration(presetDays[d.preset]) * d24), now
}

// presetDays are the "ending now" presets and their lengths (SEMANTICS, Operators).
var presetDays = map[string]int{
	"lastWeek": 7, "last2Weeks": 14, "lastMonth": 30, "last3Months": 90, "last6Months": 180, "last12Months": 365,
}

var presetNames = []string{"today", "yesterday", "tomorrow", "lastWeek", "last2Weeks", "lastMonth", "last3Months", "last6Months", "last12Months"}

func knownPreset(p string) bool {
	for _, n := range presetNames {
		if n == p {
			return true
		}
	}
	return false
}
