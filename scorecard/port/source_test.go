package port_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/port"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// A catalog over three pages, a 429 with Retry-After and a 500 along the
// way: the bundle evaluates exactly as the engine does on the same data.
func TestLoadEndToEndMatchesEngine(t *testing.T) {
	const n = 2500
	srv := newEmulator(t, n, now, porttest.WithRecordBodies())
	search := "/v1/blueprints/service/entities/search"
	srv.Inject(emulator.Fault{Method: "POST", Path: search, Skip: 1, Status: 429, RetryAfter: "1"})
	srv.Inject(emulator.Fault{Method: "POST", Path: search, Skip: 1, Status: 500})

	var logs lockedBuffer
	src := port.Source{Client: port.New(testConfig(srv), port.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))}
	start := time.Now()
	b, err := src.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("Load took %s; the 429's Retry-After of 1 s was not honoured", took)
	}

	// Each retry is a warning that says why.
	for _, w := range []string{
		`msg="port: request failed, retrying" method=POST path=/v1/blueprints/service/entities/search attempt=1 status=429 reason="rate limited" retry_after=1`,
		`status=500 reason="server error"`,
	} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("no warning %s in the log:\n%s", w, logs.String())
		}
	}

	// The same data, straight to the engine.
	scs, fs := scorecard.ParseScorecards("fixture", []byte(fixtureScorecards))
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	cat, err := scorecard.NewCatalog(fixtureEntities(n, now))
	if err != nil {
		t.Fatal(err)
	}
	want := scorecard.Evaluate(now, scs, cat)
	got := b.Evaluate(now)

	if len(got.Catalog.Entities) != n {
		t.Fatalf("got %d entities, want %d", len(got.Catalog.Entities), n)
	}
	if len(got.Scorecards) != len(scs) {
		t.Fatalf("got %d scorecards, want %d", len(got.Scorecards), len(scs))
	}
	levels := map[string]int{}
	for ei := range want.Catalog.Entities {
		id := want.Catalog.Entities[ei].Identifier
		gi, ok := got.Catalog.Find(id)
		if !ok {
			t.Fatalf("entity %s missing from Port's catalog", id)
		}
		for si, sc := range scs {
			gsi := got.ScorecardIndex(sc.Identifier)
			w, g := want.Result(ei, si), got.Result(gi, gsi)
			if w.Applies != g.Applies || w.Level != g.Level || !slices.Equal(w.Pass, g.Pass) {
				t.Fatalf("%s / %s: got applies=%v level=%d pass=%v, want applies=%v level=%d pass=%v",
					id, sc.Identifier, g.Applies, g.Level, g.Pass, w.Applies, w.Level, w.Pass)
			}
			if w.Applies {
				levels[sc.Identifier+"/"+w.LevelName()]++
			}
		}
	}
	// The fixture must exercise every level, or the comparison proves little.
	for _, l := range []string{"ProductionReadiness/Basic", "ProductionReadiness/Bronze", "ProductionReadiness/Silver", "ProductionReadiness/Gold", "GoStandards/Low", "GoStandards/High"} {
		if levels[l] == 0 {
			t.Errorf("no entity at %s: %v", l, levels)
		}
	}

	// Teams, origin and links.
	if len(b.Teams) != 4 || b.Teams[0].Identifier != "payments" || !slices.Equal(b.Teams[0].Emails, []string{"ana@example.com", "bo@example.com"}) {
		t.Errorf("teams %+v", b.Teams)
	}
	if want := "Port (" + srv.URL + ", blueprint service)"; b.Origin != want || src.Describe() != want {
		t.Errorf("origin %q, describe %q; want %q", b.Origin, src.Describe(), want)
	}
	if u := b.EntityURL(&b.Catalog.Entities[0]); u != "https://app.port.io/serviceEntity?identifier=svc-00000" {
		t.Errorf("entity URL %s", u)
	}

	// What went over the wire.
	pages := srv.RequestsTo("POST", search)
	var ok []emulator.Request
	for i, r := range pages {
		if r.Status == 200 {
			ok = append(ok, r)
		}
		if r.Status == 429 && (i+1 >= len(pages) || pages[i+1].Received.Sub(r.Answered) < 900*time.Millisecond) {
			t.Errorf("the retry after the 429 came too soon")
		}
	}
	if len(pages) != 5 || len(ok) != 3 {
		t.Fatalf("search requests: %d, of which %d succeeded; want 5 and 3 (a 429 and a 500 retried)", len(pages), len(ok))
	}
	prevNext := ""
	for i, r := range ok {
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body["limit"] != float64(1000) {
			t.Errorf("page %d: limit %v, want 1000", i+1, body["limit"])
		}
		if from, _ := body["from"].(string); from != prevNext {
			t.Errorf("page %d: from %q, want the previous page's next %q", i+1, from, prevNext)
		}
		inc := body["include"].([]any)
		wantInc := []any{"$identifier", "$title", "$team", "$blueprint", "readme", "freshness", "on_call", "pagerduty_service", "last_deploy", "language", "require_code_owner_review", "scorecards"}
		if !sameSet(inc, wantInc) {
			t.Errorf("page %d: include %v, want %v", i+1, inc, wantInc)
		}
		if !r.Gzip || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("page %d: not gzip-compressed", i+1)
		}
		prevNext = nextOf(t, r)
	}
	if prevNext != "" {
		t.Errorf("the last page had a next cursor")
	}
	if srv.TokensIssued() != 1 {
		t.Errorf("%d tokens issued; the token must be cached", srv.TokensIssued())
	}
	teams := srv.RequestsTo("GET", "/v1/teams")
	if len(teams) != 1 || !slices.Equal(teams[0].Query["fields"], []string{"name", "users.email"}) {
		t.Errorf("teams requests %+v", teams)
	}
	// Fields no scorecard reads stay on Port's side.
	for _, e := range b.Catalog.Entities {
		if _, has := e.Properties["description"]; has {
			t.Fatalf("entity %s carries the property description, which no scorecard reads", e.Identifier)
		}
	}
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[any]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

