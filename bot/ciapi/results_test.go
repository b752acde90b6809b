package ciapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report/history"
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

// The handler stands alone: a bearer token, a store, a clock.
func TestHandler(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	body := `{"commit":"abc1234","result":{"entities":[{"identifier":"pay","scorecards":{"pr":{"level":"Gold"}}}]}}`
	st := &memStore{}
	tests := []struct {
		name   string
		store  Store
		auth   string
		status int
		saying string
	}{
		{"wrong token", st, "Bearer nope", http.StatusUnauthorized, "PRODREADY_API_TOKEN"},
		{"no store", nil, "Bearer secret-token", http.StatusServiceUnavailable, "PRODREADY_DB"},
		{"recorded", st, "Bearer secret-token", http.StatusOK, `"recorded":1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler("secret-token", tt.store, func() time.Time { return now }, slog.New(slog.DiscardHandler))
			req := httptest.NewRequest(http.MethodPost, ResultsPath, strings.NewReader(body))
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
