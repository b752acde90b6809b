package scorecard

import (
	"strconv"
	"strings"
	"time"
)

// value is an entity's or a rule's value, unboxed so that comparing it does
// not allocate: the evaluation hot path reads every condition of every entity.
type value struct {
	k  vkind
	b  bool
	n  float64
	s  string
	x  any    // kArray: []any; kObject: map[string]any (the decoded value itself, not re-boxed)
	ss *Teams // kStrings: the entity's own team list
}

func (v value) arr() []any          { a, _ := v.x.([]any); return a }
func (v value) obj() map[string]any { m, _ := v.x.(map[string]any); return m }
func (v value) strs() []string {
	if v.ss == nil {
		return nil
	}
	return *v.ss
}

type vkind uint8

const (
	kNull vkind = iota
	kString
	kNumber
	kBool
	kArray
	kStrings
	kObject
)

func fromAny(x any) value {
	switch v := x.(type) {
	case nil:
		return value{}
	case string:
		return value{k: kString, s: v}
	case float64:
		return value{k: kNumber, n: v}
	case bool:
		return value{k: kBool, b: v}
	case []any:
		return value{k: kArray, x: v}
	case []string:
		t := Teams(v)
		return value{k: kStrings, ss: &t}
	case map[string]any:
		return value{k: kObject, x: v}
	case int:
		return value{k: kNumber, n: float64(v)}
	case int64:
		return value{k: kNumber, n: float64(v)}
	case float32:
		return value{k: kNumber, n: float64(v)}
	}
	return value{}
}

func (v value) isArray() bool { return v.k == kArray || v.k == kStrings }

func (v value) len() int {
	switch v.k {
	case kArray:
		return len(v.arr())
	case kStrings:
		return len(v.strs())
	case kString:
		return len(v.s)
	case kObject:
		return len(v.obj())
	}
	return 0
}

func (v value) elem(i int) value {
	if v.k == kStrings {
		return value{k: kString, s: v.strs()[i]}
	}
	return fromAny(v.arr()[i])
}

// empty: null, "", [] or {} (SEMANTICS, Values: the union of Port's pages).
func (v value) empty() bool {
	switch v.k {
	case kNull:
		return true
	case kString, kArray, kStrings, kObject:
		return v.len() == 0
	}
	return false
}

// numeric returns the value as a number when it is one or is a numeric string.
func (v value) numeric() (float64, bool) {
	switch v.k {
	case kNumber:
		return v.n, true
	case kString:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		return f, err == nil
	}
	return 0, false
}

// boolish returns the value as a boolean when it is one or is "true"/"false".
func (v value) boolish() (bool, bool) {
	switch v.k {
	case kBool:
		return v.b, true
	case kString:
		switch v.s {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// equal is SEMANTICS' equality, with its two decided coercions: a boolean
// against "true"/"false", and a number against a numeric string.
func equal(a, b value) bool {
	switch {
	case a.k == kNull || b.k == kNull:
		return a.k == b.k
	case a.k == kNumber && b.k == kNumber:
		return a.n == b.n
	case a.k == kString && b.k == kString:
		return a.s == b.s
	case a.k == kBool || b.k == kBool:
		x, ok1 := a.boolish()
		y, ok2 := b.boolish()
		return ok1 && ok2 && x == y
	case a.k == kNumber || b.k == kNumber:
		x, ok1 := a.numeric()
		y, ok2 := b.numeric()
		return ok1 && ok2 && x == y
	case a.isArray() && b.isArray():
		if a.len() != b.len() {
			return false
		}
		for i := 0; i < a.len(); i++ {
			if !equal(a.elem(i), b.elem(i)) {
				return false
			}
		}
		return true
	case a.k == kObject && b.k == kObject:
		am, bm := a.obj(), b.obj()
		if len(am) != len(bm) {
			return false
		}
		for k, x := range am {
			y, ok := bm[k]
			if !ok || !equal(fromAny(x), fromAny(y)) {
				return false
			}
		}
		return true
	}
	return false
}

// order compares a with b for > < >= <=. ok is false when the two cannot be
// ordered (null, or kinds that do not mix), which makes every ordering false.
func order(a, b value) (c int, ok bool) {
	switch {
	case a.k == kNumber || b.k == kNumber:
		x, ok1 := a.numeric()
		y, ok2 := b.numeric()
		if !ok1 || !ok2 || (a.k != kNumber && a.k != kString) || (b.k != kNumber && b.k != kString) {
			return 0, false
		}
		return cmpFloat(x, y), true
	case a.k == kString && b.k == kString:
		ta, aDate := parseTime(a.s)
		tb, bDate := parseTime(b.s)
		switch {
		case aDate && bDate:
			return ta.Compare(tb), true
		case aDate != bDate:
			// SEMANTICS, Operators: a date-time against a string that is not
			// one cannot be ordered. Byte order would let "garbage" pass
			// > "2026-06-01", since 'g' sorts after '2'.
			return 0, false
		}
		return strings.Compare(a.s, b.s), true
	}
	return 0, false
}

// notDate reports which of a and b is the string that is not a date-time
// when the other one is one: the reason order refuses to compare them.
// entity is true when it is a, the entity's value.
func notDate(a, b value) (v value, entity, ok bool) {
	if a.k != kString || b.k != kString {
		return value{}, false, false
	}
	_, aDate := parseTime(a.s)
	_, bDate := parseTime(b.s)
	switch {
	case aDate && !bDate:
		return b, false, true
	case bDate && !aDate:
		return a, true, true
	}
	return value{}, false, false
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// parseTime accepts RFC 3339 date-times and bare dates (SEMANTICS, Operators).
func parseTime(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false // cheap reject: most strings are not dates
	}
	if len(s) == 10 {
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// containsElem reports whether array v has an element equal to w.
func containsElem(v, w value) bool {
	for i := 0; i < v.len(); i++ {
		if equal(v.elem(i), w) {
			return true
		}
	}
	return false
}
