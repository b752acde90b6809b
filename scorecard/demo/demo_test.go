package demo

import (
	"context"
	"testing"
	"time"
)

// The demo must show every level of the production-readiness scorecard, six
// teams and two services without one, whatever day it is run.
func TestDemoSpreadsOverEveryLevel(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC),
		time.Date(2031, 2, 3, 23, 59, 0, 0, time.UTC),
	} {
		b, err := Source{}.Load(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(b.Catalog.Entities); n < 25 || n > 40 {
			t.Errorf("demo has %d services; want about 30", n)
		}
		ev := b.Evaluate(now)
		pr := ev.ScorecardIndex("production_readiness")
		if pr < 0 {
			t.Fatal("no production_readiness scorecard in the demo")
		}
		perLevel := map[string]int{}
		teams := map[string]bool{}
		noTeam := 0
		for e := range b.Catalog.Entities {
			perLevel[ev.Result(e, pr).LevelName()]++
			ent := &b.Catalog.Entities[e]
			if len(ent.Team) == 0 {
				noTeam++
			}
			for _, tm := range ent.Team {
				teams[tm] = true
			}
		}
		for _, l := range []string{"Basic", "Bronze", "Silver", "Gold"} {
			if perLevel[l] == 0 {
				t.Errorf("%s: no demo service at %s (%v)", now, l, perLevel)
			}
		}
		if len(teams) != 6 || noTeam != 2 {
			t.Errorf("demo has %d teams and %d services without a team; want 6 and 2", len(teams), noTeam)
		}
		om := ev.ScorecardIndex("operational_maturity")
		levels := map[string]int{}
		for e := range b.Catalog.Entities {
			if r := ev.Result(e, om); r.Applies {
				levels[r.LevelName()]++
			}
		}
		if len(levels) < 3 {
			t.Errorf("operational_maturity spreads over only %v", levels)
		}
	}
}
