package scorecard

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// field says where a condition reads its value from.
type field struct {
	kind fieldKind
	name string
}

type fieldKind uint8

const (
	fProperty fieldKind = iota
	fRelation
	fIdentifier
	fTitle
	fTeam
	fBlueprint
	fIcon
	fCreatedAt
	fUpdatedAt
	fCreatedBy
	fUpdatedBy
)

var metaFields = map[string]fieldKind{
	"$identifier": fIdentifier, "$title": fTitle, "$team": fTeam, "$blueprint": fBlueprint, "$icon": fIcon,
	"$createdAt": fCreatedAt, "$updatedAt": fUpdatedAt, "$createdBy": fCreatedBy, "$updatedBy": fUpdatedBy,
}

// opcode is an Operator as a small integer: the hot path switches on it.
type opcode uint8

const (
	opIsEmpty opcode = iota
	opIsNotEmpty
	opEq
	opNeq
	opGt
	opLt
	opGte
	opLte
	opContains
	opDoesNotContains
	opBeginsWith
	opDoesNotBeginsWith
	opEndsWith
	opDoesNotEndsWith
	opIn
	opContainsAny
	opBetween
	opNotBetween
)

// compile prepares the condition for evaluation once, at parse time.
func (c *Condition) compile() {
	for i, o := range operators { // operators is in opcode order
		if o == c.Operator {
			c.op = opcode(i)
		}
	}
	switch {
	case c.Relation != "":
		c.field = field{kind: fRelation, name: c.Relation}
	default:
		if k, ok := metaFields[c.Property]; ok {
			c.field = field{kind: k}
		} else {
			c.field = field{kind: fProperty, name: c.Property}
		}
	}
	c.want = fromAny(c.Value)
	if list, ok := c.Value.([]any); ok && (c.Operator == OpIn || c.Operator == OpContainsAny) {
		c.set = make([]value, len(list))
		for i, x := range list {
			c.set[i] = fromAny(x)
		}
	}
	c.subject = c.Target()
	if c.Relation != "" {
		c.subject = "relation " + c.subject
	}
	c.needs = c.needsText()
	if c.hasRng || c.Operator == OpBetween || c.Operator == OpNotBetween {
		c.ranges = &rangeMemo{}
	}
}

// read returns the entity's value for the condition's field; absent is null.
func (c *Condition) read(e *Entity) value { return c.field.read(e) }

// readInto is read, writing in place: the hot path fills a reused buffer.
func (f *field) readInto(e *Entity, v *value) {
	switch f.kind {
	case fProperty:
		*v = fromAny(e.Properties[f.name])
	case fRelation:
		*v = fromAny(e.Relations[f.name])
	default:
		*v = f.read(e)
	}
}

func (f field) read(e *Entity) value {
	switch f.kind {
	case fProperty:
		return fromAny(e.Properties[f.name])
	case fRelation:
		return fromAny(e.Relations[f.name])
	case fTeam:
		return value{k: kStrings, ss: &e.Team}
	}
	var s string
	switch f.kind {
	case fIdentifier:
		s = e.Identifier
	case fTitle:
		s = e.Title
	case fBlueprint:
		s = e.Blueprint
	case fIcon:
		s = e.Icon
	case fCreatedAt:
		s = e.CreatedAt
	case fUpdatedAt:
		s = e.UpdatedAt
	case fCreatedBy:
		s = e.CreatedBy
	case fUpdatedBy:
		s = e.UpdatedBy
	}
	if s == "" {
		return value{}
	}
	return value{k: kString, s: s}
}

// Match evaluates the condition on the entity at now.
func (c *Condition) Match(e *Entity, now time.Time) bool {
	v := c.read(e)
	return c.test(&v, now)
}

