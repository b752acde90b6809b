package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// benchScorecards: two scorecards of six rules over properties p0…p11,
// two rules per level above the base.
func benchScorecards(tb testing.TB) []*scorecard.Scorecard {
	var b strings.Builder
	b.WriteString("[")
	for s := 0; s < 2; s++ {
		if s > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"identifier":"sc%d","title":"Scorecard %d","levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"},{"title":"Gold"}],"rules":[`, s, s)
		for r := 0; r < 6; r++ {
			if r > 0 {
				b.WriteString(",")
			}
			lvl := []string{"Bronze", "Bronze", "Silver", "Silver", "Gold", "Gold"}[r]
			fmt.Fprintf(&b, `{"identifier":"r%d","title":"Rule %d","description":"Fix rule %d.","level":"%s","query":{"combinator":"and","conditions":[{"property":"p%d","operator":"isNotEmpty"}]}}`, r, r, r, lvl, s*6+r)
		}
		b.WriteString("]}")
	}
	b.WriteString("]")
	scs, f := scorecard.ParseScorecards("bench.json", []byte(b.String()))
	if err := f.Err(); err != nil {
		tb.Fatal(err)
	}
	return scs
}

// benchSnapshot evaluates n services over teams teams; seed varies which
// properties services have, so two seeds give a realistic diff.
func benchSnapshot(tb testing.TB, scs []*scorecard.Scorecard, n, teams, seed int, now time.Time) *Snapshot {
	ents := make([]scorecard.Entity, n)
	for i := range ents {
		p := map[string]any{}
		h := uint32(i*2654435761) ^ uint32(seed*40503)
		for k := 0; k < 12; k++ {
			// Most services pass most rules; the higher the rule, the rarer.
			if (h>>(k%16))&7 > uint32(k%6)/2 {
				p[fmt.Sprintf("p%d", k)] = "yes"
			}
		}
		ents[i] = scorecard.Entity{Identifier: fmt.Sprintf("svc-%05d", i), Title: fmt.Sprintf("Service %d", i), Blueprint: "service",
			Team: scorecard.Teams{fmt.Sprintf("team-%03d", i%teams)}, Properties: p}
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		tb.Fatal(err)
	}
	return TakeSnapshot(scorecard.Evaluate(now, scs, cat), "bench", nil)
}

// BenchmarkBuildDigest: the weekly digest of 10,000 services across 200
// teams, with a previous week to compare and four weeks of trend.
func BenchmarkBuildDigest(b *testing.B) {
	scs := benchScorecards(b)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	prev := benchSnapshot(b, scs, 10000, 200, 1, now.AddDate(0, 0, -7))
	cur := benchSnapshot(b, scs, 10000, 200, 2, now)
	hist := []Mix{MixOf(prev, "2026-W45"), MixOf(prev, "2026-W46"), MixOf(prev, "2026-W47")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := BuildDigest(DigestInput{Period: PeriodOf(Weekly, now), Cur: cur, Prev: prev, History: hist})
		if d.Scorecards[0].Services != 10000 || len(d.Scorecards[0].Teams) != 200 {
			b.Fatalf("digest of %d services, %d teams", d.Scorecards[0].Services, len(d.Scorecards[0].Teams))
		}
	}
}

// BenchmarkBuildNotices: one notice per team for 10,000 services across
// 200 teams, marked against the previous notice's snapshot.
func BenchmarkBuildNotices(b *testing.B) {
	scs := benchScorecards(b)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	prev := benchSnapshot(b, scs, 10000, 200, 1, now.AddDate(0, 0, -1))
	cur := benchSnapshot(b, scs, 10000, 200, 2, now)
	idx := prev.EntityIndex()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns := BuildNotices(cur, "", nil)
		for _, n := range ns {
			n.MarkSince(prev, idx)
		}
		if len(ns) != 200 {
			b.Fatalf("%d notices", len(ns))
		}
	}
}

// BenchmarkTakeSnapshot: recording an evaluation of 10,000 services.
func BenchmarkTakeSnapshot(b *testing.B) {
	scs := benchScorecards(b)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cat := benchCatalog(b, 10000, 200)
	ev := scorecard.Evaluate(now, scs, cat)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		TakeSnapshot(ev, "bench", nil)
	}
}

func benchCatalog(tb testing.TB, n, teams int) *scorecard.Catalog {
	ents := make([]scorecard.Entity, n)
	for i := range ents {
		ents[i] = scorecard.Entity{Identifier: fmt.Sprintf("svc-%05d", i), Team: scorecard.Teams{fmt.Sprintf("team-%03d", i%teams)},
			Properties: map[string]any{"p0": "x", "p3": "x", "p7": "x"}}
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}
