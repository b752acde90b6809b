package porttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/emulator/openapi"
	"github.com/prodready/prodready/scorecard/port"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// Facts SOURCES.md records from Port's documentation that the OpenAPI does
// not show, and the only latitude the contract test allows:
//   - search entities also carry blueprint, createdAt/By, updatedAt/By and
//     Port's computed "scorecards" (the spec lists identifier, title, icon,
//     team, properties and relations with additionalProperties false);
//   - GET .../scorecards has no 200 schema: each scorecard is checked against
//     the create-scorecard body, less the fields Port adds when it stores one;
//   - 429 and 5xx answers are not described: they are checked against the
//     {ok: false, error, message} shape every other error has.
var documentedEntityFields = map[string]any{
	"blueprint": map[string]any{"type": "string"},
	"createdAt": map[string]any{"type": "string", "format": "date-time"},
	"createdBy": map[string]any{"type": "string"},
	"updatedAt": map[string]any{"type": "string", "format": "date-time"},
	"updatedBy": map[string]any{"type": "string"},
	"scorecards": map[string]any{"type": "object", "additionalProperties": map[string]any{
		"type": "object", "required": []any{"level", "rules"}, "additionalProperties": false,
		"properties": map[string]any{
			"level": map[string]any{"type": "string"},
			"rules": map[string]any{"type": "array", "items": map[string]any{
				"type": "object", "required": []any{"identifier", "status", "level"}, "additionalProperties": false,
				"properties": map[string]any{
					"identifier": map[string]any{"type": "string"},
					"status":     map[string]any{"enum": []any{"SUCCESS", "FAILURE"}},
					"level":      map[string]any{"type": "string"},
				},
			}},
		},
	}},
}

var serverAddedScorecardFields = []string{"id", "blueprint", "createdAt", "createdBy", "updatedAt", "updatedBy"}

var undocumentedErrorStatus = map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true}

var errorShape = map[string]any{
	"type": "object", "required": []any{"ok", "error"}, "additionalProperties": false,
	"properties": map[string]any{"ok": map[string]any{"const": false}, "error": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}},
}

// withEntityFields returns a copy of the search response schema that admits
// documentedEntityFields on each entity.
func withEntityFields(schema map[string]any) map[string]any {
	items := openapi.Dig(schema, "properties", "entities", "items").(map[string]any)
	props := map[string]any{}
	for k, v := range items["properties"].(map[string]any) {
		props[k] = v
	}
	for k, v := range documentedEntityFields {
		props[k] = v
	}
	newItems := map[string]any{}
	for k, v := range items {
		newItems[k] = v
	}
	newItems["properties"] = props
	out := map[string]any{}
	for k, v := range schema {
		out[k] = v
	}
	entities := map[string]any{}
	for k, v := range openapi.Dig(schema, "properties", "entities").(map[string]any) {
		entities[k] = v
	}
	entities["items"] = newItems
	sp := map[string]any{}
	for k, v := range schema["properties"].(map[string]any) {
		sp[k] = v
	}
	sp["entities"] = entities
	out["properties"] = sp
	return out
}

