package slackemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Interaction is what a user did in a message, modal or App Home: a click
// (block_actions) or a modal's submission (view_submission). Empty fields
// get defaults as SlashCommand's: user U0EMUSER, channel C0EMUCHAN, now.
type Interaction struct {
	Type      string // "block_actions" (default) or "view_submission"
	UserID    string
	ChannelID string
	// block_actions: the element clicked.
	ActionID, BlockID, Value string
	// MessageTS is the message the button was in, when in one.
	MessageTS string
	// view_submission: the modal's callback_id, private_metadata and its
	// state: block_id -> action_id -> value (selected_option's value for
	// a select, selected_date for a datepicker, value for a text input).
	CallbackID, PrivateMetadata string
	State                       map[string]map[string]StateValue
	ViewID                      string
	// Timestamp signs the request; set it in the past to send a stale one.
	Timestamp time.Time
}

// StateValue is one input's value in a view's state.
type StateValue struct {
	Type           string `json:"type"`
	Value          string `json:"value,omitempty"`
	SelectedDate   string `json:"selected_date,omitempty"`
	SelectedOption *struct {
		Value string `json:"value"`
	} `json:"selected_option,omitempty"`
}

// TextValue, DateValue and OptionValue build state values as Slack sends them.
func TextValue(v string) StateValue { return StateValue{Type: "plain_text_input", Value: v} }

// DateValue is a datepicker's state.
func DateValue(d string) StateValue { return StateValue{Type: "datepicker", SelectedDate: d} }

// OptionValue is a static_select's state.
func OptionValue(v string) StateValue {
	o := StateValue{Type: "static_select"}
	o.SelectedOption = &struct {
		Value string `json:"value"`
	}{v}
	return o
}

func (i Interaction) withDefaults() Interaction {
	if i.Type == "" {
		i.Type = "block_actions"
	}
	if i.UserID == "" {
		i.UserID = "U0EMUSER"
	}
	if i.ChannelID == "" && i.Type == "block_actions" {
		i.ChannelID = "C0EMUCHAN"
	}
	if i.Timestamp.IsZero() {
		i.Timestamp = time.Now()
	}
	return i
}

// payload is the JSON Slack sends for the interaction; block_actions get a
// response_url (registered here, as a command's) and every kind a trigger_id.
func (s *Server) interactionPayload(i Interaction) (payload map[string]any, responseURL string) {
	responseURL, trigger := s.newCommand()
	p := map[string]any{
		"type":       i.Type,
		"team":       map[string]any{"id": s.opts.TeamID, "domain": "emulated"},
		"user":       map[string]any{"id": i.UserID, "username": i.UserID, "team_id": s.opts.TeamID},
		"api_app_id": s.opts.AppID,
		"token":      "emu-verification-token",
		"trigger_id": trigger,
	}
	switch i.Type {
	case "view_submission":
		responseURL = ""
		state := map[string]any{"values": i.State}
		if i.State == nil {
			state["values"] = map[string]any{}
		}
		p["view"] = map[string]any{"id": i.ViewID, "type": "modal", "callback_id": i.CallbackID,
			"private_metadata": i.PrivateMetadata, "state": state, "team_id": s.opts.TeamID, "app_id": s.opts.AppID}
		p["response_urls"] = []any{}
	default:
		p["container"] = map[string]any{"type": "message", "message_ts": i.MessageTS, "channel_id": i.ChannelID, "is_ephemeral": false}
		p["channel"] = map[string]any{"id": i.ChannelID, "name": "emu-channel"}
		if i.MessageTS != "" {
			p["message"] = map[string]any{"type": "message", "ts": i.MessageTS}
		}
		p["response_url"] = responseURL
		p["actions"] = []any{map[string]any{"type": "button", "action_id": i.ActionID, "block_id": i.BlockID,
			"value": i.Value, "action_ts": strconv.FormatInt(time.Now().Unix(), 10) + ".000100"}}
	}
	return p, responseURL
}

// InteractionRequest builds the signed request Slack would send for i to
// the app's interactivity request URL (a form with one field, payload),
// without sending it, so tests can tamper with or replay it.
func (s *Server) InteractionRequest(ctx context.Context, requestURL string, i Interaction) (req *http.Request, responseURL string, err error) {
	i = i.withDefaults()
	p, responseURL := s.interactionPayload(i)
	js, err := json.Marshal(p)
	if err != nil {
		return nil, "", fmt.Errorf("interaction payload: %w", err)
	}
	body := []byte("payload=" + url.QueryEscape(string(js)))
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, requestURL, bytes.NewReader(body))
	if err != nil {
		return nil, "", fmt.Errorf("interaction request to %q: %w", requestURL, err)
	}
	ts := strconv.FormatInt(i.Timestamp.Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, ts, body))
	return req, responseURL, nil
}

// SendInteraction posts i to the app's interactivity URL, as Slack does,
// and returns the reply (for view_submission, the body may carry a
// response_action). Posts to the response_url are in Responses.
func (s *Server) SendInteraction(ctx context.Context, requestURL string, i Interaction) (*Reply, error) {
	req, responseURL, err := s.InteractionRequest(ctx, requestURL, i)
	if err != nil {
		return nil, err
	}
	return s.Do(req, responseURL)
}

// SendInteractionSocket delivers i over Socket Mode as an "interactive"
// envelope and returns the ack (its payload as the Body).
func (s *Server) SendInteractionSocket(ctx context.Context, i Interaction) (*Reply, error) {
	i = i.withDefaults()
	p, responseURL := s.interactionPayload(i)
	return s.sendEnvelope(ctx, "interactive", p, responseURL)
}
