package report

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// ladderJSON is a scorecard where each level needs one property: readme
// for Bronze, on_call for Silver, slo >= 99 for Gold.
const ladderJSON = `[{"identifier":"pr","title":"Readiness",
 "levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"},{"title":"Gold"}],
 "rules":[
  {"identifier":"readme","title":"Has a README","description":"Add a README.","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}},
  {"identifier":"oncall","title":"Has an on-call","description":"Name an on-call.","level":"Silver","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}},
  {"identifier":"slo","title":"SLO at least 99","description":"Raise the SLO.","level":"Gold","query":{"combinator":"and","conditions":[{"property":"slo","operator":">=","value":99}]}}]}]`

// svc is a service that reaches level: 0 Basic … 3 Gold.
func svc(id string, level int, teams ...string) scorecard.Entity {
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
	return scorecard.Entity{Identifier: id, Blueprint: "service", Team: teams, Properties: p}
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday

func snapshotOf(t *testing.T, now time.Time, ents ...scorecard.Entity) *Snapshot {
	t.Helper()
	scs, f := scorecard.ParseScorecards("ladder.json", []byte(ladderJSON))
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	cat, err := scorecard.NewCatalog(ents)
	if err != nil {
		t.Fatal(err)
	}
	return TakeSnapshot(scorecard.Evaluate(now, scs, cat), "test", nil)
}

func TestDigestLevelCounts(t *testing.T) {
	tests := []struct {
		name   string
		levels []int // one service per entry, at that level
		want   []int // Basic, Bronze, Silver, Gold
		target string
		at     int
	}{
		{"one of each", []int{0, 1, 2, 3}, []int{1, 1, 1, 1}, "", 1},
		{"all gold", []int{3, 3, 3}, []int{0, 0, 0, 3}, "", 3},
		{"silver target", []int{0, 2, 2, 3, 1}, []int{1, 1, 2, 1}, "silver", 3},
		{"unknown target means top", []int{2, 3}, []int{0, 0, 1, 1}, "Platinum", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ents []scorecard.Entity
			for i, l := range tt.levels {
				ents = append(ents, svc(string(rune('a'+i)), l, "team"))
			}
			d := BuildDigest(DigestInput{Period: PeriodOf(Weekly, t0), Cur: snapshotOf(t, t0, ents...), Target: tt.target})
			if !d.First {
				t.Error("a digest with no previous snapshot must say it is the first")
			}
			sd := d.Scorecards[0]
			for i, lc := range sd.Levels {
				if lc.Count != tt.want[i] {
					t.Errorf("%s: got %d services, want %d", lc.Level, lc.Count, tt.want[i])
				}
			}
			if sd.AtTarget != tt.at {
				t.Errorf("at target: got %d, want %d", sd.AtTarget, tt.at)
			}
			var buf bytes.Buffer
			if err := d.WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), "First digest") || strings.Contains(buf.String(), "(+") {
				t.Errorf("first digest must say so and show no changes:\n%s", buf.String())
			}
		})
	}
}

