package scorecard

import (
	"sort"
	"strings"
)

// distance is the Levenshtein distance between a and b, case-insensitively.
func distance(a, b string) int { return boundedDistance(a, b, -1) }

// boundedDistance is distance, but gives up (returning limit+1) as soon as
// the answer must exceed limit; a negative limit means no limit. ASCII names,
// nearly all of them, are compared without allocating.
func boundedDistance(a, b string, limit int) int {
	if !isASCII(a) || !isASCII(b) {
		return runeDistance([]rune(strings.ToLower(a)), []rune(strings.ToLower(b)), limit)
	}
	if limit >= 0 && abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	var pbuf, cbuf [64]int
	prev, cur := pbuf[:0], cbuf[:0]
	if len(b)+1 > len(pbuf) {
		prev, cur = make([]int, 0, len(b)+1), make([]int, 0, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := i
		ca := lowerASCII(a[i-1])
		for j := 1; j <= len(b); j++ {
			cost := 1
			if ca == lowerASCII(b[j-1]) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if limit >= 0 && best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func runeDistance(ra, rb []rune, limit int) int {
	if limit >= 0 && abs(len(ra)-len(rb)) > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
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
