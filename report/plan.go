package report

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Plan is the effect of a scorecard change on one catalog at one time:
// what `prodready plan` prints before the change merges.
type Plan struct {
	Now        time.Time       `json:"now"`
	Services   int             `json:"services"`
	Scorecards []ScorecardPlan `json:"scorecards"`
	// Demotions counts the services whose level drops on some scorecard.
	Demotions int `json:"demotions"`
}

// ScorecardPlan is the change of one scorecard (by identifier).
type ScorecardPlan struct {
	Identifier string `json:"identifier"`
	Title      string `json:"title"`
	// Added or Removed: the scorecard is only in the new, or only in the
	// base definitions.
	Added   bool         `json:"added,omitempty"`
	Removed bool         `json:"removed,omitempty"`
	Levels  []LevelDelta `json:"levels"`
	// Changes are the services whose level changes, demotions first.
	Changes []LevelChange `json:"changes"`
	Rules   []RuleDelta   `json:"rules"`
	// Announced are the new definitions' announced rules that do not count
	// yet, with what they will do when they count.
	Announced []AnnouncedEffect `json:"announced,omitempty"`
}

// LevelDelta is how many services sit at a level before and after.
type LevelDelta struct {
	Level  string `json:"level"`
	Before int    `json:"before"`
	After  int    `json:"after"`
}

// LevelChange is one service whose level changes.
type LevelChange struct {
	Service string   `json:"service"`
	Title   string   `json:"title,omitempty"`
	Teams   []string `json:"team"`
	Before  string   `json:"before"` // "" when the scorecard did not apply
	After   string   `json:"after"`  // "" when it no longer applies
	Demoted bool     `json:"demoted"`
}

// RuleDelta is a rule added, removed or changed, and how many services
// newly fail it.
type RuleDelta struct {
	Rule   string `json:"rule"`
	Title  string `json:"title"`
	Change string `json:"change"` // "added", "removed" or "changed"
	// What changed: "level Silver → Gold", "query", "title".
	What []string `json:"what,omitempty"`
	// NewlyFailing counts the services that fail the new rule and passed
	// the old one (or did not have it).
	NewlyFailing int `json:"newly_failing"`
	// NowPassing counts those that pass the new rule and failed the old.
	NowPassing int `json:"now_passing"`
}

// AnnouncedEffect is what an announced rule will do when it counts.
type AnnouncedEffect struct {
	Rule       string    `json:"rule"`
	Title      string    `json:"title"`
	CountsFrom time.Time `json:"counts_from"`
	// Drops counts the services whose level will drop then, as things
	// stand; By level says below which level they will fall.
	Drops   int            `json:"drops"`
	ByLevel map[string]int `json:"by_level"`
}

