package slackapp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/ciapi"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/report/history/historytest"
	"github.com/prodready/prodready/scorecard/demo"
)

const testAPIToken = "ci-token-7f3a9c"

func ciTestStore(t *testing.T) *history.Store {
	t.Helper()
	st, err := history.Open(context.Background(), historytest.SQLiteDSN(t), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func ciTestBot(t *testing.T, token string, st *history.Store) *Bot {
	t.Helper()
	b, err := New(Config{Source: demo.Source{}, SigningSecret: "s", APIToken: token, Store: st, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	// Pushes are checked against the catalog evaluated.
	if err := b.Holder().Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

const pushBody = `{"commit":"abc1234def5678abc1234def5678abc1234def56","pipeline_url":"https://github.com/acme/pay/actions/runs/42","result":{
  "now": "2026-11-26T09:00:00Z",
  "entities": [{"identifier":"payments-api","title":"Payments API","team":["payments"],"scorecards":{
    "production_readiness":{"level":"Silver","rules":[]},
    "operational_maturity":{"level":"Operable","rules":[]}}}]}}`

func TestResultsEndpoint(t *testing.T) {
	cases := []struct {
		name    string
		token   string // configured; "" turns the endpoint off
		auth    string
		body    string
		status  int
		saying  string // in the answer's body
		records int    // results stored after the request
	}{
		{name: "off without a token", auth: "Bearer " + testAPIToken, body: pushBody, status: http.StatusNotFound},
		{name: "no credentials", token: testAPIToken, body: pushBody, status: http.StatusUnauthorized, saying: "bearer token"},
		{name: "wrong token", token: testAPIToken, auth: "Bearer ci-token-7f3a9d", body: pushBody, status: http.StatusUnauthorized},
		{name: "prefix of the token", token: testAPIToken, auth: "Bearer ci-token", body: pushBody, status: http.StatusUnauthorized},
		{name: "not a bearer", token: testAPIToken, auth: "Basic " + testAPIToken, body: pushBody, status: http.StatusUnauthorized},
		{name: "not JSON", token: testAPIToken, auth: "Bearer " + testAPIToken, body: "level=Silver", status: http.StatusBadRequest, saying: "not a JSON object"},
		{name: "trailing data", token: testAPIToken, auth: "Bearer " + testAPIToken, body: pushBody + "{}", status: http.StatusBadRequest, saying: "trailing data"},
		{name: "no result", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"commit":"abc"}`, status: http.StatusBadRequest, saying: "result: missing"},
		{name: "no entities", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"result":{"now":"x"}}`, status: http.StatusBadRequest, saying: "result.entities: missing"},
		{name: "entities of the wrong type", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"result":{"entities":{}}}`, status: http.StatusBadRequest, saying: "result: not the document"},
		{name: "no identifier", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"result":{"entities":[{"scorecards":{"pr":{"level":"Gold"}}}]}}`, status: http.StatusBadRequest, saying: "result.entities[0].identifier"},
		{name: "no level", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"result":{"entities":[{"identifier":"pay","scorecards":{"pr":{}}}]}}`, status: http.StatusBadRequest, saying: "scorecards.pr.level"},
		{name: "nothing to record", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"result":{"entities":[]}}`, status: http.StatusBadRequest, saying: "no service"},
		{name: "pipeline URL not http", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"pipeline_url":"javascript:alert(1)","result":{"entities":[{"identifier":"pay","scorecards":{"pr":{"level":"Gold"}}}]}}`, status: http.StatusBadRequest, saying: "pipeline_url"},
		{name: "commit with spaces", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"commit":"abc def","result":{"entities":[{"identifier":"pay","scorecards":{"pr":{"level":"Gold"}}}]}}`, status: http.StatusBadRequest, saying: "commit"},
		{name: "too large", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"commit":"` + strings.Repeat("a", ciapi.MaxResultsBody) + `"}`, status: http.StatusRequestEntityTooLarge, saying: "larger than"},
		{name: "unknown service", token: testAPIToken, auth: "Bearer " + testAPIToken, body: `{"result":{"entities":[{"identifier":"ghost-svc","scorecards":{"production_readiness":{"level":"Gold"}}}]}}`, status: http.StatusUnprocessableEntity, saying: `ghost-svc`},
		{name: "recorded", token: testAPIToken, auth: "Bearer " + testAPIToken, body: pushBody, status: http.StatusOK, saying: `"recorded":2`, records: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := ciTestStore(t)
			b := ciTestBot(t, c.token, st)
			// Both transports serve it: HTTP, and Socket Mode's ops listener.
			for _, h := range []http.Handler{b.Handler(), b.OpsHandler()} {
				req := httptest.NewRequest(http.MethodPost, ciapi.ResultsPath, strings.NewReader(c.body))
				if c.auth != "" {
					req.Header.Set("Authorization", c.auth)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				got, _ := io.ReadAll(rec.Body)
				if rec.Code != c.status || !strings.Contains(string(got), c.saying) {
					t.Errorf("status %d %q; want %d saying %q", rec.Code, got, c.status, c.saying)
				}
				if strings.Contains(string(got), testAPIToken) {
					t.Errorf("the answer shows the token: %s", got)
				}
			}
			rs, err := st.LatestCIResults(context.Background(), "payments-api")
			if err != nil || len(rs) != c.records {
				t.Fatalf("stored %+v, %v; want %d results", rs, err, c.records)
			}
			for _, r := range rs {
				if r.Commit != "abc1234def5678abc1234def5678abc1234def56" || r.PipelineURL != "https://github.com/acme/pay/actions/runs/42" || !r.ReceivedAt.Equal(testNow) {
					t.Errorf("stored %+v", r)
				}
			}
		})
	}
}

func TestResultsEndpointWithoutStore(t *testing.T) {
	b := ciTestBot(t, testAPIToken, nil)
	req := httptest.NewRequest(http.MethodPost, ciapi.ResultsPath, strings.NewReader(pushBody))
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "PRODREADY_DB") {
		t.Errorf("status %d %q; want 503 naming PRODREADY_DB", rec.Code, rec.Body)
	}
}

func TestAnswerShowsLastCICheck(t *testing.T) {
	s := demoEvaluated(t)
	at := testNow.Add(-2*time.Hour - 10*time.Minute)
	run := func(level, sc string) history.CIResult {
		return history.CIResult{Service: "payments-api", Scorecard: sc, Level: level, Commit: "abc1234def5678", PipelineURL: "https://ci.example.com/p/42", ReceivedAt: at}
	}
	cases := []struct {
		name      string
		results   []history.CIResult
		want      []string
		wantNot   []string
		wantEmpty bool
	}{
		{name: "never reported", wantEmpty: true},
		{
			name:    "one scorecard",
			results: []history.CIResult{run("Silver", "production_readiness")},
			want:    []string{"Last CI check: *Silver*, 2 h ago, commit `abc1234` (<https://ci.example.com/p/42|pipeline>)"},
			wantNot: []string{" on "},
		},
		{
			name:    "two scorecards of one run",
			results: []history.CIResult{run("Operable", "operational_maturity"), run("Silver", "production_readiness")},
			want:    []string{"*Operable* on ", "*Silver* on ", ", 2 h ago, commit `abc1234`"},
		},
		{
			name: "runs apart, no commit, no URL",
			results: []history.CIResult{
				{Service: "payments-api", Scorecard: "production_readiness", Level: "Gold", ReceivedAt: testNow.Add(-5 * time.Minute)},
				{Service: "payments-api", Scorecard: "operational_maturity", Level: "Operable", Commit: "v1.2 release", ReceivedAt: testNow.Add(-72 * time.Hour)},
			},
			want:    []string{"5 min ago · ", "3 d ago, commit `v1.2 release`"},
			wantNot: []string{"pipeline"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var asked string
			m := answerWith(s, Query{Kind: QueryService, Arg: "Payments API"}, func(id string) []history.CIResult { asked = id; return c.results }, testNow)
			_, raw := render(t, m)
			text := blockText(raw)
			if asked != "payments-api" {
				t.Errorf("asked the store about %q, not the identifier", asked)
			}
			if c.wantEmpty == strings.Contains(text, "Last CI check") {
				t.Errorf("line shown: %v; want %v\n%s", !c.wantEmpty, !c.wantEmpty, text)
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in\n%s", w, text)
				}
			}
			line := text[strings.Index(text, "Last CI check")+1:]
			for _, w := range c.wantNot {
				if strings.Contains(strings.SplitN(line, "\n", 2)[0], w) {
					t.Errorf("%q in the line\n%s", w, line)
				}
			}
		})
	}
}

// TestPushThenAnswer: what CI pushed is what the bot then says.
func TestPushThenAnswer(t *testing.T) {
	st := ciTestStore(t)
	b := ciTestBot(t, testAPIToken, st)
	req := httptest.NewRequest(http.MethodPost, ciapi.ResultsPath, strings.NewReader(pushBody))
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	b.cfg.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
	_, raw := render(t, b.answer(context.Background(), demoEvaluated(t), Query{Kind: QueryService, Arg: "payments-api"}))
	if text := blockText(raw); !strings.Contains(text, "*Silver* on ") || !strings.Contains(text, "2 h ago, commit `abc1234`") || !strings.Contains(text, "https://github.com/acme/pay/actions/runs/42") {
		t.Errorf("answer after a push:\n%s", text)
	}
	// A plain answer (no store) says nothing of CI.
	_, raw = render(t, Answer(demoEvaluated(t), Query{Kind: QueryService, Arg: "payments-api"}))
	if strings.Contains(blockText(raw), "Last CI check") {
		t.Error("Answer without a store shows a CI line")
	}
}
