package mcp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

type tools struct{ cfg Config }

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// ServiceResult is get_service's answer. Scorecards has the shape of
// `check --format json`'s, keyed by scorecard identifier, with more beside.
type ServiceResult struct {
	Identifier string                       `json:"identifier"`
	Title      string                       `json:"title"`
	Team       []string                     `json:"team"`
	URL        string                       `json:"url,omitempty"`
	Now        string                       `json:"evaluated_at"`
	Scorecards map[string]ScorecardStanding `json:"scorecards"`
	LastCI     []CIResult                   `json:"last_ci,omitempty"`
}

// ScorecardStanding is a service's result on one scorecard.
type ScorecardStanding struct {
	Title     string       `json:"title"`
	Level     string       `json:"level"`
	Target    string       `json:"target"`
	NextLevel string       `json:"next_level,omitempty"`
	ToNext    []string     `json:"to_reach_next_level,omitempty"` // rule identifiers
	Rules     []RuleResult `json:"rules"`
}

// RuleResult is one rule's outcome for one service.
type RuleResult struct {
	Identifier string   `json:"identifier"`
	Title      string   `json:"title"`
	Level      string   `json:"level"`
	Status     string   `json:"status"`
	Reasons    []string `json:"reasons"`
	HowToFix   string   `json:"how_to_fix,omitempty"`
	Exempt     *Exempt  `json:"exempt,omitempty"`
}

// Exempt is an exemption in force for a failing rule.
type Exempt struct {
	Until  string `json:"until"`
	Reason string `json:"reason"`
	By     string `json:"by"`
	Origin string `json:"origin"`
}

// CIResult is the latest level a CI run reported for a service.
type CIResult struct {
	Scorecard   string `json:"scorecard"`
	Level       string `json:"level"`
	Commit      string `json:"commit,omitempty"`
	PipelineURL string `json:"pipeline_url,omitempty"`
	ReceivedAt  string `json:"received_at"`
}

type serviceArgs struct {
	Service string `json:"service"`
}

func (t tools) state(ctx context.Context) (*State, error) {
	st, err := t.cfg.State(ctx)
	if err != nil {
		return nil, fmt.Errorf("no evaluation to answer from: %w", err)
	}
	if st == nil || st.Evaluation == nil {
		return nil, errors.New("no evaluation to answer from yet: the catalog is still loading")
	}
	return st, nil
}

