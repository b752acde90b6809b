package gate

import (
	"cmp"
	"slices"

	"github.com/prodready/prodready/scorecard"
)

// The text output lists services by level, lowest first, then by
// identifier, so that what most needs work comes first and two runs over
// the same catalog print the same order whatever order a source returns.

// rankOf is a service's lowest level over the scorecards that apply to it
// (the number of levels there are plus one when none applies).
func rankOf(ev *scorecard.Evaluation, ei int) int {
	rank := -1
	for si := range ev.Scorecards {
		if r := ev.Result(ei, si); r.Applies && (rank < 0 || r.Level < rank) {
			rank = r.Level
		}
	}
	if rank < 0 {
		return int(^uint(0) >> 1)
	}
	return rank
}

// byLevel returns entities ordered by rankOf, then identifier.
func byLevel(ev *scorecard.Evaluation, entities []int) []int {
	type key struct {
		ei, rank int
		id       string
	}
	keys := make([]key, len(entities))
	for k, ei := range entities {
		keys[k] = key{ei, rankOf(ev, ei), ev.Catalog.Entities[ei].Identifier}
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.id, b.id))
	})
	out := make([]int, len(keys))
	for k, x := range keys {
		out[k] = x.ei
	}
	return out
}

// Below is one result under the bar, as check lists it on stderr.
type Below struct {
	rank int
	id   string
	text string
}

func (b Below) String() string { return b.text }

// sortBelow orders results by level, lowest first, then service.
func sortBelow(list []Below) {
	slices.SortStableFunc(list, func(a, b Below) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.id, b.id))
	})
}

// gateEntry is one service's text in the streamed gate: text, or its place
// in its piece's buffer until every piece is in.
type gateEntry struct {
	rank     int
	id       string
	off, end int
	text     []byte
}

func sortGate(list []gateEntry) {
	slices.SortStableFunc(list, func(a, b gateEntry) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.id, b.id))
	})
}
