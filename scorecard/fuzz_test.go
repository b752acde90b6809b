package scorecard

import (
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

// FuzzEvaluate: any scorecard over any entity keeps the level rule and
// explains every failure.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte(productionReadiness), []byte(`{"identifier":"e","team":["a"],"properties":{"readme":"x","freshness":12,"required_approvals_for_pr":1,"require_code_owner_review":"true"}}`))
	f.Add([]byte(`{"identifier":"s","levels":[{"title":"A"},{"title":"C"},{"title":"B"}],"rules":[{"identifier":"r","title":"R","level":"B","query":{"combinator":"or","conditions":[{"property":"$createdAt","operator":"notBetween","value":{"from":"2020-01-01","to":"2021-01-01"}},{"relation":"x","operator":"containsAny","value":["a"]}]}}]}`),
		[]byte(`{"identifier":"e","createdAt":"2020-06-01T00:00:00Z","relations":{"x":["b","a"]}}`))
	f.Fuzz(func(t *testing.T, defs, entity []byte) {
		scs, _ := ParseScorecards("fuzz.json", defs)
		cat, err := ParseCatalog("fuzz-entity.json", append(append([]byte("["), entity...), ']'))
		if err != nil || len(scs) == 0 {
			return
		}
		ev := Evaluate(now, scs, cat)
		for e := range cat.Entities {
			for si := range scs {
				checkResult(t, ev.Result(e, si))
			}
		}
	})
}
