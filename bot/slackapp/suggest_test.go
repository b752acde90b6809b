package slackapp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The bot's suggestions are exactly scorecard's Catalog.Suggest.
func TestSuggestServicesMatchesCatalogSuggest(t *testing.T) {
	s := NewEvaluated(hugeBundle(t, 1, 1, 200), testNow)
	demo := demoEvaluated(t)
	rng := rand.New(rand.NewPCG(7, 7))
	mutate := func(n string) string {
		r := []rune(strings.ToLower(n))
		for e := rng.IntN(5); e > 0 && len(r) > 0; e-- {
			i := rng.IntN(len(r))
			switch rng.IntN(3) {
			case 0:
				r = slices.Delete(r, i, i+1)
			case 1:
				r[i] = rune('a' + rng.IntN(26))
			default:
				r = slices.Insert(r, i, rune('a'+rng.IntN(26)))
			}
		}
		return string(r)
	}
	for _, snap := range []*Evaluated{s, demo} {
		ents := snap.Evaluation.Catalog.Entities
		for i := 0; i < 40; i++ {
			e := ents[rng.IntN(len(ents))]
			for _, q := range []string{mutate(e.Identifier), mutate(e.Name()), e.Identifier[:min(4, len(e.Identifier))], "x", "Service 0012", fmt.Sprint(rng.IntN(100))} {
				want := snap.Evaluation.Catalog.Suggest(q, 3)
				if got := snap.SuggestServices(q, 3); !slices.Equal(got, want) {
					t.Fatalf("SuggestServices(%q) = %q, Catalog.Suggest = %q", q, got, want)
				}
			}
		}
	}
}

func BenchmarkSuggestServices10k(b *testing.B) {
	s := NewEvaluated(hugeBundle(b, 1, 1, 10000), testNow)
	for b.Loop() {
		s.SuggestServices("svc-0123x", 3)
	}
}
