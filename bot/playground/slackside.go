package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
)

// command sends what the user typed as Slack sends a slash command, and
// shows the reply as Slack's client does.
func (p *Playground) command(ctx context.Context, userID, channel, text string) error {
	u, ok := p.user(userID)
	if !ok {
		return fmt.Errorf("no user %q in this workspace", userID)
	}
	chName := p.channelName(channel)
	p.mu.Lock()
	p.st.lastUser = userID
	p.mu.Unlock()
	req, _, responseURL, err := p.cfg.Emulator.CommandRequest(ctx, p.bot.commands, slackemu.SlashCommand{
		Command: p.cfg.Command, Text: text, UserID: u.ID, UserName: u.Name, ChannelID: channel, ChannelName: chName})
	if err != nil {
		return err
	}
	p.mu.Lock()
	t := &tracked{url: responseURL, channel: channel, user: userID, echo: strings.TrimSpace(p.cfg.Command + " " + text)}
	p.st.tracked = append(p.st.tracked, t)
	p.mu.Unlock()
	reply, err := p.cfg.Emulator.Do(req, responseURL)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil:
		p.log.Warn("playground: the bot did not answer a slash command", "err", err)
		p.slackbotLocked(channel, userID, fmt.Sprintf("%s failed with the error \"operation_timeout\"", p.cfg.Command))
	case reply.Status != http.StatusOK:
		p.slackbotLocked(channel, userID, fmt.Sprintf("%s failed with the error \"http_service_error\"", p.cfg.Command))
	case reply.Message != nil && (reply.Message.Text != "" || hasBlocks(reply.Message.Blocks)):
		p.applyLocked(t, slackemu.ResponsePost{ReplyMessage: *reply.Message})
	case len(bytes.TrimSpace(reply.Body)) > 0 && reply.Message == nil:
		// Slack shows a body that is not JSON as the answer's text.
		it := &item{channel: channel, user: userID, author: "prodready", app: true, text: string(reply.Body)}
		p.addLocked(it)
		t.last = it.id()
	}
	p.syncLocked()
	return nil
}

func hasBlocks(b json.RawMessage) bool {
	s := strings.TrimSpace(string(b))
	return s != "" && s != "null" && s != "[]"
}

// slackbotLocked adds Slackbot's ephemeral note, as Slack shows a
// command's failure.
func (p *Playground) slackbotLocked(channel, userID, text string) {
	p.addLocked(&item{channel: channel, user: userID, author: "Slackbot", app: false, text: text})
}

func (p *Playground) channelName(id string) string {
	if c, ok := p.channel(id); ok {
		return c.Name
	}
	if strings.HasPrefix(id, "D") {
		return "directmessage"
	}
	return id
}

// action is a click or a choice on the page.
type action struct {
	User     string `json:"as"`
	Channel  string `json:"channel"` // where the message is; "" in a view
	Message  string `json:"msg"`     // the message's id on the page
	View     string `json:"view"`    // the view's id, in a modal or the Home tab
	Type     string `json:"type"`
	ActionID string `json:"action_id"`
	BlockID  string `json:"block_id"`
	Value    string `json:"value"`
	Text     string `json:"text"` // the chosen option's text
	Date     string `json:"selected_date"`
	Time     string `json:"selected_time"`
	// Selected are the options chosen in checkboxes or a multi-select.
	Selected []choice `json:"selected"`
}

type choice struct {
	Value string `json:"value"`
	Text  string `json:"text"`
}

