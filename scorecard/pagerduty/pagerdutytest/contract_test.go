package pagerdutytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/emulator/openapi"
	"github.com/prodready/prodready/scorecard/pagerduty"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
)

func mapOf(x any) map[string]any { m, _ := x.(map[string]any); return m }
func listOf(x any) []any         { l, _ := x.([]any); return l }

// Latitude the contract test allows, each from PagerDuty's documentation
// (SOURCES.md) where the OpenAPI description is narrower than the API:
//   - with include[]=users, an on-call's user is a full User, not a
//     UserReference (that is how a client gets the email);
//   - with include[]=escalation_policies or teams, a service's policy and
//     teams are full objects;
//   - an on-call of a user an escalation rule targets directly has a null
//     schedule, start and end (the spec's own descriptions say so; its
//     schemas do not mark them nullable);
//   - 429 and 5xx answers, where an operation does not list them, have the
//     error shape every other error has.
var errorShape = map[string]any{"$ref": "#/components/responses/Conflict/content/application~1json/schema"}

// checkExchange validates one recorded request and its answer.
func checkExchange(t *testing.T, v *openapi.Spec, r emulator.Request) (template string) {
	t.Helper()
	tmpl, op := v.MustOperation(t, r.Method, r.Path)
	name := fmt.Sprintf("%s %s?%s (status %d)", r.Method, r.Path, r.Query.Encode(), r.Status)
	report := func(what string, errs []string) {
		if len(errs) > 0 {
			t.Errorf("%s: %s does not match PagerDuty's OpenAPI:\n  %s", name, what, strings.Join(errs, "\n  "))
		}
	}
	// Parameters: every query parameter declared, with values of its schema;
	// every required header sent.
	params := map[string]map[string]any{}
	for _, p := range listOf(op["parameters"]) {
		pm := mapOf(p)
		if ref, ok := pm["$ref"].(string); ok {
			target, err := v.Resolve(ref)
			if err != nil {
				t.Fatal(err)
			}
			pm = mapOf(target)
		}
		params[pm["in"].(string)+":"+pm["name"].(string)] = pm
	}
	for key, vals := range r.Query {
		if r.Status == http.StatusBadRequest {
			break // sent bad on purpose; the answer is still checked below
		}
		p := params["query:"+key]
		if p == nil {
			t.Errorf("%s: query parameter %q is not in the spec", name, key)
			continue
		}
		ps := mapOf(p["schema"])
		if ps["type"] == "array" {
			arr := make([]any, len(vals))
			for i, x := range vals {
				arr[i] = x
			}
			report("query "+key, v.Validate(ps, arr, "query."+key))
			continue
		}
		for _, x := range vals {
			report("query "+key, v.Validate(ps, queryValue(ps, x), "query."+key))
		}
	}
	for k, p := range params {
		if h, ok := strings.CutPrefix(k, "header:"); ok && p["required"] == true && r.Header.Get(h) == "" {
			t.Errorf("%s: required header %s was not sent", name, h)
		}
	}
	if r.Status == 0 {
		return tmpl // dropped on purpose: nothing to check
	}
	var body any
	if err := json.Unmarshal(r.Response, &body); err != nil {
		t.Errorf("%s: the answer is not JSON: %v", name, err)
		return tmpl
	}
	code := strconv.Itoa(r.Status)
	schema := openapi.Dig(op, "responses", code, "content", "application/json", "schema")
	if ref, ok := openapi.Dig(op, "responses", code, "$ref").(string); ok {
		resp, err := v.Resolve(ref)
		if err != nil {
			t.Fatal(err)
		}
		schema = openapi.Dig(resp, "content", "application/json", "schema")
	}
	switch {
	case schema == nil && (r.Status == 429 || r.Status >= 500):
		report("the answer", v.Check(errorShape, body, "answer"))
	case schema == nil:
		t.Errorf("%s: the spec has no answer %s for %s %s", name, code, r.Method, tmpl)
	case r.Status == 200 && tmpl == "/oncalls":
		report("the answer", checkOnCalls(v, schema, body, r.Query))
	case r.Status == 200 && (tmpl == "/services" || tmpl == "/services/{id}"):
		report("the answer", checkServices(v, schema, body, r.Query))
	default:
		report("the answer", v.Check(schema, body, "answer"))
	}
	return tmpl
}

// queryValue types a query string as its parameter's schema says.
func queryValue(schema map[string]any, s string) any {
	switch schema["type"] {
	case "integer":
		if n, err := strconv.Atoi(s); err == nil {
			return float64(n)
		}
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil && (s == "true" || s == "false") {
			return b
		}
	}
	return s
}

func included(q map[string][]string, what string) bool {
	for _, v := range q["include[]"] {
		if v == what {
			return true
		}
	}
	return false
}

