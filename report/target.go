package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// Targets is PRODREADY_TARGET_LEVEL: the level each scorecard counts as
// at target. "Silver" is Silver on every scorecard that has it;
// "ProductionReadiness:Silver,OpsMaturity:Operable" names one per
// scorecard (a bare level among them is the rest's). No target: digests
// count the top level, and notices ask each service for its next level up.
type Targets struct {
	All string            // the bare level, "" for none
	Per map[string]string // scorecard identifier -> level
}

// ParseTargets reads PRODREADY_TARGET_LEVEL; the error names it.
func ParseTargets(v string) (Targets, error) {
	var t Targets
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			if strings.TrimSpace(v) == "" {
				return t, nil
			}
			return Targets{}, fmt.Errorf("report.Targets=%q: an empty entry; write LEVEL, or SCORECARD:LEVEL entries separated by commas", v)
		}
		sc, level, per := strings.Cut(part, ":")
		sc, level = strings.TrimSpace(sc), strings.TrimSpace(level)
		switch {
		case !per && t.All != "":
			return Targets{}, fmt.Errorf("report.Targets=%q: two levels for every scorecard (%s and %s); name the scorecard of one as SCORECARD:LEVEL", v, t.All, part)
		case !per:
			t.All = part
		case sc == "" || level == "":
			return Targets{}, fmt.Errorf("report.Targets=%q: %q must be SCORECARD:LEVEL, like ProductionReadiness:Silver", v, part)
		default:
			if t.Per == nil {
				t.Per = map[string]string{}
			}
			if prev, dup := t.Per[sc]; dup {
				return Targets{}, fmt.Errorf("report.Targets=%q: scorecard %s has two targets (%s and %s)", v, sc, prev, level)
			}
			t.Per[sc] = level
		}
	}
	return t, nil
}

// For is the target level of scorecard id; "" when none is set for it.
func (t Targets) For(id string) string {
	if l, ok := t.Per[id]; ok {
		return l
	}
	return t.All
}

// IsZero reports whether no target is set.
func (t Targets) IsZero() bool { return t.All == "" && len(t.Per) == 0 }

// Check checks the targets against the scorecards loaded: a scorecard
// named that is not loaded, or a level a scorecard lacks, is an error;
// a bare level must be a level of at least one scorecard (the others use
// their default and are returned in notes).
func (t Targets) Check(scs []ScorecardDef) (notes []string, err error) {
	byID := map[string]*ScorecardDef{}
	var ids []string
	for i := range scs {
		byID[scs[i].Identifier] = &scs[i]
		ids = append(ids, scs[i].Identifier)
	}
	var errs []string
	keys := make([]string, 0, len(t.Per))
	for k := range t.Per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, id := range keys {
		sc, ok := byID[id]
		if !ok {
			errs = append(errs, fmt.Sprintf("it names scorecard %q, which is not loaded (scorecards: %s)", id, strings.Join(ids, ", ")))
			continue
		}
		if sc.LevelRank(t.Per[id]) < 0 {
			errs = append(errs, fmt.Sprintf("scorecard %s has no level %q (levels: %s)", id, t.Per[id], strings.Join(sc.Levels, ", ")))
		}
	}
	if t.All != "" {
		found := false
		for i := range scs {
			sc := &scs[i]
			if _, own := t.Per[sc.Identifier]; own {
				continue
			}
			if sc.LevelRank(t.All) >= 0 {
				found = true
			} else {
				notes = append(notes, fmt.Sprintf("report.Targets=%q is not a level of scorecard %q (levels: %s); its default target is used", t.All, sc.Identifier, strings.Join(sc.Levels, ", ")))
			}
		}
		if !found && len(scs) > len(t.Per) {
			errs = append(errs, fmt.Sprintf("level %q is not a level of any scorecard", t.All))
		}
	}
	if len(errs) > 0 {
		return notes, fmt.Errorf("report.Targets: %s", strings.Join(errs, "; "))
	}
	return notes, nil
}

// DefsOf describes scorecards as snapshots do, for Check.
func DefsOf(scs []*scorecard.Scorecard) []ScorecardDef {
	out := make([]ScorecardDef, len(scs))
	for i, sc := range scs {
		out[i] = ScorecardDef{Identifier: sc.Identifier, Title: sc.Title, Levels: sc.LevelNames()}
	}
	return out
}

// TargetFor is the level PRODREADY_TARGET_LEVEL's value sets for one
// scorecard: "" when it sets none (the caller's default applies).
func TargetFor(target, scorecardID string) string { return targetOf(target, scorecardID) }

// targetOf reads a target as DigestInput.Target and BuildNotices take it
// (PRODREADY_TARGET_LEVEL's syntax) for one scorecard; an unparsable value
// counts as a bare level.
func targetOf(target, scorecardID string) string {
	t, err := ParseTargets(target)
	if err != nil {
		return target
	}
	return t.For(scorecardID)
}