// interact posts a block_actions payload for a as Slack does, with the
// message or view it came from.
func (p *Playground) interact(ctx context.Context, a action) error {
	u, ok := p.user(a.User)
	if !ok {
		return fmt.Errorf("no user %q in this workspace", a.User)
	}
	if a.Channel == convDM || a.Channel == convHome {
		a.Channel, _ = p.cfg.Emulator.IM(a.User)
	}
	p.mu.Lock()
	p.syncLocked()
	p.st.lastUser = a.User
	var msg shown
	var found bool
	if a.Message != "" {
		msg, found = p.messageLocked(a.Channel, a.Message, a.User)
		if !found {
			p.mu.Unlock()
			return fmt.Errorf("message %q is no longer in the channel", a.Message)
		}
	}
	var view json.RawMessage
	var viewType string
	if a.View != "" {
		if m, ok := p.st.modals[a.View]; ok {
			view, viewType = m.raw, "modal"
		} else if h, ok := p.cfg.Emulator.Home(a.User); ok && h.ID == a.View {
			view, viewType = h.JSON, "home"
		} else {
			p.mu.Unlock()
			return fmt.Errorf("view %q is not open", a.View)
		}
	}
	p.mu.Unlock()

	req, responseURL, err := p.cfg.Emulator.InteractionRequest(ctx, p.bot.interactions, slackemu.Interaction{
		UserID: u.ID, ChannelID: a.Channel, ActionID: a.ActionID, BlockID: a.BlockID, Value: a.Value, MessageTS: msg.ts})
	if err != nil {
		return err
	}
	payload, err := readPayload(req)
	if err != nil {
		return err
	}
	payload["user"] = map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": p.cfg.Emulator.TeamID()}
	act := map[string]any{"type": a.Type, "action_id": a.ActionID, "block_id": a.BlockID,
		"action_ts": strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', 6, 64)}
	switch a.Type {
	case "button":
		act["value"] = a.Value
		act["text"] = map[string]any{"type": "plain_text", "text": a.Text, "emoji": true}
	case "overflow", "static_select", "radio_buttons":
		act["selected_option"] = option(a.Value, a.Text)
	case "datepicker":
		act["selected_date"] = a.Date
	case "timepicker":
		act["selected_time"] = a.Time
	case "checkboxes", "multi_static_select":
		opts := []any{}
		for _, c := range a.Selected {
			opts = append(opts, option(c.Value, c.Text))
		}
		act["selected_options"] = opts
	default:
		act["value"] = a.Value
	}
	payload["actions"] = []any{act}
	payload["state"] = map[string]any{"values": map[string]any{}}
	switch {
	case view != nil:
		var v map[string]any
		_ = json.Unmarshal(view, &v)
		if v == nil {
			v = map[string]any{}
		}
		v["id"], v["type"], v["team_id"] = a.View, viewType, p.cfg.Emulator.TeamID()
		v["state"] = map[string]any{"values": map[string]any{}}
		payload["view"] = v
		payload["container"] = map[string]any{"type": "view", "view_id": a.View}
		// Slack gives no response_url for a click in a view.
		delete(payload, "channel")
		delete(payload, "message")
		delete(payload, "response_url")
	default:
		payload["channel"] = map[string]any{"id": a.Channel, "name": p.channelName(a.Channel)}
		payload["container"] = map[string]any{"type": "message", "message_ts": msg.ts, "channel_id": a.Channel, "is_ephemeral": msg.ephemeral}
		if !msg.ephemeral && msg.ts != "" {
			m := map[string]any{"type": "message", "ts": msg.ts, "text": msg.text, "bot_id": "B0EMU", "user": "U0BOT"}
			if hasBlocks(msg.blocks) {
				m["blocks"] = msg.blocks
			}
			payload["message"] = m
		} else {
			delete(payload, "message")
		}
	}
	p.mu.Lock()
	p.st.tracked = append(p.st.tracked, &tracked{url: responseURL, channel: a.Channel, user: a.User, origin: msg.id})
	p.mu.Unlock()
	reply, err := p.send(ctx, req, payload, responseURL)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil:
		p.noteLocked(a.User, "prodready did not answer the click: "+err.Error(), true)
	case reply.Status != http.StatusOK:
		p.noteLocked(a.User, fmt.Sprintf("prodready answered the click with HTTP %d", reply.Status), true)
	}
	p.syncLocked()
	return nil
}

func option(value, text string) map[string]any {
	return map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": text, "emoji": true}}
}

// readPayload reads the payload of a request InteractionRequest built.
func readPayload(req *http.Request) (map[string]any, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the interaction: %w", err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("the interaction's form: %w", err)
	}
	var payload map[string]any
	if err := json.Unmarshal([]byte(form.Get("payload")), &payload); err != nil {
		return nil, fmt.Errorf("the interaction's payload: %w", err)
	}
	return payload, nil
}

