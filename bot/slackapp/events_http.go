package slackapp

import (
	"encoding/json"
	"net/http"

	"github.com/slack-go/slack/slackevents"
)

// EventsPath is where Slack posts Events API events in HTTP mode (the
// manifest's event_subscriptions request URL): app_home_opened.
const EventsPath = "/slack/events"

// eventsHandler answers signed Events API requests: the URL check once,
// then events, acknowledged at once and handled after.
type eventsHandler struct {
	bot    *Bot
	secret string
	seen   *replayGuard
}

func (h *eventsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := verifySlackBody(w, r, h.secret, h.seen, maxInteractionBody, h.bot.log, "event", "application/json")
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "bad request: not an Events API payload: "+err.Error(), http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		var c slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &c); err != nil {
			http.Error(w, "bad request: no challenge", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(c.Challenge))
		return
	}
	w.WriteHeader(http.StatusOK)
	// Slack wants the event acknowledged within 3 seconds; the Home tab
	// is published after, within the shutdown's grace.
	if h.bot.bg == nil {
		return
	}
	h.bot.inflight.Add(1)
	go func() {
		defer h.bot.inflight.Done()
		h.bot.onEvent(h.bot.bg, ev)
	}()
}
