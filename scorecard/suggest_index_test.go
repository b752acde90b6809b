package scorecard

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naiveDistance is the textbook Levenshtein distance over lower-cased runes.
func naiveDistance(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
		}
	}
	return d[len(ra)][len(rb)]
}

func randomName(rng *rand.Rand, alphabet []rune, n int) string {
	r := make([]rune, n)
	for i := range r {
		r[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(r)
}

func TestEditDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("abcAB-é日")
	for range 20_000 {
		a, b := randomName(rng, alphabet, rng.IntN(12)), randomName(rng, alphabet, rng.IntN(12))
		if rng.IntN(2) == 0 {
			b = perturb(rng, a, rng.IntN(4), alphabet)
		}
		want := naiveDistance(a, b)
		if got := EditDistance(a, b, -1); got != want {
			t.Fatalf("EditDistance(%q, %q) = %d, want %d", a, b, got, want)
		}
		limit := rng.IntN(5)
		if got := EditDistance(a, b, limit); got != min(want, limit+1) {
			t.Fatalf("EditDistance(%q, %q, %d) = %d, want %d", a, b, limit, got, min(want, limit+1))
		}
	}
	long := strings.Repeat("ab", 50)
	if got := EditDistance(long, long[1:]+"x", 3); got != 2 {
		t.Errorf("long names: %d", got)
	}
}

// perturb makes n random edits.
func perturb(rng *rand.Rand, s string, n int, alphabet []rune) string {
	r := []rune(s)
	for range n {
		i := rng.IntN(len(r) + 1)
		switch c := alphabet[rng.IntN(len(alphabet))]; rng.IntN(3) {
		case 0:
			r = slices.Insert(r, i, c)
		case 1:
			if i < len(r) {
				r = slices.Delete(r, i, i+1)
			}
		default:
			if i < len(r) {
				r[i] = c
			}
		}
	}
	return string(r)
}

// TestNameIndexSuggestsAsScan: on random catalogs and random names, the
// index gives what scorecard.Suggest (a scan of every name) gives, in the
// same order, and then perhaps more (names holding a close word).
func TestNameIndexSuggestsAsScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	words := []string{"payments", "api", "checkout", "web", "search", "indexer", "auth", "worker", "db", "x", "Ünïcode", "日本"}
	var names []string
	for i := range 3000 {
		parts := rng.IntN(3) + 1
		var b strings.Builder
		for p := range parts {
			if p > 0 {
				b.WriteString([]string{"-", "_", " ", ""}[rng.IntN(4)])
			}
			w := words[rng.IntN(len(words))]
			if rng.IntN(3) == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "-%d", i)
		}
		names = append(names, b.String())
	}
	names = append(names, "a", "ab", "abc", "", "   ", "ABC", names[0], names[1])
	ix := NewNameIndex(names)
	alphabet := []rune("abcdeghikmnoprstuwxy-_ 0123456789ÜéA")
	var queries []string
	for range 1500 {
		n := names[rng.IntN(len(names))]
		switch rng.IntN(5) {
		case 0:
			queries = append(queries, randomName(rng, alphabet, rng.IntN(10)))
		case 1:
			if r := []rune(n); len(r) > 0 {
				i := rng.IntN(len(r))
				queries = append(queries, string(r[i:min(len(r), i+1+rng.IntN(8))]))
			}
		default:
			queries = append(queries, perturb(rng, n, rng.IntN(5), alphabet))
		}
	}
	queries = append(queries, "", " ", "paymnts", "PAYMENTS-API", "日本", "x")
	better := 0
	for _, q := range queries {
		all := Suggest(q, names, 10)
		for _, max := range []int{1, 3, 10} {
			want := all[:min(max, len(all))]
			got := ix.Suggest(q, max)
			if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
				t.Fatalf("Suggest(%q, %d): index %q, scan %q", q, max, got, want)
			}
			if len(got) > len(want) {
				better++
			}
		}
	}
	if better == 0 {
		t.Error("the index never found more than the scan: the word rule is not exercised")
	}
}

func TestNameIndexFindsWords(t *testing.T) {
	ix := NewNameIndex([]string{"payments-api", "Payments API", "checkout-web", "refunds-worker"})
	cases := []struct {
		q    string
		want []string
	}{
		{"paymnts", []string{"Payments API", "payments-api"}},
		{"wrker", []string{"refunds-worker"}},
		{"checkout-wbe", []string{"checkout-web"}},
		{"zzzz", nil},
	}
	for _, tc := range cases {
		if got := ix.Suggest(tc.q, 3); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.q, got, tc.want)
		}
	}
}
