package collected_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/collected"
)

var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

type fakeCollector struct {
	name  string
	facts *scorecard.Facts
	err   error
	// wait blocks Collect until the context ends, to prove cancellation.
	wait  bool
	calls *atomic.Int32
}

func (f fakeCollector) Collect(ctx context.Context, _ time.Time) (*scorecard.Facts, error) {
	if f.calls != nil {
		f.calls.Add(1)
	}
	if f.wait {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return f.facts, f.err
}
func (f fakeCollector) Describe() string   { return f.name }
func (f fakeCollector) Provides() []string { return nil }

type fakeSource struct {
	bundle *scorecard.Bundle
	err    error
}

func (f fakeSource) Load(context.Context, time.Time) (*scorecard.Bundle, error) {
	return f.bundle, f.err
}
func (f fakeSource) Describe() string { return "files catalog.json" }

func scorecards(t *testing.T) []*scorecard.Scorecard {
	t.Helper()
	scs, fs := scorecard.ParseScorecards("scorecards.json", []byte(`[{"identifier": "ops", "title": "Ops",
	  "rules": [{"identifier": "oncall", "title": "Has on-call", "level": "Gold",
	    "query": {"combinator": "and", "conditions": [{"property": "on_call", "operator": "isNotEmpty"}]}}]}]`))
	if len(scs) != 1 {
		t.Fatalf("scorecards: %v", fs)
	}
	return scs
}

func baseBundle(t *testing.T) *scorecard.Bundle {
	cat, err := scorecard.NewCatalog([]scorecard.Entity{
		{Identifier: "payments", Properties: map[string]any{"pagerduty_service_id": "P1"}},
		{Identifier: "search", Title: "Search API", Properties: map[string]any{"on_call": "owner@x.io"}},
		{Identifier: "legacy"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &scorecard.Bundle{Scorecards: scorecards(t), Catalog: cat, Origin: "files catalog.json",
		Teams: []scorecard.Team{{Identifier: "core"}}}
}

func pd(records ...scorecard.FactRecord) *scorecard.Facts {
	return &scorecard.Facts{Source: "pagerduty", Records: records, Warnings: []string{"user PU1 has no email"}}
}

func rec(id, name, oncall string) scorecard.FactRecord {
	return scorecard.FactRecord{
		Join:       scorecard.JoinKeys{Property: "pagerduty_service_id", Annotation: "pagerduty.com/service-id", Value: id, Name: name, MatchTitle: true, FoldName: true},
		Identifier: name, Title: name,
		Properties: map[string]any{"on_call": oncall, "pagerduty_service_id": id},
	}
}

func TestLoadWithACatalog(t *testing.T) {
	src := collected.Source{
		Base: fakeSource{bundle: baseBundle(t)},
		Collectors: []scorecard.Collector{
			fakeCollector{name: "PagerDuty (test)", facts: pd(rec("P1", "Payments", "pay@x.io"), rec("P2", "search api", "pd@x.io"), rec("P3", "Ghost", "g@x.io"))},
		},
	}
	b, err := src.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	cat := b.Catalog
	get := func(id, prop string) any {
		i, ok := cat.Find(id)
		if !ok {
			t.Fatalf("no %s", id)
		}
		return cat.Entities[i].Properties[prop]
	}
	if get("payments", "on_call") != "pay@x.io" || get("search", "on_call") != "owner@x.io" || get("search", "pagerduty_service_id") != "P2" {
		t.Errorf("entities %+v", cat.Entities)
	}
	i, _ := cat.Find("payments")
	if got := b.Provenance.Of(&cat.Entities[i], "on_call"); got != "pagerduty" {
		t.Errorf("provenance %q", got)
	}
	if b.Origin != "files catalog.json + PagerDuty (test)" || len(b.Scorecards) != 1 || len(b.Teams) != 1 {
		t.Errorf("bundle %+v", b)
	}
	all := strings.Join(b.Warnings, "\n")
	for _, want := range []string{
		"pagerduty: user PU1 has no email",
		`1 collected values differ from the catalog's, which were kept: search: on_call is "owner@x.io" in catalog, "pd@x.io" in pagerduty`,
		"pagerduty: 1 records match no entity (give the entity the record's key property, or the same name): Ghost",
		"pagerduty: 1 entities have no facts from it; rules that read its facts fail for want of data: legacy",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if len(b.Conflicts) != 1 || len(b.Unjoined) != 1 || b.Unjoined[0].Entities[0] != "legacy" {
		t.Errorf("conflicts %v unjoined %v", b.Conflicts, b.Unjoined)
	}
	// The evaluation sees the joined facts.
	ev := b.Evaluate(now)
	if ev == nil {
		t.Fatal("no evaluation")
	}
}

func TestLoadFailures(t *testing.T) {
	boom := errors.New("GET /services: HTTP 401 Unauthorized")
	cases := []struct {
		name    string
		src     func(t *testing.T) collected.Source
		err     string // "" means it loads
		warning string
	}{
		{name: "a failing collector leaves the catalog usable, with a warning", src: func(t *testing.T) collected.Source {
			return collected.Source{Base: fakeSource{bundle: baseBundle(t)}, Collectors: []scorecard.Collector{fakeCollector{name: "PagerDuty", err: boom}}}
		}, warning: "PagerDuty: no facts were collected (GET /services: HTTP 401 Unauthorized); rules that read its facts fail for want of data, not on their merits"},
		{name: "a collector with neither facts nor error", src: func(t *testing.T) collected.Source {
			return collected.Source{Base: fakeSource{bundle: baseBundle(t)}, Collectors: []scorecard.Collector{fakeCollector{name: "odd"}}}
		}, warning: "odd: no facts were collected (the collector returned no facts and no error)"},
		{name: "the base fails: the load fails and the collectors stop", src: func(t *testing.T) collected.Source {
			return collected.Source{Base: fakeSource{err: errors.New("catalog.json: no such file")}, Collectors: []scorecard.Collector{fakeCollector{name: "slow", wait: true}}}
		}, err: "catalog.json: no such file"},
		{name: "no catalog and the first collector fails", src: func(t *testing.T) collected.Source {
			return collected.Source{Scorecards: scorecards(t), Collectors: []scorecard.Collector{fakeCollector{name: "GitHub", err: boom}}}
		}, err: "GitHub (the source of the entities, as there is no catalog): GET /services"},
		{name: "no catalog and no records", src: func(t *testing.T) collected.Source {
			return collected.Source{Scorecards: scorecards(t), Collectors: []scorecard.Collector{fakeCollector{name: "GitHub", facts: &scorecard.Facts{Source: "github"}}}}
		}, err: "GitHub found nothing to evaluate"},
		{name: "a base without a catalog", src: func(*testing.T) collected.Source {
			return collected.Source{Base: fakeSource{bundle: &scorecard.Bundle{}}}
		}, err: "files catalog.json returned no catalog and no error"},
		{name: "nothing at all", src: func(*testing.T) collected.Source { return collected.Source{} }, err: "neither a catalog"},
		{name: "no catalog and no scorecards", src: func(*testing.T) collected.Source {
			return collected.Source{Collectors: []scorecard.Collector{fakeCollector{name: "GitHub"}}}
		}, err: "no Scorecards"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.src(t).Load(context.Background(), now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v; want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Catalog.Entities) != 3 {
				t.Errorf("%d entities; the catalog should be whole", len(b.Catalog.Entities))
			}
			if !strings.Contains(strings.Join(b.Warnings, "\n"), tc.warning) {
				t.Errorf("warnings %q lack %q", b.Warnings, tc.warning)
			}
		})
	}
}

func TestLoadWithoutACatalog(t *testing.T) {
	gh := &scorecard.Facts{Source: "github", Records: []scorecard.FactRecord{
		{Join: scorecard.JoinKeys{Property: "repository", Value: "org/api", Name: "api"}, Identifier: "api", Teams: []string{"platform"},
			Properties: map[string]any{"has_readme": true}},
		{Join: scorecard.JoinKeys{Property: "repository", Value: "org/web", Name: "web"}, Identifier: "web",
			Properties: map[string]any{"has_readme": false}},
	}}
	var calls atomic.Int32
	src := collected.Source{
		Scorecards: scorecards(t),
		Collectors: []scorecard.Collector{
			fakeCollector{name: "GitHub (org)", facts: gh, calls: &calls},
			fakeCollector{name: "PagerDuty", facts: pd(rec("P1", "API", "a@x.io")), calls: &calls},
		},
	}
	b, err := src.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d collections; want 2", calls.Load())
	}
	if len(b.Catalog.Entities) != 2 {
		t.Fatalf("entities %+v", b.Catalog.Entities)
	}
	api := &b.Catalog.Entities[0]
	if api.Blueprint != "service" || api.Properties["on_call"] != "a@x.io" || api.Properties["has_readme"] != true {
		t.Errorf("api %+v", api)
	}
	for prop, want := range map[string]string{"has_readme": "github", "on_call": "pagerduty", "$team": "github"} {
		if got := b.Provenance.Of(api, prop); got != want {
			t.Errorf("provenance of %s = %q; want %q", prop, got, want)
		}
	}
	if len(b.Teams) != 1 || b.Teams[0].Identifier != "platform" {
		t.Errorf("teams %v", b.Teams)
	}
	if b.Origin != "GitHub (org) + PagerDuty (no catalog)" {
		t.Errorf("origin %q", b.Origin)
	}
	if !strings.Contains(strings.Join(b.Warnings, "\n"), "pagerduty: 1 entities have no facts from it; rules that read its facts fail for want of data: web") {
		t.Errorf("warnings %q", b.Warnings)
	}
}
