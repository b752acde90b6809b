package report

import (
	"strings"
	"testing"
	"time"
)

func TestParseTargets(t *testing.T) {
	cases := []struct {
		in      string
		all     string
		per     map[string]string
		wantErr string
	}{
		{"", "", nil, ""},
		{"Silver", "Silver", nil, ""},
		{"ProductionReadiness:Silver,OpsMaturity:Operable", "", map[string]string{"ProductionReadiness": "Silver", "OpsMaturity": "Operable"}, ""},
		{"Gold, ops:Operable", "Gold", map[string]string{"ops": "Operable"}, ""},
		{"Gold,Silver", "", nil, "two levels for every scorecard"},
		{"pr:", "", nil, "must be SCORECARD:LEVEL"},
		{"pr:Gold,pr:Silver", "", nil, "has two targets"},
		{"Gold,,", "", nil, "an empty entry"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTargets(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "report.Targets") {
					t.Errorf("error %v, want ~ %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.All != tc.all || len(got.Per) != len(tc.per) {
				t.Fatalf("got %+v, %v", got, err)
			}
			for k, v := range tc.per {
				if got.For(k) != v {
					t.Errorf("For(%s) = %s, want %s", k, got.For(k), v)
				}
			}
		})
	}
}

func TestTargetsCheck(t *testing.T) {
	defs := []ScorecardDef{{Identifier: "pr", Levels: []string{"Basic", "Bronze", "Silver", "Gold"}}, {Identifier: "ops", Levels: []string{"None", "Operable", "Resilient"}}}
	cases := []struct {
		in, err, note string
	}{
		{"pr:Silver,ops:Operable", "", ""},
		{"Silver", "", `is not a level of scorecard "ops"`},
		{"pr:Platinum", `scorecard pr has no level "Platinum" (levels: Basic, Bronze, Silver, Gold)`, ""},
		{"nope:Gold", `it names scorecard "nope", which is not loaded`, ""},
		{"Platinum", `level "Platinum" is not a level of any scorecard`, ""},
	}
	for _, tc := range cases {
		tg, err := ParseTargets(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		notes, err := tg.Check(defs)
		if (tc.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want ~ %q", tc.in, err, tc.err)
		}
		if tc.note != "" && !strings.Contains(strings.Join(notes, "\n"), tc.note) {
			t.Errorf("%s: notes %q, want ~ %q", tc.in, notes, tc.note)
		}
	}
}

// TestNoticeTargets: without a target a notice asks each service for its
// next level up; a per-scorecard target asks for that level.
func TestNoticeTargets(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	snap := snapshotOf(t, t0, svc("api", 1, "payments"))
	for _, tc := range []struct{ target, want string }{{"", "Silver"}, {"Gold", "Gold"}, {"other:Bronze,Gold", "Gold"}} {
		ns := BuildNotices(snap, tc.target, nil)
		if len(ns) != 1 || ns[0].Services[0].Scorecards[0].Target != tc.want {
			t.Errorf("target %q: %+v", tc.target, ns)
		}
	}
}
