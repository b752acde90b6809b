package pagerduty_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/collected"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/pagerduty"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
)

var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func testConfig(srv *pagerdutytest.Server) pagerduty.Config {
	return pagerduty.Config{Token: pagerdutytest.DefaultToken, BaseURL: srv.URL,
		RetryWait: time.Millisecond, RetryMaxWait: 3 * time.Second, RetryBudget: 10 * time.Second}
}

// account fills the emulator with an account whose on-call cases are each
// worth a test: two people on level 1 (the first listed wins), nobody on
// level 1 (Port's computation then takes level 2), a user targeted directly,
// a user without an email, and a policy with nobody on call.
func account(t *testing.T, srv *pagerdutytest.Server, extra int) {
	t.Helper()
	for _, u := range []pagerdutytest.User{
		{ID: "PU1", Name: "Ada", Email: "ada@example.com"},
		{ID: "PU2", Name: "Bob", Email: "bob@example.com"},
		{ID: "PU3", Name: "Cy", Email: "cy@example.com"},
		{ID: "PU4", Name: "Dee", Email: "dee@example.com"},
		{ID: "PU5", Name: "Eve", Email: "eve@example.com"},
	} {
		if err := srv.PutUser(u); err != nil {
			t.Fatal(err)
		}
	}
	srv.PutTeam(pagerdutytest.Team{ID: "PT1", Name: "Payments"})
	srv.PutSchedule(pagerdutytest.Schedule{ID: "PS1", Name: "Primary", OnCall: []string{"PU2", "PU1"}})
	srv.PutSchedule(pagerdutytest.Schedule{ID: "PS2", Name: "Empty"})
	srv.PutSchedule(pagerdutytest.Schedule{ID: "PS3", Name: "Dee's", OnCall: []string{"PU4"}})
	srv.PutSchedule(pagerdutytest.Schedule{ID: "PS4", Name: "Nobody"})
	srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "PE1", Name: "Payments EP", Rules: [][]pagerdutytest.Target{
		{pagerdutytest.ScheduleTarget("PS1")}, {pagerdutytest.UserTarget("PU3")}}})
	srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "PE2", Name: "Search EP", Rules: [][]pagerdutytest.Target{
		{pagerdutytest.ScheduleTarget("PS2")}, {pagerdutytest.UserTarget("PU3")}, {pagerdutytest.UserTarget("PU1")}}})
	srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "PE3", Name: "Direct", Rules: [][]pagerdutytest.Target{
		{pagerdutytest.UserTarget("PU5"), pagerdutytest.UserTarget("PU1")}}})
	srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "PE4", Name: "Dee", Rules: [][]pagerdutytest.Target{{pagerdutytest.ScheduleTarget("PS3")}}})
	srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "PE5", Name: "Nobody", Rules: [][]pagerdutytest.Target{{pagerdutytest.ScheduleTarget("PS4")}}})
	srv.PutService(pagerdutytest.Service{ID: "PSV1", Name: "Payments API", EscalationPolicy: "PE1", Teams: []string{"PT1"}})
	srv.PutService(pagerdutytest.Service{ID: "PSV2", Name: "Search", EscalationPolicy: "PE2", Status: "critical"})
	srv.PutService(pagerdutytest.Service{ID: "PSV3", Name: "Billing", EscalationPolicy: "PE3", Status: "maintenance"})
	srv.PutService(pagerdutytest.Service{ID: "PSV4", Name: "Dee's service", EscalationPolicy: "PE4"})
	srv.PutService(pagerdutytest.Service{ID: "PSV5", Name: "Orphan", EscalationPolicy: "PE5"})
	for i := range extra {
		srv.PutService(pagerdutytest.Service{ID: fmt.Sprintf("PX%04d", i), Name: fmt.Sprintf("zz-extra-%04d", i), EscalationPolicy: "PE1"})
	}
}

func records(f *scorecard.Facts) map[string]scorecard.FactRecord {
	out := map[string]scorecard.FactRecord{}
	for _, r := range f.Records {
		out[r.Join.Value] = r
	}
	return out
}

