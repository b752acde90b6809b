package main

import (
	"context"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// The demo's scorecards written back as definitions parse without a
// finding and evaluate the demo's catalog to the same levels and passes.
func TestScorecardsJSONRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	b, err := demo.Source{}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	data, err := scorecardsJSON(b.Scorecards)
	if err != nil {
		t.Fatal(err)
	}
	scs, findings := scorecard.ParseScorecards("demo.json", data)
	if len(findings) > 0 || len(scs) != len(b.Scorecards) {
		t.Fatalf("%d of %d scorecards, findings %v", len(scs), len(b.Scorecards), findings)
	}
	want, got := scorecard.Evaluate(now, b.Scorecards, b.Catalog), scorecard.Evaluate(now, scs, b.Catalog)
	for ei := range b.Catalog.Entities {
		for si := range scs {
			w, g := want.Result(ei, si), got.Result(ei, si)
			if w.Applies != g.Applies || w.Level != g.Level || len(w.Pass) != len(g.Pass) {
				t.Fatalf("%s on %s: %+v, want %+v", b.Catalog.Entities[ei].Identifier, scs[si].Identifier, g, w)
			}
			for ri := range w.Pass {
				if w.Pass[ri] != g.Pass[ri] {
					t.Errorf("%s on %s, rule %d: %v, want %v", b.Catalog.Entities[ei].Identifier, scs[si].Identifier, ri, g.Pass[ri], w.Pass[ri])
				}
			}
		}
	}
}
