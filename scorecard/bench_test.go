package scorecard

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// productionReadiness is the seed guide's scorecard, corrected: 8 rules.
const productionReadiness = `{"identifier":"production_readiness","title":"Production Readiness","rules":[
{"identifier":"has_readme","title":"Has a README","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}},
{"identifier":"freshness_under_year","title":"Freshness under a year","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"freshness","operator":"<","value":366}]}},
{"identifier":"required_approvals","title":"Required approvals","level":"Silver","query":{"combinator":"and","conditions":[{"property":"required_approvals_for_pr","operator":">","value":0}]}},
{"identifier":"code_owner_review","title":"Code-owner review","level":"Silver","query":{"combinator":"and","conditions":[{"property":"require_code_owner_review","operator":"=","value":true}]}},
{"identifier":"freshness_under_90","title":"Freshness under 90 days","level":"Silver","query":{"combinator":"and","conditions":[{"property":"freshness","operator":"<","value":90}]}},
{"identifier":"has_team","title":"Has a team","level":"Gold","query":{"combinator":"and","conditions":[{"property":"$team","operator":"isNotEmpty"}]}},
{"identifier":"has_on_call","title":"Has an on-call","level":"Gold","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}},
{"identifier":"freshness_under_30","title":"Freshness under 30 days","level":"Gold","query":{"combinator":"and","conditions":[{"property":"freshness","operator":"<","value":30}]}}]}`

// syntheticCatalog returns n entities as Port sends them (about 700 bytes each).
func syntheticCatalog(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	ents := make([]map[string]any, n)
	langs := []string{"Go", "Python", "TypeScript", "Java", "Ruby"}
	for i := range ents {
		id := fmt.Sprintf("service-%06d", i)
		var onCall any
		if rng.IntN(3) > 0 {
			onCall = fmt.Sprintf("oncall-%d@example.com", rng.IntN(200))
		}
		var readme any
		if rng.IntN(10) > 0 {
			readme = "README.md"
		}
		team := []string{fmt.Sprintf("team-%03d", rng.IntN(200))}
		if rng.IntN(20) == 0 {
			team = []string{}
		}
		ents[i] = map[string]any{
			"identifier": id, "title": fmt.Sprintf("Service %d", i), "blueprint": "service", "icon": "Microservice",
			"team": team,
			"properties": map[string]any{
				"readme": readme, "freshness": rng.IntN(500), "required_approvals_for_pr": rng.IntN(3),
				"require_code_owner_review": rng.IntN(2) == 0, "on_call": onCall, "language": langs[rng.IntN(len(langs))],
				"lifecycle": "production", "url": "https://github.com/example/" + id,
				"description":     "A service of the synthetic benchmark catalog, with a description of typical length.",
				"last_deploy":     time.Date(2026, 11, 1+rng.IntN(25), 10, 0, 0, 0, time.UTC).Format(time.RFC3339),
				"slo_target":      99.9,
				"tier":            "tier-2",
				"open_incidents":  rng.IntN(4),
				"coverage":        rng.Float64() * 100,
				"deployment_freq": rng.Float64() * 10,
			},
			"relations": map[string]any{"pagerduty_service": "PD-" + id, "repository": "repo-" + id, "dependencies": []string{"db", "cache"}},
			"createdAt": "2024-03-01T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z", "createdBy": "ci-bot", "updatedBy": "ci-bot",
		}
	}
	data, err := json.Marshal(ents)
	if err != nil {
		panic(err)
	}
	return data
}

func benchEvaluate(b *testing.B, n int) {
	scs, fs := ParseScorecards("pr.json", []byte(productionReadiness))
	if fs.Err() != nil {
		b.Fatal(fs.Err())
	}
	cat, err := ParseCatalog("bench.json", syntheticCatalog(n))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	var gold int
	for b.Loop() {
		ev := Evaluate(now, scs, cat)
		gold = 0
		for e := range cat.Entities {
			if ev.Result(e, 0).Level == 3 {
				gold++
			}
		}
	}
	b.ReportMetric(float64(n*len(scs[0].Rules)), "rule-checks/op")
	if gold == 0 || gold == n {
		b.Fatalf("gold %d of %d: the synthetic catalog should spread over levels", gold, n)
	}
}

