// Package report decides what to tell whom: a service's standing, digests
// for managers, notices for teams, and the history they are computed from.
// It produces data; rendering for Slack lives in bot, for terminals here.
package report

import (
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Service is what one service needs to hear: its level on each scorecard
// that applies to it, why it fails what it fails, and what to fix next.
type Service struct {
	Identifier string
	Title      string
	Teams      []string
	URL        string // the entity in the catalog's own UI, when there is one
	Scorecards []Standing
}

// Standing is a service's result on one scorecard.
type Standing struct {
	Scorecard string // identifier
	Title     string
	Level     string
	Rank      int
	Levels    []string      // the scorecard's levels, in rank order
	Failing   []LevelFaults // failing rules grouped by level, lowest first
	Passed    int           // rules that pass
	Total     int           // rules in the scorecard
	Next      *Step         // nil at the top level
}

// LevelFaults are the failing rules at one level.
type LevelFaults struct {
	Level string
	Rules []Fault
}

// Fault is one failing rule and why it fails.
type Fault struct {
	Rule        string // identifier
	Title       string
	Description string
	Level       string
	Reasons     []string // the evaluator's exact explanation
	Why         []string // the same in plain words (see Why)
	Doc         string   // the rule's documentation link, when its description gives one
	// Exempt is the active exemption that makes the rule count as passing
	// for the level; nil when there is none. The rule still fails.
	Exempt *scorecard.Exemption
	// CountsFrom is set on an announced rule that does not count yet: the
	// level is computed without it until then.
	CountsFrom time.Time
}

// CountsFromLine says when an announced rule starts to count, or "".
func (f Fault) CountsFromLine() string {
	if f.CountsFrom.IsZero() {
		return ""
	}
	return "counts from " + f.CountsFrom.UTC().Format("2 Jan 2006") + " (announced: the level is computed without it until then)"
}

// Step is what it takes to reach the next level.
type Step struct {
	Level string
	Fix   []Fault
}

// ForService builds the report of entity e from an evaluation. url, when not
// nil, links the entity in the catalog's UI.
func ForService(ev *scorecard.Evaluation, e int, url func(*scorecard.Entity) string) Service {
	ent := &ev.Catalog.Entities[e]
	s := Service{Identifier: ent.Identifier, Title: ent.Name(), Teams: ent.Team}
	if url != nil {
		s.URL = url(ent)
	}
	for si := range ev.Scorecards {
		r := ev.Result(e, si)
		if !r.Applies {
			continue
		}
		s.Scorecards = append(s.Scorecards, standing(r, ev.Now))
	}
	return s
}

func standing(r scorecard.Result, now time.Time) Standing {
	sc := r.Scorecard
	st := Standing{Scorecard: sc.Identifier, Title: sc.Name(), Level: r.LevelName(), Rank: r.Level, Levels: sc.LevelNames(), Total: len(sc.Rules)}
	faults := map[int]Fault{}
	for _, i := range r.Failing() {
		rule := &sc.Rules[i]
		f := Fault{Rule: rule.Identifier, Title: rule.Name(), Description: rule.Description, Level: rule.Level, Reasons: r.Reasons(i), Why: Why(r, i, now), Doc: DocLink(rule.Description), Exempt: r.Exemption(i)}
		if from, ok := r.CountsFrom(i); ok {
			f.CountsFrom = from
		}
		faults[i] = f
		if n := len(st.Failing); n == 0 || st.Failing[n-1].Level != rule.Level {
			st.Failing = append(st.Failing, LevelFaults{Level: rule.Level})
		}
		st.Failing[len(st.Failing)-1].Rules = append(st.Failing[len(st.Failing)-1].Rules, f)
	}
	st.Passed = st.Total - len(faults)
	if rank, fix, ok := r.NextLevel(); ok {
		step := &Step{Level: sc.Levels[rank].Title}
		for _, i := range fix {
			step.Fix = append(step.Fix, faults[i])
		}
		st.Next = step
	}
	return st
}
