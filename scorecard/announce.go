package scorecard

import (
	"fmt"
	"time"
)

// Announcement makes a rule count only from a date (SEMANTICS, Announced
// rules). It is kept outside the scorecard's file, so that the file stays
// valid for Port.
type Announcement struct {
	Scorecard, Rule string
	From            time.Time
	// Where it was written, for messages: "initiatives.yaml:12".
	Where string
}

// Announce marks the announced rules of scs. It returns a warning for each
// announcement that names no scorecard or rule of scs; those change nothing.
func Announce(scs []*Scorecard, as []Announcement) []string {
	var warns []string
	for _, a := range as {
		found := false
		for _, sc := range scs {
			if sc.Identifier != a.Scorecard {
				continue
			}
			found = true
			ri := sc.RuleIndex(a.Rule)
			if ri < 0 {
				warns = append(warns, fmt.Sprintf("%s: announced rule %q is not a rule of scorecard %s; the announcement changes nothing", a.Where, a.Rule, a.Scorecard))
				continue
			}
			sc.Rules[ri].CountsFrom = a.From
		}
		if !found {
			warns = append(warns, fmt.Sprintf("%s: announced rule %s of scorecard %q: no such scorecard; the announcement changes nothing", a.Where, a.Rule, a.Scorecard))
		}
	}
	return warns
}

// isPending reports whether rule ri of scorecard si is announced and does
// not count yet at the evaluation's Now.
func (ev *Evaluation) isPending(si, ri int) bool {
	p := ev.pending[si]
	return p != nil && p[ri]
}

// Pending reports whether rule i is announced and does not count yet: it
// is evaluated and shown, but left out of the level.
func (r Result) Pending(i int) bool {
	if r.ev == nil || !r.Applies {
		return false
	}
	return r.ev.isPending(r.si, i)
}

// CountsFrom returns when rule i starts to count, when it is announced and
// does not count yet.
func (r Result) CountsFrom(i int) (time.Time, bool) {
	if !r.Pending(i) {
		return time.Time{}, false
	}
	return r.Scorecard.Rules[i].CountsFrom, true
}

// LevelFor is the level rank that rule outcomes give (SEMANTICS, Levels):
// counts[i] says whether rule i counts as passing.
func (s *Scorecard) LevelFor(counts []bool) int { return s.levelOf(counts) }