func (t tools) getService(ctx context.Context, in serviceArgs) (ServiceResult, string, error) {
	if strings.TrimSpace(in.Service) == "" {
		return ServiceResult{}, "", invalidParams("argument \"service\": required: a service's identifier or title")
	}
	st, err := t.state(ctx)
	if err != nil {
		return ServiceResult{}, "", err
	}
	ev := st.Evaluation
	ei, ok := ev.Catalog.Find(in.Service)
	if !ok {
		return ServiceResult{}, "", invalidParams("argument \"service\": no service named %q%s", in.Service, didYouMean(in.Service, serviceNames(ev)))
	}
	ent := &ev.Catalog.Entities[ei]
	out := ServiceResult{Identifier: ent.Identifier, Title: ent.Title, Team: nonNil(ent.Team), Now: ev.Now.Format("2006-01-02T15:04:05Z07:00"),
		Scorecards: map[string]ScorecardStanding{}}
	if st.EntityURL != nil {
		out.URL = st.EntityURL(ent)
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%s (%s)", ent.Identifier, orDash(ent.Title))
	if len(ent.Team) > 0 {
		fmt.Fprintf(&text, " — team %s", strings.Join(ent.Team, ", "))
	}
	text.WriteByte('\n')
	for _, si := range byIdentifier(ev, ei) {
		r := ev.Result(ei, si)
		sc := r.Scorecard
		s := ScorecardStanding{Title: sc.Name(), Level: r.LevelName(), Target: target(st, sc), Rules: make([]RuleResult, len(sc.Rules))}
		if rank, fix, ok := r.NextLevel(); ok {
			s.NextLevel = sc.Levels[rank].Title
			for _, i := range fix {
				s.ToNext = append(s.ToNext, sc.Rules[i].Identifier)
			}
		}
		failing := 0
		for ri := range sc.Rules {
			rule := &sc.Rules[ri]
			rr := RuleResult{Identifier: rule.Identifier, Title: rule.Title, Level: rule.Level, Status: "SUCCESS", Reasons: []string{}}
			if !r.Pass[ri] {
				rr.Status = "FAILURE"
				rr.Reasons = nonNil(r.Reasons(ri))
				rr.HowToFix = rule.Description
				failing++
			}
			if x := r.Exemption(ri); x != nil {
				rr.Exempt = &Exempt{Until: x.UntilText(), Reason: x.Reason, By: x.By, Origin: x.Origin}
			}
			s.Rules[ri] = rr
		}
		out.Scorecards[sc.Identifier] = s
		fmt.Fprintf(&text, "%s: %s (target %s), %d of %d rules pass", s.Title, s.Level, s.Target, len(sc.Rules)-failing, len(sc.Rules))
		if s.NextLevel != "" {
			fmt.Fprintf(&text, "; to reach %s fix %s", s.NextLevel, strings.Join(s.ToNext, ", "))
		}
		text.WriteByte('\n')
		for _, rr := range s.Rules {
			if rr.Status == "FAILURE" {
				fmt.Fprintf(&text, "  ✗ %s [%s, %s]: %s", rr.Title, rr.Identifier, rr.Level, strings.Join(rr.Reasons, "; "))
				if rr.Exempt != nil {
					fmt.Fprintf(&text, " (exempt until %s)", rr.Exempt.Until)
				}
				text.WriteByte('\n')
			}
		}
	}
	if len(out.Scorecards) == 0 {
		text.WriteString("No scorecard applies to this service.\n")
	}
	if t.cfg.LastCI != nil {
		results, err := t.cfg.LastCI(ctx, ent.Identifier)
		if err != nil {
			return ServiceResult{}, "", fmt.Errorf("the latest CI results of %s: %w", ent.Identifier, err)
		}
		for _, c := range results {
			out.LastCI = append(out.LastCI, CIResult{Scorecard: c.Scorecard, Level: c.Level, Commit: c.Commit, PipelineURL: c.PipelineURL,
				ReceivedAt: c.ReceivedAt.UTC().Format("2006-01-02T15:04:05Z")})
			fmt.Fprintf(&text, "Last CI check on %s: %s, %s", c.Scorecard, c.Level, c.ReceivedAt.UTC().Format("2006-01-02 15:04 UTC"))
			if c.Commit != "" {
				fmt.Fprintf(&text, ", commit %.7s", c.Commit)
			}
			text.WriteByte('\n')
		}
	}
	return out, text.String(), nil
}

// byIdentifier returns, per scorecard identifier in order, the index of
// the scorecard that applies to the entity: the last of that identifier,
// as check's JSON keeps it.
func byIdentifier(ev *scorecard.Evaluation, ei int) []int {
	seen := map[string]int{}
	var ids []string
	for si := len(ev.Scorecards) - 1; si >= 0; si-- {
		id := ev.Scorecards[si].Identifier
		if _, ok := seen[id]; ok {
			continue
		}
		if ev.Result(ei, si).Applies {
			seen[id] = si
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = seen[id]
	}
	return out
}

func target(st *State, sc *scorecard.Scorecard) string {
	if st.Target != nil {
		if t := st.Target(sc); t != "" && sc.LevelRank(t) >= 0 {
			return sc.Levels[sc.LevelRank(t)].Title
		}
	}
	return sc.Levels[len(sc.Levels)-1].Title
}

func serviceNames(ev *scorecard.Evaluation) []string {
	out := make([]string, 0, len(ev.Catalog.Entities))
	for i := range ev.Catalog.Entities {
		out = append(out, ev.Catalog.Entities[i].Identifier)
	}
	return out
}

func didYouMean(name string, candidates []string) string {
	near := scorecard.Suggest(name, candidates, 3)
	if len(near) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(near, ", ") + "?"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "no title"
	}
	return s
}