func (c *Condition) test(v *value, now time.Time) bool {
	switch c.op {
	case opIsEmpty:
		return v.empty() != c.Not
	case opIsNotEmpty:
		return !v.empty() != c.Not
	case opEq:
		if c.hasRng {
			return c.between(v, now)
		}
		return equal(*v, c.want)
	case opNeq:
		if c.hasRng {
			return !c.between(v, now)
		}
		return !equal(*v, c.want)
	case opGt, opLt, opGte, opLte:
		if v.k == kNumber && c.want.k == kNumber { // the common case, without the general path
			switch c.op {
			case opGt:
				return v.n > c.want.n
			case opLt:
				return v.n < c.want.n
			case opGte:
				return v.n >= c.want.n
			}
			return v.n <= c.want.n
		}
		cmp, ok := order(*v, c.want)
		if !ok {
			return false
		}
		switch c.op {
		case opGt:
			return cmp > 0
		case opLt:
			return cmp < 0
		case opGte:
			return cmp >= 0
		}
		return cmp <= 0
	case opContains:
		return contains(*v, c.want)
	case opDoesNotContains:
		return !contains(*v, c.want)
	case opBeginsWith:
		return v.k == kString && c.want.k == kString && strings.HasPrefix(v.s, c.want.s)
	case opDoesNotBeginsWith:
		return !(v.k == kString && c.want.k == kString && strings.HasPrefix(v.s, c.want.s))
	case opEndsWith:
		return v.k == kString && c.want.k == kString && strings.HasSuffix(v.s, c.want.s)
	case opDoesNotEndsWith:
		return !(v.k == kString && c.want.k == kString && strings.HasSuffix(v.s, c.want.s))
	case opIn:
		if v.isArray() {
			for i := 0; i < v.len(); i++ {
				if c.inSet(v.elem(i)) {
					return true
				}
			}
			return false
		}
		return v.k != kNull && c.inSet(*v)
	case opContainsAny:
		switch {
		case v.isArray():
			for i := 0; i < v.len(); i++ {
				if c.inSet(v.elem(i)) {
					return true
				}
			}
			return false
		case v.k == kNull, v.k == kObject:
			return false
		}
		return c.inSet(*v) // a lone value counts as one element
	case opBetween:
		return c.between(v, now)
	case opNotBetween:
		return !c.between(v, now)
	}
	return false
}

func (c *Condition) inSet(v value) bool {
	for _, w := range c.set {
		if equal(v, w) {
			return true
		}
	}
	return false
}

func (c *Condition) between(v *value, now time.Time) bool {
	if v.k != kString {
		return false
	}
	t, ok := parseTime(v.s)
	if !ok {
		return false
	}
	from, to := c.rng.resolve(now)
	return !t.Before(from) && !t.After(to)
}

// contains: a substring of a string, or an element of an array.
func contains(v, want value) bool {
	switch {
	case v.k == kString:
		return want.k == kString && strings.Contains(v.s, want.s)
	case v.isArray():
		return containsElem(v, want)
	}
	return false
}

// Match evaluates the query on the entity at now.
func (q *Query) Match(e *Entity, now time.Time) bool {
	if q.Combinator == "or" {
		for i := range q.Conditions {
			if q.Conditions[i].Match(e, now) {
				return true
			}
		}
		return false
	}
	for i := range q.Conditions {
		if !q.Conditions[i].Match(e, now) {
			return false
		}
	}
	return true
}

// matchSlots evaluates the query on an entity's fields read in advance.
func (q *Query) matchSlots(vals []value, now time.Time) bool {
	or := q.or
	for i := range q.Conditions {
		c := &q.Conditions[i]
		if c.test(&vals[c.slot], now) == or {
			return or
		}
	}
	return !or
}

// Applies reports whether the scorecard applies to the entity: same
// blueprint when both are known, and the filter, if any, is true.
func (s *Scorecard) Applies(e *Entity, now time.Time) bool {
	if s.Blueprint != "" && e.Blueprint != "" && s.Blueprint != e.Blueprint {
		return false
	}
	return s.Filter == nil || s.Filter.Match(e, now)
}