// send re-signs req with payload as its body, as Slack would have signed
// it, and sends it.
func (p *Playground) send(ctx context.Context, orig *http.Request, payload map[string]any, responseURL string) (*slackemu.Reply, error) {
	js, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("interaction payload: %w", err)
	}
	body := []byte("payload=" + url.QueryEscape(string(js)))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, orig.URL.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = orig.Header.Clone()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackemu.Sign(p.cfg.Emulator.SigningSecret(), ts, body))
	return p.cfg.Emulator.Do(req, responseURL)
}

// submission is a modal's Submit: its values as Slack's view state.
type submission struct {
	User   string                               `json:"as"`
	View   string                               `json:"view"`
	Values map[string]map[string]map[string]any `json:"values"`
}

// submit posts a view_submission; the bot's answer may carry errors to
// show in the modal, a view to show instead, or nothing (the modal closes).
func (p *Playground) submit(ctx context.Context, s submission) error {
	u, ok := p.user(s.User)
	if !ok {
		return fmt.Errorf("no user %q in this workspace", s.User)
	}
	p.mu.Lock()
	p.syncLocked()
	m, ok := p.st.modals[s.View]
	if !ok || m.closed || m.user != s.User {
		p.mu.Unlock()
		return fmt.Errorf("modal %q is not open for %s", s.View, u.Name)
	}
	raw := m.raw
	p.st.lastUser = s.User
	p.mu.Unlock()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return fmt.Errorf("modal %q: the app's view is not a JSON object", s.View)
	}
	req, _, err := p.cfg.Emulator.InteractionRequest(ctx, p.bot.interactions, slackemu.Interaction{
		Type: "view_submission", UserID: u.ID, ViewID: s.View})
	if err != nil {
		return err
	}
	payload, err := readPayload(req)
	if err != nil {
		return err
	}
	values := map[string]any{}
	for b, acts := range s.Values {
		values[b] = acts
	}
	v["id"], v["team_id"], v["app_id"] = s.View, p.cfg.Emulator.TeamID(), "A0EMU"
	v["state"] = map[string]any{"values": values}
	payload["view"] = v
	payload["user"] = map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": p.cfg.Emulator.TeamID()}
	reply, err := p.send(ctx, req, payload, "")
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.noteLocked(s.User, "prodready did not answer the submission: "+err.Error(), true)
		return nil
	}
	if reply.Status != http.StatusOK {
		p.noteLocked(s.User, fmt.Sprintf("prodready answered the submission with HTTP %d", reply.Status), true)
		return nil
	}
	var ans struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if len(bytes.TrimSpace(reply.Body)) > 0 {
		_ = json.Unmarshal(reply.Body, &ans)
	}
	switch ans.ResponseAction {
	case "errors":
		m.errs = ans.Errors
	case "update", "push":
		m.raw, m.errs = ans.View, nil
	default:
		m.closed = true
	}
	p.syncLocked()
	return nil
}

// closeModal closes a modal as its Close button does.
func (p *Playground) closeModal(userID, viewID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.st.modals[viewID]; ok && m.user == userID {
		m.closed = true
	}
}

// openHome sends app_home_opened, as Slack does when the user opens the
// App Home; the bot publishes the Home tab.
func (p *Playground) openHome(ctx context.Context, userID string) error {
	if _, ok := p.user(userID); !ok {
		return fmt.Errorf("no user %q in this workspace", userID)
	}
	reply, err := p.cfg.Emulator.SendAppHomeOpened(ctx, p.bot.events, userID)
	if err != nil {
		return fmt.Errorf("the bot did not take the app_home_opened event: %w", err)
	}
	if reply.Status != http.StatusOK {
		return fmt.Errorf("the bot answered the app_home_opened event with HTTP %d", reply.Status)
	}
	return nil
}

// noteLocked queues a notice for the user's page.
func (p *Playground) noteLocked(userID, text string, bad bool) {
	p.st.notes[userID] = append(p.st.notes[userID], notice{text: text, bad: bad})
}
