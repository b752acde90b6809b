package scorecard

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func pdRecord(id, name string, props map[string]any) FactRecord {
	if props == nil {
		props = map[string]any{}
	}
	props["pagerduty_service_id"] = id
	return FactRecord{
		Join: JoinKeys{Property: "pagerduty_service_id", Annotation: "pagerduty.com/service-id", Value: id,
			Name: name, MatchTitle: true, FoldName: true},
		Identifier: name, Title: name, Properties: props,
	}
}

func TestJoin(t *testing.T) {
	type want struct {
		props      map[string]map[string]any // entity -> property -> value (only those listed are checked)
		absent     map[string][]string       // entity -> properties that must stay absent
		provenance map[string]map[string]string
		conflicts  []string // Conflict.String()
		unjoined   []Unjoined
		teams      map[string]Teams
	}
	cases := []struct {
		name     string
		entities []Entity
		facts    []*Facts
		want     want
	}{
		{
			name: "by property, case-folded identifier, title and annotation",
			entities: []Entity{
				{Identifier: "payments", Properties: map[string]any{"pagerduty_service_id": "P1"}},
				{Identifier: "Checkout", Properties: map[string]any{}},
				{Identifier: "svc-search", Title: "Search API", Properties: map[string]any{}},
				{Identifier: "billing", Properties: map[string]any{"pagerduty.com/service-id": "P4"}},
				{Identifier: "ledger", Properties: map[string]any{"annotations": map[string]any{"pagerduty.com/service-id": "P5"}}},
				{Identifier: "lonely"},
			},
			facts: []*Facts{{Source: "pagerduty", Records: []FactRecord{
				pdRecord("P1", "Payments Prod", map[string]any{"on_call": "a@x.io"}),
				pdRecord("P2", "checkout", map[string]any{"on_call": "b@x.io"}),
				pdRecord("P3", "search api", map[string]any{"on_call": "c@x.io"}),
				pdRecord("P4", "Billing Service", map[string]any{"on_call": "d@x.io"}),
				pdRecord("P5", "Ledger Service", map[string]any{"on_call": nil}),
				pdRecord("P9", "Nobody", map[string]any{"on_call": "z@x.io"}),
			}}},
			want: want{
				props: map[string]map[string]any{
					"payments":   {"on_call": "a@x.io", "pagerduty_service_id": "P1"},
					"Checkout":   {"on_call": "b@x.io", "pagerduty_service_id": "P2"},
					"svc-search": {"on_call": "c@x.io"},
					"billing":    {"on_call": "d@x.io", "pagerduty_service_id": "P4"},
					"ledger":     {"on_call": nil},
				},
				absent: map[string][]string{"lonely": {"on_call"}},
				provenance: map[string]map[string]string{
					"payments":   {"on_call": "pagerduty", "pagerduty_service_id": "catalog"},
					"Checkout":   {"on_call": "pagerduty", "pagerduty_service_id": "pagerduty"},
					"ledger":     {"on_call": "pagerduty"},
					"lonely":     {"on_call": ""},
					"svc-search": {"pagerduty_service_id": "pagerduty"},
				},
				unjoined: []Unjoined{{Source: "pagerduty", Entities: []string{"lonely"}, Records: []string{"Nobody"}}},
			},
		},
		{
			name: "the catalog wins; an equal value is no conflict; null is filled",
			entities: []Entity{
				{Identifier: "payments", Properties: map[string]any{
					"pagerduty_service_id": "P1", "on_call": "owner@x.io", "pagerduty_status": nil, "replicas": float64(3)}},
			},
			facts: []*Facts{{Source: "pagerduty", Records: []FactRecord{
				pdRecord("P1", "payments", map[string]any{"on_call": "other@x.io", "pagerduty_status": "active", "replicas": 3}),
			}}},
			want: want{
				props:      map[string]map[string]any{"payments": {"on_call": "owner@x.io", "pagerduty_status": "active", "replicas": float64(3)}},
				provenance: map[string]map[string]string{"payments": {"on_call": "catalog", "pagerduty_status": "pagerduty", "replicas": "catalog"}},
				conflicts:  []string{`payments: on_call is "owner@x.io" in catalog, "other@x.io" in pagerduty; kept the catalog value`},
				unjoined:   []Unjoined{{Source: "pagerduty"}},
			},
		},
		{
			name: "the first collector wins over the second; teams fill an empty team only",
			entities: []Entity{
				{Identifier: "api", Properties: map[string]any{"repository": "org/api"}},
				{Identifier: "web", Team: Teams{"frontend"}, Properties: map[string]any{"repository": "org/web"}},
			},
			facts: []*Facts{
				{Source: "github", Records: []FactRecord{
					{Join: JoinKeys{Property: "repository", Value: "org/api", Name: "api"}, Teams: []string{"platform"},
						Properties: map[string]any{"on_call": "gh@x.io", "has_readme": true}},
					{Join: JoinKeys{Property: "repository", Value: "org/web", Name: "web"}, Teams: []string{"web-team"},
						Properties: map[string]any{"has_readme": false}},
				}},
				nil,
				{Source: "pagerduty", Records: []FactRecord{
					{Join: JoinKeys{Name: "API", FoldName: true}, Teams: []string{"sre"}, Properties: map[string]any{"on_call": "pd@x.io"}},
				}},
			},
			want: want{
				props:      map[string]map[string]any{"api": {"on_call": "gh@x.io", "has_readme": true}, "web": {"has_readme": false}},
				provenance: map[string]map[string]string{"api": {"on_call": "github", "$team": "github"}, "web": {"$team": "catalog"}},
				conflicts:  []string{`api: on_call is "gh@x.io" in github, "pd@x.io" in pagerduty; kept the github value`},
				unjoined:   []Unjoined{{Source: "github"}, {Source: "pagerduty", Entities: []string{"web"}}},
				teams:      map[string]Teams{"api": {"platform"}, "web": {"frontend"}},
			},
		},
		{
			name: "case matters unless FoldName; titles only with MatchTitle",
			entities: []Entity{
				{Identifier: "Orders", Title: "Order Service"},
			},
			facts: []*Facts{{Source: "pagerduty", Records: []FactRecord{
				{Join: JoinKeys{Name: "orders"}, Properties: map[string]any{"a": 1}},
				{Join: JoinKeys{Name: "Order Service"}, Properties: map[string]any{"b": 1}},
				{Join: JoinKeys{Name: "order service", MatchTitle: true}, Properties: map[string]any{"c": 1}},
				{Join: JoinKeys{Name: "order service", MatchTitle: true, FoldName: true}, Properties: map[string]any{"d": 1}},
			}}},
			want: want{
				props:    map[string]map[string]any{"Orders": {"d": 1}},
				absent:   map[string][]string{"Orders": {"a", "b", "c"}},
				unjoined: []Unjoined{{Source: "pagerduty", Records: []string{"orders", "Order Service", "order service"}}},
			},
		},
		{
			name: "a property key wins over a name that would match another entity",
			entities: []Entity{
				{Identifier: "search", Properties: map[string]any{}},
				{Identifier: "search-v2", Properties: map[string]any{"pagerduty_service_id": "P7"}},
			},
			facts: []*Facts{{Source: "pagerduty", Records: []FactRecord{pdRecord("P7", "search", map[string]any{"on_call": "x@x.io"})}}},
			want: want{
				props:    map[string]map[string]any{"search-v2": {"on_call": "x@x.io"}},
				absent:   map[string][]string{"search": {"on_call"}},
				unjoined: []Unjoined{{Source: "pagerduty", Entities: []string{"search"}}},
			},
		},
		{
			name:     "nil facts only",
			entities: []Entity{{Identifier: "a"}},
			facts:    []*Facts{nil},
			want:     want{props: map[string]map[string]any{}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := deepCopyEntities(tc.entities)
			res := Join(tc.entities, tc.facts)
			if !reflect.DeepEqual(before, tc.entities) {
				t.Error("Join wrote to its input")
			}
			byID := map[string]*Entity{}
			for i := range res.Entities {
				byID[res.Entities[i].Identifier] = &res.Entities[i]
			}
			for id, props := range tc.want.props {
				for k, v := range props {
					got, has := byID[id].Properties[k]
					if !has || !reflect.DeepEqual(got, v) {
						t.Errorf("%s.%s = %#v (present %v); want %#v", id, k, got, has, v)
					}
				}
			}
			for id, keys := range tc.want.absent {
				for _, k := range keys {
					if v, has := byID[id].Properties[k]; has {
						t.Errorf("%s.%s = %#v; want absent", id, k, v)
					}
				}
			}
			for id, m := range tc.want.provenance {
				for k, src := range m {
					if got := res.Provenance.Of(byID[id], k); got != src {
						t.Errorf("provenance of %s.%s = %q; want %q", id, k, got, src)
					}
				}
			}
			var conflicts []string
			for _, c := range res.Conflicts {
				conflicts = append(conflicts, c.String())
			}
			if !reflect.DeepEqual(conflicts, tc.want.conflicts) {
				t.Errorf("conflicts:\n%s\nwant:\n%s", strings.Join(conflicts, "\n"), strings.Join(tc.want.conflicts, "\n"))
			}
			if !reflect.DeepEqual(res.Unjoined, tc.want.unjoined) {
				t.Errorf("unjoined %+v; want %+v", res.Unjoined, tc.want.unjoined)
			}
			for id, team := range tc.want.teams {
				if !reflect.DeepEqual(byID[id].Team, team) {
					t.Errorf("%s team %v; want %v", id, byID[id].Team, team)
				}
			}
		})
	}
}

