package slackapp

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard"
)

// The catalog of the jobs' tests (bot/jobs_test.go), for the tests here.

// dgLadderJSON: Bronze needs a readme, Silver an on-call, Gold an SLO >= 99.
const dgLadderJSON = `[{"identifier":"pr","title":"Readiness",
 "levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"},{"title":"Gold"}],
 "rules":[
  {"identifier":"readme","title":"Has a README","description":"Add a README.","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}},
  {"identifier":"oncall","title":"Has an on-call","description":"Name an on-call.","level":"Silver","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}},
  {"identifier":"slo","title":"SLO at least 99","description":"Raise the SLO.","level":"Gold","query":{"combinator":"and","conditions":[{"property":"slo","operator":">=","value":99}]}}]}]`

func dgService(id string, level int, teams ...string) scorecard.Entity {
	p := map[string]any{}
	if level >= 1 {
		p["readme"] = "README.md"
	}
	if level >= 2 {
		p["on_call"] = "someone"
	}
	if level >= 3 {
		p["slo"] = 99.9
	}
	return scorecard.Entity{Identifier: id, Title: id, Blueprint: "service", Team: teams, Properties: p}
}

// dgSource is a catalog the test changes between runs.
type dgSource struct {
	mu   sync.Mutex
	ents []scorecard.Entity
}

func (s *dgSource) set(ents ...scorecard.Entity) {
	s.mu.Lock()
	s.ents = ents
	s.mu.Unlock()
}

func (s *dgSource) Load(_ context.Context, _ time.Time) (*scorecard.Bundle, error) {
	s.mu.Lock()
	ents := append([]scorecard.Entity(nil), s.ents...)
	s.mu.Unlock()
	scs, f := scorecard.ParseScorecards("ladder.json", []byte(dgLadderJSON))
	if err := f.Err(); err != nil {
		return nil, err
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		return nil, err
	}
	return &scorecard.Bundle{Scorecards: scs, Catalog: cat, Origin: "test catalog",
		Teams: []scorecard.Team{{Identifier: "payments", Name: "Payments"}, {Identifier: "search", Name: "Search"}}}, nil
}

func dgText(t *testing.T, m slackemu.Message) string {
	t.Helper()
	var blocks any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for k, y := range x {
				if k != "text" {
					walk(y)
				} else if _, isStr := y.(string); !isStr {
					walk(y)
				}
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(blocks)
	return b.String()
}
