package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
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

// HooksHost is where Slack's response URLs point
// (https://hooks.slack.com/commands/…, …/actions/…).
const HooksHost = "hooks.slack.com"

// responseHosts is Config.ResponseHosts, or Slack's own hosts when it is
// empty: hooks.slack.com and the host of the Web API URL (GovSlack, tests).
func responseHosts(cfg Config) []string {
	if len(cfg.ResponseHosts) > 0 {
		return cfg.ResponseHosts
	}
	hosts := []string{HooksHost}
	if u, err := url.Parse(cfg.APIURL); err == nil && u.Host != "" {
		hosts = append(hosts, u.Host)
	}
	return hosts
}

// checkResponseURL refuses a response_url that is not http(s) on one of
// the configured hosts: the payload names it, so without this check a
// signed payload could make the bot post anywhere.
func (b *Bot) checkResponseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return errors.New("refused a response_url that is not an http(s) URL without credentials")
	}
	for _, h := range b.responseHosts {
		if strings.EqualFold(u.Host, h) {
			return nil
		}
	}
	return fmt.Errorf("refused a response_url on host %q: not one of Slack's (%s)", u.Host, strings.Join(b.responseHosts, ", "))
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
