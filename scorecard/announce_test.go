package scorecard

import (
	"strings"
	"testing"
	"time"
)

const announceCard = `[{"identifier":"pr","title":"PR","levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"}],
 "rules":[
  {"identifier":"readme","title":"Has a README","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}},
  {"identifier":"slo","title":"Has an SLO","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"slo","operator":"isNotEmpty"}]}},
  {"identifier":"oncall","title":"Has on-call","level":"Silver","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}}]}]`

func TestAnnouncedRuleCountsOnlyFromItsDate(t *testing.T) {
	from := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	cat, err := NewCatalog([]Entity{
		{Identifier: "a", Properties: map[string]any{"readme": "yes", "on_call": "x"}},             // fails slo only
		{Identifier: "b", Properties: map[string]any{"readme": "yes", "slo": "y", "on_call": "x"}}, // passes all
		{Identifier: "c", Properties: map[string]any{}},                                            // fails all
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		now    time.Time
		levels []string
		pend   bool
	}{
		{"before from: levels as without the rule", from.Add(-time.Second), []string{"Silver", "Silver", "Basic"}, true},
		{"from on: it counts", from, []string{"Basic", "Silver", "Basic"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scs, fs := ParseScorecards("pr.json", []byte(announceCard))
			if len(fs.Errors()) > 0 {
				t.Fatal(fs)
			}
			if w := Announce(scs, []Announcement{{Scorecard: "pr", Rule: "slo", From: from, Where: "initiatives.yaml:3"}}); len(w) > 0 {
				t.Fatal(w)
			}
			ev := Evaluate(tt.now, scs, cat)
			for ei, want := range tt.levels {
				r := ev.Result(ei, 0)
				if got := r.LevelName(); got != want {
					t.Errorf("entity %s: %s, want %s", cat.Entities[ei].Identifier, got, want)
				}
				if r.Pass[1] != (ei == 1) {
					t.Errorf("entity %s: slo status %v: an announced rule must still be evaluated", cat.Entities[ei].Identifier, r.Pass[1])
				}
				if got, ok := r.CountsFrom(1); ok != tt.pend || (ok && !got.Equal(from)) {
					t.Errorf("entity %s: CountsFrom = %v, %v", cat.Entities[ei].Identifier, got, ok)
				}
			}
			// a: before from, Silver and nothing to fix for the next level
			// up but on_call; the announced rule is not a fix yet.
			if _, fix, _ := ev.Result(2, 0).NextLevel(); tt.pend && len(fix) != 1 {
				t.Errorf("c's fixes for Bronze: %v, want only readme", fix)
			}
		})
	}
}

func TestAnnouncedRuleWithExemptions(t *testing.T) {
	from := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	now := from.Add(-24 * time.Hour)
	scs, _ := ParseScorecards("pr.json", []byte(announceCard))
	Announce(scs, []Announcement{{Scorecard: "pr", Rule: "slo", From: from}})
	cat, err := NewCatalog([]Entity{{Identifier: "a", Properties: map[string]any{"on_call": "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	ev := Evaluate(now, scs, cat)
	ev.Exempt([]Exemption{{Service: "a", Scorecard: "pr", Rule: "readme", Until: now.Add(time.Hour)}})
	if got := ev.Result(0, 0).LevelName(); got != "Silver" {
		t.Errorf("readme exempt, slo announced: %s, want Silver", got)
	}
}

func TestAnnounceWarnsAboutWhatDoesNotExist(t *testing.T) {
	scs, _ := ParseScorecards("pr.json", []byte(announceCard))
	w := Announce(scs, []Announcement{{Scorecard: "pr", Rule: "sloo", Where: "i.yaml:4"}, {Scorecard: "ops", Rule: "slo", Where: "i.yaml:7"}})
	if len(w) != 2 || !strings.Contains(w[0], `i.yaml:4: announced rule "sloo"`) || !strings.Contains(w[1], `i.yaml:7`) {
		t.Errorf("warnings %q", w)
	}
}
