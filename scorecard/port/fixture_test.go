package port_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/port"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// fixtureScorecards are two scorecards in Port's format that read
// properties, a relation, a meta-property and dates, with a filter.
const fixtureScorecards = `[
  {
    "identifier": "ProductionReadiness",
    "title": "Production Readiness",
    "rules": [
      {"identifier": "hasReadme", "title": "Has a README", "level": "Bronze",
       "query": {"combinator": "and", "conditions": [{"property": "readme", "operator": "isNotEmpty"}]}},
      {"identifier": "hasOwner", "title": "Has an owning team", "level": "Bronze",
       "query": {"combinator": "and", "conditions": [{"property": "$team", "operator": "isNotEmpty"}]}},
      {"identifier": "fresh", "title": "Dependencies fresh", "level": "Silver",
       "query": {"combinator": "and", "conditions": [{"property": "freshness", "operator": "<", "value": 90}]}},
      {"identifier": "onCall", "title": "Has on-call", "level": "Silver",
       "query": {"combinator": "or", "conditions": [{"property": "on_call", "operator": "isNotEmpty"}, {"relation": "pagerduty_service", "operator": "isNotEmpty"}]}},
      {"identifier": "deployedRecently", "title": "Deployed in the last month", "level": "Gold",
       "query": {"combinator": "and", "conditions": [{"property": "last_deploy", "operator": "between", "value": {"preset": "lastMonth"}}]}}
    ]
  },
  {
    "identifier": "GoStandards",
    "title": "Go standards",
    "filter": {"combinator": "and", "conditions": [{"property": "language", "operator": "=", "value": "Go"}]},
    "levels": [{"title": "Low", "color": "red"}, {"title": "High", "color": "green"}],
    "rules": [
      {"identifier": "codeOwners", "title": "Code owners review", "level": "High",
       "query": {"combinator": "and", "conditions": [{"property": "require_code_owner_review", "operator": "=", "value": true}]}}
    ]
  }
]`

// fixtureEntities makes n deterministic service entities with varied
// answers to the fixture's rules, plus fields no scorecard reads (which a
// careful client does not download).
func fixtureEntities(n int, now time.Time) []scorecard.Entity {
	langs := []string{"Go", "Python", "Java", "Go", "TypeScript"}
	teams := []string{"payments", "search", "platform", "identity"}
	out := make([]scorecard.Entity, n)
	for i := range out {
		props := map[string]any{
			"freshness":                 float64((i * 37) % 200),
			"language":                  langs[i%len(langs)],
			"require_code_owner_review": i%3 != 0,
			"last_deploy":               now.AddDate(0, 0, -(i % 60)).Format(time.RFC3339),
			"description":               fmt.Sprintf("Service number %d, which does important things for the business and has a long description nobody reads.", i),
			"slo_target":                99.5,
		}
		if i%4 != 0 {
			props["readme"] = "README.md"
		}
		if i%5 == 1 {
			props["on_call"] = fmt.Sprintf("oncall-%d@example.com", i)
		}
		rels := map[string]any{"repository": fmt.Sprintf("github.com/example/svc-%d", i)}
		if i%7 == 2 {
			rels["pagerduty_service"] = fmt.Sprintf("PD-%d", i)
		}
		var team scorecard.Teams
		if i%6 != 5 {
			team = scorecard.Teams{teams[i%len(teams)]}
		}
		out[i] = scorecard.Entity{
			Identifier: fmt.Sprintf("svc-%05d", i),
			Title:      fmt.Sprintf("Service %d", i),
			Blueprint:  "service",
			Team:       team,
			Properties: props,
			Relations:  rels,
			CreatedAt:  "2024-01-01T00:00:00Z",
			UpdatedAt:  "2025-01-01T00:00:00Z",
			CreatedBy:  "seed",
			UpdatedBy:  "seed",
		}
	}
	return out
}

func fixtureTeams() []porttest.Team {
	return []porttest.Team{
		{Name: "payments", Emails: []string{"ana@example.com", "bo@example.com"}},
		{Name: "search", Emails: []string{"cy@example.com"}},
		{Name: "platform"},
		{Name: "identity", Emails: []string{"di@example.com"}},
	}
}

// withPortResults fills Entity.Scorecards with the engine's own results, as
// Port would have computed them, so that Compare has a baseline.
func withPortResults(t testing.TB, ents []scorecard.Entity, now time.Time) []scorecard.Entity {
	t.Helper()
	scs, fs := scorecard.ParseScorecards("fixture", []byte(fixtureScorecards))
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		t.Fatal(err)
	}
	ev := scorecard.Evaluate(now, scs, cat)
	for ei := range ents {
		ents[ei].Scorecards = map[string]scorecard.PortResult{}
		for si, sc := range scs {
			r := ev.Result(ei, si)
			if !r.Applies {
				continue
			}
			pr := scorecard.PortResult{Level: r.LevelName()}
			for ri, rule := range sc.Rules {
				st := port.StatusFailure
				if r.Pass[ri] {
					st = port.StatusSuccess
				}
				pr.Rules = append(pr.Rules, scorecard.PortRuleResult{Identifier: rule.Identifier, Status: st, Level: rule.Level})
			}
			ents[ei].Scorecards[sc.Identifier] = pr
		}
	}
	return ents
}

// newEmulator starts an emulator with n fixture entities and the fixture
// scorecards and teams.
func newEmulator(t testing.TB, n int, now time.Time, opts ...porttest.Option) *porttest.Server {
	t.Helper()
	srv := porttest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.SetEntities("service", fixtureEntities(n, now))
	if err := srv.SetScorecards("service", []byte(fixtureScorecards)); err != nil {
		t.Fatal(err)
	}
	srv.SetTeams(fixtureTeams())
	return srv
}

// testConfig points a client at the emulator with short, test-sized patience.
func testConfig(srv *porttest.Server) port.Config {
	return port.Config{
		ClientID:       porttest.DefaultClientID,
		ClientSecret:   porttest.DefaultClientSecret,
		BaseURL:        srv.URL,
		Blueprint:      "service",
		RequestTimeout: 2 * time.Second,
		Retries:        4,
		RetryWait:      10 * time.Millisecond,
		RetryMaxWait:   3 * time.Second,
		RetryBudget:    10 * time.Second,
	}
}
