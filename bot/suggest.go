package bot

import (
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// maxSuggestEdits is the most edits scorecard.Suggest ever allows.
const maxSuggestEdits = 3

// suggester answers "did you mean" over many names fast. scorecard.Suggest
// computes a full edit distance against every candidate, tens of
// milliseconds over a 10,000-service catalog; here a bounded distance
// (which gives up as soon as it exceeds maxSuggestEdits) and a substring
// test pick the few candidates Suggest could accept, from names lowered
// once per evaluation, and Suggest itself ranks them, so that the answer
// is exactly Suggest's.
type suggester struct {
	names []string
	lower [][]rune
	low   []string
}

func newSuggester(names []string) *suggester {
	s := &suggester{names: names, lower: make([][]rune, len(names)), low: make([]string, len(names))}
	for i, n := range names {
		s.low[i] = strings.ToLower(n)
		s.lower[i] = []rune(s.low[i])
	}
	return s
}

func (s *suggester) suggest(name string, max int) []string {
	lname := strings.ToLower(strings.TrimSpace(name))
	if lname == "" {
		return nil
	}
	ln := []rune(lname)
	var cands []string
	var rows [2][]int
	for i, c := range s.lower {
		if strings.Contains(s.low[i], lname) || withinEditsBuf(ln, c, maxSuggestEdits, &rows) {
			cands = append(cands, s.names[i])
		}
	}
	return scorecard.Suggest(name, cands, max)
}

// withinEdits reports whether the Levenshtein distance of a and b is at
// most k, computing only the diagonal band that can stay within k.
func withinEdits(a, b []rune, k int) bool {
	var rows [2][]int
	return withinEditsBuf(a, b, k, &rows)
}

// withinEditsBuf is withinEdits reusing rows across calls.
func withinEditsBuf(a, b []rune, k int, rows *[2][]int) bool {
	if d := len(a) - len(b); d > k || -d > k {
		return false
	}
	const inf = 1 << 30
	for r := range rows {
		if cap(rows[r]) < len(b)+1 {
			rows[r] = make([]int, len(b)+1)
		}
	}
	prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(len(b), i+k)
		// Only the band is computed; the cells on its edges read as
		// infinite, except the first column, which is i.
		cur[lo-1] = inf
		if lo == 1 {
			cur[0] = i
		}
		if hi < len(b) {
			cur[hi+1] = inf
		}
		best := cur[lo-1]
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := prev[j-1] + cost
			if prev[j]+1 < v {
				v = prev[j] + 1
			}
			if cur[j-1]+1 < v {
				v = cur[j-1] + 1
			}
			cur[j] = v
			if v < best {
				best = v
			}
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(b)] <= k
}
