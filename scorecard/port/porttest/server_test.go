package porttest_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// call sends one request the way a bare HTTP client would.
func call(t *testing.T, srv *porttest.Server, method, path, token, body string, gz bool) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip") // set by hand, Go no longer decompresses for us
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	} else if gz {
		t.Errorf("%s %s: gzip accepted but not used", method, path)
	}
	var out map[string]any
	data, _ := io.ReadAll(r)
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, data)
	}
	return resp.StatusCode, resp.Header, out
}

func token(t *testing.T, srv *porttest.Server) string {
	t.Helper()
	st, _, out := call(t, srv, "POST", "/v1/auth/access_token", "",
		fmt.Sprintf(`{"clientId": %q, "clientSecret": %q}`, porttest.DefaultClientID, porttest.DefaultClientSecret), false)
	if st != 200 || out["tokenType"] != "Bearer" || out["expiresIn"].(float64) <= 0 {
		t.Fatalf("token: %d %v", st, out)
	}
	return out["accessToken"].(string)
}

func TestEmulatorPagesWithOpaqueCursorsAndInclude(t *testing.T) {
	srv := porttest.NewServer()
	defer srv.Close()
	ents := make([]scorecard.Entity, 450)
	for i := range ents {
		ents[i] = scorecard.Entity{Identifier: fmt.Sprintf("e%03d", i), Title: "T", Blueprint: "service", Team: scorecard.Teams{"a"},
			Properties: map[string]any{"keep": i, "drop": "x"}, Relations: map[string]any{"rel": "r", "other": "o"}}
	}
	srv.SetEntities("service", ents)
	tok := token(t, srv)
	var ids []string
	from := ""
	var cursors []string
	for page := 0; page < 10; page++ {
		body := `{"limit": 200, "include": ["$identifier", "keep", "rel"]}`
		if from != "" {
			body = fmt.Sprintf(`{"limit": 200, "include": ["$identifier", "keep", "rel"], "from": %q}`, from)
		}
		st, h, out := call(t, srv, "POST", "/v1/blueprints/service/entities/search", tok, body, true)
		if st != 200 || h.Get("x-ratelimit-limit") == "" {
			t.Fatalf("page %d: %d %v", page, st, out)
		}
		for _, e := range out["entities"].([]any) {
			m := e.(map[string]any)
			if _, has := m["title"]; has || m["properties"].(map[string]any)["drop"] != nil || m["relations"].(map[string]any)["other"] != nil {
				t.Fatalf("include not applied: %v", m)
			}
			ids = append(ids, m["identifier"].(string))
		}
		next, _ := out["next"].(string)
		if next == "" {
			break
		}
		if strings.Contains(next, "200") || strings.Contains(next, "400") {
			t.Errorf("cursor %q gives the offset away", next)
		}
		cursors = append(cursors, next)
		from = next
	}
	if len(ids) != 450 || ids[0] != "e000" || ids[449] != "e449" || len(cursors) != 2 {
		t.Fatalf("%d entities over %d cursors", len(ids), len(cursors))
	}
	for _, tc := range []struct{ body, want string }{
		{`{"limit": 1001}`, "limit"},
		{`{"limit": 0}`, "limit"},
		{`{"limit": 10, "from": "made-up"}`, "from"},
		{`{"limit": 10, "cursor": "x"}`, "cursor"},
	} {
		st, _, out := call(t, srv, "POST", "/v1/blueprints/service/entities/search", tok, tc.body, false)
		if st != 422 || out["ok"] != false || !strings.Contains(out["message"].(string), tc.want) {
			t.Errorf("%s: %d %v", tc.body, st, out)
		}
	}
	if st, _, out := call(t, srv, "POST", "/v1/blueprints/nope/entities/search", tok, `{}`, false); st != 404 || out["error"] != "not_found" {
		t.Errorf("unknown blueprint: %d %v", st, out)
	}
}

