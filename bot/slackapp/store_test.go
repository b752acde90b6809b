package slackapp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/ciapi"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history"
)

// A history database unavailable when serve starts is opened on a later
// use: Snooze and POST /api/results work once it answers, without restart.
func TestHistoryOpenedOnceItAnswers(t *testing.T) {
	ctx := context.Background()
	emu := slackemu.New(t)
	path := filepath.Join(t.TempDir(), "h.db")
	var away atomic.Bool
	away.Store(true)
	var opened *history.Store
	open := func(ctx context.Context) (*history.Store, error) {
		if away.Load() {
			return nil, errors.New("database is locked")
		}
		st, err := history.Open(ctx, path, history.Options{})
		opened = st
		return st, err
	}
	t.Cleanup(func() {
		if opened != nil {
			opened.Close()
		}
	})
	lead := emu.AddUser("payments-lead@example.com")
	r := start(t, emu, Config{BotToken: emu.BotToken(), OpenStore: open, APIToken: testAPIToken})
	waitReady(t, r.bot)
	url := interactionURL(r)
	post := func() int {
		req := httptest.NewRequest(http.MethodPost, ciapi.ResultsPath, strings.NewReader(pushBody))
		req.Header.Set("Authorization", "Bearer "+testAPIToken)
		rec := httptest.NewRecorder()
		r.bot.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	rep := interact(t, emu, url, slackemu.Interaction{UserID: lead.ID, ActionID: blockkit.ActSnooze, Value: "payments"})
	if p := lastResponse(t, emu, rep, 1); !strings.Contains(p.Text, "needs the history database") {
		t.Errorf("snooze with the database away: %q", p.Text)
	}
	if code := post(); code != http.StatusServiceUnavailable {
		t.Errorf("push with the database away: %d, want 503", code)
	}
	away.Store(false)
	rep = interact(t, emu, url, slackemu.Interaction{UserID: lead.ID, ActionID: blockkit.ActSnooze, Value: "payments"})
	if p := lastResponse(t, emu, rep, 1); !strings.Contains(p.Text, "snoozed for 7 days") {
		t.Errorf("snooze once the database answers: %q", p.Text)
	}
	if code := post(); code != http.StatusOK {
		t.Errorf("push once the database answers: %d, want 200", code)
	}
	if rs, err := opened.LatestCIResults(ctx, "payments-api"); err != nil || len(rs) != 2 {
		t.Errorf("recorded %+v, %v", rs, err)
	}
}
