package backstage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/backstage/backstagetest"
	"github.com/prodready/prodready/scorecard/emulator"
)

var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

const testToken = "bst-secret-token-8c1e5a"

// testScorecards reads the mapped properties, so that a mapping mistake
// changes a level.
const testScorecards = `[{
  "identifier": "backstage_ready", "title": "Backstage readiness", "blueprint": "service",
  "rules": [
    {"identifier": "owned", "title": "Has an owning team", "level": "Bronze",
     "query": {"combinator": "and", "conditions": [{"property": "$team", "operator": "isNotEmpty"}]}},
    {"identifier": "in_production", "title": "Lifecycle is production", "level": "Silver",
     "query": {"combinator": "and", "conditions": [{"property": "lifecycle", "operator": "=", "value": "production"}]}},
    {"identifier": "has_pagerduty", "title": "Has a PagerDuty service", "level": "Gold",
     "query": {"combinator": "and", "conditions": [{"property": "pagerduty.com/service-id", "operator": "isNotEmpty"}]}}
  ]}]`

func writeScorecards(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scorecards.json")
	if err := os.WriteFile(p, []byte(testScorecards), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func component(name, ns, owner, lifecycle string, ann map[string]string) backstage.Entity {
	spec := map[string]any{"type": "service"}
	if owner != "" {
		spec["owner"] = owner
	}
	if lifecycle != "" {
		spec["lifecycle"] = lifecycle
	}
	return backstage.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component",
		Metadata: backstage.Metadata{Name: name, Namespace: ns, Annotations: ann}, Spec: spec}
}

func manyComponents(n int) []backstage.Entity {
	out := make([]backstage.Entity, n)
	for i := range out {
		lc := "production"
		if i%3 == 0 {
			lc = "experimental"
		}
		ann := map[string]string{"github.com/project-slug": fmt.Sprintf("acme/svc-%05d", i)}
		if i%2 == 0 {
			ann["pagerduty.com/service-id"] = fmt.Sprintf("P%05d", i)
		}
		out[i] = component(fmt.Sprintf("svc-%05d", i), "", fmt.Sprintf("group:default/team-%d", i%7), lc, ann)
		out[i].Metadata.Tags = []string{"go", "tier-1"}
	}
	return out
}

func newServer(t *testing.T, ents []backstage.Entity, opts ...backstagetest.Option) *backstagetest.Server {
	t.Helper()
	srv := backstagetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	if err := srv.SetEntities(ents); err != nil {
		t.Fatal(err)
	}
	return srv
}

func fastConfig(srv *backstagetest.Server, scorecards string) backstage.Config {
	return backstage.Config{BaseURL: srv.URL, Scorecards: []string{scorecards},
		RetryWait: time.Millisecond, RetryMaxWait: 50 * time.Millisecond, RequestTimeout: 5 * time.Second}
}

// Three pages, a 500 along the way: every component arrives once, the
// first request carries the filter, the next only the cursor with fields
// and limit, and the levels are those the rules give.
func TestLoadPagesFieldsAndLevels(t *testing.T) {
	ents := manyComponents(1100)
	// Not services: the filter must leave them out.
	ents = append(ents, backstage.Entity{Kind: "Component", Metadata: backstage.Metadata{Name: "site"}, Spec: map[string]any{"type": "website", "owner": "web"}},
		backstage.Entity{Kind: "API", Metadata: backstage.Metadata{Name: "svc-api"}, Spec: map[string]any{"type": "openapi", "owner": "web"}})
	srv := newServer(t, ents, backstagetest.WithToken(testToken))
	srv.Inject(emulator.Fault{Skip: 1, Status: 500})
	cfg := fastConfig(srv, writeScorecards(t))
	cfg.Token, cfg.SkipTeams = testToken, true
	b, err := backstage.Source{Client: backstage.New(cfg)}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.Catalog.Entities); n != 1100 {
		t.Fatalf("got %d entities, want 1100", n)
	}
	reqs := srv.Requests()
	if len(reqs) != 4 { // 3 pages, one retried
		t.Errorf("got %d requests, want 4 (3 pages of 500, one retried after a 500)", len(reqs))
	}
	want := strings.Join(backstage.ComponentFields(), ",")
	for i, r := range reqs {
		if got := r.Query.Get("fields"); got != want {
			t.Errorf("request %d: fields=%q, want %q", i+1, got, want)
		}
		if got := r.Query.Get("limit"); got != "500" {
			t.Errorf("request %d: limit=%q, want 500", i+1, got)
		}
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			t.Errorf("request %d: no bearer token", i+1)
		}
		first := r.Query.Get("cursor") == ""
		if first && !slices.Equal(r.Query["filter"], []string{"kind=component,spec.type=service"}) {
			t.Errorf("request %d: filter=%q", i+1, r.Query["filter"])
		}
		if !first && r.Query.Has("filter") {
			t.Errorf("request %d sends a filter beside the cursor: %v", i+1, r.Query)
		}
	}
	ev := b.Evaluate(now)
	levels := map[string]int{}
	for ei := range ev.Catalog.Entities {
		levels[ev.Scorecards[0].Levels[ev.Result(ei, 0).Level].Title]++
	}
	// i%3==0 experimental (Bronze); otherwise production: Gold when i is even.
	wantLevels := map[string]int{"Bronze": 367, "Silver": 367, "Gold": 366}
	if !maps(levels, wantLevels) {
		t.Errorf("levels %v, want %v", levels, wantLevels)
	}
	e := b.Catalog.Entities[0]
	if e.Identifier != "svc-00000" || e.Blueprint != "service" || !slices.Equal(e.Team, scorecard.Teams{"team-0"}) {
		t.Errorf("first entity %+v", e)
	}
	if got := b.EntityURL(&b.Catalog.Entities[1]); got != srv.URL+"/catalog/default/component/svc-00001" {
		t.Errorf("EntityURL = %q", got)
	}
}

