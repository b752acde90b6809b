package slackapp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
)

// BenchmarkSignedCommand10k is one signed /prodready <service> through the
// HTTP handler (verification, replay guard, lookup, Block Kit, JSON), with
// 10,000 services loaded. cmd/slashload measures the same at 200 req/s.
func BenchmarkSignedCommand10k(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"service", "svc-04321"},
		{"title", "Service 04321 " + strings.Repeat("x", 40)},
		{"team", "team big"},
		{"did-you-mean", "svc-0432x"},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := NewHolder(staticSource{}, nil, nil)
			bundle := hugeBundle(b, 8, 2, 10000)
			// Split the one team into 100, as a real catalog would be.
			for i := range bundle.Catalog.Entities {
				if i%100 != 0 {
					bundle.Catalog.Entities[i].Team = []string{fmt.Sprintf("team-%02d", i%100)}
				}
			}
			h.Set(bundle, time.Now())
			bt, err := New(Config{Holder: h, SigningSecret: "bench-secret"})
			if err != nil {
				b.Fatal(err)
			}
			handler := bt.Handler()
			form := url.Values{"command": {"/prodready"}, "text": {c.text}, "response_url": {"http://127.0.0.1:1/x"}}.Encode()
			i := 0
			for b.Loop() {
				i++
				body := form + "&n=" + strconv.Itoa(i)
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				req := httptest.NewRequest(http.MethodPost, CommandPath, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Slack-Request-Timestamp", ts)
				req.Header.Set("X-Slack-Signature", slackemu.Sign("bench-secret", ts, []byte(body)))
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