// nextOf reads the next cursor from the answer the emulator recorded.
func nextOf(t *testing.T, r emulator.Request) string {
	t.Helper()
	var page struct {
		Next string `json:"next"`
	}
	if err := json.Unmarshal(r.Response, &page); err != nil {
		t.Fatalf("page answer: %v", err)
	}
	return page.Next
}

// Port's own results survive the trip, and Compare finds no difference
// when they agree with prodready.
func TestLoadKeepsPortResults(t *testing.T) {
	srv := porttest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetEntities("service", withPortResults(t, fixtureEntities(30, now), now))
	if err := srv.SetScorecards("service", []byte(fixtureScorecards)); err != nil {
		t.Fatal(err)
	}
	b, err := port.Source{Client: port.New(testConfig(srv))}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	e := b.Catalog.Entities[1]
	if pr, ok := e.Scorecards["ProductionReadiness"]; !ok || pr.Level == "" || len(pr.Rules) != 5 {
		t.Fatalf("Port's results not kept: %+v", e.Scorecards)
	}
	if d := port.Compare(b.Evaluate(now)); len(d) != 0 {
		t.Errorf("differences where there are none: %v", d)
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	bad := `[{"identifier": "Broken", "title": "Broken", "rules": [
	  {"identifier": "r1", "title": "R1", "level": "Platinum", "query": {"combinator": "and", "conditions": [{"property": "x", "operator": "isNotEmpty"}]}}]}]`
	cases := []struct {
		name       string
		setup      func(*porttest.Server)
		cfg        func(*port.Config)
		wantErr    []string // substrings; none means success
		wantFinds  string   // a finding that must be reported
		scorecards int
	}{
		{name: "unknown blueprint", cfg: func(c *port.Config) { c.Blueprint = "servcie" },
			wantErr: []string{`fetch scorecards of blueprint "servcie"`, "GET /v1/blueprints/servcie/scorecards", "HTTP 404", `Blueprint with identifier "servcie" was not found`}},
		{name: "no entities", setup: func(s *porttest.Server) { s.SetEntities("service", nil) },
			wantErr: []string{`blueprint "service" has no entities in Port`}},
		{name: "no scorecards", setup: func(s *porttest.Server) { s.SetScorecards("service", []byte(`[]`)) },
			wantErr: []string{`blueprint "service" has no scorecards in Port`}},
		{name: "every scorecard rejected", setup: func(s *porttest.Server) { s.SetScorecards("service", []byte(bad)) },
			wantErr: []string{`no usable scorecard in blueprint "service"`, `port:service/Broken:`, `level "Platinum" is not defined`}},
		{name: "one scorecard rejected, the rest evaluated", setup: func(s *porttest.Server) {
			var list []json.RawMessage
			json.Unmarshal([]byte(fixtureScorecards), &list)
			var broken []json.RawMessage
			json.Unmarshal([]byte(bad), &broken)
			data, _ := json.Marshal(append(list, broken...))
			s.SetScorecards("service", data)
		}, wantFinds: `port:service/Broken:10:16: error: scorecard Broken, rule r1, level "Platinum" is not defined`, scorecards: 2},
		{name: "port.Config.Scorecards narrows", cfg: func(c *port.Config) { c.Scorecards = []string{"GoStandards"} }, scorecards: 1},
		{name: "port.Config.Scorecards names an unknown scorecard", cfg: func(c *port.Config) { c.Scorecards = []string{"GoStandard"} },
			wantErr: []string{`port.Config.Scorecards names "GoStandard"`, `did you mean "GoStandards"?`}},
		{name: "teams endpoint fails", setup: func(s *porttest.Server) {
			s.Inject(emulator.Fault{Path: "/v1/teams", Status: 403})
		}, wantErr: []string{"fetch teams: GET /v1/teams: HTTP 403 Forbidden (client error)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEmulator(t, 20, now)
			if tc.setup != nil {
				tc.setup(srv)
			}
			cfg := testConfig(srv)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			b, err := port.Source{Client: port.New(cfg)}.Load(context.Background(), now)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error; want one with %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Scorecards) != tc.scorecards {
				t.Errorf("%d scorecards, want %d", len(b.Scorecards), tc.scorecards)
			}
			if tc.wantFinds != "" {
				found := false
				for _, f := range b.Findings.Errors() {
					found = found || strings.Contains(f.String(), tc.wantFinds)
				}
				if !found {
					t.Errorf("findings %v lack %q", b.Findings, tc.wantFinds)
				}
			}
			if ev := b.Evaluate(now); len(ev.Catalog.Entities) != 20 {
				t.Errorf("%d entities evaluated", len(ev.Catalog.Entities))
			}
		})
	}
}

