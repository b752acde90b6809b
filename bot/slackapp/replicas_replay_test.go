package slackapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/report/history/historytest"
	"github.com/prodready/prodready/scorecard/demo"
)

// TestReplicasShareReplayProtection: two bots (replicas) on one Postgres
// history get the same signed request; it acts once, on whichever
// replica it reaches first, whatever the case of the signature's hex.
func TestReplicasShareReplayProtection(t *testing.T) {
	const secret = "replica-secret"
	ctx := context.Background()
	dsn := historytest.PostgresDSN(t)
	var handlers []http.Handler
	for range 2 {
		st, err := history.Open(ctx, dsn, history.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		b, err := New(Config{Source: demo.Source{}, SigningSecret: secret, Store: st})
		if err != nil {
			t.Fatal(err)
		}
		handlers = append(handlers, b.Handler())
	}
	body := "command=%2Fprodready&text=payments-api"
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := slackemu.Sign(secret, ts, []byte(body))
	cases := []struct {
		replica int
		sig     string
		want    int
	}{
		{0, sig, http.StatusOK},
		{1, sig, http.StatusUnauthorized},
		{1, "v0=" + strings.ToUpper(sig[3:]), http.StatusUnauthorized},
		{0, sig, http.StatusUnauthorized},
	}
	for i, tc := range cases {
		req := httptest.NewRequest(http.MethodPost, CommandPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", tc.sig)
		rec := httptest.NewRecorder()
		handlers[tc.replica].ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("request %d to replica %d: %d, want %d (%s)", i, tc.replica, rec.Code, tc.want, rec.Body)
		}
	}
}