// checkExchange validates one recorded request and its answer.
func checkExchange(t *testing.T, v *openapi.Spec, r emulator.Request) (template string) {
	t.Helper()
	tmpl, op := v.MustOperation(t, r.Method, r.Path)
	name := fmt.Sprintf("%s %s (status %d)", r.Method, r.Path, r.Status)
	report := func(what string, errs []string) {
		if len(errs) > 0 {
			t.Errorf("%s: %s does not match Port's OpenAPI:\n  %s", name, what, strings.Join(errs, "\n  "))
		}
	}
	decode := func(what string, b []byte) any {
		var x any
		if err := json.Unmarshal(b, &x); err != nil {
			t.Errorf("%s: %s is not JSON: %v", name, what, err)
		}
		return x
	}
	// Request body; one the emulator refused with 422 was sent bad on purpose.
	if r.Status == http.StatusUnprocessableEntity {
		// the answer is still checked below
	} else if rs := openapi.Dig(op, "requestBody", "content", "application/json", "schema"); rs != nil {
		report("the request body", v.Validate(rs, decode("the request body", r.Body), "body"))
	} else if len(bytes.TrimSpace(r.Body)) > 0 {
		t.Errorf("%s: a body was sent where the spec has none", name)
	}
	// Query parameters: each must be declared, with values of its schema.
	params, _ := op["parameters"].([]any)
	for key, vals := range r.Query {
		var ps any
		for _, p := range params {
			pm := p.(map[string]any)
			if pm["in"] == "query" && pm["name"] == key {
				ps = pm["schema"]
			}
		}
		if ps == nil {
			t.Errorf("%s: query parameter %q is not in the spec", name, key)
			continue
		}
		if openapi.Dig(ps, "type") == "array" {
			arr := make([]any, len(vals))
			for i, x := range vals {
				arr[i] = x
			}
			report("query "+key, v.Validate(ps, arr, "query."+key))
		} else {
			for _, x := range vals {
				report("query "+key, v.Validate(ps, x, "query."+key))
			}
		}
	}
	// The answer.
	if r.Status == 0 {
		return tmpl // dropped on purpose: nothing to check
	}
	body := decode("the answer", r.Response)
	code := strconv.Itoa(r.Status)
	schema := openapi.Dig(op, "responses", code, "content", "application/json", "schema")
	switch {
	case schema == nil && r.Status == 200 && strings.HasSuffix(tmpl, "/scorecards"):
		create := openapi.Dig(v.Root, "paths", "/v1/blueprints/{blueprint_identifier}/scorecards", "post", "requestBody", "content", "application/json", "schema")
		list, _ := openapi.Dig(body, "scorecards").([]any)
		if openapi.Dig(body, "ok") != true || list == nil {
			t.Errorf("%s: answer is not {\"ok\": true, \"scorecards\": [...]}", name)
		}
		for i, sc := range list {
			m := map[string]any{}
			for k, x := range sc.(map[string]any) {
				m[k] = x
			}
			for _, k := range serverAddedScorecardFields {
				if _, ok := m[k]; !ok {
					t.Errorf("%s: scorecard %d lacks %q, which Port adds", name, i, k)
				}
				delete(m, k)
			}
			report(fmt.Sprintf("scorecard %d", i), v.Validate(create, m, fmt.Sprintf("scorecards[%d]", i)))
		}
	case schema == nil && undocumentedErrorStatus[r.Status]:
		report("the answer", v.Validate(errorShape, body, "answer"))
	case schema == nil:
		t.Errorf("%s: the spec has no answer %s for %s %s", name, code, r.Method, tmpl)
	case strings.HasSuffix(tmpl, "/entities/search") && r.Status == 200:
		report("the answer", v.Validate(withEntityFields(schema.(map[string]any)), body, "answer"))
	default:
		report("the answer", v.Validate(schema, body, "answer"))
	}
	return tmpl
}