func maps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The mapping, entity by entity: namespaces, owners of every shape, title,
// links, tags and annotations.
func TestMapping(t *testing.T) {
	full := component("checkout", "", "group:default/payments", "production", map[string]string{
		"pagerduty.com/service-id": "PX1", "github.com/project-slug": "acme/checkout", "lifecycle": "an annotation, not the lifecycle"})
	full.Metadata.Title = "Checkout"
	full.Metadata.Description = "Takes the money"
	full.Metadata.Tags = []string{"go", "pci"}
	full.Metadata.Links = []backstage.Link{{URL: "https://runbooks/checkout", Title: "Runbook"}, {URL: "https://dash/checkout"}}
	full.Spec["system"] = "shop"

	tests := []struct {
		name      string
		e         backstage.Entity
		id, title string
		team      []string
		props     map[string]any
		warning   string
	}{
		{"every field", full, "checkout", "Checkout", []string{"payments"}, map[string]any{
			"lifecycle": "production", "type": "service", "system": "shop", "description": "Takes the money",
			"owner": "group:default/payments", "tags": []any{"go", "pci"}, "links": []any{"https://runbooks/checkout", "https://dash/checkout"},
			"pagerduty.com/service-id": "PX1", "github.com/project-slug": "acme/checkout"}, ""},
		{"bare owner name", component("a", "", "payments", "", nil), "a", "a", []string{"payments"}, map[string]any{"owner": "group:default/payments"}, ""},
		{"owner without kind, other namespace", component("a", "", "ops/payments", "", nil), "a", "a", []string{"ops/payments"}, nil, ""},
		{"owner resolved in the entity's namespace", component("a", "ops", "payments", "", nil), "ops/a", "a", []string{"ops/payments"}, map[string]any{"owner": "group:ops/payments"}, ""},
		{"kind without namespace", component("a", "ops", "group:payments", "", nil), "ops/a", "a", []string{"ops/payments"}, nil, ""},
		{"explicit default namespace", component("a", "default", "Group:default/payments", "", nil), "a", "a", []string{"payments"}, nil, ""},
		{"user owner", component("a", "", "user:jdoe", "", nil), "a", "a", nil, map[string]any{"owner": "user:default/jdoe"}, "is owned by user:default/jdoe, a user rather than a group: no team"},
		{"no owner", component("a", "", "", "", nil), "a", "a", nil, nil, "has no spec.owner: no team"},
		{"malformed owner", component("a", "", "group:", "", nil), "a", "a", nil, nil, `spec.owner: entity reference "group:" is not [kind:][namespace/]name: no team`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ws := backstage.Map(&tt.e)
			if got.Identifier != tt.id || got.Title != tt.title || got.Blueprint != "service" {
				t.Errorf("identifier %q title %q blueprint %q, want %q %q service", got.Identifier, got.Title, got.Blueprint, tt.id, tt.title)
			}
			if !slices.Equal([]string(got.Team), tt.team) {
				t.Errorf("team %v, want %v", got.Team, tt.team)
			}
			for k, v := range tt.props {
				if fmt.Sprint(got.Properties[k]) != fmt.Sprint(v) {
					t.Errorf("properties[%q] = %v, want %v", k, got.Properties[k], v)
				}
			}
			switch {
			case tt.warning == "" && len(ws) > 0:
				t.Errorf("unexpected warnings %q", ws)
			case tt.warning != "" && (len(ws) != 1 || !strings.Contains(ws[0], tt.warning)):
				t.Errorf("warnings %q, want one with %q", ws, tt.warning)
			}
		})
	}
}

