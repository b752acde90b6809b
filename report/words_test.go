package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

func TestWhySaysWhatTheServiceHas(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	b, err := demo.Source{}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	ev := b.Evaluate(now)
	got := map[string]string{} // rule -> a reason, across the demo
	for e := range ev.Catalog.Entities {
		for si := range ev.Scorecards {
			r := ev.Result(e, si)
			if !r.Applies {
				continue
			}
			for _, i := range r.Failing() {
				got[ev.Scorecards[si].Rules[i].Identifier] = strings.Join(Why(r, i, now), "; ")
			}
		}
	}
	cases := []struct{ rule, pattern string }{
		{"freshness_under_90", "freshness is * needs under 90"},
		{"required_approvals", "required approvals for PR is 0; needs at least 1"},
		{"has_on_call", "on-call is not set"},
		{"recent_security_scan", "last security scan was * days ago; needs within the last 3 months"},
		{"has_runbook", `runbook URL is * needs to begin with "https://"`},
	}
	for _, c := range cases {
		s, ok := got[c.rule]
		if !ok {
			t.Errorf("no demo service fails %s", c.rule)
			continue
		}
		if !globMatch(c.pattern, s) {
			t.Errorf("%s: %q, want %q", c.rule, s, c.pattern)
		}
	}
	t.Log(got)
}

// globMatch matches pattern, where * is any text, against s.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1:] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return parts[len(parts)-1] == "" || s == ""
}

func TestPlainPhrasings(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		cond  string
		props map[string]any
		want  string
	}{
		{`{"property":"freshness","operator":"<","value":90}`, map[string]any{"freshness": 150.0}, "freshness is 150; needs under 90"},
		{`{"property":"slo_target","operator":">=","value":99.9}`, map[string]any{"slo_target": 99.0}, "SLO target is 99; needs at least 99.9"},
		{`{"property":"codeOwnerReview","operator":"=","value":true}`, map[string]any{"codeOwnerReview": false}, "code owner review is off; needs it on"},
		{`{"property":"language","operator":"in","value":["Go","Java"]}`, map[string]any{"language": "Rust"}, `language is "Rust"; needs one of "Go" or "Java"`},
		{`{"property":"last_deploy","operator":"between","value":{"preset":"lastMonth"}}`, map[string]any{"last_deploy": "2026-10-01T00:00:00Z"}, "last deploy was 56 days ago; needs within the last month"},
		{`{"property":"last_deploy","operator":"between","value":{"preset":"lastMonth"}}`, nil, "last deploy is not set; needs within the last month"},
		{`{"property":"$team","operator":"isNotEmpty"}`, nil, "owning team is not set"},
		{`{"relation":"pagerduty_service","operator":"isNotEmpty"}`, nil, "related PagerDuty service is not set"},
		{`{"property":"tier","operator":"!=","value":"tier-3"}`, map[string]any{"tier": "tier-3"}, `tier is "tier-3"; needs anything but "tier-3"`},
	}
	for _, c := range cases {
		sc := `[{"identifier":"s","blueprint":"service","rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[` + c.cond + `]}}]}]`
		scs, findings := scorecard.ParseScorecards("t.json", []byte(sc))
		if err := findings.Err(); err != nil {
			t.Fatal(err)
		}
		e := &scorecard.Entity{Identifier: "x", Blueprint: "service", Properties: c.props}
		cond := &scs[0].Rules[0].Query.Conditions[0]
		if got := Plain(cond, e, now); got != c.want {
			t.Errorf("%s: %q, want %q", c.cond, got, c.want)
		}
	}
}

func TestEntityLink(t *testing.T) {
	port := func(e *scorecard.Entity) string { return "https://app.port.io/x?identifier=" + e.Identifier }
	cases := []struct {
		url  func(*scorecard.Entity) string
		e    scorecard.Entity
		want string
	}{
		{port, scorecard.Entity{Identifier: "a"}, "https://app.port.io/x?identifier=a"},
		{nil, scorecard.Entity{Relations: map[string]any{"repository": "github.com/example/a"}}, "https://github.com/example/a"},
		{nil, scorecard.Entity{Properties: map[string]any{"repo_url": "https://gitlab.com/x/y"}}, "https://gitlab.com/x/y"},
		{nil, scorecard.Entity{Properties: map[string]any{"repository": "<!channel>/x"}}, ""},
		{nil, scorecard.Entity{}, ""},
	}
	for _, c := range cases {
		if got := EntityLink(c.url)(&c.e); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
	if got := DocLink("See https://docs.example.com/runbooks. Then relax."); got != "https://docs.example.com/runbooks" {
		t.Errorf("DocLink = %q", got)
	}
}
