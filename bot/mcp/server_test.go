package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

var demoNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func demoConfig(t *testing.T) (Config, *scorecard.Evaluation) {
	t.Helper()
	b, err := demo.Source{}.Load(context.Background(), demoNow)
	if err != nil {
		t.Fatal(err)
	}
	ev := b.Evaluate(demoNow)
	ci := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	return Config{
		State: func(context.Context) (*State, error) { return &State{Evaluation: ev, Teams: b.Teams}, nil },
		LastCI: func(_ context.Context, service string) ([]history.CIResult, error) {
			if service != "payments-api" {
				return nil, nil
			}
			return []history.CIResult{{Service: service, Scorecard: "production_readiness", Level: "Silver", Commit: "abc1234def", ReceivedAt: ci}}, nil
		},
		Version: "test",
	}, ev
}

func connect(t *testing.T, cfg Config) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	st, ct := sdk.NewInMemoryTransports()
	if _, err := NewServer(cfg).Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func call[T any](t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) (T, string) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s: tool error %v", name, res.Content)
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v in %s", name, err, raw)
	}
	return out, res.Content[0].(*sdk.TextContent).Text
}

func TestListsReadOnlyToolsWithSchemas(t *testing.T) {
	cfg, _ := demoConfig(t)
	cs := connect(t, cfg)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*sdk.Tool{}
	for _, tool := range res.Tools {
		got[tool.Name] = tool
	}
	for _, name := range []string{"get_service", "list_services", "get_team", "explain_scorecard"} {
		tool, ok := got[name]
		if !ok {
			t.Errorf("tool %s is not listed", name)
			continue
		}
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s is not marked read-only", name)
		}
		if len(tool.Description) < 60 {
			t.Errorf("%s's description is too thin for a model: %q", name, tool.Description)
		}
		schema, _ := json.Marshal(tool.InputSchema)
		if !strings.Contains(string(schema), `"description"`) {
			t.Errorf("%s's input schema describes no argument: %s", name, schema)
		}
	}
}