// Equal names in two namespaces are two entities; warnings for owners
// reach the bundle's findings; groups and users give teams with emails.
func TestLoadNamespacesOwnersAndTeams(t *testing.T) {
	ents := []backstage.Entity{
		component("billing", "", "payments", "production", nil),
		component("billing", "finance", "group:finance/ledger", "production", nil),
		component("orphan", "", "", "production", nil),
		component("solo", "", "user:jdoe", "production", nil),
		component("ghost-owned", "", "ghosts", "production", nil),
		{Kind: "Group", Metadata: backstage.Metadata{Name: "payments", Title: "Payments"}, Spec: map[string]any{"type": "team", "members": []any{"alice", "user:default/bob"}, "profile": map[string]any{"displayName": "Payments team"}}},
		{Kind: "Group", Metadata: backstage.Metadata{Name: "ledger", Namespace: "finance"}, Spec: map[string]any{"type": "team"}},
		{Kind: "User", Metadata: backstage.Metadata{Name: "alice"}, Spec: map[string]any{"profile": map[string]any{"email": "alice@acme.io"}}},
		{Kind: "User", Metadata: backstage.Metadata{Name: "bob"}, Spec: map[string]any{"profile": map[string]any{"email": "bob@acme.io"}}},
		{Kind: "User", Metadata: backstage.Metadata{Name: "carol", Namespace: "finance"}, Spec: map[string]any{"profile": map[string]any{"email": "carol@acme.io"}, "memberOf": []any{"ledger"}}},
	}
	srv := newServer(t, ents)
	b, err := backstage.Source{Client: backstage.New(fastConfig(srv, writeScorecards(t)))}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range b.Catalog.Entities {
		ids = append(ids, e.Identifier)
	}
	if want := []string{"billing", "finance/billing", "orphan", "solo", "ghost-owned"}; !slices.Equal(ids, want) {
		t.Errorf("identifiers %v, want %v", ids, want)
	}
	i, _ := b.Catalog.Find("finance/billing")
	if got := b.EntityURL(&b.Catalog.Entities[i]); got != srv.URL+"/catalog/finance/component/billing" {
		t.Errorf("EntityURL = %q", got)
	}
	teams := map[string]scorecard.Team{}
	for _, tm := range b.Teams {
		teams[tm.Identifier] = tm
	}
	if tm := teams["payments"]; tm.Name != "Payments team" || !slices.Equal(tm.Emails, []string{"alice@acme.io", "bob@acme.io"}) {
		t.Errorf("team payments = %+v", tm)
	}
	if tm := teams["finance/ledger"]; !slices.Equal(tm.Emails, []string{"carol@acme.io"}) {
		t.Errorf("team finance/ledger = %+v (carol is a member by spec.memberOf)", tm)
	}
	if _, ok := teams["ghosts"]; !ok {
		t.Errorf("the owner group ghosts, absent from the catalog, has no team: %v", teams)
	}
	var msgs []string
	for _, f := range b.Findings {
		msgs = append(msgs, f.String())
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{
		"backstage:component:default/orphan: warning: has no spec.owner: no team",
		"backstage:component:default/solo: warning: is owned by user:default/jdoe",
		`group "ghosts" owns entities but is not in the catalog`,
	} {
		if !strings.Contains(all, w) {
			t.Errorf("no finding %q in:\n%s", w, all)
		}
	}
}

// Filters go out as Backstage's filter parameters, one per set.
func TestLoadFilter(t *testing.T) {
	ents := []backstage.Entity{
		component("svc", "", "a", "production", nil),
		{Kind: "Component", Metadata: backstage.Metadata{Name: "web"}, Spec: map[string]any{"type": "website", "owner": "a"}},
		{Kind: "Component", Metadata: backstage.Metadata{Name: "lib"}, Spec: map[string]any{"type": "library", "owner": "a"}},
	}
	srv := newServer(t, ents)
	f, err := backstage.ParseFilter("kind=component,spec.type=service; kind=component,spec.type=website")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig(srv, writeScorecards(t))
	cfg.Filter, cfg.SkipTeams = f, true
	b, err := backstage.Source{Client: backstage.New(cfg)}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.Catalog.Entities); n != 2 {
		t.Errorf("got %d entities, want svc and web", n)
	}
	if got := srv.Requests()[0].Query["filter"]; !slices.Equal(got, []string{"kind=component,spec.type=service", "kind=component,spec.type=website"}) {
		t.Errorf("filter params %q", got)
	}

	cfg.Filter, _ = backstage.ParseFilter("kind=component,spec.type=nothing")
	_, err = backstage.Source{Client: backstage.New(cfg)}.Load(context.Background(), now)
	if err == nil || !strings.Contains(err.Error(), "matched no entity") || !strings.Contains(err.Error(), "backstage.Config.Filter") {
		t.Errorf("an empty result: err = %v", err)
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "kind=component,spec.type=service", ""},
		{"kind=component", "kind=component", ""},
		{" kind=Component , spec.type=service ;kind=api", "kind=Component,spec.type=service;kind=api", ""},
		{"metadata.annotations.backstage.io/orphan=true", "metadata.annotations.backstage.io/orphan=true", ""},
		{"spec.lifecycle", "spec.lifecycle", ""},
		{"kind=component,,spec.type=service", "", "condition 2 of filter set 1 is empty"},
		{"kind=component;;kind=api", "", "filter set 2 is empty"},
		{"=service", "", `condition "=service" has no key`},
		{"filter=kind=component", "", `without "filter="`},
		{"spec type=service", "", "is not a path"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := backstage.ParseFilter(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "backstage.Config.Filter") {
					t.Fatalf("err = %v, want one naming backstage.Config.Filter with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.String() != tt.want {
				t.Errorf("got %q, want %q", f, tt.want)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"https://backstage.acme.io/", "https://backstage.acme.io", ""},
		{"http://127.0.0.1:7007/api/catalog/", "http://127.0.0.1:7007", ""},
		{"", "", "backstage.Config.BaseURL is not set"},
		{"backstage.acme.io", "", "must be an http(s) URL"},
		{"https://u:p@backstage.acme.io", "", "must not carry credentials"},
		{"https://backstage.acme.io/?token=x", "", "must not have a query"},
	}
	for _, tt := range tests {
		got, err := backstage.ParseURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseURL(%q): err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// Errors name the endpoint, the status and what to fix; none carries the
// token, even when the server echoes it.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		token string // the client's; the server wants testToken
		fault *emulator.Fault
		setup func(*backstagetest.Server, *backstage.Config)
		want  []string
	}{
		{"no token", "", nil, nil, []string{"GET /api/catalog/entities/by-query", "HTTP 401", "set backstage.Config.Token"}},
		{"wrong token", "wrong-" + testToken, nil, nil, []string{"HTTP 401", "AuthenticationError", "Backstage refused backstage.Config.Token"}},
		{"forbidden", testToken, &emulator.Fault{Status: 403}, nil, []string{"HTTP 403", "NotAllowedError", "backstage.Config.Token may not read the catalog"}},
		{"server errors every time", testToken, &emulator.Fault{Status: 503, Times: -1}, nil, []string{"HTTP 503", "(server error)", "after 3 attempts"}},
		{"long Retry-After", testToken, &emulator.Fault{Status: 429, RetryAfter: "3600"}, nil, []string{"HTTP 429", "asked to retry after 1h0m0s"}},
		{"slow answers", testToken, &emulator.Fault{Delay: time.Second, Times: -1}, func(_ *backstagetest.Server, c *backstage.Config) {
			c.RequestTimeout = 50 * time.Millisecond
		}, []string{"GET /api/catalog/entities/by-query", "transport error", "after 3 attempts"}},
		{"load time limit", testToken, nil, func(s *backstagetest.Server, c *backstage.Config) {
			s.SetLatency(40 * time.Millisecond)
			c.PageSize, c.LoadTimeout = 1, 100*time.Millisecond
		}, []string{"gave up at page", "reading Backstage took longer than 100ms"}},
		{"repeated cursor", testToken, nil, func(s *backstagetest.Server, _ *backstage.Config) {
			s.SetCursorMode(backstagetest.CursorRepeat)
		}, []string{"page 2 handed out the same nextCursor as page 1"}},
		{"endless cursor", testToken, nil, func(s *backstagetest.Server, c *backstage.Config) {
			s.SetCursorMode(backstagetest.CursorEndless)
			c.PageSize, c.MaxPages = 1, 20 // full pages up to the bound
		}, []string{"still more pages after 20 pages"}},
		// Issue 21 #17: empty pages, each with a new cursor, stop after 3.
		{"empty pages with a new cursor", testToken, nil, func(s *backstagetest.Server, c *backstage.Config) {
			s.SetCursorMode(backstagetest.CursorEndless)
		}, []string{"GET /api/catalog/entities/by-query", "page 6", "3 pages in a row had no entities but a new nextCursor"}},
		{"not Backstage", testToken, nil, func(s *backstagetest.Server, c *backstage.Config) {
			c.BaseURL += "/elsewhere"
		}, []string{"HTTP 404", "is backstage.Config.BaseURL the Backstage backend"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, manyComponents(30), backstagetest.WithToken(testToken))
			if tt.fault != nil {
				srv.Inject(*tt.fault)
			}
			cfg := fastConfig(srv, writeScorecards(t))
			cfg.Token, cfg.Retries, cfg.PageSize, cfg.SkipTeams = tt.token, 2, 10, true
			if tt.setup != nil {
				tt.setup(srv, &cfg)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := backstage.Source{Client: backstage.New(cfg)}.Load(ctx, now)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error carries the token: %v", err)
			}
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				t.Errorf("the test's own deadline ran out: the load is not bounded")
			}
		})
	}
}