func TestJoinWarningsNameTheirSource(t *testing.T) {
	res := Join([]Entity{{Identifier: "a"}}, []*Facts{
		{Source: "github", Warnings: []string{"no access to org/secret: grant the app read access"}},
		{Source: "pagerduty", Warnings: []string{"on-call not read: HTTP 403"}},
	})
	want := []string{"github: no access to org/secret: grant the app read access", "pagerduty: on-call not read: HTTP 403"}
	if !reflect.DeepEqual(res.Warnings, want) {
		t.Errorf("warnings %q; want %q", res.Warnings, want)
	}
}

// Two catalog services that name the same PagerDuty service both get its facts.
func TestJoinOneRecordToManyEntities(t *testing.T) {
	ents := []Entity{
		{Identifier: "api", Properties: map[string]any{"pagerduty_service_id": "P1"}},
		{Identifier: "worker", Properties: map[string]any{"pagerduty_service_id": "P1"}},
	}
	res := Join(ents, []*Facts{{Source: "pagerduty", Records: []FactRecord{pdRecord("P1", "Core", map[string]any{"on_call": "a@x.io"})}}})
	for _, e := range res.Entities {
		if e.Properties["on_call"] != "a@x.io" {
			t.Errorf("%s on_call = %v", e.Identifier, e.Properties["on_call"])
		}
	}
	if len(res.Unjoined[0].Entities) != 0 {
		t.Errorf("unjoined %v", res.Unjoined)
	}
}