// BenchmarkEvaluate is one full pass of the production-readiness scorecard.
// Its allocations per op are the result tables only, whatever n is.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("entities=%d", n), func(b *testing.B) { benchEvaluate(b, n) })
	}
}

// BenchmarkParseCatalog compares ParseCatalog with encoding/json decoding
// the same bytes into []map[string]any (the target: at most 1.5 times).
func BenchmarkParseCatalog(b *testing.B) {
	data := syntheticCatalog(10_000)
	b.Run("prodready", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseCatalog("bench.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-maps", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v []map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestEvaluateAllocatesOnlyItsTables guards "no allocation per condition":
// evaluating 10 or 1,000 entities costs the same number of allocations.
func TestEvaluateAllocatesOnlyItsTables(t *testing.T) {
	scs, _ := ParseScorecards("pr.json", []byte(productionReadiness))
	allocs := func(n int) float64 {
		cat, err := ParseCatalog("bench.json", syntheticCatalog(n))
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(5, func() { Evaluate(now, scs, cat) })
	}
	small, large := allocs(10), allocs(1000)
	if large != small {
		t.Errorf("Evaluate allocates %v times for 10 entities and %v for 1,000: something allocates per entity or condition", small, large)
	}
}

// BenchmarkSuggest: "did you mean" over a 10,000-service catalog.
func BenchmarkSuggest(b *testing.B) {
	cat, err := ParseCatalog("bench.json", syntheticCatalog(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := cat.Suggest("service-00412", 3); len(s) == 0 {
			b.Fatal("no suggestion")
		}
	}
}

// TestColumnsAgreeWithMaps: evaluation through the catalog's columns gives
// exactly what reading each entity's map gives, for common and rare
// properties alike, on one core and on several.
func TestColumnsAgreeWithMaps(t *testing.T) {
	scs, fs := ParseScorecards("pr.json", []byte(productionReadiness))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	rare, fs := ParseScorecards("rare.json", []byte(`{"identifier":"rare","rules":[{"identifier":"r","title":"Rare","level":"Gold","query":{"combinator":"or","conditions":[{"property":"rare","operator":"=","value":1},{"property":"coverage","operator":">","value":50}]}}]}`))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	scs = append(scs, rare...)
	for _, n := range []int{100, 2000, 9000} {
		cat, err := ParseCatalog("c.json", syntheticCatalog(n))
		if err != nil {
			t.Fatal(err)
		}
		cat.Entities[7].Properties["rare"] = 1.0 // after NewCatalog: only a map has it...
		cat, err = NewCatalog(cat.Entities)      // ...until the catalog is rebuilt
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case n < minColumnEntities && cat.columns != nil:
			t.Fatalf("n=%d: a small catalog has columns", n)
		case n >= minColumnEntities && (cat.column("rare") != nil || cat.column("freshness") == nil):
			t.Fatalf("n=%d columns: rare %v, freshness %v", n, cat.column("rare") != nil, cat.column("freshness") != nil)
		}
		ev := Evaluate(now, scs, cat)
		for e := range cat.Entities {
			for si, sc := range scs {
				r := ev.Result(e, si)
				for ri := range sc.Rules {
					if want := sc.Rules[ri].Query.Match(&cat.Entities[e], now); r.Pass[ri] != want {
						t.Fatalf("n=%d entity %d rule %s: columns say %v, the map says %v", n, e, sc.Rules[ri].Identifier, r.Pass[ri], want)
					}
				}
			}
		}
		if !ev.Result(7, len(scs)-1).Pass[0] {
			t.Error("the rare property was not read")
		}
	}
}

// BenchmarkSplitCatalog: the one pass over a catalog file that cuts it
// into pieces and reads its keys and identifiers, before any decoding; a
// streamed check cannot start writing before it ends.
func BenchmarkSplitCatalog(b *testing.B) {
	data := syntheticCatalog(10_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := SplitCatalog(data, 160<<10); !ok {
			b.Fatal("not split")
		}
	}
}