// The emulator's requests and answers, on every endpoint the client uses,
// in success and in error, match Port's OpenAPI.
func TestContractWithPortOpenAPI(t *testing.T) {
	v := openapi.Load(t, "port/openapi.yaml")
	srv := porttest.NewServer(porttest.WithRecordBodies())
	defer srv.Close()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	ents := make([]scorecard.Entity, 2300)
	for i := range ents {
		ents[i] = scorecard.Entity{
			Identifier: fmt.Sprintf("svc-%d", i), Title: fmt.Sprintf("Service %d", i), Blueprint: "service",
			Team:       scorecard.Teams{"payments"},
			Properties: map[string]any{"readme": "README.md", "freshness": float64(i % 100), "unread": "x"},
			Relations:  map[string]any{"repository": fmt.Sprintf("repo-%d", i), "deps": []any{"a", "b"}},
			CreatedAt:  "2025-01-02T03:04:05.000Z", UpdatedAt: "2025-02-02T03:04:05.000Z", CreatedBy: "u", UpdatedBy: "u",
			Scorecards: map[string]scorecard.PortResult{"Readiness": {Level: "Bronze", Rules: []scorecard.PortRuleResult{{Identifier: "readme", Status: "SUCCESS", Level: "Bronze"}}}},
		}
	}
	srv.SetEntities("service", ents)
	if err := srv.SetScorecards("service", []byte(`[{"identifier": "Readiness", "title": "Readiness",
	  "levels": [{"title": "Basic", "color": "paleBlue"}, {"title": "Bronze", "color": "bronze"}, {"title": "Silver", "color": "silver"}],
	  "filter": {"combinator": "and", "conditions": [{"property": "$team", "operator": "isNotEmpty"}]},
	  "rules": [
	    {"identifier": "readme", "title": "Has README", "level": "Bronze", "query": {"combinator": "and", "conditions": [{"property": "readme", "operator": "isNotEmpty"}]}},
	    {"identifier": "fresh", "title": "Fresh", "level": "Silver", "query": {"combinator": "or", "conditions": [{"property": "freshness", "operator": "<", "value": 30}, {"relation": "repository", "operator": "isNotEmpty"}]}},
	    {"identifier": "recent", "title": "Recent", "level": "Silver", "query": {"combinator": "and", "conditions": [{"property": "$updatedAt", "operator": "between", "value": {"preset": "lastMonth"}}]}}
	  ]}]`)); err != nil {
		t.Fatal(err)
	}
	srv.SetTeams([]porttest.Team{{Name: "payments", Description: "Money", Emails: []string{"a@example.com"}}, {Name: "empty"}})

	cfg := port.Config{ClientID: porttest.DefaultClientID, ClientSecret: porttest.DefaultClientSecret, BaseURL: srv.URL,
		RetryWait: time.Millisecond, RetryMaxWait: 2 * time.Second}
	search := "/v1/blueprints/service/entities/search"
	srv.Inject(emulator.Fault{Path: search, Skip: 1, Status: 429, RetryAfter: "0"})
	srv.Inject(emulator.Fault{Path: search, Skip: 1, Status: 503})
	srv.Inject(emulator.Fault{Path: "/v1/teams", ExpireToken: true})
	ctx := context.Background()
	b, err := port.Source{Client: port.New(cfg)}.Load(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Catalog.Entities) != len(ents) {
		t.Fatalf("%d entities", len(b.Catalog.Entities))
	}
	// Errors the client meets: bad credentials, unknown blueprint, a bad page size.
	bad := cfg
	bad.ClientSecret = "wrong"
	if _, err := port.New(bad).FetchTeams(ctx); err == nil {
		t.Fatal("bad credentials accepted")
	}
	unknown := cfg
	unknown.Blueprint = "nope"
	c := port.New(unknown)
	if _, _, err := c.FetchScorecards(ctx); err == nil {
		t.Fatal("unknown blueprint accepted")
	}
	if _, err := c.FetchEntities(ctx, b.Scorecards); err == nil {
		t.Fatal("unknown blueprint accepted by search")
	}
	raw := func(method, path, body string, auth bool) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.Header.Set("Authorization", "Bearer "+freshToken(t, srv))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	raw("POST", search, `{"limit": 5000}`, true)                 // 422: limit above 1000
	raw("POST", search, `{"limit": 10, "from": "forged"}`, true) // 422: a cursor Port never issued
	raw("GET", "/v1/teams", "", false)                           // 401: no token
	raw("GET", "/v1/scorecards", "", true)
	raw("POST", "/v1/auth/access_token", `{"clientId": "x"}`, false) // 422: no secret

	covered := map[string]bool{}
	for _, r := range srv.Requests() {
		tmpl := checkExchange(t, v, r)
		covered[fmt.Sprintf("%s %s %d", r.Method, tmpl, r.Status)] = true
	}
	for _, want := range []string{
		"POST /v1/auth/access_token 200", "POST /v1/auth/access_token 401", "POST /v1/auth/access_token 422",
		"GET /v1/blueprints/{blueprint_identifier}/scorecards 200", "GET /v1/blueprints/{blueprint_identifier}/scorecards 404",
		"POST /v1/blueprints/{blueprint_identifier}/entities/search 200", "POST /v1/blueprints/{blueprint_identifier}/entities/search 404",
		"POST /v1/blueprints/{blueprint_identifier}/entities/search 422", "POST /v1/blueprints/{blueprint_identifier}/entities/search 429",
		"POST /v1/blueprints/{blueprint_identifier}/entities/search 503",
		"GET /v1/teams 200", "GET /v1/teams 401", "GET /v1/scorecards 200",
	} {
		if !covered[want] {
			t.Errorf("the contract test never exercised %s; it exercised %v", want, covered)
		}
	}
}

