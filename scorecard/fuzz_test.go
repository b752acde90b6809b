package scorecard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func addSharedSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(sharedDir, "*.json"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// FuzzParseScorecards: any input gives scorecards or findings, never a
// panic; every finding names the file; a returned scorecard is usable.
func FuzzParseScorecards(f *testing.F) {
	addSharedSeeds(f)
	f.Add([]byte(productionReadiness))
	f.Add([]byte(`[{"blueprint":"service","data":[{"identifier":"a","levels":[{"title":"X"},{"title":"Y"}],"rules":[{"identifier":"r","title":"R","level":"Y","query":{"combinator":"or","conditions":[{"relation":"r","operator":"in","value":["a",1,null]}]}}]}]}]`))
	f.Add([]byte(`{"ok":true,"scorecards":[{"identifier":"b","rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[{"property":"d","operator":"between","value":{"preset":"today"}}]}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		scs, findings := ParseScorecards("fuzz.json", data)
		for _, fd := range findings {
			if !strings.HasPrefix(fd.String(), "fuzz.json") {
				t.Fatalf("finding without the file: %s", fd)
			}
		}
		if len(scs) > 0 && findings.Err() != nil && len(findings.Errors()) == 0 {
			t.Fatal("Err and Errors disagree")
		}
		cat, err := NewCatalog([]Entity{{Identifier: "e", Properties: map[string]any{"x": 1.0, "d": "2026-01-01"}, Team: Teams{"t"}}})
		if err != nil {
			t.Fatal(err)
		}
		ev := Evaluate(now, scs, cat)
		for si, sc := range scs {
			if len(sc.Levels) == 0 {
				t.Fatalf("scorecard %s has no levels", sc.Identifier)
			}
			checkResult(t, ev.Result(0, si))
		}
	})
}

// checkResult asserts the level rule and that every failing rule explains itself.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if !r.Applies {
		return
	}
	sc := r.Scorecard
	for rank := 1; rank <= r.Level; rank++ {
		for _, i := range sc.RulesAt(rank) {
			if !r.Pass[i] {
				t.Fatalf("level %s but rule %s at %s fails", r.LevelName(), sc.Rules[i].Identifier, sc.Rules[i].Level)
			}
		}
	}
	if r.Level > 0 && len(sc.RulesAt(r.Level)) == 0 {
		t.Fatalf("level %s has no rules but was granted", r.LevelName())
	}
	for _, i := range r.Failing() {
		if len(r.Reasons(i)) == 0 {
			t.Fatalf("rule %s fails without a reason", sc.Rules[i].Identifier)
		}
	}
	if next, _, ok := r.NextLevel(); ok && next <= r.Level {
		t.Fatalf("next level %d is not above %d", next, r.Level)
	}
}

// FuzzParseCatalog: never a panic; the fast and the careful parsers agree.
func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(`[{"identifier":"a","team":"x","properties":{"p":1}},{"identifier":"b","team":["x","y"],"relations":{"r":null}}]`))
	f.Add([]byte(`{"ok":true,"entities":[{"identifier":"a","scorecards":{"s":{"level":"Gold","rules":[{"identifier":"r","status":"SUCCESS","level":"Gold"}]}}}],"next":"abc"}`))
	f.Add([]byte(`[{"identifier":"a"},{"identifier":"a"}]`))
	f.Add([]byte(`[{"title":"no id"}]`))
	f.Add([]byte(`[{"identifier":"a","rules":[]}]`))
	f.Add(syntheticCatalog(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := ParseCatalog("fuzz.json", data)
		p := catalogParser{file: "fuzz.json", data: data}
		ents, perr := p.parse()
		var careful *Catalog
		if perr == nil && len(ents) > 0 {
			careful, perr = p.index(ents)
		}
		if (err == nil) != (perr == nil && careful != nil) {
			t.Fatalf("fast path error %v; careful path error %v", err, perr)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(cat.Entities) != len(careful.Entities) {
			t.Fatalf("fast path read %d entities, careful path %d", len(cat.Entities), len(careful.Entities))
		}
		for i := range cat.Entities {
			if got, ok := cat.Find(cat.Entities[i].Identifier); !ok || cat.Entities[got].Identifier != cat.Entities[i].Identifier {
				t.Fatalf("entity %q cannot be found by its identifier", cat.Entities[i].Identifier)
			}
		}
	})
}

// FuzzEvaluate: one condition over one entity, both built from a few short
// fuzzed parts (the field read, the operator, the rule's value, the
// entity's value, "not"). The evaluation hot path agrees with Match, an
// operator and its negation never agree, the level rule holds and every
// failure explains itself.
//
// The inputs are short strings rather than whole JSON documents, for two
// reasons. The fuzzer minimises every input that finds new coverage, at a
// cost that grows with the square of its size, for up to -fuzzminimizetime
// (60 s by default), and reports no executions meanwhile: with a 1.7 KB
// scorecard as the seed, a 5 s run spent nearly all its time minimising
// (4 executions in 6 s). And nearly every mutation of a whole document is
// JSON that does not parse, which tests the parser, not the evaluator
// (FuzzParseScorecards covers whole documents).
func FuzzEvaluate(f *testing.F) {
	for _, s := range evaluateSeeds() {
		f.Add(s.field, s.op, s.value, s.entity, s.not)
	}
	f.Fuzz(func(t *testing.T, field, op, value, entityValue string, not bool) {
		sc, ok := fuzzScorecard(field, op, value, not)
		if !ok {
			return
		}
		ent, ok := fuzzEntity(field, entityValue)
		if !ok {
			return
		}
		cat, err := ParseCatalog("fuzz-entity.json", ent)
		if err != nil {
			return
		}
		e := &cat.Entities[0]
		ev := Evaluate(now, []*Scorecard{sc}, cat)
		r := ev.Result(0, 0)
		checkResult(t, r)
		if !r.Applies {
			t.Fatal("a scorecard without a filter or blueprint does not apply")
		}
		for i := range sc.Rules {
			if slow := sc.Rules[i].Query.Match(e, now); r.Pass[i] != slow {
				t.Fatalf("rule %s: Evaluate says %v, Match says %v", sc.Rules[i].Identifier, r.Pass[i], slow)
			}
		}
		cond := &sc.Rules[0].Query.Conditions[0]
		if neg, ok := negations[cond.Operator]; ok {
			nsc, ok := fuzzScorecard(field, string(neg), value, not)
			if !ok {
				t.Fatalf("%s parses but its negation %s does not", cond.Operator, neg)
			}
			if a, b := cond.Match(e, now), nsc.Rules[0].Query.Conditions[0].Match(e, now); a == b {
				t.Fatalf("%s and %s both say %v on %s", cond.Operator, neg, a, entityValue)
			}
		}
		if cond.Explain(e, now) == "" {
			t.Fatal("an empty explanation")
		}
	})
}

// evaluateSeed is one input of FuzzEvaluate.
type evaluateSeed struct {
	field, op, value, entity string
	not                      bool
}

// evaluateSeeds cover every operator and every kind of field.
func evaluateSeeds() []evaluateSeed {
	return []evaluateSeed{
		{"freshness", "<", `366`, `412`, false},
		{"readme", "isNotEmpty", ``, `"x"`, false},
		{"readme", "isEmpty", ``, `""`, true},
		{"lang", "in", `["Go","Python"]`, `"Go"`, false},
		{"$team", "containsAny", `["a"]`, `["b","a"]`, false},
		{"$createdAt", "notBetween", `{"from":"2020-01-01","to":"2021-01-01"}`, `"2020-06-01T00:00:00Z"`, false},
		{"d", "between", `{"preset":"lastWeek"}`, `"2026-11-20T00:00:00Z"`, false},
		{"d", "=", `{"preset":"today"}`, `"2026-11-26"`, false},
		{"@pagerduty", "isNotEmpty", ``, `null`, false},
		{"@deps", "contains", `"db"`, `["cache","db"]`, false},
		{"x", "=", `"true"`, `true`, false},
		{"x", "!=", `1`, `"1.0"`, false},
		{"x", ">", `"2026-06-01T00:00:00Z"`, `"garbage"`, false},
		{"x", ">=", `"b"`, `"a"`, false},
		{"x", "contains", `"go"`, `["rust","go"]`, false},
		{"x", "beginsWith", `"https://"`, `"https://a"`, false},
		{"x", "doesNotEndsWith", `".md"`, `12`, false},
		{"x", "=", `["a","b"]`, `["a","b"]`, false},
		{"$identifier", "=", `"e"`, `"e"`, false},
		{"$title", "doesNotContains", `"old"`, `"Payments"`, false},
	}
}

// TestEvaluateSeedsAreUsable: every seed of FuzzEvaluate reaches the
// evaluator; a seed the target turns away would fuzz nothing.
func TestEvaluateSeedsAreUsable(t *testing.T) {
	for _, s := range evaluateSeeds() {
		if _, ok := fuzzScorecard(s.field, s.op, s.value, s.not); !ok {
			t.Errorf("seed %+v makes no scorecard", s)
		}
		ent, ok := fuzzEntity(s.field, s.entity)
		if !ok {
			t.Errorf("seed %+v makes no entity", s)
			continue
		}
		if _, err := ParseCatalog("seed.json", ent); err != nil {
			t.Errorf("seed %+v: %v", s, err)
		}
	}
}

// negations pairs each operator with the one that is always its opposite
// (SEMANTICS, Operators). The orderings are not in it: against null or a
// value of another kind, > and <= are both false.
var negations = map[Operator]Operator{
	OpIsEmpty: OpIsNotEmpty, OpIsNotEmpty: OpIsEmpty, OpEq: OpNeq, OpNeq: OpEq,
	OpContains: OpDoesNotContains, OpDoesNotContains: OpContains,
	OpBeginsWith: OpDoesNotBeginsWith, OpDoesNotBeginsWith: OpBeginsWith,
	OpEndsWith: OpDoesNotEndsWith, OpDoesNotEndsWith: OpEndsWith,
	OpBetween: OpNotBetween, OpNotBetween: OpBetween,
}

// fuzzScorecard builds a scorecard whose levels rank by position (A, C, B,
// D) and whose rules each use the condition: alone at C, "or" with
// isNotEmpty at B, "and" with isEmpty at D. field names a relation when it
// starts with "@"; value is the rule's value as JSON, none when empty.
// ok is false when the parts do not make a usable scorecard.
func fuzzScorecard(field, op, value string, not bool) (*Scorecard, bool) {
	cond := map[string]any{"operator": op}
	key, name := "property", field
	if rest, ok := strings.CutPrefix(field, "@"); ok {
		key, name = "relation", rest
	}
	cond[key] = name
	if value != "" {
		if !json.Valid([]byte(value)) {
			return nil, false
		}
		cond["value"] = json.RawMessage(value)
	}
	if not {
		cond["not"] = true
	}
	other := func(op Operator) map[string]any { return map[string]any{key: name, "operator": op} }
	rule := func(id, level, comb string, conds ...any) map[string]any {
		return map[string]any{"identifier": id, "title": id, "level": level,
			"query": map[string]any{"combinator": comb, "conditions": conds}}
	}
	doc, err := json.Marshal(map[string]any{
		"identifier": "fuzz",
		"levels":     []any{map[string]any{"title": "A"}, map[string]any{"title": "C"}, map[string]any{"title": "B"}, map[string]any{"title": "D"}},
		"rules": []any{
			rule("alone", "C", "and", cond),
			rule("or_set", "B", "or", cond, other(OpIsNotEmpty)),
			rule("and_empty", "D", "and", cond, other(OpIsEmpty)),
		},
	})
	if err != nil {
		return nil, false
	}
	scs, findings := ParseScorecards("fuzz.json", doc)
	if findings.Err() != nil || len(scs) != 1 {
		return nil, false
	}
	return scs[0], true
}

// fuzzEntity is a one-entity catalog whose field (a property, a relation
// after "@", or a meta-property such as "$team") holds value, a JSON value.
func fuzzEntity(field, value string) ([]byte, bool) {
	if !json.Valid([]byte(value)) {
		return nil, false
	}
	ent := map[string]any{"identifier": "e"}
	v := json.RawMessage(value)
	switch {
	case strings.HasPrefix(field, "@"):
		ent["relations"] = map[string]any{field[1:]: v}
	case strings.HasPrefix(field, "$"):
		ent[field[1:]] = v
	default:
		ent["properties"] = map[string]any{field: v}
	}
	b, err := json.Marshal([]any{ent})
	return b, err == nil
}