func TestCollect(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	account(t, srv, 230) // 235 services: three pages of 100
	c := pagerduty.Collector{Client: pagerduty.New(testConfig(srv))}
	facts, err := c.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	providesExactly(t, c, facts)
	if facts.Source != "pagerduty" || len(facts.Records) != 235 {
		t.Fatalf("source %q, %d records", facts.Source, len(facts.Records))
	}
	recs := records(facts)
	cases := []struct {
		id     string
		oncall any // nil: known absent
		status string
	}{
		{"PSV1", "bob@example.com", "active"},      // two on level 1: the first PagerDuty lists
		{"PSV2", "cy@example.com", "critical"},     // nobody on level 1: the lowest level on call, as Port computes it
		{"PSV3", "eve@example.com", "maintenance"}, // users targeted directly
		{"PSV4", "dee@example.com", "active"},
		{"PSV5", nil, "active"}, // nobody on call
	}
	for _, c := range cases {
		r, ok := recs[c.id]
		if !ok {
			t.Fatalf("no record for %s", c.id)
		}
		got, has := r.Properties["on_call"]
		if !has || got != c.oncall {
			t.Errorf("%s on_call = %v (present %v); want %v", c.id, got, has, c.oncall)
		}
		if r.Properties["pagerduty_oncall"] != r.Properties["on_call"] {
			t.Errorf("%s pagerduty_oncall %v differs from on_call %v", c.id, r.Properties["pagerduty_oncall"], r.Properties["on_call"])
		}
		if r.Properties["pagerduty_status"] != c.status || r.Properties["pagerduty_service_id"] != c.id ||
			r.Properties["pagerduty_url"] != "https://pdtest.pagerduty.com/service-directory/"+c.id {
			t.Errorf("%s properties %v", c.id, r.Properties)
		}
	}
	p := recs["PSV1"]
	wantJoin := scorecard.JoinKeys{Property: "pagerduty_service_id", Annotation: "pagerduty.com/service-id", Value: "PSV1",
		Name: "Payments API", MatchTitle: true, FoldName: true}
	if p.Join != wantJoin || p.Identifier != "Payments API" || p.Title != "Payments API" || !reflect.DeepEqual(p.Teams, []string{"Payments"}) ||
		p.Properties["pagerduty_escalation_policy"] != "Payments EP" {
		t.Errorf("record %+v", p)
	}
	if len(facts.Warnings) != 0 {
		t.Errorf("warnings %q", facts.Warnings)
	}

	// Two paged calls, whatever the number of services: never one per service.
	if n := srv.Count("GET", "/services"); n != 3 {
		t.Errorf("%d requests to /services; want 3 pages", n)
	}
	oc := srv.RequestsTo("GET", "/oncalls")
	if len(oc) != 1 {
		t.Fatalf("%d requests to /oncalls; want 1", len(oc))
	}
	q := oc[0].Query
	if !reflect.DeepEqual(q["escalation_policy_ids[]"], []string{"PE1", "PE2", "PE3", "PE4", "PE5"}) ||
		q.Get("include[]") != "users" || q.Get("earliest") != "true" || q.Get("limit") != "100" || q.Get("offset") != "0" {
		t.Errorf("oncalls query %v", q)
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != "Token token="+pagerdutytest.DefaultToken || r.Header.Get("Accept") != pagerduty.Accept {
			t.Errorf("headers %v", r.Header)
		}
	}
}

// More policies than a URL holds: one unfiltered paged call, the other
// policies' entries ignored.
func TestOnCallsWithManyPolicies(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	for _, u := range []pagerdutytest.User{{ID: "PU1", Name: "Ada", Email: "ada@example.com"}, {ID: "PU2", Name: "Bob", Email: "bob@example.com"}} {
		if err := srv.PutUser(u); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 400 {
		id := fmt.Sprintf("PPOLICY%05d", i)
		srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: id, Name: id, Rules: [][]pagerdutytest.Target{{pagerdutytest.UserTarget("PU1")}}})
		srv.PutService(pagerdutytest.Service{ID: fmt.Sprintf("PS%05d", i), Name: fmt.Sprintf("svc-%05d", i), EscalationPolicy: id})
	}
	// A policy no service uses.
	srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "PZZZ", Name: "Unused", Rules: [][]pagerdutytest.Target{{pagerdutytest.UserTarget("PU2")}}})
	facts, err := pagerduty.Collector{Client: pagerduty.New(testConfig(srv))}.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range facts.Records {
		if r.Properties["on_call"] != "ada@example.com" {
			t.Fatalf("%s on_call %v", r.Join.Value, r.Properties["on_call"])
		}
	}
	oc := srv.RequestsTo("GET", "/oncalls")
	if len(oc) != 5 { // 401 entries, 100 a page
		t.Errorf("%d requests to /oncalls; want 5 pages of one call", len(oc))
	}
	for _, r := range oc {
		if _, filtered := r.Query["escalation_policy_ids[]"]; filtered {
			t.Errorf("a filter of 400 ids was sent: %d bytes of query", len(r.Query.Encode()))
		}
	}
}

