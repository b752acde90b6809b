package demo

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// levels are the sums of every demo service's levels in the two
// scorecards.
func levels(t *testing.T, d Drifting, now time.Time) map[string]int {
	t.Helper()
	b, err := d.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	ev := b.Evaluate(now)
	rank := map[string]int{"Basic": 0, "Bronze": 1, "Silver": 2, "Gold": 3, "Unready": 0, "Operable": 1, "Observable": 2, "Resilient": 3}
	out := map[string]int{}
	for _, sc := range []string{"production_readiness", "operational_maturity"} {
		i := ev.ScorecardIndex(sc)
		if i < 0 {
			t.Fatalf("no %s scorecard in the demo", sc)
		}
		for e := range b.Catalog.Entities {
			out[b.Catalog.Entities[e].Identifier] += rank[ev.Result(e, i).LevelName()]
		}
	}
	return out
}

// TestDriftMovesLevelsBothWays: over some weeks some services climb and
// some fall, the same way for the same seed; week 0 is the demo itself.
func TestDriftMovesLevelsBothWays(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	weeks := 0
	d := Drifting{Seed: 7, Weeks: func() int { return weeks }}
	start := levels(t, d, now)
	if want := levels(t, Drifting{}, now); len(want) != len(start) {
		t.Fatalf("week 0 has %d services, the demo %d", len(start), len(want))
	}
	for _, tc := range []struct{ weeks int }{{1}, {4}} {
		weeks = tc.weeks
		later := levels(t, d, now.AddDate(0, 0, 7*tc.weeks))
		up, down := 0, 0
		for id, l := range later {
			switch {
			case l > start[id]:
				up++
			case l < start[id]:
				down++
			}
		}
		if up == 0 || down == 0 {
			t.Errorf("after %d weeks: %d services climbed and %d fell; want some of each", tc.weeks, up, down)
		}
	}
	a, err := Drift(catalogJSON, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Drift(catalogJSON, 3, 7)
	c, _ := Drift(catalogJSON, 3, 8)
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Error("the drift is not a function of the seed and the weeks")
	}
	if _, err := Drift([]byte("{"), 1, 1); err == nil {
		t.Error("a catalog that is not JSON drifted without an error")
	}
}
