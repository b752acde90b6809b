package pagerdutytest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func get(t *testing.T, srv *pagerdutytest.Server, path, auth string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: not JSON: %s", path, b)
	}
	return answer{resp.StatusCode, resp.Header, m}
}

const auth = "Token token=" + pagerdutytest.DefaultToken

func world(t *testing.T, srv *pagerdutytest.Server) {
	t.Helper()
	for _, u := range []pagerdutytest.User{{ID: "U1", Name: "Ada", Email: "ada@x.io"}, {ID: "U2", Name: "Bob", Email: "bob@x.io"}} {
		if err := srv.PutUser(u); err != nil {
			t.Fatal(err)
		}
	}
	srv.PutSchedule(pagerdutytest.Schedule{ID: "S1", Name: "Primary", OnCall: []string{"U1"}})
	srv.PutSchedule(pagerdutytest.Schedule{ID: "S2", Name: "Backup", OnCall: []string{"U1"}})
	srv.PutEscalationPolicy(pagerdutytest.EscalationPolicy{ID: "E1", Name: "EP", Rules: [][]pagerdutytest.Target{
		{pagerdutytest.ScheduleTarget("S1"), pagerdutytest.ScheduleTarget("S2")}, {pagerdutytest.UserTarget("U2")}}})
	for i := range 7 {
		srv.PutService(pagerdutytest.Service{ID: fmt.Sprintf("P%d", i), Name: fmt.Sprintf("svc-%d", i), EscalationPolicy: "E1"})
	}
}

func ids(list any, key string) []string {
	var out []string
	for _, it := range list.([]any) {
		m := it.(map[string]any)
		if key != "" {
			m = m[key].(map[string]any)
		}
		out = append(out, m["id"].(string))
	}
	return out
}