func freshToken(t *testing.T, srv *porttest.Server) string {
	t.Helper()
	body := fmt.Sprintf(`{"clientId": %q, "clientSecret": %q}`, porttest.DefaultClientID, porttest.DefaultClientSecret)
	resp, err := http.Post(srv.URL+"/v1/auth/access_token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct{ AccessToken string }
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("no token: %v", err)
	}
	return tr.AccessToken
}

// The validator rejects what Port would not send or accept, so that the
// contract test can fail.
func TestContractValidatorRejectsDrift(t *testing.T) {
	v := openapi.Load(t, "port/openapi.yaml")
	_, search := v.MustOperation(t, "POST", "/v1/blueprints/service/entities/search")
	req := openapi.Dig(search, "requestBody", "content", "application/json", "schema")
	resp := withEntityFields(openapi.Dig(search, "responses", "200", "content", "application/json", "schema").(map[string]any))
	_, teams := v.MustOperation(t, "GET", "/v1/teams")
	teamsResp := openapi.Dig(teams, "responses", "200", "content", "application/json", "schema")
	create := openapi.Dig(v.Root, "paths", "/v1/blueprints/{blueprint_identifier}/scorecards", "post", "requestBody", "content", "application/json", "schema")
	sc := func(op string) string {
		return `{"identifier": "x", "title": "X", "rules": [{"identifier": "r", "title": "R", "level": "Gold",
		  "query": {"combinator": "and", "conditions": [{"property": "p", "operator": "` + op + `", "value": 1}]}}]}`
	}
	cases := []openapi.Case{
		{Name: "search body", Schema: req, JSON: `{"include": ["$identifier", "readme"], "limit": 1000, "from": "abc"}`, Valid: true},
		{Name: "search body: limit above 1000", Schema: req, JSON: `{"limit": 5000}`, Valid: false},
		{Name: "search body: cursor under another name", Schema: req, JSON: `{"limit": 10, "cursor": "abc"}`, Valid: false},
		{Name: "search body: include not strings", Schema: req, JSON: `{"include": [1]}`, Valid: false},
		{Name: "search answer", Schema: resp, JSON: `{"ok": true, "entities": [{"identifier": "a-b", "team": ["x"], "relations": {"r": ["a"]}}], "next": "n"}`, Valid: true},
		{Name: "search answer: no ok", Schema: resp, JSON: `{"entities": []}`, Valid: false},
		{Name: "search answer: next not a string", Schema: resp, JSON: `{"ok": true, "entities": [], "next": 5}`, Valid: false},
		{Name: "search answer: an undocumented entity field", Schema: resp, JSON: `{"ok": true, "entities": [{"identifier": "a", "score": 1}]}`, Valid: false},
		{Name: "search answer: identifier '..'", Schema: resp, JSON: `{"ok": true, "entities": [{"identifier": ".."}]}`, Valid: false},
		{Name: "search answer: bad rule status", Schema: resp, JSON: `{"ok": true, "entities": [{"identifier": "a", "scorecards": {"s": {"level": "Gold", "rules": [{"identifier": "r", "status": "PASS", "level": "Gold"}]}}}]}`, Valid: false},
		{Name: "scorecard", Schema: create, JSON: sc(">="), Valid: true},
		{Name: "scorecard: unknown operator", Schema: create, JSON: sc("equals"), Valid: false},
		{Name: "scorecard: unknown level colour", Schema: create, JSON: `{"identifier": "x", "title": "X", "rules": [], "levels": [{"title": "A", "color": "mauve"}]}`, Valid: false},
		{Name: "teams answer", Schema: teamsResp, JSON: `{"ok": true, "teams": [{"name": "a", "users": [{"email": "a@b.c"}]}]}`, Valid: true},
		{Name: "teams answer: extra top-level key", Schema: teamsResp, JSON: `{"ok": true, "teams": [], "more": 1}`, Valid: false},
	}
	v.RunCases(t, cases)
}
