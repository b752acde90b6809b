package slackapp

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// CommandPath is where Slack posts /prodready in HTTP mode.
const CommandPath = "/slack/commands"

// maxCommandBody bounds a slash command's form body; Slack's are ~1 KB.
const maxCommandBody = 64 << 10

// signatureWindow is how far a request's timestamp may be from now, as
// slack-go's SecretsVerifier checks; a signature seen once is refused for
// twice that long, which covers every timestamp the verifier still accepts.
const signatureWindow = 5 * time.Minute

// commandReply is the body of an HTTP answer to a slash command.
type commandReply struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

// commandHandler answers signed slash commands over HTTP.
type commandHandler struct {
	bot    *Bot
	secret string
	seen   *replayGuard
}

func (h *commandHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.bot.log
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "slash commands are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCommandBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	sv, err := slack.NewSecretsVerifier(r.Header, h.secret)
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
		log.Warn("refused slash command", "reason", reason, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized: "+reason, http.StatusUnauthorized)
		return
	}
	if !h.seen.first(replayKey(r.Header.Get("X-Slack-Request-Timestamp"), body), time.Now()) {
		log.Warn("refused replayed slash command", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized: request replayed", http.StatusUnauthorized)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		http.Error(w, "bad request: the body must be a form (application/x-www-form-urlencoded), as Slack sends slash commands", http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad request: the body is not a valid form: "+err.Error(), http.StatusBadRequest)
		return
	}
	m := h.bot.Reply(form.Get("text"), form.Get("response_url"))
	writeReply(w, m)
}

func writeReply(w http.ResponseWriter, m Message) {
	b, err := json.Marshal(commandReply{ResponseType: slack.ResponseTypeEphemeral, Text: m.Text, Blocks: m.Blocks})
	if err != nil {
		http.Error(w, "render answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// replayKey names a request by what its signature signs, the timestamp
// and the body: the signature's own text has many spellings (hex in
// either case) that the verifier all accepts for one request.
func replayKey(ts string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(ts))
	h.Write([]byte{':'})
	h.Write(body)
	return string(h.Sum(nil))
}

// replayGuard remembers the requests accepted (by replayKey) for twice the
// timestamp window, so that a captured request cannot be replayed.
type replayGuard struct {
	mu    sync.Mutex
	until map[string]time.Time
	order []seenSig // by insertion, hence by expiry
	head  int       // order[:head] are forgotten
}

type seenSig struct {
	sig   string
	until time.Time
}

func newReplayGuard() *replayGuard { return &replayGuard{until: map[string]time.Time{}} }

// first records sig and reports whether it was not seen within the window.
func (g *replayGuard) first(sig string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.head < len(g.order) && !now.Before(g.order[g.head].until) {
		delete(g.until, g.order[g.head].sig)
		g.head++
	}
	// Compact once the expired prefix is half the queue: amortised O(1).
	if g.head > 0 && g.head >= len(g.order)/2 {
		g.order = append(g.order[:0], g.order[g.head:]...)
		g.head = 0
	}
	if _, dup := g.until[sig]; dup {
		return false
	}
	until := now.Add(2 * signatureWindow)
	g.until[sig] = until
	g.order = append(g.order, seenSig{sig, until})
	return true
}

// logPanics answers 500 and logs, rather than dropping the connection.
func logPanics(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				log.Error("slash command handler panicked", "panic", v, "path", r.URL.Path)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}
