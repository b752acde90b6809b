package slackemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// appHomeOpened is the Events API envelope Slack sends when user opens the
// app's Home tab.
func (s *Server) appHomeOpened(user string) map[string]any {
	return map[string]any{
		"token": "emu-verification-token", "team_id": s.opts.TeamID, "api_app_id": s.opts.AppID,
		"type": "event_callback", "event_id": "Ev" + randHex(6), "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
			"event_ts": strconv.FormatInt(time.Now().Unix(), 10) + ".000200"},
	}
}

// SendAppHomeOpened posts a signed app_home_opened event to the app's
// Events API request URL, as Slack does when user opens the Home tab.
func (s *Server) SendAppHomeOpened(ctx context.Context, requestURL, user string) (*Reply, error) {
	body, err := json.Marshal(s.appHomeOpened(user))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, requestURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("event request to %q: %w", requestURL, err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, ts, body))
	return s.Do(req, "")
}

// SendAppHomeOpenedSocket delivers app_home_opened as an events_api
// envelope over Socket Mode and returns the ack.
func (s *Server) SendAppHomeOpenedSocket(ctx context.Context, user string) (*Reply, error) {
	return s.sendEnvelope(ctx, "events_api", s.appHomeOpened(user), "")
}

// WaitHome waits until user's Home tab has been published n times in all.
func (s *Server) WaitHome(ctx context.Context, user string, n int) (View, error) {
	var v View
	err := s.wait(ctx, func() bool {
		count := 0
		for _, c := range s.calls {
			if c.Method == "views.publish" && c.Error == "" && c.Params["user_id"] == user {
				count++
			}
		}
		if h, ok := s.homes[user]; ok {
			v = *h
		}
		return count >= n
	})
	return v, err
}
