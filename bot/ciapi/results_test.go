package ciapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// memStore keeps what the handler records.
type memStore struct{ rs []history.CIResult }

func (m *memStore) RecordCIResults(_ context.Context, rs []history.CIResult) error {
	m.rs = append(m.rs, rs...)
	return nil
}

func (m *memStore) LatestCIResults(context.Context, string) ([]history.CIResult, error) {
	return m.rs, nil
}

// testBundle is a catalog of one service, pay, and a scorecard pr with
// levels Basic and Gold.
func testBundle(t *testing.T) *scorecard.Bundle {
	t.Helper()
	cat, err := scorecard.NewCatalog([]scorecard.Entity{{Identifier: "pay"}})
	if err != nil {
		t.Fatal(err)
	}
	return &scorecard.Bundle{Catalog: cat, Scorecards: []*scorecard.Scorecard{
		{Identifier: "pr", Levels: []scorecard.Level{{Title: "Basic"}, {Title: "Gold"}}},
	}}
}

func push(service, sc, level string) string {
	return fmt.Sprintf(`{"commit":"abc1234","result":{"entities":[{"identifier":%q,"scorecards":{%q:{"level":%q}}}]}}`, service, sc, level)
}

// The handler stands alone: a bearer token, a store, the catalog, a clock.
func TestHandler(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	bundle := testBundle(t)
	st := &memStore{}
	tests := []struct {
		name    string
		store   Store
		catalog *scorecard.Bundle
		auth    string
		body    string
		status  int
		saying  string
	}{
		{"wrong token", st, bundle, "Bearer nope", push("pay", "pr", "Gold"), http.StatusUnauthorized, "PRODREADY_API_TOKEN"},
		{"no store", nil, bundle, "Bearer secret-token", push("pay", "pr", "Gold"), http.StatusServiceUnavailable, "PRODREADY_DB"},
		{"no evaluation yet", st, nil, "Bearer secret-token", push("pay", "pr", "Gold"), http.StatusServiceUnavailable, "catalog"},
		{"unknown service", st, bundle, "Bearer secret-token", push("ghost", "pr", "Gold"), http.StatusUnprocessableEntity, `\"ghost\"`},
		{"unknown scorecard", st, bundle, "Bearer secret-token", push("pay", "nope", "Gold"), http.StatusUnprocessableEntity, `\"nope\"`},
		{"level the scorecard lacks", st, bundle, "Bearer secret-token", push("pay", "pr", "Platinum"), http.StatusUnprocessableEntity, `\"Platinum\"`},
		{"recorded", st, bundle, "Bearer secret-token", push("pay", "pr", "Gold"), http.StatusOK, `"recorded":1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler("secret-token", tt.store, func() *scorecard.Bundle { return tt.catalog }, func() time.Time { return now }, slog.New(slog.DiscardHandler))
			req := httptest.NewRequest(http.MethodPost, ResultsPath, strings.NewReader(tt.body))
			req.Header.Set("Authorization", tt.auth)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.status || !strings.Contains(string(got), tt.saying) || strings.Contains(string(got), "secret-token") {
				t.Errorf("status %d %q; want %d saying %q, without the token", rec.Code, got, tt.status, tt.saying)
			}
		})
	}
	if len(st.rs) != 1 || st.rs[0].Service != "pay" || st.rs[0].Level != "Gold" || !st.rs[0].ReceivedAt.Equal(now) {
		t.Errorf("recorded %+v", st.rs)
	}
}

// stalledBody sends a little and then nothing until its context ends: a
// client that announces more than the limit and trickles it in.
type stalledBody struct {
	sent bool
	ctx  context.Context
}

func (s *stalledBody) Read(p []byte) (int, error) {
	if !s.sent {
		s.sent = true
		return copy(p, "{"), nil
	}
	<-s.ctx.Done()
	return 0, s.ctx.Err()
}

// A push announced over the size limit is refused at once, not after its
// body (or the server's write timeout) has come.
func TestHandlerRefusesOversizedPushAtOnce(t *testing.T) {
	h := NewHandler("secret-token", &memStore{}, func() *scorecard.Bundle { return testBundle(t) }, time.Now, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, srv.URL+ResultsPath, &stalledBody{ctx: ctx})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = MaxResultsBody + 1
	req.Header.Set("Authorization", "Bearer secret-token")
	resp, err := srv.Client().Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("no answer while the body stalls: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d; want 413", resp.StatusCode)
	}
}