// A server (or proxy) that echoes the Authorization header in its error
// must not leak the token through the client's error.
func TestTokenNeverInErrors(t *testing.T) {
	srv := newServer(t, manyComponents(3), backstagetest.WithToken(testToken))
	cfg := fastConfig(srv, writeScorecards(t))
	cfg.Token = testToken
	cfg.BaseURL = srv.URL + "/echo"
	c := backstage.New(cfg, backstage.WithTransport(echoTransport{}))
	_, err := c.List(context.Background(), backstage.DefaultFilter(), nil)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error = %v", err)
	}
}

// Two kinds with one name, when the filter lets both through: both stay,
// each under its full reference.
func TestLoadSameNameTwoKinds(t *testing.T) {
	ents := []backstage.Entity{
		component("orders", "", "shop", "production", nil),
		{Kind: "API", Metadata: backstage.Metadata{Name: "orders"}, Spec: map[string]any{"type": "openapi", "owner": "shop", "lifecycle": "production"}},
		component("cart", "", "shop", "production", nil),
	}
	srv := newServer(t, ents)
	cfg := fastConfig(srv, writeScorecards(t))
	cfg.Filter, _ = backstage.ParseFilter("kind=component;kind=api")
	cfg.SkipTeams = true
	b, err := backstage.Source{Client: backstage.New(cfg)}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range b.Catalog.Entities {
		ids = append(ids, e.Identifier)
	}
	if want := []string{"component:default/orders", "api:default/orders", "cart"}; !slices.Equal(ids, want) {
		t.Errorf("identifiers %v, want %v", ids, want)
	}
	i, _ := b.Catalog.Find("api:default/orders")
	if got := b.EntityURL(&b.Catalog.Entities[i]); got != srv.URL+"/catalog/default/api/orders" {
		t.Errorf("EntityURL = %q", got)
	}
	if len(b.Findings) != 2 {
		t.Errorf("findings: %v", b.Findings)
	}
}

