package scorecard

import (
	"fmt"
	"testing"
)

// BenchmarkSuggestScale: "did you mean" for a misspelt identifier (its
// last character wrong, as cmd/slashload misspells), through the
// catalog's index and by scanning every name (scorecard.Suggest, how
// Catalog.Suggest worked before the index), and the index's construction.
func BenchmarkSuggestScale(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		cat, err := ParseCatalog("bench.json", syntheticCatalog(n))
		if err != nil {
			b.Fatal(err)
		}
		queries := []string{"service-00412x", "servce-000413", "Servise 77", "paymnts"}
		b.Run(fmt.Sprintf("index/entities=%d", n), func(b *testing.B) {
			cat.NameIndex()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				cat.Suggest(queries[i%len(queries)], 3)
				i++
			}
		})
		b.Run(fmt.Sprintf("scan/entities=%d", n), func(b *testing.B) {
			names := cat.suggestNames()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				Suggest(queries[i%len(queries)], names, 3)
				i++
			}
		})
		b.Run(fmt.Sprintf("build/entities=%d", n), func(b *testing.B) {
			names := cat.suggestNames()
			b.ReportAllocs()
			for b.Loop() {
				NewNameIndex(names)
			}
		})
	}
}
