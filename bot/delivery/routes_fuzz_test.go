package delivery

import (
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// FuzzParseTeamRoutes feeds arbitrary teams files (PRODREADY_TEAMS) to the
// parser: it must never panic; an error must name the file; a file it
// accepts must hold only routes Slack can deliver to, and must read back
// the same once written out again.
func FuzzParseTeamRoutes(f *testing.F) {
	for _, seed := range []string{
		"",
		"default_channel: C0GENERAL\nteams:\n  payments:\n    channel: C0PAY\n  search:\n    dm: [ana@example.com, bo@example.com]\n",
		`{"default_channel": "C1", "teams": {"t": {"channel": "C2"}}}`,
		"teams:\n  x:\n    channel: C1\n    dm: [a@b]\n",
		"teams:\n  x: {}\n",
		"teams:\n  x:\n    dm: [nope]\n",
		"teams:\n  x:\n    chanel: C1\n",
		"default_channel: [1, 2]\n",
		"teams: &a\n  x: *a\n",
		"teams:\n  x:\n    dm: [a@b, c@d, e@f, g@h, i@j, k@l, m@n, o@p, q@r]\n",
		"\t- not yaml",
	} {
		f.Add(seed)
	}
	const file = "teams.yaml"
	f.Fuzz(func(t *testing.T, data string) {
		r, err := ParseTeamRoutes(file, []byte(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), file+":") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if r.File != file || r.Teams == nil {
			t.Fatalf("accepted routes lost the file or the team map: %+v", r)
		}
		out := teamsFileYAML{DefaultChannel: r.DefaultChannel, Teams: map[string]teamRouteYAML{}}
		for name, route := range r.Teams {
			if (route.Channel == "") == (len(route.DM) == 0) {
				t.Fatalf("team %q: route %+v is neither a channel nor a DM", name, route)
			}
			if len(route.DM) > slackDMLimit {
				t.Fatalf("team %q: %d people in one DM", name, len(route.DM))
			}
			for _, e := range route.DM {
				if at := strings.IndexByte(e, '@'); at <= 0 || at == len(e)-1 || e != strings.TrimSpace(e) {
					t.Fatalf("team %q: accepted %q as an email", name, e)
				}
			}
			if got, ok := r.For(name); name != "" && (!ok || !reflect.DeepEqual(got, route)) {
				t.Fatalf("For(%q) = %+v, %v; want the team's own route %+v", name, got, ok, route)
			}
			out.Teams[name] = teamRouteYAML(route)
		}
		if def, ok := r.For("no team at all \x00"); ok != (r.DefaultChannel != "") || (ok && def.Channel != r.DefaultChannel) {
			t.Fatalf("unrouted team: %+v, %v with default channel %q", def, ok, r.DefaultChannel)
		}
		again, err := yaml.Marshal(out)
		if err != nil {
			t.Fatalf("write accepted routes back: %v", err)
		}
		r2, err := ParseTeamRoutes(file, again)
		if err != nil {
			t.Fatalf("accepted routes, written back, are refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("routes changed on the way back:\n%+v\n%+v", r, r2)
		}
	})
}