// A token that may not read groups or users still loads the services,
// with a warning; one that may not read components fails.
func TestLoadTeamsForbidden(t *testing.T) {
	srv := newServer(t, append(manyComponents(5), backstage.Entity{Kind: "Group", Metadata: backstage.Metadata{Name: "team-1"}}))
	srv.Inject(emulator.Fault{Query: "filter=kind=user", Status: 403, Times: -1})
	cfg := fastConfig(srv, writeScorecards(t))
	b, err := backstage.Source{Client: backstage.New(cfg)}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Catalog.Entities) != 5 || len(b.Teams) != 5 {
		t.Errorf("%d entities, %d teams", len(b.Catalog.Entities), len(b.Teams))
	}
	if !strings.Contains(lines(b.Findings), "warning: teams have no members' emails: read team members: list entities (filter kind=user), page 1: GET /api/catalog/entities/by-query: HTTP 403") {
		t.Errorf("findings:\n%s", lines(b.Findings))
	}

	srv.Inject(emulator.Fault{Query: "filter=kind=component,spec.type=service", Status: 403, Times: -1})
	_, err = backstage.Source{Client: backstage.New(cfg)}.Load(context.Background(), now)
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("components forbidden: err = %v", err)
	}
}

func lines(fs scorecard.Findings) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

