package gate

import (
	"fmt"
	"io"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// SelectScorecards is the scorecard of scs identified by id (all of them
// when id is ""); false, said on w, when none is.
func SelectScorecards(w io.Writer, scs []*scorecard.Scorecard, id string) ([]*scorecard.Scorecard, bool) {
	if id == "" {
		return scs, true
	}
	var out []*scorecard.Scorecard
	var ids []string
	for _, sc := range scs {
		ids = append(ids, sc.Identifier)
		if sc.Identifier == id {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		fmt.Fprintf(w, "prodready check: --scorecard %q is not defined; scorecards are %s%s\n", id, strings.Join(ids, ", "), didYouMean(scorecard.Suggest(id, ids, 3)))
		return nil, false
	}
	return out, true
}

// MinRanks is, per scorecard, the rank of minLevel (any case), -1 where
// it is not a level; a scorecard that does not gate is said on w. False,
// said on w, when no scorecard has the level. All -1 without minLevel.
func MinRanks(w io.Writer, scs []*scorecard.Scorecard, minLevel string) ([]int, bool) {
	ranks := make([]int, len(scs))
	if minLevel == "" {
		return ranks, true
	}
	var all []string
	defined := false
	for i, sc := range scs {
		ranks[i] = sc.LevelRankFold(minLevel)
		defined = defined || ranks[i] >= 0
		all = append(all, sc.LevelNames()...)
	}
	if !defined {
		fmt.Fprintf(w, "prodready check: --min-level %q is not a level of any scorecard evaluated; levels are %s%s\n", minLevel, strings.Join(uniq(all), ", "), didYouMean(scorecard.Suggest(minLevel, uniq(all), 3)))
		return nil, false
	}
	for i, sc := range scs {
		if ranks[i] < 0 {
			fmt.Fprintf(w, "prodready: scorecard %s has no level %q; it does not gate\n", sc.Identifier, minLevel)
		}
	}
	return ranks, true
}

// SelectServices resolves SERVICE arguments (identifier or title, any
// case); none means every entity. False, said on w, for a name that finds
// no service.
func SelectServices(w io.Writer, cat *scorecard.Catalog, names []string) ([]int, bool) {
	if len(names) == 0 {
		return all(len(cat.Entities)), true
	}
	var out []int
	seen := map[int]bool{}
	for _, n := range names {
		i, ok := cat.Find(n)
		if !ok {
			fmt.Fprintf(w, "prodready check: no service named %q%s\n", n, didYouMean(cat.Suggest(n, 3)))
			return nil, false
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out, true
}

// all is 0, 1, …, n-1.
func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