func TestOnCallsUnreadableIsAWarning(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	account(t, srv, 0)
	srv.Inject(emulator.Fault{Path: "/oncalls", Status: 403})
	facts, err := pagerduty.Collector{Client: pagerduty.New(testConfig(srv))}.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range facts.Records {
		if _, has := r.Properties["on_call"]; has {
			t.Errorf("%s has on_call %v, though on-calls were not read", r.Join.Value, r.Properties["on_call"])
		}
		if r.Properties["pagerduty_status"] == nil {
			t.Errorf("%s lost its other facts", r.Join.Value)
		}
	}
	if len(facts.Warnings) != 1 || !strings.Contains(facts.Warnings[0], "on-calls could not be read, so on_call is unknown for every service") ||
		!strings.Contains(facts.Warnings[0], "HTTP 403 Forbidden (client error): PagerDuty error 2010: Access Denied") {
		t.Errorf("warnings %q", facts.Warnings)
	}
}

func TestCollectFailures(t *testing.T) {
	cases := []struct {
		name  string
		setup func(*pagerdutytest.Server, *pagerduty.Config)
		want  []string
	}{
		{name: "refused key", setup: func(_ *pagerdutytest.Server, c *pagerduty.Config) { c.Token = "wrong-key-123" },
			want: []string{"PagerDuty refused the API key (check pagerduty.Config.Token", "GET /services: HTTP 401 Unauthorized (client error): PagerDuty error 2006: Authentication failed"}},
		{name: "forbidden", setup: func(s *pagerdutytest.Server, _ *pagerduty.Config) {
			s.Inject(emulator.Fault{Path: "/services", Status: 403})
		}, want: []string{"pagerduty.Config.Token may not read this", "HTTP 403"}},
		{name: "no services", setup: func(s *pagerdutytest.Server, _ *pagerduty.Config) {
			for _, id := range []string{"PSV1", "PSV2", "PSV3", "PSV4", "PSV5"} {
				s.DeleteService(id)
			}
		}, want: []string{"PagerDuty has no services this key can see"}},
		{name: "server down for good", setup: func(s *pagerdutytest.Server, c *pagerduty.Config) {
			c.Retries = 2
			s.Inject(emulator.Fault{Path: "/services", Status: 502, Times: -1})
		}, want: []string{"list PagerDuty services: GET /services: HTTP 502 Bad Gateway (server error): PagerDuty error 2000: Internal Error (after 3 attempts)"}},
		{name: "no client", want: []string{"pagerduty.Collector has no Client"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := pagerdutytest.NewServer()
			defer srv.Close()
			account(t, srv, 0)
			cfg := testConfig(srv)
			var col pagerduty.Collector
			if tc.setup != nil {
				tc.setup(srv, &cfg)
				col.Client = pagerduty.New(cfg)
			}
			_, err := col.Collect(context.Background(), now)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// Past 10,000 records PagerDuty's offset pagination stops: the collector
// reads what it can and says so.
func TestTruncatedAtMaxOffset(t *testing.T) {
	if testing.Short() {
		t.Skip("10,050 services")
	}
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	account(t, srv, pagerduty.MaxOffset+45)
	facts, err := pagerduty.Collector{Client: pagerduty.New(testConfig(srv))}.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(facts.Records) != pagerduty.MaxOffset {
		t.Errorf("%d records", len(facts.Records))
	}
	if !strings.Contains(strings.Join(facts.Warnings, "\n"), "PagerDuty has more than 10000 services; only the first 10000 (by name) were read") {
		t.Errorf("warnings %q", facts.Warnings)
	}
	for _, r := range srv.Requests() {
		if r.Status != 200 {
			t.Errorf("%s %v got %d", r.Path, r.Query, r.Status)
		}
	}
}

func TestDescribe(t *testing.T) {
	c := pagerduty.Collector{Client: pagerduty.New(pagerduty.Config{Token: "secret-key-1234"})}
	if got := c.Describe(); got != "PagerDuty (https://api.pagerduty.com)" {
		t.Errorf("Describe %q", got)
	}
	if got := (pagerduty.Collector{}).Describe(); got != "PagerDuty (not configured)" {
		t.Errorf("Describe %q", got)
	}
	var _ scorecard.Collector = c
}

// Should PagerDuty send an on-call's user as a reference (without the email
// include[]=users asks for), the on-call is unknown, not absent, and said.
func TestOnCallWithoutEmail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/services":
			fmt.Fprint(w, `{"services": [{"id": "P1", "type": "service", "name": "One", "status": "active", "html_url": "https://x.pagerduty.com/service-directory/P1",
			  "escalation_policy": {"id": "PE1", "type": "escalation_policy_reference", "summary": "EP"}, "teams": []}],
			  "limit": 100, "offset": 0, "more": false, "total": null}`)
		case "/oncalls":
			fmt.Fprint(w, `{"oncalls": [
			  {"escalation_policy": {"id": "PE1", "type": "escalation_policy_reference"}, "escalation_level": 2, "user": {"id": "PU9", "type": "user", "email": "later@x.io"}},
			  {"escalation_policy": {"id": "PE1", "type": "escalation_policy_reference"}, "escalation_level": 1, "user": {"id": "PU7", "type": "user_reference", "summary": "Ref"}}],
			  "limit": 100, "offset": 0, "more": false, "total": null}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	facts, err := pagerduty.Collector{Client: pagerduty.New(pagerduty.Config{Token: "k", BaseURL: srv.URL})}.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if v, has := facts.Records[0].Properties["on_call"]; has {
		t.Errorf("on_call = %v; want it left out (the level-2 user is not the first on call)", v)
	}
	if len(facts.Warnings) != 1 || !strings.Contains(facts.Warnings[0], "PagerDuty sent no email for on-call users PU7, so on_call is unknown for their services") {
		t.Errorf("warnings %q", facts.Warnings)
	}
}

// End to end: a catalog whose services name their PagerDuty service in
// three ways gets each one's on-call, and keeps its own values.
func TestFactsJoinACatalog(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	account(t, srv, 0)
	cat, err := scorecard.NewCatalog([]scorecard.Entity{
		{Identifier: "payments", Properties: map[string]any{"pagerduty_service_id": "PSV1"}},
		{Identifier: "search", Properties: map[string]any{"pagerduty.com/service-id": "PSV2", "on_call": "team-search@example.com"}},
		{Identifier: "billing"}, // joined by name, case ignored
		{Identifier: "web"},
	})
	if err != nil {
		t.Fatal(err)
	}
	base := fixedSource{&scorecard.Bundle{Catalog: cat, Origin: "test catalog"}}
	b, err := collected.Source{Base: base, Collectors: []scorecard.Collector{pagerduty.Collector{Client: pagerduty.New(testConfig(srv))}}}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"payments": "bob@example.com", "search": "team-search@example.com", "billing": "eve@example.com", "web": nil}
	for id, oncall := range want {
		i, _ := b.Catalog.Find(id)
		if got := b.Catalog.Entities[i].Properties["on_call"]; got != oncall {
			t.Errorf("%s on_call = %v; want %v", id, got, oncall)
		}
	}
	i, _ := b.Catalog.Find("search")
	if b.Catalog.Entities[i].Properties["pagerduty_oncall"] != "cy@example.com" || b.Provenance.Of(&b.Catalog.Entities[i], "on_call") != "catalog" {
		t.Errorf("search %v", b.Catalog.Entities[i].Properties)
	}
	all := strings.Join(b.Warnings, "\n")
	for _, w := range []string{
		`search: on_call is "team-search@example.com" in catalog, "cy@example.com" in pagerduty; kept the catalog value`,
		"pagerduty: 2 records match no entity (give the entity the record's key property, or the same name): Dee's service, Orphan",
		"pagerduty: 1 entities have no facts from it; rules that read its facts fail for want of data: web",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
}

type fixedSource struct{ b *scorecard.Bundle }

func (f fixedSource) Load(context.Context, time.Time) (*scorecard.Bundle, error) { return f.b, nil }
func (f fixedSource) Describe() string                                           { return "test catalog" }

// providesExactly checks Provides against what a collection filled: every
// property of a record is provided, every provided property is in some
// record, and the team is provided when a record names one.
func providesExactly(t *testing.T, c scorecard.Collector, f *scorecard.Facts) {
	t.Helper()
	provided := map[string]bool{}
	for _, name := range c.Provides() {
		provided[name] = true
	}
	seen := map[string]bool{}
	for _, r := range f.Records {
		for k := range r.Properties {
			seen[k] = true
			if !provided[k] {
				t.Errorf("record %s has %s, which Provides does not name", r.Identifier, k)
			}
		}
		if len(r.Teams) > 0 {
			seen[scorecard.TeamProperty] = true
		}
	}
	for name := range provided {
		if !seen[name] {
			t.Errorf("Provides names %s, which no record has", name)
		}
	}
}
