package port_test

import (
	"strings"
	"testing"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/port"
)

func TestCompare(t *testing.T) {
	scs, fs := scorecard.ParseScorecards("fixture", []byte(fixtureScorecards))
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	base := func() []scorecard.Entity { return withPortResults(t, fixtureEntities(12, now), now) }
	// Entity 0 is written in Go (GoStandards applies), entity 1 is not.
	goIdx, otherIdx := 0, 1
	cases := []struct {
		name   string
		change func(ents []scorecard.Entity)
		want   []string // Difference.String() of every difference, in order
	}{
		{name: "agreement", change: func([]scorecard.Entity) {}},
		{name: "level differs", change: func(ents []scorecard.Entity) {
			r := ents[goIdx].Scorecards["GoStandards"]
			r.Level = map[string]string{"Low": "High", "High": "Low"}[r.Level]
			ents[goIdx].Scorecards["GoStandards"] = r
		}, want: []string{"svc-00000: scorecard GoStandards: level Low in prodready, High in Port"}},
		{name: "rule status differs", change: func(ents []scorecard.Entity) {
			r := ents[otherIdx].Scorecards["ProductionReadiness"]
			r.Rules = append([]scorecard.PortRuleResult(nil), r.Rules...)
			r.Rules[2].Status = flip(r.Rules[2].Status)
			ents[otherIdx].Scorecards["ProductionReadiness"] = r
		}, want: []string{"svc-00001: scorecard ProductionReadiness: rule fresh SUCCESS in prodready, FAILURE in Port"}},
		{name: "Port lacks a result", change: func(ents []scorecard.Entity) {
			delete(ents[otherIdx].Scorecards, "ProductionReadiness")
		}, want: []string{"svc-00001: scorecard ProductionReadiness: level Gold in prodready only (Port has no result for this scorecard on this entity)"}},
		{name: "Port has a result where the filter excludes the entity", change: func(ents []scorecard.Entity) {
			ents[otherIdx].Scorecards["GoStandards"] = scorecard.PortResult{Level: "Low"}
		}, want: []string{"svc-00001: scorecard GoStandards: level Low in Port only (the scorecard does not apply to this entity in prodready (blueprint or filter))"}},
		{name: "Port has a scorecard prodready does not", change: func(ents []scorecard.Entity) {
			ents[otherIdx].Scorecards["Security"] = scorecard.PortResult{Level: "Gold"}
		}, want: []string{"svc-00001: scorecard Security: level Gold in Port only (prodready did not evaluate this scorecard: rejected, or left out by port.Config.Scorecards)"}},
		{name: "rules on one side only", change: func(ents []scorecard.Entity) {
			r := ents[goIdx].Scorecards["GoStandards"]
			r.Rules = []scorecard.PortRuleResult{{Identifier: "hasLinter", Status: "SUCCESS", Level: "High"}}
			ents[goIdx].Scorecards["GoStandards"] = r
		}, want: []string{
			"svc-00000: scorecard GoStandards: rule codeOwners FAILURE in prodready only (Port has no result for this rule)",
			"svc-00000: scorecard GoStandards: rule hasLinter SUCCESS in Port only (prodready's scorecard has no such rule)",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ents := base()
			tc.change(ents)
			cat, err := scorecard.NewCatalog(ents)
			if err != nil {
				t.Fatal(err)
			}
			diffs := port.Compare(scorecard.Evaluate(now, scs, cat))
			var got []string
			for _, d := range diffs {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func flip(s string) string {
	if s == port.StatusSuccess {
		return port.StatusFailure
	}
	return port.StatusSuccess
}