// lockedBuffer is a log sink safe for the client's concurrent requests.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A 429 with Retry-After: 1 is waited out, said in a warning, and the load
// succeeds; no log line, debug ones included, carries the token.
func TestRetryAfterHonouredAndLogsClean(t *testing.T) {
	srv := newServer(t, manyComponents(30), backstagetest.WithToken(testToken))
	srv.Inject(emulator.Fault{Query: "filter=kind=component,spec.type=service", Status: 429, RetryAfter: "1"})
	var logs lockedBuffer
	cfg := fastConfig(srv, writeScorecards(t))
	cfg.Token, cfg.RetryMaxWait = testToken, 5*time.Second
	c := backstage.New(cfg, backstage.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	start := time.Now()
	b, err := backstage.Source{Client: c}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("Load took %s: the Retry-After of 1 s was not honoured", took)
	}
	if len(b.Catalog.Entities) != 30 {
		t.Errorf("%d entities", len(b.Catalog.Entities))
	}
	out := logs.String()
	if !strings.Contains(out, `msg="backstage: request failed, retrying" method=GET path=/api/catalog/entities/by-query attempt=1 status=429 retry_after=1`) {
		t.Errorf("no retry warning in:\n%s", out)
	}
	if strings.Contains(out, testToken) {
		t.Errorf("the token is in the logs:\n%s", out)
	}
	if s := fmt.Sprint(cfg) + cfg.LogValue().String(); strings.Contains(s, testToken) || !strings.Contains(s, "token set") {
		t.Errorf("Config prints as %q", s)
	}
}

func TestProvides(t *testing.T) {
	for _, tt := range []struct {
		name     string
		relation bool
		want     bool
	}{
		{"$team", false, true}, {"lifecycle", false, true}, {"links", false, true},
		{"pagerduty.com/service-id", false, true}, {"github.com/project-slug", false, true},
		{"$createdAt", false, false}, {"last_deploy", false, false}, {"repository", true, false}, {"lifecycle", true, false},
	} {
		if got := backstage.Provides(tt.name, tt.relation); got != tt.want {
			t.Errorf("Provides(%q, relation=%v) = %v", tt.name, tt.relation, got)
		}
	}
	// Every property Map fills is one Provides names.
	e := component("a", "", "payments", "production", map[string]string{"x.io/y": "z"})
	e.Metadata.Description, e.Metadata.Tags, e.Metadata.Links = "d", []string{"t"}, []backstage.Link{{URL: "u"}}
	e.Spec["system"] = "s"
	m, _ := backstage.Map(&e)
	for k := range m.Properties {
		if !backstage.Provides(k, false) {
			t.Errorf("Map fills %q, which Provides denies", k)
		}
	}
}
