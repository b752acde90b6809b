package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/prodready/prodready/scorecard"
)

func TestBuildNotices(t *testing.T) {
	ents := []scorecard.Entity{
		svc("api", 1, "payments"), svc("web", 3, "payments"), svc("search", 2, "search"),
		svc("shared", 0, "payments", "search"), svc("orphan", 0), svc("gold", 3, "platform"),
	}
	ns := BuildNotices(snapshotOf(t, t0, ents...), "", map[string]string{"payments": "Payments"})
	got := map[string][]string{}
	for _, n := range ns {
		for _, s := range n.Services {
			got[n.Team] = append(got[n.Team], s.Service.Identifier)
		}
		if !n.First && n.Regressed {
			t.Errorf("%s: fresh notice marked regressed", n.Team)
		}
	}
	want := map[string][]string{"": {"orphan"}, "payments": {"api", "shared"}, "search": {"search", "shared"}}
	if len(got) != len(want) {
		t.Fatalf("notices for %v, want %v (platform is all Gold and hears nothing)", got, want)
	}
	for team, ids := range want {
		if strings.Join(got[team], ",") != strings.Join(ids, ",") {
			t.Errorf("team %q: got %v, want %v", team, got[team], ids)
		}
	}
	// api is Bronze: with no target set it is asked for its next level,
	// Silver: fix on-call, not the SLO (Gold) nor the README (passing).
	for _, n := range ns {
		if n.Team != "payments" {
			continue
		}
		fix := n.Services[0].Scorecards[0].Fix
		if len(fix) != 1 || fix[0].Rule != "oncall" || n.Services[0].Scorecards[0].Target != "Silver" {
			t.Errorf("api's fixes: %+v", fix)
		}
		var buf bytes.Buffer
		n.WriteText(&buf)
		if !strings.Contains(buf.String(), "Payments") || !strings.Contains(buf.String(), "Name an on-call.") {
			t.Errorf("notice text:\n%s", buf.String())
		}
	}
}

func TestNoticeMarkSince(t *testing.T) {
	prevSnap := snapshotOf(t, t0.AddDate(0, 0, -1), svc("api", 1, "payments"), svc("web", 3, "payments"), svc("search", 2, "search"))
	tests := []struct {
		name      string
		cur       []scorecard.Entity
		team      string
		regressed bool
		sameHash  bool
		newSvc    string
	}{
		{"nothing changed", []scorecard.Entity{svc("api", 1, "payments"), svc("web", 3, "payments"), svc("search", 2, "search")}, "payments", false, true, ""},
		{"web dropped", []scorecard.Entity{svc("api", 1, "payments"), svc("web", 2, "payments"), svc("search", 2, "search")}, "payments", true, false, "web"},
		{"api improved", []scorecard.Entity{svc("api", 2, "payments"), svc("web", 3, "payments"), svc("search", 2, "search")}, "payments", false, false, ""},
		{"api dropped", []scorecard.Entity{svc("api", 0, "payments"), svc("web", 3, "payments"), svc("search", 2, "search")}, "payments", true, false, ""},
	}
	prevNotices := map[string]*Notice{}
	for _, n := range BuildNotices(prevSnap, "", nil) {
		prevNotices[n.Team] = n
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range BuildNotices(snapshotOf(t, t0, tt.cur...), "", nil) {
				if n.Team != tt.team {
					continue
				}
				n.MarkSince(prevSnap, prevSnap.EntityIndex())
				if n.Regressed != tt.regressed {
					t.Errorf("regressed = %v, want %v", n.Regressed, tt.regressed)
				}
				if (n.Hash == prevNotices[tt.team].Hash) != tt.sameHash {
					t.Errorf("same hash = %v, want %v", !tt.sameHash, tt.sameHash)
				}
				for _, s := range n.Services {
					if s.New != (s.Service.Identifier == tt.newSvc) {
						t.Errorf("%s marked new = %v", s.Service.Identifier, s.New)
					}
				}
			}
		})
	}
}

func TestNoticeNewScorecardIsNotARegression(t *testing.T) {
	prev := snapshotOf(t, t0.AddDate(0, 0, -1), svc("api", 1, "payments"))
	prev.Scorecards[0].Identifier = "retired"
	n := BuildNotices(snapshotOf(t, t0, svc("api", 1, "payments")), "", nil)[0]
	n.MarkSince(prev, prev.EntityIndex())
	if n.Regressed {
		t.Error("a service below target on a scorecard that did not exist before has not regressed")
	}
	if !n.Services[0].New {
		t.Error("it is new in the notice, though")
	}
}