func TestEmulatorTokens(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	srv := porttest.NewServer(porttest.WithTokenTTL(time.Minute), porttest.WithClock(now))
	defer srv.Close()
	srv.SetTeams([]porttest.Team{{Name: "a", Emails: []string{"x@example.com"}}})
	if st, _, out := call(t, srv, "POST", "/v1/auth/access_token", "", `{"clientId": "x", "clientSecret": "y"}`, false); st != 401 || out["ok"] != false {
		t.Errorf("bad credentials: %d %v", st, out)
	}
	tok := token(t, srv)
	st, _, out := call(t, srv, "GET", "/v1/teams?fields=name&fields=users.email", tok, "", true)
	if st != 200 || fmt.Sprint(out["teams"]) != "[map[name:a users:[map[email:x@example.com]]]]" {
		t.Errorf("teams: %d %v", st, out)
	}
	if st, _, _ := call(t, srv, "GET", "/v1/teams?fields=password", tok, "", false); st != 422 {
		t.Errorf("unknown field: %d", st)
	}
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	if st, _, out := call(t, srv, "GET", "/v1/teams", tok, "", false); st != 401 || out["error"] != "token_expired" {
		t.Errorf("expired token: %d %v", st, out)
	}
	if st, _, _ := call(t, srv, "GET", "/v1/teams", "", "", false); st != 401 {
		t.Errorf("no token: %d", st)
	}
	if st, _, _ := call(t, srv, "GET", "/v1/nothing", token(t, srv), "", false); st != 404 {
		t.Errorf("unknown route: %d", st)
	}
}

func TestEmulatorFaults(t *testing.T) {
	srv := porttest.NewServer()
	defer srv.Close()
	srv.SetTeams(nil)
	tok := token(t, srv)
	srv.Inject(emulator.Fault{Path: "/v1/teams", Skip: 1, Status: 429, RetryAfter: "7", Times: 2})
	var got []string
	for range 4 {
		st, h, _ := call(t, srv, "GET", "/v1/teams", tok, "", false)
		got = append(got, strings.TrimSpace(fmt.Sprintf("%d %s", st, h.Get("Retry-After"))))
	}
	if strings.Join(got, ",") != "200,429 7,429 7,200" {
		t.Errorf("statuses %v", got)
	}
	srv.Inject(emulator.Fault{Path: "/v1/teams", Drop: true})
	req, _ := http.NewRequest("GET", srv.URL+"/v1/teams", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	// A fresh connection, so that Go's transport does not retry it for us.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := fresh.Do(req); err == nil {
		t.Error("dropped connection answered")
	}
	srv.Inject(emulator.Fault{Path: "/v1/teams", Delay: 150 * time.Millisecond})
	start := time.Now()
	if st, _, _ := call(t, srv, "GET", "/v1/teams", tok, "", false); st != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("slow answer: %d after %s", st, time.Since(start))
	}
	reqs := srv.RequestsTo("GET", "/v1/teams")
	var faults []string
	for _, r := range reqs {
		faults = append(faults, r.Fault)
	}
	if got := strings.Join(faults, ","); got != ",status 429,status 429,,drop,delay 150ms" {
		t.Errorf("recorded faults %q", got)
	}
}

// The Huge fault's answer is a well-formed search answer of exactly the
// size asked for, plain or as a gzip bomb; EmptyPage's cursor is accepted
// by the next search.
func TestHugeAndEmptyPageFaults(t *testing.T) {
	srv := porttest.NewServer()
	defer srv.Close()
	srv.SetEntities("service", []scorecard.Entity{{Identifier: "a"}})
	tok := token(t, srv)
	const path, size = "/v1/blueprints/service/entities/search", 3<<20 + 17
	for _, bomb := range []bool{false, true} {
		srv.Inject(emulator.Fault{Path: path, Huge: size, Bomb: bomb})
		st, _, out := call(t, srv, "POST", path, tok, `{}`, bomb)
		ents, _ := out["entities"].([]any)
		if st != 200 || len(ents) != 1 {
			t.Fatalf("bomb %v: %d %d entities", bomb, st, len(ents))
		}
		blob := ents[0].(map[string]any)["properties"].(map[string]any)["blob"].(string)
		if got := len(blob) + len(`{"ok":true,"entities":[{"identifier":"huge","properties":{"blob":""}}]}`); got != size {
			t.Errorf("bomb %v: %d bytes; want %d", bomb, got, size)
		}
	}
	srv.Inject(emulator.Fault{Path: path, EmptyPage: true})
	st, _, out := call(t, srv, "POST", path, tok, `{}`, false)
	next, _ := out["next"].(string)
	if ents, _ := out["entities"].([]any); st != 200 || len(ents) != 0 || next == "" {
		t.Fatalf("empty page: %d %v", st, out)
	}
	st, _, out = call(t, srv, "POST", path, tok, fmt.Sprintf(`{"from": %q}`, next), false)
	if ents, _ := out["entities"].([]any); st != 200 || len(ents) != 1 {
		t.Fatalf("after an empty page: %d %v", st, out)
	}
}
