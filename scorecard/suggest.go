package scorecard

import (
	"sort"
	"strings"
)

// distance is the Levenshtein distance between a and b, case-insensitively.
func distance(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
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
		if seen[c] {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		d := distance(lname, lc)
		switch {
		case d <= closeEnough(lname):
		case len(lname) >= 3 && strings.HasPrefix(lc, lname):
			d = closeEnough(lname) + 1
		case len(lname) >= 4 && strings.Contains(lc, lname):
			d = closeEnough(lname) + 2
		default:
			continue
		}
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
