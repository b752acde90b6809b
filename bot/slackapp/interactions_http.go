package slackapp

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// InteractionPath is where Slack posts button clicks and modal
// submissions in HTTP mode (the manifest's interactivity request URL).
const InteractionPath = "/slack/interactions"

// maxInteractionBody bounds an interaction's form body: a view's state can
// be a few tens of KB.
const maxInteractionBody = 1 << 20

// interactionHandler answers signed interactions, checked exactly as slash
// commands and events are: the same verifier, the same replay guard.
type interactionHandler struct {
	bot    *Bot
	secret string
	seen   *replayGuard
}

// verifySlack reads a request's body and checks its signature, its
// timestamp and that it was not seen before; false means the response was
// written (401 and the like).
func verifySlack(w http.ResponseWriter, r *http.Request, secret string, seen *replayGuard, max int64, log *slog.Logger, what string) ([]byte, bool) {
	return verifySlackBody(w, r, secret, seen, max, log, what, "application/x-www-form-urlencoded")
}

// verifySlackBody is verifySlack for a body of content type ct (events
// come as JSON).
func verifySlackBody(w http.ResponseWriter, r *http.Request, secret string, seen *replayGuard, max int64, log *slog.Logger, what, ct string) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, what+" are POSTed", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, secret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		reason := "bad signature"
		switch {
		case errors.Is(err, slack.ErrMissingHeaders):
			reason = "missing X-Slack-Signature or X-Slack-Request-Timestamp"
		case errors.Is(err, slack.ErrExpiredTimestamp):
			reason = "timestamp more than 5 minutes off"
		}
		log.Warn("refused "+what, "reason", reason, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized: "+reason, http.StatusUnauthorized)
		return nil, false
	}
	// The verifier accepted the signature, so its hex decodes; the key is
	// the decoded bytes, as hex in either case is one request.
	first, err := seen.first(r.Context(), signatureKey(r.Header.Get("X-Slack-Signature")), time.Now())
	if err != nil {
		// Unchecked is refused: acting on a replay is worse than Slack's retry.
		log.Error("could not check "+what+" for replay", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "service unavailable: the replay check failed", http.StatusServiceUnavailable)
		return nil, false
	}
	if !first {
		log.Warn("refused replayed "+what, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized: request replayed", http.StatusUnauthorized)
		return nil, false
	}
	if got, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); got != ct {
		http.Error(w, "bad request: the body must be "+ct+", as Slack sends it", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// signatureKey is the decoded bytes of an X-Slack-Signature header the
// verifier accepted ("v0=" and 64 hex digits in any case).
func signatureKey(header string) string {
	raw, _ := hex.DecodeString(strings.TrimPrefix(header, "v0="))
	return string(raw)
}

func (h *interactionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := verifySlack(w, r, h.secret, h.seen, maxInteractionBody, h.bot.log, "interaction")
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "bad request: no payload field", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "bad request: payload is not an interaction: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp := h.bot.Interact(r.Context(), cb)
	if resp == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "render answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
