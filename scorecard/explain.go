package scorecard

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Explain says what the entity has and what the condition wants, as in
// "freshness is 412; needs < 366" or "on_call is not set". It is asked for
// every failing rule of every entity a check writes, so what does not
// depend on the entity is made once (compile), and the rest written into
// one buffer.
func (c *Condition) Explain(e *Entity, now time.Time) string {
	subject, needs := c.subject, c.needs
	if subject == "" { // a Condition made without ParseScorecards
		subject = c.Target()
		if c.Relation != "" {
			subject = "relation " + subject
		}
		needs = c.needsText()
	}
	v := c.read(e)
	var buf [128]byte
	b := append(buf[:0], subject...)
	switch {
	case v.k == kNull:
		b = append(b, " is not set"...)
	case v.empty():
		b = append(b, " is empty"...)
	default:
		b = appendShow(append(b, " is "...), v)
	}
	switch c.Operator {
	case OpIsEmpty, OpIsNotEmpty:
		if (c.Operator == OpIsNotEmpty) != c.Not && v.k == kNull {
			return string(b)
		}
	case OpEq, OpNeq:
		if c.hasRng {
			return c.explainRange(string(b), now, c.Operator == OpNeq)
		}
	case OpGt, OpLt, OpGte, OpLte:
		b = append(b, needs...)
		if _, ok := order(v, c.want); !ok && v.k != kNull {
			switch bad, entity, isDate := notDate(v, c.want); {
			case isDate && entity:
				b = fmt.Appendf(b, " (%s is not a date)", show(bad))
			case isDate:
				b = fmt.Appendf(b, " (the rule's value %s is not a date)", show(bad))
			default:
				b = fmt.Appendf(b, " (a %s cannot be ordered against a %s)", kindWord(v), kindWord(c.want))
			}
		}
		return string(b)
	case OpBetween:
		return c.explainRange(string(b), now, false)
	case OpNotBetween:
		return c.explainRange(string(b), now, true)
	}
	return string(append(b, needs...))
}

// needsText is what Explain says the condition wants, after what the
// entity has, where that depends on neither the entity nor the time.
func (c *Condition) needsText() string {
	const needs = "; needs "
	switch c.Operator {
	case OpIsEmpty, OpIsNotEmpty:
		if (c.Operator == OpIsNotEmpty) != c.Not {
			return needs + "a value"
		}
		return needs + "to be empty"
	case OpEq, OpNeq, OpGt, OpLt, OpGte, OpLte:
		return needs + string(c.Operator) + " " + show(c.want)
	case OpContains:
		return needs + "to contain " + show(c.want)
	case OpDoesNotContains:
		return needs + "not to contain " + show(c.want)
	case OpBeginsWith:
		return needs + "to begin with " + show(c.want)
	case OpDoesNotBeginsWith:
		return needs + "not to begin with " + show(c.want)
	case OpEndsWith:
		return needs + "to end with " + show(c.want)
	case OpDoesNotEndsWith:
		return needs + "not to end with " + show(c.want)
	case OpIn:
		return needs + "to be one of " + showSet(c.set)
	case OpContainsAny:
		return needs + "to include any of " + showSet(c.set)
	}
	return ""
}

func (c *Condition) explainRange(has string, now time.Time, negate bool) string {
	if c.ranges == nil {
		return has + c.rangeNeeds(now, negate)
	}
	if m := c.ranges.last.Load(); m != nil && m.now.Equal(now) && m.negate == negate {
		return has + m.text
	}
	text := c.rangeNeeds(now, negate)
	c.ranges.last.Store(&rangeText{now: now, negate: negate, text: text})
	return has + text
}

// rangeMemo holds the last rangeText of a condition; the evaluations of
// several goroutines may share the condition.
type rangeMemo struct{ last atomic.Pointer[rangeText] }

type rangeText struct {
	now    time.Time
	negate bool
	text   string
}

// rangeNeeds is what a range condition needs at now.
func (c *Condition) rangeNeeds(now time.Time, negate bool) string {
	from, to := c.rng.resolve(now)
	not := ""
	if negate {
		not = "not "
	}
	r := fmt.Sprintf("; needs %sbetween %s and %s", not, from.Format(time.RFC3339), to.Format(time.RFC3339))
	if c.rng.preset != "" {
		r += " (" + c.rng.preset + ")"
	}
	return r
}

const maxShown = 80

// appendShow appends show(v), without a string of its own for the
// values a rule most often reads.
func appendShow(b []byte, v value) []byte {
	switch v.k {
	case kNumber:
		return strconv.AppendFloat(b, v.n, 'f', -1, 64)
	case kBool:
		return strconv.AppendBool(b, v.b)
	case kString:
		if len(v.s) < maxShown/2 { // its quoted form fits: nothing to cut
			n := len(b)
			if b = strconv.AppendQuote(b, v.s); len(b)-n <= maxShown {
				return b
			}
			b = b[:n]
		}
	}
	return append(b, show(v)...)
}

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

// Wants says what the condition wants, for people reading a scorecard
// rather than a result: "freshness < 30", "readme a value".
func (c *Condition) Wants() string {
	subject := c.Target()
	if c.Relation != "" {
		subject = "relation " + subject
	}
	if needs := strings.TrimPrefix(c.needsText(), "; needs "); needs != "" {
		return subject + ": " + needs
	}
	v, _ := json.Marshal(c.Value)
	return subject + " " + string(c.Operator) + " " + string(v)
}