// NotApplies says why the scorecard leaves the entity out, or "" when it
// applies: `scorecard X is for blueprint "service", not "workload"` or
// `scorecard X's filter leaves it out`. The words depend only on the
// scorecard and the entity's blueprint, so a report can group entities by
// them and say it once rather than once per service.
func (s *Scorecard) NotApplies(e *Entity, now time.Time) string {
	switch {
	case s.Blueprint != "" && e.Blueprint != "" && s.Blueprint != e.Blueprint:
		return fmt.Sprintf("scorecard %s is for blueprint %q, not %q", s.Identifier, s.Blueprint, e.Blueprint)
	case s.Filter != nil && !s.Filter.Match(e, now):
		return fmt.Sprintf("scorecard %s's filter leaves it out", s.Identifier)
	}
	return ""
}

// levelOf applies the level rule (SEMANTICS, Levels 5) to rule outcomes.
func (s *Scorecard) levelOf(pass []bool) int {
	level := 0
	for r := 1; r < len(s.byRank); r++ {
		for _, i := range s.byRank[r] {
			if !pass[i] {
				return level
			}
		}
		if len(s.byRank[r]) > 0 {
			level = r
		}
	}
	return level
}

// Evaluation is the result of every scorecard on every entity at one now.
type Evaluation struct {
	Now        time.Time
	Scorecards []*Scorecard
	Catalog    *Catalog

	offsets []int  // first rule slot of each scorecard within an entity's slots
	stride  int    // rule slots per entity
	pass    []bool // entity*stride + offsets[s] + rule
	levels  []int16
	applies []bool             // entity*len(Scorecards) + s
	exempt  map[int]*Exemption // by pass slot; set by Exempt
	// pending[s][r] is true for announced rules that do not count yet at
	// Now; pending[s] is nil for a scorecard with none.
	pending [][]bool
}

// Evaluate runs every scorecard over every entity of the catalog, at now.
// It allocates its result tables once; checking a condition allocates
// nothing. Large catalogs are split across the machine's cores.
func Evaluate(now time.Time, scorecards []*Scorecard, cat *Catalog) *Evaluation {
	ev := &Evaluation{Now: now.UTC(), Scorecards: scorecards, Catalog: cat}
	ev.offsets = make([]int, len(scorecards))
	ev.pending = make([][]bool, len(scorecards))
	maxFields := 0
	for i, s := range scorecards {
		ev.offsets[i] = ev.stride
		ev.stride += len(s.Rules)
		maxFields = max(maxFields, len(s.fields))
		for ri := range s.Rules {
			if from := s.Rules[ri].CountsFrom; !from.IsZero() && ev.Now.Before(from) {
				if ev.pending[i] == nil {
					ev.pending[i] = make([]bool, len(s.Rules))
				}
				ev.pending[i][ri] = true
			}
		}
	}
	n := len(cat.Entities)
	ns := len(scorecards)
	ev.pass = make([]bool, n*ev.stride)
	ev.levels = make([]int16, n*ns)
	ev.applies = make([]bool, n*ns)
	workers := min(runtime.GOMAXPROCS(0), 1+n/parallelFrom)
	if workers <= 1 {
		ev.evaluate(0, n, maxFields)
		return ev
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Go(func() { ev.evaluate(lo, hi, maxFields) })
	}
	wg.Wait()
	return ev
}

// parallelFrom is the catalog size from which a second core pays for itself.
const parallelFrom = 4096