// MakePlan evaluates the base and the new scorecards over cat at now, with
// the same exemptions, and says what changes.
func MakePlan(now time.Time, base, next []*scorecard.Scorecard, cat *scorecard.Catalog, xs []scorecard.Exemption) *Plan {
	before := scorecard.Evaluate(now, base, cat)
	after := scorecard.Evaluate(now, next, cat)
	if len(xs) > 0 {
		before.Exempt(xs)
		after.Exempt(xs)
	}
	p := &Plan{Now: now.UTC(), Services: len(cat.Entities)}
	demoted := map[int]bool{}
	ids := map[string]bool{}
	var order []string
	for _, sc := range next {
		if !ids[sc.Identifier] {
			ids[sc.Identifier] = true
			order = append(order, sc.Identifier)
		}
	}
	for _, sc := range base {
		if !ids[sc.Identifier] {
			ids[sc.Identifier] = true
			order = append(order, sc.Identifier)
		}
	}
	for _, id := range order {
		bi, ni := lastIndex(base, id), lastIndex(next, id)
		sp := ScorecardPlan{Identifier: id, Added: bi < 0, Removed: ni < 0, Changes: []LevelChange{}, Rules: []RuleDelta{}}
		var bsc, nsc *scorecard.Scorecard
		if bi >= 0 {
			bsc = base[bi]
			sp.Title = bsc.Name()
		}
		if ni >= 0 {
			nsc = next[ni]
			sp.Title = nsc.Name()
		}
		sp.Levels = levelDeltas(before, bi, after, ni)
		for ei := range cat.Entities {
			var b, a scorecard.Result
			bLevel, aLevel := "", ""
			bRank, aRank := -1, -1
			if bi >= 0 {
				if b = before.Result(ei, bi); b.Applies {
					bLevel, bRank = b.LevelName(), b.Level
				}
			}
			if ni >= 0 {
				if a = after.Result(ei, ni); a.Applies {
					aLevel, aRank = a.LevelName(), a.Level
				}
			}
			if bLevel == aLevel && bRank == aRank {
				continue
			}
			ent := &cat.Entities[ei]
			// A drop is a lower rank on the same ladder, or a lower place
			// among the new levels' titles when the ladder changed.
			dem := bLevel != "" && aLevel != "" && aRank < rankIn(nsc, bLevel, bRank)
			if dem {
				demoted[ei] = true
			}
			sp.Changes = append(sp.Changes, LevelChange{Service: ent.Identifier, Title: ent.Title, Teams: append([]string{}, ent.Team...), Before: bLevel, After: aLevel, Demoted: dem})
		}
		slices.SortStableFunc(sp.Changes, func(x, y LevelChange) int {
			if x.Demoted != y.Demoted {
				if x.Demoted {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(firstTeam(x.Teams), firstTeam(y.Teams)), cmp.Compare(x.Service, y.Service))
		})
		sp.Rules = ruleDeltas(before, bi, after, ni, len(cat.Entities))
		if nsc != nil {
			sp.Announced = announcedEffects(now, nsc, ni, next, cat, xs, after)
		}
		p.Scorecards = append(p.Scorecards, sp)
	}
	p.Demotions = len(demoted)
	return p
}

func lastIndex(scs []*scorecard.Scorecard, id string) int {
	for i := len(scs) - 1; i >= 0; i-- {
		if scs[i].Identifier == id {
			return i
		}
	}
	return -1
}

func firstTeam(t []string) string {
	if len(t) == 0 {
		return "\uffff" // services with no team last
	}
	return t[0]
}

// rankIn places a base level on the new ladder: its rank there when the
// new scorecard has a level of that title, else its old rank.
func rankIn(sc *scorecard.Scorecard, title string, old int) int {
	if sc != nil {
		if r := sc.LevelRankFold(title); r >= 0 {
			return r
		}
	}
	return old
}

func levelDeltas(before *scorecard.Evaluation, bi int, after *scorecard.Evaluation, ni int) []LevelDelta {
	var out []LevelDelta
	at := map[string]int{}
	add := func(title string) int {
		if i, ok := at[title]; ok {
			return i
		}
		at[title] = len(out)
		out = append(out, LevelDelta{Level: title})
		return len(out) - 1
	}
	if ni >= 0 {
		for _, l := range after.Scorecards[ni].Levels {
			add(l.Title)
		}
	}
	if bi >= 0 {
		for _, l := range before.Scorecards[bi].Levels {
			add(l.Title)
		}
	}
	n := len(before.Catalog.Entities)
	for ei := range n {
		if bi >= 0 {
			if r := before.Result(ei, bi); r.Applies {
				out[add(r.LevelName())].Before++
			}
		}
		if ni >= 0 {
			if r := after.Result(ei, ni); r.Applies {
				out[add(r.LevelName())].After++
			}
		}
	}
	return out
}

func ruleDeltas(before *scorecard.Evaluation, bi int, after *scorecard.Evaluation, ni int, n int) []RuleDelta {
	var out []RuleDelta
	var bsc, nsc *scorecard.Scorecard
	if bi >= 0 {
		bsc = before.Scorecards[bi]
	}
	if ni >= 0 {
		nsc = after.Scorecards[ni]
	}
	if nsc != nil {
		for ri := range nsc.Rules {
			nr := &nsc.Rules[ri]
			d := RuleDelta{Rule: nr.Identifier, Title: nr.Name()}
			bri := -1
			if bsc != nil {
				bri = bsc.RuleIndex(nr.Identifier)
			}
			if bri < 0 {
				d.Change = "added"
			} else {
				br := &bsc.Rules[bri]
				if br.Level != nr.Level {
					d.What = append(d.What, "level "+br.Level+" → "+nr.Level)
				}
				if !sameQuery(br.Query, nr.Query) {
					d.What = append(d.What, "query")
				}
				if br.Title != nr.Title {
					d.What = append(d.What, "title")
				}
				if len(d.What) == 0 {
					continue
				}
				d.Change = "changed"
			}
			for ei := range n {
				a := after.Result(ei, ni)
				if !a.Applies {
					continue
				}
				passedBefore := false
				if bri >= 0 {
					if b := before.Result(ei, bi); b.Applies {
						passedBefore = b.Pass[bri]
					}
				}
				switch {
				case !a.Pass[ri] && (bri < 0 || passedBefore):
					d.NewlyFailing++
				case a.Pass[ri] && bri >= 0 && !passedBefore:
					d.NowPassing++
				}
			}
			out = append(out, d)
		}
	}
	if bsc != nil {
		for ri := range bsc.Rules {
			br := &bsc.Rules[ri]
			if nsc != nil && nsc.RuleIndex(br.Identifier) >= 0 {
				continue
			}
			d := RuleDelta{Rule: br.Identifier, Title: br.Name(), Change: "removed"}
			for ei := range n {
				if b := before.Result(ei, bi); b.Applies && !b.Pass[ri] {
					d.NowPassing++
				}
			}
			out = append(out, d)
		}
	}
	return out
}

// sameQuery compares two rules' queries as written.
func sameQuery(a, b scorecard.Query) bool {
	if a.Combinator != b.Combinator || len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for i := range a.Conditions {
		x, y := a.Conditions[i], b.Conditions[i]
		if x.Property != y.Property || x.Relation != y.Relation || x.Operator != y.Operator || x.Not != y.Not {
			return false
		}
		xv, _ := json.Marshal(x.Value)
		yv, _ := json.Marshal(y.Value)
		if string(xv) != string(yv) {
			return false
		}
	}
	return true
}

// announcedEffects says, for each announced rule of the new scorecard
// that does not count yet, how many services would drop if it counted now.
func announcedEffects(now time.Time, sc *scorecard.Scorecard, si int, next []*scorecard.Scorecard, cat *scorecard.Catalog, xs []scorecard.Exemption, after *scorecard.Evaluation) []AnnouncedEffect {
	var out []AnnouncedEffect
	for ri := range sc.Rules {
		from := sc.Rules[ri].CountsFrom
		if from.IsZero() || !now.Before(from) {
			continue
		}
		// The same evaluation at its from date would also move date
		// presets; instead count the services this rule alone holds back:
		// the level computed with it counting.
		eff := AnnouncedEffect{Rule: sc.Rules[ri].Identifier, Title: sc.Rules[ri].Name(), CountsFrom: from, ByLevel: map[string]int{}}
		var counts []bool
		for ei := range cat.Entities {
			r := after.Result(ei, si)
			if !r.Applies || r.Pass[ri] || r.Exemption(ri) != nil {
				continue
			}
			counts = counts[:0]
			for i := range sc.Rules {
				counts = append(counts, r.Counts(i) && i != ri)
			}
			if l := sc.LevelFor(counts); l < r.Level {
				eff.Drops++
				eff.ByLevel[r.LevelName()]++
			}
		}
		out = append(out, eff)
	}
	return out
}
