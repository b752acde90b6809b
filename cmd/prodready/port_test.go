package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

const portScorecards = `{"ok":true,"scorecards":[{"identifier":"ownership","title":"Ownership","blueprint":"service","rules":[
{"identifier":"has_team","title":"Has a team","level":"Silver","query":{"combinator":"and","conditions":[{"property":"$team","operator":"isNotEmpty"}]}},
{"identifier":"has_on_call","title":"Has an on-call","level":"Gold","query":{"combinator":"and","conditions":[{"property":"on_call","operator":"isNotEmpty"}]}}]}]}`

// portFixture serves the demo's entities from the Port emulator, with Port's
// own results set to what prodready computes, except for one entity.
func portFixture(t *testing.T) (*porttest.Server, map[string]string) {
	t.Helper()
	srv := porttest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.SetScorecards("service", []byte(portScorecards)); err != nil {
		t.Fatal(err)
	}
	b, err := demo.Source{}.Load(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	scs, _ := scorecard.ParseScorecards("port", []byte(portScorecards))
	ev := scorecard.Evaluate(time.Now(), scs, b.Catalog)
	ents := append([]scorecard.Entity(nil), b.Catalog.Entities...)
	for i := range ents {
		r := ev.Result(i, 0)
		pr := scorecard.PortResult{Level: r.LevelName()}
		for ri, rule := range scs[0].Rules {
			status := "SUCCESS"
			if !r.Pass[ri] {
				status = "FAILURE"
			}
			pr.Rules = append(pr.Rules, scorecard.PortRuleResult{Identifier: rule.Identifier, Status: status, Level: rule.Level})
		}
		ents[i].Scorecards = map[string]scorecard.PortResult{"ownership": pr}
	}
	srv.SetEntities("service", ents)
	vars := map[string]string{"PORT_CLIENT_ID": porttest.DefaultClientID, "PORT_CLIENT_SECRET": porttest.DefaultClientSecret, "PORT_API_URL": srv.URL}
	return srv, vars
}

func TestCheckAgainstPort(t *testing.T) {
	srv, vars := portFixture(t)
	code, out, errs := cli(t, vars, "check", "payments-api", "--min-level", "Silver")
	if code != 0 || !strings.Contains(out, "Ownership: ") || !strings.Contains(errs, "reading Port ("+srv.URL+", blueprint service)") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "app.port.io/serviceEntity?identifier=payments-api") {
		t.Errorf("no link to the entity in Port:\n%s", out)
	}

	code, out, errs = cli(t, vars, "check", "--compare-port")
	if code != 0 || !strings.Contains(out, "30 entities compared with Port: 0 differences") {
		t.Errorf("compare: exit %d\n%s\n%s", code, out, errs)
	}

	code, out, errs = cli(t, vars, "validate")
	if code != 0 || !strings.Contains(errs, "0 errors, 1 warning; 1 scorecard usable") {
		t.Errorf("validate: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestComparePortFindsDifferences(t *testing.T) {
	srv, vars := portFixture(t)
	b, _ := demo.Source{}.Load(context.Background(), time.Now())
	ents := append([]scorecard.Entity(nil), b.Catalog.Entities...)
	ents[0].Scorecards = map[string]scorecard.PortResult{"ownership": {Level: "Basic", Rules: []scorecard.PortRuleResult{
		{Identifier: "has_team", Status: "FAILURE", Level: "Silver"}, {Identifier: "has_on_call", Status: "FAILURE", Level: "Gold"}}}}
	srv.SetEntities("service", ents[:1])
	code, out, errs := cli(t, vars, "check", "--compare-port")
	if code != 1 || !strings.Contains(out, ents[0].Identifier) || !strings.Contains(out, "1 entities compared with Port") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
}

func TestPortBadCredentials(t *testing.T) {
	_, vars := portFixture(t)
	vars["PORT_CLIENT_SECRET"] = "wrong-secret-do-not-print"
	for _, args := range [][]string{{"check"}, {"validate"}} {
		code, out, errs := cli(t, vars, args...)
		if code != 2 || !strings.Contains(errs, "401") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, out, errs)
		}
		if strings.Contains(out+errs, "wrong-secret-do-not-print") {
			t.Errorf("%v: the secret is in the output", args)
		}
	}
	vars["PORT_REGION"] = "mars"
	if code, _, errs := cli(t, vars, "check"); code != 2 || !strings.Contains(errs, "PORT_REGION") {
		t.Errorf("bad region: exit %d: %s", code, errs)
	}
}

// A scorecard left out with --scorecard is not a difference.
func TestComparePortIgnoresScorecardsLeftOut(t *testing.T) {
	srv, vars := portFixture(t)
	scs, _ := scorecard.ParseScorecards("port", []byte(portScorecards))
	b, _ := demo.Source{}.Load(context.Background(), time.Now())
	ents := append([]scorecard.Entity(nil), b.Catalog.Entities[:1]...)
	ev := scorecard.Evaluate(time.Now(), scs, b.Catalog)
	ents[0].Scorecards = map[string]scorecard.PortResult{
		"ownership": {Level: ev.Result(0, 0).LevelName()},
		"security":  {Level: "Gold"}, // Port holds it; PORT_SCORECARDS left it out
	}
	for ri, rule := range scs[0].Rules {
		status := "SUCCESS"
		if !ev.Result(0, 0).Pass[ri] {
			status = "FAILURE"
		}
		pr := ents[0].Scorecards["ownership"]
		pr.Rules = append(pr.Rules, scorecard.PortRuleResult{Identifier: rule.Identifier, Status: status, Level: rule.Level})
		ents[0].Scorecards["ownership"] = pr
	}
	srv.SetEntities("service", ents)
	code, out, errs := cli(t, vars, "check", "--compare-port", "--scorecard", "ownership", ents[0].Identifier)
	if code != 0 || !strings.Contains(out, "1 entities compared with Port: 0 differences") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	delete(vars, "PORT_CLIENT_ID")
	if _, _, errs := cli(t, vars, "check", "payments-api"); !strings.Contains(errs, "PORT_CLIENT_SECRET is set but PORT_CLIENT_ID is not") {
		t.Errorf("no warning for a lone secret: %s", errs)
	}
}

func TestComparePortNeedsPort(t *testing.T) {
	code, _, errs := cli(t, nil, "check", "--compare-port")
	if code != 2 || !strings.Contains(errs, "--compare-port needs the Port source") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// With facts collected beside Port (here PagerDuty's), --compare-port
// compares on Port's own data and says so: a fact joined to a property
// Port left empty would be a difference of data, not of engines.
func TestComparePortWithFactsCollected(t *testing.T) {
	_, vars := portFixture(t)
	pd := pagerdutytest.NewServer()
	t.Cleanup(pd.Close)
	vars["PAGERDUTY_TOKEN"], vars["PAGERDUTY_API_URL"] = pagerdutytest.DefaultToken, pd.URL
	code, out, errs := cli(t, vars, "check", "--compare-port")
	if code != 0 || !strings.Contains(out, "30 entities compared with Port: 0 differences") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "compares on Port's own data") {
		t.Errorf("stderr does not say the facts are left out:\n%s", errs)
	}
	if n := len(pd.Requests()); n != 0 {
		t.Errorf("PagerDuty was asked %d times for a comparison that does not use it", n)
	}
}
