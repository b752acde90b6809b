package mcp

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// ServiceSummary is one service in a list.
type ServiceSummary struct {
	Identifier string            `json:"identifier"`
	Title      string            `json:"title"`
	Team       []string          `json:"team"`
	Levels     map[string]string `json:"levels"`        // scorecard identifier -> level
	Failing    map[string]int    `json:"failing_rules"` // scorecard identifier -> rules failing
}

// ServiceList is list_services' answer.
type ServiceList struct {
	Total      int              `json:"total"`
	Services   []ServiceSummary `json:"services"`
	NextOffset *int             `json:"next_offset,omitempty"`
}

type listArgs struct {
	Team       string `json:"team"`
	Scorecard  string `json:"scorecard"`
	Level      string `json:"level"`
	BelowLevel string `json:"below_level"`
	Limit      *int   `json:"limit"`
	Offset     int    `json:"offset"`
}

func (t tools) listServices(ctx context.Context, in listArgs) (ServiceList, string, error) {
	limit := defaultLimit
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > maxLimit {
			return ServiceList{}, "", invalidParams("argument \"limit\": %d is out of range: 1 to %d", *in.Limit, maxLimit)
		}
		limit = *in.Limit
	}
	if in.Offset < 0 {
		return ServiceList{}, "", invalidParams("argument \"offset\": %d is negative", in.Offset)
	}
	st, err := t.state(ctx)
	if err != nil {
		return ServiceList{}, "", err
	}
	ev := st.Evaluation
	var entities []int
	if in.Team != "" {
		team, ok := findTeam(st, in.Team)
		if !ok {
			return ServiceList{}, "", invalidParams("argument \"team\": no team named %q%s", in.Team, didYouMean(in.Team, teamNames(st)))
		}
		entities = team.entities
	} else {
		entities = make([]int, len(ev.Catalog.Entities))
		for i := range entities {
			entities[i] = i
		}
	}
	keep, err := levelFilter(ev, in.Scorecard, in.Level, in.BelowLevel)
	if err != nil {
		return ServiceList{}, "", err
	}
	var matched []int
	for _, ei := range entities {
		if keep(ei) {
			matched = append(matched, ei)
		}
	}
	out := ServiceList{Total: len(matched), Services: []ServiceSummary{}}
	lo := min(in.Offset, len(matched))
	hi := min(lo+limit, len(matched))
	for _, ei := range matched[lo:hi] {
		out.Services = append(out.Services, summarize(ev, ei))
	}
	if hi < len(matched) {
		out.NextOffset = &hi
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%d services match; %d to %d shown\n", out.Total, min(lo+1, hi), hi)
	for _, s := range out.Services {
		fmt.Fprintf(&text, "%s: %s\n", s.Identifier, levelsText(s))
	}
	return out, text.String(), nil
}

// levelFilter keeps the entities a scorecard applies to, at or below a
// level of it; with no scorecard, every entity.
func levelFilter(ev *scorecard.Evaluation, scID, level, below string) (func(int) bool, error) {
	if scID == "" && level == "" && below == "" {
		return func(int) bool { return true }, nil
	}
	if scID == "" {
		if len(ev.Scorecards) != 1 {
			ids := make([]string, len(ev.Scorecards))
			for i, sc := range ev.Scorecards {
				ids[i] = sc.Identifier
			}
			arg := "level"
			if level == "" {
				arg = "below_level"
			}
			return nil, invalidParams("argument \"scorecard\": required with %q when there are several scorecards (%s)", arg, strings.Join(ids, ", "))
		}
		scID = ev.Scorecards[0].Identifier
	}
	si := findScorecard(ev, scID)
	if si < 0 {
		return nil, invalidParams("argument \"scorecard\": no scorecard %q%s", scID, didYouMean(scID, scorecardIDs(ev)))
	}
	sc := ev.Scorecards[si]
	rank := func(arg, title string) (int, error) {
		if title == "" {
			return -1, nil
		}
		r := sc.LevelRankFold(title)
		if r < 0 {
			return 0, invalidParams("argument %q: scorecard %s has no level %q; its levels are %s", arg, sc.Identifier, title, strings.Join(sc.LevelNames(), ", "))
		}
		return r, nil
	}
	at, err := rank("level", level)
	if err != nil {
		return nil, err
	}
	under, err := rank("below_level", below)
	if err != nil {
		return nil, err
	}
	return func(ei int) bool {
		r := ev.Result(ei, si)
		if !r.Applies {
			return false
		}
		return (at < 0 || r.Level == at) && (under < 0 || r.Level < under)
	}, nil
}

