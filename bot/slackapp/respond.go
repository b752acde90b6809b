package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/slack-go/slack"
)

// Responder delivers an answer to a command's response_url, for answers
// that come after the command was acknowledged.
type Responder interface {
	Respond(ctx context.Context, responseURL string, m Message) error
}

// slackResponder posts to response_url through slack-go; response URLs
// carry their own authority, so no token is sent.
type slackResponder struct{ api *slack.Client }

func (r slackResponder) Respond(ctx context.Context, responseURL string, m Message) error {
	_, _, err := r.api.PostMessageContext(ctx, "",
		slack.MsgOptionResponseURL(responseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText(m.Text, false),
		slack.MsgOptionBlocks(m.Blocks...))
	if err != nil {
		return fmt.Errorf("post answer to response_url: %w", err)
	}
	return nil
}

// consoleResponder prints what it would post: console mode, without a bot token.
type consoleResponder struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *consoleResponder) Respond(_ context.Context, responseURL string, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return printMessage(r.w, "response_url "+responseURL, m)
}

func printMessage(w io.Writer, dest string, m Message) error {
	blocks, err := json.Marshal(m.Blocks)
	if err != nil {
		return fmt.Errorf("render blocks for %s: %w", dest, err)
	}
	_, err = fmt.Fprintf(w, "[console] would post to %s:\n%s\n%s\n%s\n", dest, m.Text, blocks, strings.Repeat("-", 40))
	return err
}
