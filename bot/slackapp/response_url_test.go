package slackapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/scorecard/demo"
)

// countingHook answers every post as Slack's response_url does and counts them.
func countingHook(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestInteractionActsOnSlacksActionsOnlyAndPostsOnlyToSlack sends one
// block_actions payload with thousands of actions, and one whose
// response_url names a host that is not Slack's: the first acts once (Slack
// sends the one element clicked), the second posts nowhere.
func TestInteractionActsOnSlacksActionsOnlyAndPostsOnlyToSlack(t *testing.T) {
	slackAPI, _ := countingHook(t)
	hook, posts := countingHook(t) // another port of the API's host: not Slack's
	cases := []struct {
		name      string
		hosts     []string
		actions   int
		wantPosts int64
	}{
		{"3000 actions to Slack's host", []string{"hooks.slack.com", hook.Listener.Addr().String()}, 3000, 1},
		{"one action to a host Slack does not use", nil, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			posts.Store(0)
			b, err := New(Config{Source: demo.Source{}, SigningSecret: "s", BotToken: "xoxb-test", APIURL: slackAPI.URL, ResponseHosts: tc.hosts})
			if err != nil {
				t.Fatal(err)
			}
			cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, ResponseURL: hook.URL + "/actions/T1/1/x"}
			cb.User.ID = "U1"
			for range tc.actions {
				cb.ActionCallback.BlockActions = append(cb.ActionCallback.BlockActions, &slack.BlockAction{ActionID: actShare, Value: "payments-api"})
			}
			b.Interact(context.Background(), cb)
			if got := posts.Load(); got != tc.wantPosts {
				t.Fatalf("%d posts to the response_url, want %d", got, tc.wantPosts)
			}
		})
	}
}