func summarize(ev *scorecard.Evaluation, ei int) ServiceSummary {
	ent := &ev.Catalog.Entities[ei]
	s := ServiceSummary{Identifier: ent.Identifier, Title: ent.Title, Team: nonNil(ent.Team), Levels: map[string]string{}, Failing: map[string]int{}}
	for _, si := range byIdentifier(ev, ei) {
		r := ev.Result(ei, si)
		s.Levels[r.Scorecard.Identifier] = r.LevelName()
		s.Failing[r.Scorecard.Identifier] = len(r.Failing())
	}
	return s
}

func levelsText(s ServiceSummary) string {
	ids := make([]string, 0, len(s.Levels))
	for id := range s.Levels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s %s (%d failing)", id, s.Levels[id], s.Failing[id])
	}
	if len(parts) == 0 {
		return "no scorecard applies"
	}
	return strings.Join(parts, "; ")
}

// TeamResult is get_team's answer.
type TeamResult struct {
	Identifier string                    `json:"identifier"`
	Name       string                    `json:"name"`
	Services   []ServiceSummary          `json:"services"`
	LevelMix   map[string]map[string]int `json:"level_mix"` // scorecard -> level -> services
}

type teamArgs struct {
	Team string `json:"team"`
}

type team struct {
	id, name string
	entities []int
}

func teams(st *State) map[string]*team {
	out := map[string]*team{}
	get := func(id string) *team {
		t, ok := out[id]
		if !ok {
			t = &team{id: id, name: id}
			out[id] = t
		}
		return t
	}
	for _, t := range st.Teams {
		if t.Identifier != "" && t.Name != "" {
			get(t.Identifier).name = t.Name
		}
	}
	for i := range st.Evaluation.Catalog.Entities {
		for _, id := range st.Evaluation.Catalog.Entities[i].Team {
			t := get(id)
			t.entities = append(t.entities, i)
		}
	}
	return out
}

// findTeam finds a team by identifier, else by identifier or name in any case.
func findTeam(st *State, name string) (*team, bool) {
	all := teams(st)
	if t, ok := all[name]; ok {
		return t, true
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if t := all[id]; fold(t.id) == fold(name) || fold(t.name) == fold(name) {
			return t, true
		}
	}
	return nil, false
}

