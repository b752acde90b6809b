package bot

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func levenshtein(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+c)
		}
	}
	return d[len(a)][len(b)]
}

func FuzzWithinEdits(f *testing.F) {
	for _, p := range [][2]string{{"", ""}, {"abc", "abd"}, {"payments-api", "paymnts-api"}, {"kitten", "sitting"}, {"a", "xyzw"}, {"été", "ete"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ra, rb := []rune(a), []rune(b)
		if len(ra) > 64 || len(rb) > 64 {
			return
		}
		want := levenshtein(ra, rb)
		for k := 0; k <= 4; k++ {
			if got := withinEdits(ra, rb, k); got != (want <= k) {
				t.Fatalf("withinEdits(%q, %q, %d) = %v, distance %d", a, b, k, got, want)
			}
		}
	})
}

// The fast path must say exactly what scorecard's Catalog.Suggest says.
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
