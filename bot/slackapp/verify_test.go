package slackapp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard/demo"
)

// TestReplayWithHexInAnotherCaseIsRefusedOnEveryPath sends one signed
// request to each Slack path, then the same bytes with the signature's hex
// upper- and mixed-case: the verifier decodes the hex, so every spelling is
// the one request, and the replay guard refuses it on all three paths.
func TestReplayWithHexInAnotherCaseIsRefusedOnEveryPath(t *testing.T) {
	const secret = "case-secret"
	cases := []struct {
		path, ct, body string
	}{
		{CommandPath, "application/x-www-form-urlencoded", "command=%2Fprodready&text=payments-api"},
		{InteractionPath, "application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"type":"block_actions","user":{"id":"U1"},"actions":[]}`)},
		{EventsPath, "application/json", `{"type":"url_verification","challenge":"c1"}`},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			b, err := New(Config{Source: demo.Source{}, SigningSecret: secret})
			if err != nil {
				t.Fatal(err)
			}
			h := b.Handler()
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			sig := slackemu.Sign(secret, ts, []byte(tc.body))
			do := func(sig string) int {
				req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", tc.ct)
				req.Header.Set("X-Slack-Request-Timestamp", ts)
				req.Header.Set("X-Slack-Signature", sig)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec.Code
			}
			if code := do(sig); code != http.StatusOK {
				t.Fatalf("the signed request got %d", code)
			}
			for _, variant := range []string{
				"v0=" + strings.ToUpper(sig[3:]),
				sig[:10] + strings.ToUpper(sig[10:30]) + sig[30:],
			} {
				if code := do(variant); code != http.StatusUnauthorized {
					t.Errorf("the replay signed %s got %d, want 401", variant, code)
				}
			}
		})
	}
}