// evaluate fills the result tables for entities [lo, hi). The fields read
// for one entity live on the stack when they fit: storing them there needs
// no GC write barriers.
func (ev *Evaluation) evaluate(lo, hi, maxFields int) {
	var stack [16]value
	vals := stack[:]
	if maxFields > len(stack) {
		vals = make([]value, maxFields)
	}
	// Each field's column, where the catalog keeps one; nil reads the map.
	cols := make([][][]any, len(ev.Scorecards))
	for si, s := range ev.Scorecards {
		cols[si] = make([][]any, len(s.fields))
		for i, f := range s.fields {
			if f.kind == fProperty {
				cols[si][i] = ev.Catalog.column(f.name)
			}
		}
	}
	ns := len(ev.Scorecards)
	var counts []bool // pass, with announced rules that do not count yet
	for e := lo; e < hi; e++ {
		ent := &ev.Catalog.Entities[e]
		for si, s := range ev.Scorecards {
			if s.Blueprint != "" && ent.Blueprint != "" && s.Blueprint != ent.Blueprint {
				continue
			}
			v := vals[:len(s.fields)]
			for i := range s.fields {
				if col := cols[si][i]; col != nil {
					v[i] = fromAny(col[e])
				} else {
					s.fields[i].readInto(ent, &v[i])
				}
			}
			if s.Filter != nil && !s.Filter.matchSlots(v, ev.Now) {
				continue
			}
			ev.applies[e*ns+si] = true
			base := e*ev.stride + ev.offsets[si]
			pass := ev.pass[base : base+len(s.Rules)]
			for ri := range s.Rules {
				pass[ri] = s.Rules[ri].Query.matchSlots(v, ev.Now)
			}
			if pend := ev.pending[si]; pend != nil {
				counts = append(counts[:0], pass...)
				for ri, p := range pend {
					counts[ri] = counts[ri] || p
				}
				ev.levels[e*ns+si] = int16(s.levelOf(counts))
				continue
			}
			ev.levels[e*ns+si] = int16(s.levelOf(pass))
		}
	}
}

// Result is one scorecard's outcome for one entity.
type Result struct {
	Entity    *Entity
	Scorecard *Scorecard
	Applies   bool
	Level     int    // rank in Scorecard.Levels
	Pass      []bool // by rule index; nil when the scorecard does not apply
	now       time.Time
	ev        *Evaluation // for exemptions
	base      int         // first pass slot
	si        int         // the scorecard's index in the evaluation
}

// Result returns scorecard s's outcome for entity e (both indexes).
func (ev *Evaluation) Result(e, s int) Result {
	ns := len(ev.Scorecards)
	r := Result{Entity: &ev.Catalog.Entities[e], Scorecard: ev.Scorecards[s], now: ev.Now, ev: ev, si: s}
	if !ev.applies[e*ns+s] {
		return r
	}
	base := e*ev.stride + ev.offsets[s]
	r.Applies = true
	r.base = base
	r.Level = int(ev.levels[e*ns+s])
	r.Pass = ev.pass[base : base+len(r.Scorecard.Rules)]
	return r
}

// ScorecardIndex returns the position of the scorecard with identifier id.
func (ev *Evaluation) ScorecardIndex(id string) int { return scorecardIndex(ev.Scorecards, id) }

func scorecardIndex(scs []*Scorecard, id string) int {
	for i, s := range scs {
		if s.Identifier == id {
			return i
		}
	}
	return -1
}

// LevelName is the title of the entity's level.
func (r Result) LevelName() string { return r.Scorecard.Levels[r.Level].Title }

// Failing returns the indexes of the failing rules, lowest level first.
func (r Result) Failing() []int {
	var out []int
	for rank := range r.Scorecard.Levels {
		for _, i := range r.Scorecard.RulesAt(rank) {
			if !r.Pass[i] {
				out = append(out, i)
			}
		}
	}
	return out
}

// NextLevel returns the rank of the next level the entity can reach (the
// lowest level above its own that has rules) and the rules to fix for it;
// an exempt rule needs no fix. ok is false at the top.
func (r Result) NextLevel() (rank int, fix []int, ok bool) {
	s := r.Scorecard
	for next := r.Level + 1; next < len(s.Levels); next++ {
		if len(s.RulesAt(next)) == 0 {
			continue
		}
		for rank := 1; rank <= next; rank++ {
			for _, i := range s.RulesAt(rank) {
				if !r.Counts(i) {
					fix = append(fix, i)
				}
			}
		}
		return next, fix, true
	}
	return 0, nil, false
}

// Reasons explains why rule i fails: for each condition that made it fail,
// the value the entity has and what the condition wants. Nil when it passes.
func (r Result) Reasons(i int) []string {
	if !r.Applies || r.Pass[i] {
		return nil
	}
	q := &r.Scorecard.Rules[i].Query
	var out []string
	for ci := range q.Conditions {
		c := &q.Conditions[ci]
		if !c.Match(r.Entity, r.now) {
			out = append(out, c.Explain(r.Entity, r.now))
		}
	}
	return out
}
