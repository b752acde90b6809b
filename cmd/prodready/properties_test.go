package main

import (
	"encoding/json"
	"testing"
)

// TestPropertiesFromCollectors: what GitHub and PagerDuty provide comes
// from the collectors themselves, and, with no catalog, the first
// collector's records are the entities and so have their meta-properties.
func TestPropertiesFromCollectors(t *testing.T) {
	rule := func(id, prop string) string {
		return `{"identifier":"` + id + `","title":"T","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"` + prop + `","operator":"isNotEmpty"}]}}`
	}
	defs := writeFile(t, "defs.json", `{"identifier":"pr","title":"PR","levels":[{"title":"Basic"},{"title":"Bronze"}],"rules":[`+
		rule("r", "readme")+`,`+rule("o", "pagerduty_oncall")+`,`+rule("t", "$team")+`,`+rule("i", "$title")+`,`+rule("n", "nobody_has_it")+`]}`)
	github := map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "ghp_" + "0123456789abcdefghijklmnopqrstuvwxyz", "PRODREADY_SCORECARDS": defs}
	both := map[string]string{"PAGERDUTY_TOKEN": "u+0123456789abcdefgh", "PRODREADY_SCORECARDS": defs}
	for k, v := range github {
		both[k] = v
	}
	pagerdutyOnly := map[string]string{"PAGERDUTY_TOKEN": "u+0123456789abcdefgh", "PRODREADY_SCORECARDS": defs}
	cases := []struct {
		name string
		vars map[string]string
		want map[string][]string
	}{
		{"GitHub", github, map[string][]string{"readme": {"GitHub"}, "pagerduty_oncall": {}, "$team": {"GitHub"}, "$title": {"GitHub"}, "nobody_has_it": {}}},
		{"GitHub and PagerDuty", both, map[string][]string{"readme": {"GitHub"}, "pagerduty_oncall": {"PagerDuty"}, "$team": {"GitHub", "PagerDuty"}, "$title": {"GitHub"}, "nobody_has_it": {}}},
		{"PagerDuty", pagerdutyOnly, map[string][]string{"readme": {}, "pagerduty_oncall": {"PagerDuty"}, "$team": {"PagerDuty"}, "$title": {"PagerDuty"}, "nobody_has_it": {}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, c.vars, "properties", "--format", "json")
			if code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			var got []fieldJSON
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("%v in %s", err, stdout)
			}
			by := map[string][]string{}
			for _, f := range got {
				by[f.Name] = f.ProvidedBy
			}
			for name, want := range c.want {
				have, ok := by[name]
				if !ok || len(have) != len(want) {
					t.Errorf("%s provided by %q, want %q", name, have, want)
					continue
				}
				for i := range want {
					if have[i] != want[i] {
						t.Errorf("%s provided by %q, want %q", name, have, want)
					}
				}
			}
		})
	}
}
