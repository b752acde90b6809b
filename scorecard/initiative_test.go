package scorecard

import (
	"strings"
	"testing"
	"time"
)

func TestParseInitiatives(t *testing.T) {
	scs, _ := ParseScorecards("pr.json", []byte(announceCard))
	good := `initiatives:
  - id: silver-by-march
    title: Every tier-1 service at Silver
    scorecard: pr
    level: silver
    services:
      teams: [payments]
      properties: {tier: [1, 2], lifecycle: production}
    starts: 2026-12-01
    due: 2027-03-31
    owner: U0123ABC
  - id: readmes
    title: READMEs everywhere
    scorecard: pr
    rules: [readme]
    starts: 2026-12-01
    due: 2027-01-31
    owner: platform@example.com
announcements:
  - scorecard: pr
    rule: slo
    from: 2027-02-01
`
	f, fs := ParseInitiatives("initiatives.yaml", []byte(good), scs)
	if len(fs) > 0 {
		t.Fatalf("findings: %v", fs)
	}
	if len(f.Initiatives) != 2 || len(f.Announcements) != 1 {
		t.Fatalf("%+v", f)
	}
	in := f.Initiatives[0]
	if in.Level != "Silver" || in.Scope.Teams[0] != "payments" || len(in.Scope.Properties["tier"]) != 2 || in.Line != 2 {
		t.Errorf("first initiative %+v", in)
	}
	if a := f.Announcements[0]; a.Rule != "slo" || !a.From.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) || a.Where != "initiatives.yaml:20" {
		t.Errorf("announcement %+v", a)
	}

	bad := []struct {
		name, yaml, want string
	}{
		{"due before starts", "initiatives:\n  - {id: a, title: A, scorecard: pr, level: Silver, starts: 2027-03-01, due: 2027-01-01, owner: U1}\n", "initiatives.yaml:2:78: error: due 2027-01-01 is not after starts 2027-03-01"},
		{"unknown level", "initiatives:\n  - {id: a, title: A, scorecard: pr, level: Platinum, starts: 2027-01-01, due: 2027-03-01, owner: U1}\n", `scorecard pr has no level "Platinum"`},
		{"unknown rule", "initiatives:\n  - {id: a, title: A, scorecard: pr, rules: [readmee], starts: 2027-01-01, due: 2027-03-01, owner: U1}\n", `scorecard pr has no rule "readmee" (did you mean readme?)`},
		{"unknown scorecard", "initiatives:\n  - {id: a, title: A, scorecard: ops, level: Silver, starts: 2027-01-01, due: 2027-03-01, owner: U1}\n", `no scorecard "ops"`},
		{"duplicate id", "initiatives:\n  - {id: a, title: A, scorecard: pr, level: Silver, starts: 2027-01-01, due: 2027-03-01, owner: U1}\n  - {id: a, title: B, scorecard: pr, level: Silver, starts: 2027-01-01, due: 2027-03-01, owner: U1}\n", `initiatives.yaml:3:5: error: initiative "a" is already defined at line 2`},
		{"no goal", "initiatives:\n  - {id: a, title: A, scorecard: pr, starts: 2027-01-01, due: 2027-03-01, owner: U1}\n", "no goal"},
		{"two goals", "initiatives:\n  - {id: a, title: A, scorecard: pr, level: Silver, rules: [readme], starts: 2027-01-01, due: 2027-03-01, owner: U1}\n", "one goal"},
		{"bad date", "initiatives:\n  - {id: a, title: A, scorecard: pr, level: Silver, starts: 1 Jan, due: 2027-03-01, owner: U1}\n", `"1 Jan" is not a date`},
		{"unknown field", "initiatives:\n  - {id: a, title: A, scorecard: pr, level: Silver, starts: 2027-01-01, due: 2027-03-01, owner: U1, deadline: x}\n", `unknown field "deadline"`},
		{"missing owner", "initiatives:\n  - {id: a, title: A, scorecard: pr, level: Silver, starts: 2027-01-01, due: 2027-03-01}\n", `field "owner" is missing`},
		{"unknown key", "campaigns: []\n", `unknown key "campaigns"`},
		{"second document", "initiatives: []\n---\nannouncements: []\n", "second YAML document"},
		{"announcement of no rule", "announcements:\n  - {scorecard: pr, rule: sla, from: 2027-02-01}\n", `warning: scorecard pr has no rule "sla"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, fs := ParseInitiatives("initiatives.yaml", []byte(tt.yaml), scs)
			var all []string
			for _, f := range fs {
				all = append(all, f.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("findings %q, want one saying %q", all, tt.want)
			}
		})
	}
}

func TestInitiativeCoversAndMeets(t *testing.T) {
	scs, _ := ParseScorecards("pr.json", []byte(announceCard))
	cat, err := NewCatalog([]Entity{
		{Identifier: "a", Team: []string{"payments"}, Properties: map[string]any{"readme": "y", "slo": "y", "on_call": "x", "tier": 1.0}},
		{Identifier: "b", Team: []string{"payments"}, Properties: map[string]any{"readme": "y", "tier": 2.0}},
		{Identifier: "c", Team: []string{"search"}, Properties: map[string]any{"tier": 1.0}},
		{Identifier: "d", Team: []string{"payments"}, Properties: map[string]any{"tier": 3.0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := Evaluate(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), scs, cat)
	silver := Initiative{Scorecard: "pr", Level: "Silver", Scope: Scope{Teams: []string{"payments"}, Properties: map[string][]any{"tier": {1.0, 2.0}}}}
	readme := Initiative{Scorecard: "pr", Rules: []string{"readme"}}
	for ei, want := range []struct{ silverIn, silverMet, readmeMet bool }{
		{true, true, true}, {true, false, true}, {false, false, false}, {false, false, false},
	} {
		r := ev.Result(ei, 0)
		if silver.Covers(r) != want.silverIn || silver.Meets(r) != want.silverMet || readme.Meets(r) != want.readmeMet {
			t.Errorf("%s: covers %v meets %v readme %v, want %+v", cat.Entities[ei].Identifier, silver.Covers(r), silver.Meets(r), readme.Meets(r), want)
		}
	}
}