// checkOnCalls validates an /oncalls page with the documented latitude.
func checkOnCalls(v *openapi.Spec, schema, body any, q map[string][]string) []string {
	page := mapOf(body)
	items := listOf(page["oncalls"])
	rest := map[string]any{}
	for k, x := range page {
		rest[k] = x
	}
	rest["oncalls"] = []any{}
	errs := v.Check(schema, rest, "answer")
	if page["oncalls"] == nil {
		errs = append(errs, `answer: no "oncalls" list`)
	}
	for i, it := range items {
		at := fmt.Sprintf("answer.oncalls[%d]", i)
		oc := map[string]any{}
		for k, x := range mapOf(it) {
			oc[k] = x
		}
		if included(q, "users") {
			errs = append(errs, v.Check(openapi.Ref("User"), oc["user"], at+".user")...)
			if mapOf(oc["user"])["type"] != "user" {
				errs = append(errs, at+".user: include[]=users was asked but the user is not a full user")
			}
			delete(oc, "user")
		}
		if oc["schedule"] == nil && oc["start"] == nil && oc["end"] == nil {
			delete(oc, "schedule") // a user targeted directly
			delete(oc, "start")
			delete(oc, "end")
		}
		errs = append(errs, v.Check(openapi.Ref("Oncall"), oc, at)...)
	}
	return errs
}

// checkServices validates a /services page or a single service, with full
// policies and teams where they were included.
func checkServices(v *openapi.Spec, schema, body any, q map[string][]string) []string {
	page := mapOf(body)
	var items []any
	key := "services"
	if svc, ok := page["service"]; ok {
		key, items = "service", []any{svc}
	} else {
		items = listOf(page["services"])
	}
	var errs []string
	var stripped []any
	for i, it := range items {
		at := fmt.Sprintf("answer.%s[%d]", key, i)
		svc := map[string]any{}
		for k, x := range mapOf(it) {
			svc[k] = x
		}
		if included(q, "escalation_policies") {
			errs = append(errs, v.Check(openapi.Ref("EscalationPolicy"), svc["escalation_policy"], at+".escalation_policy")...)
			svc["escalation_policy"] = map[string]any{"id": "X", "type": "escalation_policy_reference"}
		}
		if included(q, "teams") {
			for j, tm := range listOf(svc["teams"]) {
				errs = append(errs, v.Check(openapi.Ref("Team"), tm, fmt.Sprintf("%s.teams[%d]", at, j))...)
			}
			svc["teams"] = []any{}
		}
		stripped = append(stripped, svc)
	}
	rest := map[string]any{}
	for k, x := range page {
		rest[k] = x
	}
	if key == "service" {
		if len(stripped) == 1 {
			rest["service"] = stripped[0]
		}
	} else {
		if stripped == nil {
			stripped = []any{}
		}
		rest["services"] = stripped
	}
	return append(errs, v.Check(schema, rest, "answer")...)
}