func teamNames(st *State) []string {
	var out []string
	for id := range teams(st) {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (t tools) getTeam(ctx context.Context, in teamArgs) (TeamResult, string, error) {
	if strings.TrimSpace(in.Team) == "" {
		return TeamResult{}, "", invalidParams("argument \"team\": required: a team's identifier or name")
	}
	st, err := t.state(ctx)
	if err != nil {
		return TeamResult{}, "", err
	}
	tm, ok := findTeam(st, in.Team)
	if !ok {
		return TeamResult{}, "", invalidParams("argument \"team\": no team named %q%s", in.Team, didYouMean(in.Team, teamNames(st)))
	}
	out := TeamResult{Identifier: tm.id, Name: tm.name, Services: []ServiceSummary{}, LevelMix: map[string]map[string]int{}}
	var text strings.Builder
	fmt.Fprintf(&text, "Team %s (%s): %d services\n", tm.name, tm.id, len(tm.entities))
	for _, ei := range tm.entities {
		s := summarize(st.Evaluation, ei)
		out.Services = append(out.Services, s)
		for sc, level := range s.Levels {
			if out.LevelMix[sc] == nil {
				out.LevelMix[sc] = map[string]int{}
			}
			out.LevelMix[sc][level]++
		}
		fmt.Fprintf(&text, "%s: %s\n", s.Identifier, levelsText(s))
	}
	return out, text.String(), nil
}

// ScorecardExplained is explain_scorecard's answer.
type ScorecardExplained struct {
	Scorecards []ScorecardBrief `json:"scorecards,omitempty"` // when no scorecard was named
	Identifier string           `json:"identifier,omitempty"`
	Title      string           `json:"title,omitempty"`
	Filter     []string         `json:"applies_when,omitempty"`
	Levels     []LevelExplained `json:"levels,omitempty"`
}

// ScorecardBrief names one scorecard.
type ScorecardBrief struct {
	Identifier string   `json:"identifier"`
	Title      string   `json:"title"`
	Levels     []string `json:"levels"`
	Rules      int      `json:"rules"`
}

// LevelExplained is one level and the rules to pass for it.
type LevelExplained struct {
	Title string          `json:"title"`
	Rules []RuleExplained `json:"rules"`
}

// RuleExplained is what one rule asks.
type RuleExplained struct {
	Identifier  string   `json:"identifier"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Combinator  string   `json:"combinator"`
	Conditions  []string `json:"conditions"`
}

type scorecardArgs struct {
	Scorecard string `json:"scorecard"`
}

func (t tools) explainScorecard(ctx context.Context, in scorecardArgs) (ScorecardExplained, string, error) {
	st, err := t.state(ctx)
	if err != nil {
		return ScorecardExplained{}, "", err
	}
	ev := st.Evaluation
	var text strings.Builder
	if strings.TrimSpace(in.Scorecard) == "" {
		var out ScorecardExplained
		for _, sc := range ev.Scorecards {
			out.Scorecards = append(out.Scorecards, ScorecardBrief{Identifier: sc.Identifier, Title: sc.Name(), Levels: sc.LevelNames(), Rules: len(sc.Rules)})
			fmt.Fprintf(&text, "%s (%s): levels %s; %d rules\n", sc.Identifier, sc.Name(), strings.Join(sc.LevelNames(), ", "), len(sc.Rules))
		}
		return out, text.String(), nil
	}
	si := findScorecard(ev, in.Scorecard)
	if si < 0 {
		return ScorecardExplained{}, "", invalidParams("argument \"scorecard\": no scorecard %q%s", in.Scorecard, didYouMean(in.Scorecard, scorecardIDs(ev)))
	}
	sc := ev.Scorecards[si]
	out := ScorecardExplained{Identifier: sc.Identifier, Title: sc.Name()}
	fmt.Fprintf(&text, "%s (%s)\n", sc.Name(), sc.Identifier)
	if sc.Filter != nil {
		for i := range sc.Filter.Conditions {
			out.Filter = append(out.Filter, sc.Filter.Conditions[i].Wants())
		}
		fmt.Fprintf(&text, "Applies when (%s): %s\n", sc.Filter.Combinator, strings.Join(out.Filter, "; "))
	}
	for rank, l := range sc.Levels {
		le := LevelExplained{Title: l.Title, Rules: []RuleExplained{}}
		for _, i := range sc.RulesAt(rank) {
			r := &sc.Rules[i]
			re := RuleExplained{Identifier: r.Identifier, Title: r.Title, Description: r.Description, Combinator: r.Query.Combinator}
			for ci := range r.Query.Conditions {
				re.Conditions = append(re.Conditions, r.Query.Conditions[ci].Wants())
			}
			le.Rules = append(le.Rules, re)
		}
		out.Levels = append(out.Levels, le)
		if rank == 0 {
			fmt.Fprintf(&text, "%s: the base level\n", l.Title)
			continue
		}
		fmt.Fprintf(&text, "%s:\n", l.Title)
		for _, re := range le.Rules {
			fmt.Fprintf(&text, "  %s [%s]: %s\n", re.Title, re.Identifier, strings.Join(re.Conditions, " "+re.Combinator+" "))
		}
	}
	return out, text.String(), nil
}

// findScorecard finds a scorecard by identifier, else by identifier or
// title in any case; the last of an identifier wins, as in check's JSON.
func findScorecard(ev *scorecard.Evaluation, name string) int {
	for si := len(ev.Scorecards) - 1; si >= 0; si-- {
		if ev.Scorecards[si].Identifier == name {
			return si
		}
	}
	for si := len(ev.Scorecards) - 1; si >= 0; si-- {
		sc := ev.Scorecards[si]
		if fold(sc.Identifier) == fold(name) || fold(sc.Title) == fold(name) {
			return si
		}
	}
	return -1
}

func scorecardIDs(ev *scorecard.Evaluation) []string {
	out := make([]string, len(ev.Scorecards))
	for i, sc := range ev.Scorecards {
		out[i] = sc.Identifier
	}
	return out
}
