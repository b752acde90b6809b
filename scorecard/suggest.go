package scorecard

import (
	"sort"
	"strings"
)

// distance is the edit distance between a and b, ignoring case.
func distance(a, b string) int { return EditDistance(a, b, -1) }

// boundedDistance is EditDistance, named as the linter's callers know it.
func boundedDistance(a, b string, limit int) int { return EditDistance(a, b, limit) }

// EditDistance is the Levenshtein distance between a and b, ignoring case
// (runes, not bytes). It gives up as soon as the answer must exceed limit,
// returning limit+1; a negative limit means no limit. ASCII names, nearly
// all of them, are compared without allocating; only the band of cells
// that can stay within limit is computed.
func EditDistance(a, b string, limit int) int {
	if isASCII(a) && isASCII(b) {
		var abuf, bbuf [64]byte
		return levenshtein(lowerInto(abuf[:0], a), lowerInto(bbuf[:0], b), limit)
	}
	return levenshtein([]rune(strings.ToLower(a)), []rune(strings.ToLower(b)), limit)
}

func lowerInto(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, lowerASCII(s[i]))
	}
	return dst
}

func levenshtein[T byte | rune](a, b []T, limit int) int {
	if limit < 0 || limit > max(len(a), len(b)) {
		limit = max(len(a), len(b))
	}
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	const inf = 1 << 30
	var pbuf, cbuf [65]int
	prev, cur := pbuf[:], cbuf[:]
	if len(b)+1 > len(pbuf) {
		prev, cur = make([]int, len(b)+1), make([]int, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		// Only the band |i-j| <= limit is computed; the cells on its edges
		// read as infinite, except the first column, which is i.
		lo, hi := max(1, i-limit), min(len(b), i+limit)
		cur[lo-1] = inf
		if lo == 1 {
			cur[0] = i
		}
		if hi < len(b) {
			cur[hi+1] = inf
		}
		best := cur[lo-1]
		for j := lo; j <= hi; j++ {
			v := prev[j-1]
			if a[i-1] != b[j-1] {
				v++
			}
			v = min(v, prev[j]+1, cur[j-1]+1)
			cur[j] = v
			best = min(best, v)
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit+1)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// hasPrefixFold and containsFold compare ASCII case-insensitively without
// lower-casing (allocating) every candidate.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// closeEnough is how far a misspelling may be from the name it means.
func closeEnough(name string) int {
	n := len([]rune(name))
	switch {
	case n <= 3:
		return 1
	case n <= 8:
		return 2
	}
	return 3
}

// Suggest returns up to max candidates close to name, closest first: those
// within a few edits, those that start with it, or contain it, ignoring case.
func Suggest(name string, candidates []string, max int) []string {
	type scored struct {
		s string
		d int
	}
	lname := strings.ToLower(strings.TrimSpace(name))
	if lname == "" {
		return nil
	}
	var found []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		d := boundedDistance(lname, c, closeEnough(lname))
		switch {
		case d <= closeEnough(lname):
		case len(lname) >= 3 && hasPrefixFold(c, lname):
			d = closeEnough(lname) + 1
		case len(lname) >= 4 && containsFold(c, lname):
			d = closeEnough(lname) + 2
		default:
			continue
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		found = append(found, scored{c, d})
	}
	sort.SliceStable(found, func(i, j int) bool {
		if found[i].d != found[j].d {
			return found[i].d < found[j].d
		}
		return found[i].s < found[j].s
	})
	out := make([]string, 0, max)
	for _, f := range found {
		if len(out) == max {
			break
		}
		out = append(out, f.s)
	}
	return out
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// OrList joins names as "a, b or c".
func OrList(names []string) string { return orList(names) }