// The client's traffic, in success and in error, and the emulator's other
// endpoints, match PagerDuty's OpenAPI.
func TestContractWithPagerDutyOpenAPI(t *testing.T) {
	v := openapi.Load(t, "pagerduty/openapi.json")
	srv := pagerdutytest.NewServer(pagerdutytest.WithRecordBodies(), pagerdutytest.WithRateLimit(1000, time.Minute))
	defer srv.Close()
	for _, u := range []pagerdutytest.User{{ID: "PU1", Name: "Ada", Email: "ada@example.com"},
		{ID: "PU2", Name: "Bob", Email: "bob@example.com"}, {ID: "PU3", Name: "Cy", Email: "cy@example.com"}} {
		if err := srv.PutUser(u); err != nil {
			t.Fatal(err)
		}
	}
	srv.PutTeam(pagerdutytest.Team{ID: "PT1", Name: "Payments"})
	srv.PutSchedule(pagerdutytest.Schedule{ID: "PS1", Name: "Primary", OnCall: []string{"PU1", "PU3"}})
	for i := range 150 {
		id := fmt.Sprintf("PE%03d", i)
		srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: id, Name: "EP " + id, Teams: []string{"PT1"}, Rules: [][]pagerdutytest.Target{
			{pagerdutytest.ScheduleTarget("PS1")}, {pagerdutytest.UserTarget("PU2")}}})
		srv.PutService(pagerdutytest.Service{ID: fmt.Sprintf("PSV%03d", i), Name: fmt.Sprintf("svc %03d", i), Description: "d",
			EscalationPolicy: id, Teams: []string{"PT1"}, Status: []string{"active", "warning", "critical", "maintenance", "disabled"}[i%5]})
	}
	cfg := pagerduty.Config{Token: pagerdutytest.DefaultToken, BaseURL: srv.URL, RetryWait: time.Millisecond, RetryMaxWait: 2 * time.Second}
	srv.Inject(emulator.Fault{Path: "/services", Skip: 1, Status: 429, RetryAfter: "0"})
	srv.Inject(emulator.Fault{Path: "/oncalls", Skip: 1, Status: 503})
	ctx := context.Background()
	facts, err := pagerduty.Collector{Client: pagerduty.New(cfg)}.Collect(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(facts.Records) != 150 {
		t.Fatalf("%d records", len(facts.Records))
	}
	// Errors the client meets: a refused key, a forbidden list.
	bad := cfg
	bad.Token = "nope"
	if _, err := pagerduty.New(bad).Services(ctx); err == nil {
		t.Fatal("a bad key was accepted")
	}
	srv.Inject(emulator.Fault{Path: "/services", Status: 403})
	if _, err := pagerduty.New(cfg).Services(ctx); err == nil {
		t.Fatal("the injected 403 did not fail")
	}
	srv.Inject(emulator.Fault{Path: "/oncalls", Status: 401})
	if _, err := pagerduty.New(cfg).OnCalls(ctx, nil); err == nil {
		t.Fatal("the injected 401 did not fail")
	}
	// The emulator's other answers, asked directly.
	raw := func(path string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Token token="+pagerdutytest.DefaultToken)
		req.Header.Set("Accept", pagerduty.Accept)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	raw("/services?include[]=escalation_policies&include[]=teams&limit=7&total=true&sort_by=name:desc")
	raw("/services?limit=5000&offset=9990") // 400: past 10,000
	raw("/services/PSV001?include[]=escalation_policies")
	raw("/services/NOPE") // 404
	raw("/escalation_policies?limit=3")
	raw("/oncalls?include[]=users&user_ids[]=PU2&since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z")
	raw("/oncalls?include[]=escalation_policies&schedule_ids[]=PS1&earliest=true")
	raw("/oncalls?earliest=maybe") // 400
	lim := pagerdutytest.NewServer(pagerdutytest.WithRecordBodies(), pagerdutytest.WithRateLimit(1, time.Hour))
	defer lim.Close()
	cfgLim := cfg
	cfgLim.BaseURL, cfgLim.Retries = lim.URL, -1
	if _, err := pagerduty.New(cfgLim).OnCalls(ctx, []string{"PE1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pagerduty.New(cfgLim).OnCalls(ctx, []string{"PE1"}); err == nil {
		t.Fatal("the rate limit did not apply")
	}

	covered := map[string]bool{}
	for _, r := range append(srv.Requests(), lim.Requests()...) {
		tmpl := checkExchange(t, v, r)
		covered[fmt.Sprintf("%s %s %d", r.Method, tmpl, r.Status)] = true
	}
	for _, want := range []string{
		"GET /services 200", "GET /services 400", "GET /services 401", "GET /services 403", "GET /services 429",
		"GET /services/{id} 200", "GET /services/{id} 404", "GET /escalation_policies 200",
		"GET /oncalls 200", "GET /oncalls 400", "GET /oncalls 401", "GET /oncalls 429", "GET /oncalls 503",
	} {
		if !covered[want] {
			t.Errorf("the contract test never exercised %s; it exercised %v", want, covered)
		}
	}
}

// The validator rejects what PagerDuty would not send, so that the contract
// test can fail.
func TestContractValidatorRejectsDrift(t *testing.T) {
	v := openapi.Load(t, "pagerduty/openapi.json")
	_, oncalls := v.MustOperation(t, "GET", "/oncalls")
	page := openapi.Dig(oncalls, "responses", "200", "content", "application/json", "schema")
	good := map[string]any{"id": "P1", "type": "user_reference", "summary": "Ada", "self": "https://api.pagerduty.com/users/P1", "html_url": "https://x.pagerduty.com/users/P1"}
	oncall := func(mut func(map[string]any)) map[string]any {
		m := map[string]any{
			"escalation_policy": map[string]any{"id": "PE1", "type": "escalation_policy_reference"},
			"user":              good, "escalation_level": float64(1),
			"schedule": map[string]any{"id": "PS1", "type": "schedule_reference"},
			"start":    "2026-03-14T00:00:00Z", "end": "2026-03-15T00:00:00Z",
		}
		if mut != nil {
			mut(m)
		}
		return m
	}
	cases := []struct {
		name string
		body map[string]any
		want string // "" means valid
	}{
		{name: "valid", body: map[string]any{"oncalls": []any{oncall(nil)}, "limit": float64(25), "offset": float64(0), "more": false, "total": nil}},
		{name: "more is a string", body: map[string]any{"oncalls": []any{}, "more": "no"}, want: "answer.more: is string, want boolean"},
		{name: "no oncalls", body: map[string]any{"more": false}, want: `missing required "oncalls"`},
		{name: "level is text", body: map[string]any{"oncalls": []any{oncall(func(m map[string]any) { m["escalation_level"] = "1" })}}, want: "escalation_level: is string, want integer"},
		{name: "invented field", body: map[string]any{"oncalls": []any{oncall(func(m map[string]any) { m["primary"] = true })}}, want: `field "primary" is not in the spec`},
		{name: "bad date", body: map[string]any{"oncalls": []any{oncall(func(m map[string]any) { m["start"] = "yesterday" })}}, want: "is not a date-time"},
		{name: "wrong reference type", body: map[string]any{"oncalls": []any{oncall(func(m map[string]any) {
			m["escalation_policy"] = map[string]any{"id": "PE1", "type": "policy"}
		})}}, want: "is not one of [escalation_policy_reference]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := strings.Join(v.Check(page, tc.body, "answer"), "\n")
			if tc.want == "" && errs != "" {
				t.Errorf("rejected:\n%s", errs)
			}
			if tc.want != "" && !strings.Contains(errs, tc.want) {
				t.Errorf("errors %q lack %q", errs, tc.want)
			}
		})
	}
}