func TestEntitiesFromFacts(t *testing.T) {
	if got := EntitiesFromFacts(nil, "service"); got != nil {
		t.Errorf("nil facts gave %v", got)
	}
	f := &Facts{Source: "github", Records: []FactRecord{
		{Identifier: "api", Title: "API", Teams: []string{"platform"}, Properties: map[string]any{"has_readme": true}},
		{Identifier: " ", Properties: map[string]any{"x": 1}},
		{Identifier: "api", Properties: map[string]any{"has_readme": false}},
		{Identifier: "web"},
	}}
	ents := EntitiesFromFacts(f, "service")
	if len(ents) != 2 || ents[0].Identifier != "api" || ents[1].Identifier != "web" {
		t.Fatalf("entities %+v", ents)
	}
	if ents[0].Blueprint != "service" || ents[0].Title != "API" || ents[0].Properties["has_readme"] != true || !reflect.DeepEqual(ents[0].Team, Teams{"platform"}) {
		t.Errorf("entity %+v", ents[0])
	}
	ents[0].Properties["has_readme"] = "changed"
	if f.Records[0].Properties["has_readme"] != true {
		t.Error("the entity shares its properties with the record")
	}
	if _, err := NewCatalog(ents); err != nil {
		t.Errorf("not a valid catalog: %v", err)
	}
	// Then another collector joins them by name.
	res := Join(ents, []*Facts{{Source: "pagerduty", Records: []FactRecord{pdRecord("P1", "WEB", map[string]any{"on_call": "w@x.io"})}}})
	if res.Entities[1].Properties["on_call"] != "w@x.io" {
		t.Errorf("web: %v", res.Entities[1].Properties)
	}
}

func deepCopyEntities(in []Entity) []Entity {
	out := make([]Entity, len(in))
	for i, e := range in {
		out[i] = e
		if e.Properties != nil {
			out[i].Properties = map[string]any{}
			for k, v := range e.Properties {
				out[i].Properties[k] = v
			}
		}
		out[i].Team = append(Teams(nil), e.Team...)
	}
	return out
}

// BenchmarkJoin joins 10,000 PagerDuty records to a catalog of 10,000
// entities: half by property, half by case-folded title.
func BenchmarkJoin(b *testing.B) {
	const n = 10000
	ents := make([]Entity, n)
	recs := make([]FactRecord, n)
	for i := range n {
		id := fmt.Sprintf("P%05d", i)
		ents[i] = Entity{Identifier: fmt.Sprintf("svc-%d", i), Title: fmt.Sprintf("Service %d", i), Properties: map[string]any{"tier": "1"}}
		name := fmt.Sprintf("service %d", i)
		if i%2 == 0 {
			ents[i].Properties["pagerduty_service_id"] = id
		}
		recs[i] = pdRecord(id, name, map[string]any{"on_call": "x@example.com", "pagerduty_status": "active"})
	}
	facts := []*Facts{{Source: "pagerduty", Records: recs}}
	b.ReportAllocs()
	for b.Loop() {
		res := Join(ents, facts)
		if len(res.Unjoined[0].Records) != 0 {
			b.Fatal(res.Unjoined[0].Records[:3])
		}
	}
}