func TestDigestChanges(t *testing.T) {
	prev := snapshotOf(t, t0.AddDate(0, 0, -7),
		svc("api", 3, "payments"), svc("web", 1, "payments"), svc("search", 2, "search"), svc("orphan", 0))
	cur := snapshotOf(t, t0,
		svc("api", 1, "payments"), svc("web", 3, "payments"), svc("search", 2, "search"), svc("orphan", 0), svc("new", 3, "search"))
	d := BuildDigest(DigestInput{Period: PeriodOf(Weekly, t0), Cur: cur, Prev: prev,
		History: []Mix{MixOf(prev, "2026-W47")}, Failures: []Failure{{Job: "team-notices", Destination: "search", Reason: "channel_not_found"}}})
	if d.First {
		t.Fatal("digest with a previous snapshot is not the first")
	}
	sd := d.Scorecards[0]
	wantChange := map[string]int{"Basic": 0, "Bronze": 0, "Silver": 0, "Gold": 1}
	for _, lc := range sd.Levels {
		if lc.Change != wantChange[lc.Level] {
			t.Errorf("%s change: got %d, want %d", lc.Level, lc.Change, wantChange[lc.Level])
		}
	}
	if len(sd.Promoted) != 1 || sd.Promoted[0].Service.Identifier != "web" {
		t.Errorf("promoted: %+v", sd.Promoted)
	}
	if len(sd.Demoted) != 1 || sd.Demoted[0].Service.Identifier != "api" || sd.Demoted[0].From != "Gold" || sd.Demoted[0].To != "Bronze" {
		t.Errorf("demoted: %+v", sd.Demoted)
	}
	// api lost on_call and slo: two rules newly failing, both for payments.
	if len(sd.NewlyFailing) != 2 || sd.NewlyFailing[0].Teams[0] != "payments" {
		t.Errorf("newly failing: %+v", sd.NewlyFailing)
	}
	if len(d.NoTeam) != 1 || d.NoTeam[0].Identifier != "orphan" {
		t.Errorf("no team: %+v", d.NoTeam)
	}
	if len(sd.Trend) != 2 || sd.Trend[0].Share != 0.25 || sd.Trend[1].Share != 0.4 {
		t.Errorf("trend: %+v", sd.Trend)
	}
	var buf bytes.Buffer
	d.WriteText(&buf)
	for _, want := range []string{"Gold 2 (+1)", "channel_not_found", "Demoted (1)", "api: Gold → Bronze"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("digest text lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestDigestOfDemo(t *testing.T) {
	b, err := demo.Source{}.Load(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	ev := b.Evaluate(t0)
	d := BuildDigest(DigestInput{Period: PeriodOf(Weekly, t0), Cur: TakeSnapshot(ev, b.Origin, nil)})
	for si, sd := range d.Scorecards {
		want := make([]int, len(sd.Levels))
		for e := range ev.Catalog.Entities {
			if r := ev.Result(e, si); r.Applies {
				want[r.Level]++
			}
		}
		for i, lc := range sd.Levels {
			if lc.Count != want[i] {
				t.Errorf("%s %s: got %d, want %d", sd.Title, lc.Level, lc.Count, want[i])
			}
		}
	}
}

func TestPeriodOf(t *testing.T) {
	tests := []struct {
		kind Kind
		at   time.Time
		key  string
	}{
		{Weekly, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), "2026-W48"},
		{Weekly, time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC), "2026-W48"},
		{Weekly, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "2026-W53"},
		{Monthly, time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2026-12"},
		{Daily, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), "2026-11-26"},
	}
	for _, tt := range tests {
		if got := PeriodOf(tt.kind, tt.at); got.Key != tt.key || tt.at.Before(got.Start) || !tt.at.Before(got.End) {
			t.Errorf("PeriodOf(%s, %s) = %+v, want key %s containing it", tt.kind, tt.at, got, tt.key)
		}
	}
}

func TestDigestNewScorecardShowsNoChanges(t *testing.T) {
	prev := snapshotOf(t, t0.AddDate(0, 0, -7), svc("api", 3, "payments"))
	prev.Scorecards[0].Identifier = "retired" // last week had another scorecard
	cur := snapshotOf(t, t0, svc("api", 1, "payments"))
	d := BuildDigest(DigestInput{Period: PeriodOf(Weekly, t0), Cur: cur, Prev: prev})
	sd := &d.Scorecards[0]
	if line := d.LevelLine(sd); strings.Contains(line, "(") {
		t.Errorf("a scorecard new since last week shows changes: %s", line)
	}
	if len(sd.Demoted) != 0 || len(sd.NewlyFailing) != 0 {
		t.Errorf("moves against another scorecard: %+v %+v", sd.Demoted, sd.NewlyFailing)
	}
}
