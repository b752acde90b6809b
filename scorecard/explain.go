package scorecard

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Explain says what the entity has and what the condition wants, as in
// "freshness is 412; needs < 366" or "on_call is not set".
func (c *Condition) Explain(e *Entity, now time.Time) string {
	v := c.read(e)
	t := c.Target()
	if c.Relation != "" {
		t = "relation " + t
	}
	has := t + " is " + show(v)
	if v.k == kNull {
		has = t + " is not set"
	} else if v.empty() {
		has = t + " is empty"
	}
	want := func(s string) string { return has + "; needs " + s }
	switch c.Operator {
	case OpIsEmpty, OpIsNotEmpty:
		if (c.Operator == OpIsNotEmpty) != c.Not {
			if v.k == kNull {
				return has
			}
			return want("a value")
		}
		return want("to be empty")
	case OpEq, OpNeq:
		if c.hasRng {
			return c.explainRange(has, now, c.Operator == OpNeq)
		}
		return want(string(c.Operator) + " " + show(c.want))
	case OpGt, OpLt, OpGte, OpLte:
		s := want(string(c.Operator) + " " + show(c.want))
		if _, ok := order(v, c.want); !ok && v.k != kNull {
			switch bad, entity, isDate := notDate(v, c.want); {
			case isDate && entity:
				s += fmt.Sprintf(" (%s is not a date)", show(bad))
			case isDate:
				s += fmt.Sprintf(" (the rule's value %s is not a date)", show(bad))
			default:
				s += fmt.Sprintf(" (a %s cannot be ordered against a %s)", kindWord(v), kindWord(c.want))
			}
		}
		return s
	case OpContains:
		return want("to contain " + show(c.want))
	case OpDoesNotContains:
		return want("not to contain " + show(c.want))
	case OpBeginsWith:
		return want("to begin with " + show(c.want))
	case OpDoesNotBeginsWith:
		return want("not to begin with " + show(c.want))
	case OpEndsWith:
		return want("to end with " + show(c.want))
	case OpDoesNotEndsWith:
		return want("not to end with " + show(c.want))
	case OpIn:
		return want("to be one of " + showSet(c.set))
	case OpContainsAny:
		return want("to include any of " + showSet(c.set))
	case OpBetween:
		return c.explainRange(has, now, false)
	case OpNotBetween:
		return c.explainRange(has, now, true)
	}
	return has
}

func (c *Condition) explainRange(has string, now time.Time, negate bool) string {
	from, to := c.rng.resolve(now)
	not := ""
	if negate {
		not = "not "
	}
	r := fmt.Sprintf("%sbetween %s and %s", not, from.Format(time.RFC3339), to.Format(time.RFC3339))
	if c.rng.preset != "" {
		r += " (" + c.rng.preset + ")"
	}
	return has + "; needs " + r
}

const maxShown = 80

// show renders a value for a person: numbers without trailing zeros,
// strings quoted, long values cut.
func show(v value) string {
	var s string
	switch v.k {
	case kNull:
		return "null"
	case kString:
		s = strconv.Quote(v.s)
	case kNumber:
		return strconv.FormatFloat(v.n, 'f', -1, 64)
	case kBool:
		return strconv.FormatBool(v.b)
	case kStrings:
		b, _ := json.Marshal(v.strs())
		s = string(b)
	case kArray, kObject:
		b, _ := json.Marshal(v.x)
		s = string(b)
	}
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func showSet(set []value) string {
	parts := make([]string, len(set))
	for i, v := range set {
		parts[i] = show(v)
	}
	return strings.Join(parts, ", ")
}

func kindWord(v value) string {
	switch v.k {
	case kString:
		return "string"
	case kNumber:
		return "number"
	case kBool:
		return "boolean"
	case kArray, kStrings:
		return "array"
	case kObject:
		return "object"
	}
	return "null"
}