// FetchScorecards lints what Port holds without failing on a rejected one,
// for `prodready validate`.
func TestFetchScorecardsForValidate(t *testing.T) {
	srv := newEmulator(t, 1, now)
	srv.SetScorecards("service", []byte(`[{"identifier": "X", "title": "X", "rules": [{"identifier": "a", "title": "A", "level": "Basic",
	  "query": {"combinator": "AND", "conditions": [{"property": "p", "operator": "=", "value": "true"}]}}]}]`))
	scs, fs, err := port.New(testConfig(srv)).FetchScorecards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != 0 || len(fs.Errors()) < 2 {
		t.Fatalf("scorecards %d, findings %v", len(scs), fs)
	}
	for _, f := range fs {
		if f.File != "port:service/X" || f.Line == 0 {
			t.Errorf("finding %s: want file port:service/X with a line", f)
		}
	}
}

func TestEntityURLRegions(t *testing.T) {
	// Which app URL a region has is the configuration's to say (cmd/prodready).
	for _, tc := range []struct{ appURL, want string }{
		{"", "https://app.port.io/serviceEntity?identifier=a+b%2Fc"},
		{"https://app.us.port.io", "https://app.us.port.io/serviceEntity?identifier=a+b%2Fc"},
	} {
		cfg := port.Config{AppURL: tc.appURL}
		srv := newEmulator(t, 3, now)
		cfg.BaseURL = srv.URL // the app URL stays the region's
		b, err := port.Source{Client: port.New(withTestCreds(cfg))}.Load(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.EntityURL(&scorecard.Entity{Identifier: "a b/c", Blueprint: "service"}); got != tc.want {
			t.Errorf("app %q: %s, want %s", tc.appURL, got, tc.want)
		}
	}
}

func withTestCreds(c port.Config) port.Config {
	c.ClientID, c.ClientSecret = porttest.DefaultClientID, porttest.DefaultClientSecret
	return c
}