func TestGetServiceMatchesTheEvaluation(t *testing.T) {
	cfg, ev := demoConfig(t)
	cs := connect(t, cfg)
	got, text := call[ServiceResult](t, cs, "get_service", map[string]any{"service": "PAYMENTS-API"})
	if got.Identifier != "payments-api" {
		t.Fatalf("identifier %q", got.Identifier)
	}
	ei, _ := ev.Catalog.Find("payments-api")
	checked := 0
	for si, sc := range ev.Scorecards {
		r := ev.Result(ei, si)
		s, ok := got.Scorecards[sc.Identifier]
		if !r.Applies {
			if ok {
				t.Errorf("%s does not apply but is reported", sc.Identifier)
			}
			continue
		}
		checked++
		if s.Level != r.LevelName() {
			t.Errorf("%s: level %q, want %q", sc.Identifier, s.Level, r.LevelName())
		}
		var want, have []string
		for _, i := range r.Failing() {
			want = append(want, sc.Rules[i].Identifier)
		}
		for _, rr := range s.Rules {
			if rr.Status == "FAILURE" {
				have = append(have, rr.Identifier)
				if len(rr.Reasons) == 0 {
					t.Errorf("%s: failing rule %s carries no reason", sc.Identifier, rr.Identifier)
				}
			}
		}
		if strings.Join(sortedCopy(want), ",") != strings.Join(sortedCopy(have), ",") {
			t.Errorf("%s: failing %v, want %v", sc.Identifier, have, want)
		}
	}
	if checked == 0 {
		t.Fatal("no scorecard applies to payments-api in the demo")
	}
	if len(got.LastCI) != 1 || got.LastCI[0].Level != "Silver" || !strings.Contains(text, "commit abc1234") {
		t.Errorf("last CI %+v; text:\n%s", got.LastCI, text)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestListServicesFiltersAndPages(t *testing.T) {
	cfg, ev := demoConfig(t)
	cs := connect(t, cfg)
	all, _ := call[ServiceList](t, cs, "list_services", map[string]any{"limit": 7})
	if all.Total != len(ev.Catalog.Entities) || len(all.Services) != 7 || all.NextOffset == nil || *all.NextOffset != 7 {
		t.Fatalf("total %d, %d shown, next %v", all.Total, len(all.Services), all.NextOffset)
	}
	sc := ev.Scorecards[0]
	below := sc.Levels[len(sc.Levels)-1].Title
	got, _ := call[ServiceList](t, cs, "list_services", map[string]any{"scorecard": sc.Identifier, "below_level": strings.ToUpper(below), "limit": 1000})
	want := 0
	for ei := range ev.Catalog.Entities {
		if r := ev.Result(ei, 0); r.Applies && r.Level < len(sc.Levels)-1 {
			want++
		}
	}
	if got.Total != want || want == 0 {
		t.Errorf("below %s: %d services, want %d", below, got.Total, want)
	}
	for _, s := range got.Services {
		if s.Levels[sc.Identifier] == below {
			t.Errorf("%s is at %s, not below it", s.Identifier, below)
		}
	}
}

func TestGetTeamAndExplainScorecard(t *testing.T) {
	cfg, ev := demoConfig(t)
	cs := connect(t, cfg)
	team, _ := call[TeamResult](t, cs, "get_team", map[string]any{"team": "Payments"})
	if team.Identifier != "payments" || len(team.Services) == 0 {
		t.Fatalf("team %+v", team)
	}
	n := 0
	for _, mix := range team.LevelMix {
		for _, c := range mix {
			n += c
		}
	}
	if n == 0 {
		t.Error("empty level mix")
	}
	sc := ev.Scorecards[0]
	ex, text := call[ScorecardExplained](t, cs, "explain_scorecard", map[string]any{"scorecard": sc.Identifier})
	if len(ex.Levels) != len(sc.Levels) {
		t.Fatalf("%d levels, want %d", len(ex.Levels), len(sc.Levels))
	}
	rules := 0
	for _, l := range ex.Levels {
		for _, r := range l.Rules {
			rules++
			if len(r.Conditions) == 0 {
				t.Errorf("rule %s explains no condition", r.Identifier)
			}
		}
	}
	if rules != len(sc.Rules) || !strings.Contains(text, sc.Rules[0].Identifier) {
		t.Errorf("%d rules explained, want %d; text:\n%s", rules, len(sc.Rules), text)
	}
	list, _ := call[ScorecardExplained](t, cs, "explain_scorecard", nil)
	if len(list.Scorecards) != len(ev.Scorecards) {
		t.Errorf("listed %d scorecards, want %d", len(list.Scorecards), len(ev.Scorecards))
	}
}

func TestBadCallsAreJSONRPCErrorsNamingTheArgument(t *testing.T) {
	cfg, _ := demoConfig(t)
	cs := connect(t, cfg)
	tests := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"get_service", map[string]any{"service": "paymnets-api"}, `argument "service": no service named "paymnets-api"; did you mean payments-api`},
		{"get_service", map[string]any{}, `argument "service": required`},
		{"get_service", map[string]any{"service": 42}, `"service" must be a string`},
		{"get_service", map[string]any{"servcie": "payments-api"}, `unknown field "servcie"`},
		{"list_services", map[string]any{"limit": 5000}, `argument "limit": 5000 is out of range`},
		{"list_services", map[string]any{"scorecard": "production_readiness", "level": "Platinum"}, `argument "level": scorecard production_readiness has no level "Platinum"`},
		{"get_team", map[string]any{"team": "nobody"}, `argument "team": no team named "nobody"`},
		{"explain_scorecard", map[string]any{"scorecard": "prod_readiness"}, `argument "scorecard": no scorecard "prod_readiness"`},
		{"delete_service", map[string]any{"service": "payments-api"}, `unknown tool`},
	}
	for _, tt := range tests {
		_, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tt.tool, Arguments: tt.args})
		var rpc *jsonrpc.Error
		if !errors.As(err, &rpc) {
			t.Errorf("%s %v: err = %v, want a JSON-RPC error", tt.tool, tt.args, err)
			continue
		}
		if !strings.Contains(rpc.Message, tt.want) {
			t.Errorf("%s %v: %q, want it to say %q", tt.tool, tt.args, rpc.Message, tt.want)
		}
	}
}

func TestHTTPNeedsTheBearerToken(t *testing.T) {
	cfg, _ := demoConfig(t)
	if _, err := Handler(cfg, ""); err == nil {
		t.Fatal("a handler without a token was made")
	}
	h, err := Handler(cfg, "mcp-s3cret")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	for _, auth := range []string{"", "Bearer wrong", "mcp-s3cret", "Bearer mcp-s3cret2"} {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, resp.StatusCode)
		}
	}
	tr := &sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: bearer{"mcp-s3cret"}}}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	got, _ := call[ServiceResult](t, cs, "get_service", map[string]any{"service": "payments-api"})
	if got.Identifier != "payments-api" {
		t.Errorf("over HTTP: %+v", got)
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}
