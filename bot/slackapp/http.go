package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/report/history"
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
	body, ok := verifySlack(w, r, h.secret, h.seen, maxCommandBody, h.bot.log, "slash command")
	if !ok {
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

// replayGuard remembers the requests accepted (by signatureKey) for twice the
// timestamp window, so that a captured request cannot be replayed. With a
// history store the signatures are kept there, shared by every replica on
// it; without one (console mode, no PRODREADY_DB) in memory.
type replayGuard struct {
	store *history.Store
	mu    sync.Mutex
	until map[string]time.Time
	order []seenSig // by insertion, hence by expiry
	head  int       // order[:head] are forgotten
}

type seenSig struct {
	sig   string
	until time.Time
}

func newReplayGuard(store *history.Store) *replayGuard {
	return &replayGuard{store: store, until: map[string]time.Time{}}
}

// first records sig and reports whether it was not seen within the window.
func (g *replayGuard) first(ctx context.Context, sig string, now time.Time) (bool, error) {
	if g.store != nil {
		ok, err := g.store.FirstSignature(ctx, []byte(sig), now, now.Add(2*signatureWindow))
		if err != nil {
			return false, fmt.Errorf("replay guard: %w", err)
		}
		return ok, nil
	}
	return g.firstInMemory(sig, now), nil
}

func (g *replayGuard) firstInMemory(sig string, now time.Time) bool {
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