func TestEndpoints(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	world(t, srv)
	cases := []struct {
		name, path, auth string
		status           int
		check            func(t *testing.T, a answer)
	}{
		{name: "no key", path: "/services", status: 401, check: func(t *testing.T, a answer) {
			if !reflect.DeepEqual(a.body, map[string]any{"error": map[string]any{"code": float64(2006), "message": "Authentication failed"}}) {
				t.Errorf("body %v", a.body)
			}
		}},
		{name: "wrong key", path: "/services", auth: "Token token=nope", status: 401},
		{name: "OAuth bearer", path: "/services", auth: "Bearer " + pagerdutytest.DefaultToken, status: 200},
		{name: "first page", path: "/services?limit=3", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			if got := ids(a.body["services"], ""); !reflect.DeepEqual(got, []string{"P0", "P1", "P2"}) || a.body["more"] != true || a.body["total"] != nil {
				t.Errorf("page %v more %v total %v", got, a.body["more"], a.body["total"])
			}
		}},
		{name: "last page, with total", path: "/services?limit=3&offset=6&total=true", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			if got := ids(a.body["services"], ""); !reflect.DeepEqual(got, []string{"P6"}) || a.body["more"] != false || a.body["total"] != float64(7) {
				t.Errorf("page %v more %v total %v", got, a.body["more"], a.body["total"])
			}
		}},
		{name: "default limit 25, capped at 100", path: "/services?limit=500", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			if a.body["limit"] != float64(100) {
				t.Errorf("limit %v", a.body["limit"])
			}
		}},
		{name: "past 10,000", path: "/services?offset=9950&limit=100", auth: auth, status: 400},
		{name: "bad limit", path: "/services?limit=-1", auth: auth, status: 400},
		{name: "bad include", path: "/services?include[]=everything", auth: auth, status: 400},
		{name: "one service", path: "/services/P3", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			if a.body["service"].(map[string]any)["escalation_policy"].(map[string]any)["type"] != "escalation_policy_reference" {
				t.Errorf("service %v", a.body)
			}
		}},
		{name: "one service, policy included", path: "/services/P3?include[]=escalation_policies", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			ep := a.body["service"].(map[string]any)["escalation_policy"].(map[string]any)
			if ep["type"] != "escalation_policy" || len(ep["escalation_rules"].([]any)) != 2 {
				t.Errorf("policy %v", ep)
			}
		}},
		{name: "unknown service", path: "/services/NOPE", auth: auth, status: 404},
		{name: "unknown path", path: "/incidents", auth: auth, status: 404},
		{name: "on-calls: every entry", path: "/oncalls", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			// U1 is on level 1 twice (two schedules), U2 on level 2.
			if got := ids(a.body["oncalls"], "user"); !reflect.DeepEqual(got, []string{"U1", "U1", "U2"}) {
				t.Errorf("users %v", got)
			}
			first := a.body["oncalls"].([]any)[0].(map[string]any)
			if first["user"].(map[string]any)["type"] != "user_reference" || first["user"].(map[string]any)["email"] != nil {
				t.Errorf("without include[]=users the user is a reference: %v", first["user"])
			}
		}},
		{name: "on-calls: earliest per policy, level and user, users included", path: "/oncalls?earliest=true&include[]=users", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			list := a.body["oncalls"].([]any)
			if got := ids(list, "user"); !reflect.DeepEqual(got, []string{"U1", "U2"}) {
				t.Errorf("users %v", got)
			}
			u := list[0].(map[string]any)["user"].(map[string]any)
			if u["type"] != "user" || u["email"] != "ada@x.io" {
				t.Errorf("user %v", u)
			}
			direct := list[1].(map[string]any)
			if direct["schedule"] != nil || direct["start"] != nil || direct["escalation_level"] != float64(2) {
				t.Errorf("a directly targeted user: %v", direct)
			}
		}},
		{name: "on-calls: filters", path: "/oncalls?escalation_policy_ids[]=E1&schedule_ids[]=S2", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			list := a.body["oncalls"].([]any)
			if len(list) != 1 || list[0].(map[string]any)["schedule"].(map[string]any)["id"] != "S2" {
				t.Errorf("oncalls %v", list)
			}
		}},
		{name: "on-calls: another policy", path: "/oncalls?escalation_policy_ids[]=E9", auth: auth, status: 200, check: func(t *testing.T, a answer) {
			if len(a.body["oncalls"].([]any)) != 0 {
				t.Errorf("oncalls %v", a.body["oncalls"])
			}
		}},
		{name: "on-calls: bad since", path: "/oncalls?since=yesterday", auth: auth, status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := get(t, srv, tc.path, tc.auth)
			if a.status != tc.status {
				t.Fatalf("status %d; want %d: %v", a.status, tc.status, a.body)
			}
			if tc.status >= 400 {
				e, _ := a.body["error"].(map[string]any)
				if _, ok := e["code"].(float64); !ok || e["message"] == "" {
					t.Errorf("error body %v is not PagerDuty's", a.body)
				}
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
	if n := srv.Count("GET", "/services"); n != 9 {
		t.Errorf("counted %d requests to /services", n)
	}
}

func TestHandOff(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	world(t, srv)
	if err := srv.HandOff("S1", "U2"); err != nil {
		t.Fatal(err)
	}
	a := get(t, srv, "/oncalls?schedule_ids[]=S1", auth)
	if got := ids(a.body["oncalls"], "user"); !reflect.DeepEqual(got, []string{"U2"}) {
		t.Errorf("after the hand-off: %v", got)
	}
	if err := srv.HandOff("S9", "U1"); err == nil {
		t.Error("a hand-off in an unknown schedule")
	}
	if err := srv.PutUser(pagerdutytest.User{ID: "U3", Name: "No mail"}); err == nil {
		t.Error("a user without an email was accepted")
	}
}

func TestRateLimit(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	srv := pagerdutytest.NewServer(pagerdutytest.WithRateLimit(2, time.Minute), pagerdutytest.WithClock(c.Now),
		pagerdutytest.WithTokens(pagerdutytest.DefaultToken, "other-key"))
	defer srv.Close()
	world(t, srv)
	for i, want := range []struct {
		status          int
		remaining, rest string
	}{{200, "1", "60"}, {200, "0", "60"}, {429, "0", "60"}} {
		a := get(t, srv, "/services", auth)
		if a.status != want.status || a.header.Get("ratelimit-remaining") != want.remaining || a.header.Get("ratelimit-reset") != want.rest || a.header.Get("ratelimit-limit") != "2" {
			t.Errorf("request %d: %d, headers %v", i+1, a.status, a.header)
		}
	}
	// Another key has its own window.
	if a := get(t, srv, "/services", "Token token=other-key"); a.status != 200 {
		t.Errorf("another key: %d", a.status)
	}
	c.Add(45 * time.Second)
	if a := get(t, srv, "/services", auth); a.status != 429 || a.header.Get("ratelimit-reset") != "15" {
		t.Errorf("within the window: %d, reset %s", a.status, a.header.Get("ratelimit-reset"))
	}
	c.Add(15 * time.Second)
	if a := get(t, srv, "/services", auth); a.status != 200 {
		t.Errorf("after the window: %d", a.status)
	}
	limited := 0
	for _, r := range srv.Requests() {
		if r.Fault == "rate limit" {
			limited++
		}
	}
	if limited != 2 {
		t.Errorf("%d requests recorded as rate-limited", limited)
	}
}

func TestFaults(t *testing.T) {
	srv := pagerdutytest.NewServer(pagerdutytest.WithLatency(20 * time.Millisecond))
	defer srv.Close()
	world(t, srv)
	srv.Inject(emulator.Fault{Path: "/services", Skip: 1, Status: 503, Times: 2, RetryAfter: "1"})
	want := []int{200, 503, 503, 200}
	for i, w := range want {
		start := time.Now()
		a := get(t, srv, "/services", auth)
		if a.status != w {
			t.Errorf("request %d: %d; want %d", i+1, a.status, w)
		}
		if w == 503 && (a.header.Get("Retry-After") != "1" || a.body["error"].(map[string]any)["code"] != float64(2000)) {
			t.Errorf("request %d: %v %v", i+1, a.header, a.body)
		}
		if time.Since(start) < 20*time.Millisecond {
			t.Errorf("request %d answered before the latency", i+1)
		}
	}
	// Faults take precedence over authentication, as a proxy's would.
	srv.Inject(emulator.Fault{Status: 403})
	if a := get(t, srv, "/oncalls", ""); a.status != 403 || a.body["error"].(map[string]any)["message"] != "Access Denied" {
		t.Errorf("403: %d %v", a.status, a.body)
	}
	srv.ResetRequests()
	if n := srv.Count("", ""); n != 0 {
		t.Errorf("%d requests after a reset", n)
	}
}
