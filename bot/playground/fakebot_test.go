package playground

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/bot/slackemu"
)

// fakeBot is a small Slack app for the playground's tests: it answers
// slash commands and interactions through the emulator as prodready does
// (response_url, views.open, chat.postMessage, chat.update, views.publish),
// so the page is tested without the real bot.
type fakeBot struct {
	t          testing.TB
	emu        *slackemu.Server
	api        *slack.Client
	exemptions string // channel id
	mu         sync.Mutex
	got        []string // what reached the bot, for assertions
}

func newFakeBot(t testing.TB, emu *slackemu.Server, exemptions string) (*fakeBot, *httptest.Server) {
	b := &fakeBot{t: t, emu: emu, api: slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL())), exemptions: exemptions}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+slackapp.CommandPath, b.command)
	mux.HandleFunc("POST "+slackapp.InteractionPath, b.interaction)
	mux.HandleFunc("POST "+slackapp.EventsPath, b.event)
	srv := httptest.NewServer(b.verify(mux))
	t.Cleanup(srv.Close)
	return b, srv
}

func (b *fakeBot) record(s string) {
	b.mu.Lock()
	b.got = append(b.got, s)
	b.mu.Unlock()
}

func (b *fakeBot) received() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.got...)
}

// verify refuses a request without Slack's signature, as a real app does.
func (b *fakeBot) verify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := slack.NewSecretsVerifier(r.Header, b.emu.SigningSecret())
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		v.Write(body)
		if err := v.Ensure(); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		next.ServeHTTP(w, r)
	})
}

// slackEscape escapes text for mrkdwn, as a Slack app must.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func text(t, s string) *slack.TextBlockObject { return slack.NewTextBlockObject(t, s, false, false) }

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (b *fakeBot) command(w http.ResponseWriter, r *http.Request) {
	c, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.record("command " + c.Text + " by " + c.UserID + " in " + c.ChannelID)
	svc := strings.TrimSpace(c.Text)
	if svc == "" || svc == "help" || strings.Contains(svc, " ") {
		reply(w, slack.Msg{ResponseType: "ephemeral", Text: "*Usage:* `/prodready <service>` — the bot's help"})
		return
	}
	if svc == "vanish" {
		// Deletes an answer it never gave: Slack shows nothing.
		_ = slack.PostWebhookContext(r.Context(), c.ResponseURL, &slack.WebhookMessage{DeleteOriginal: true})
		w.WriteHeader(http.StatusOK)
		return
	}
	if svc == "later" {
		// Answers through the response_url, as a slow lookup does.
		w.WriteHeader(http.StatusOK)
		go func() {
			_ = slack.PostWebhookContext(context.Background(), c.ResponseURL, &slack.WebhookMessage{ResponseType: "in_channel", Text: "Later answer for *later*"})
		}()
		return
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(text(slack.MarkdownType, "Answer for *"+svc+"* :white_check_mark:"), nil,
			slack.NewAccessory(slack.NewOverflowBlockElement("more", slack.NewOptionBlockObject("snooze-7", text(slack.PlainTextType, "Snooze a week"), nil)))),
		slack.NewActionBlock("answer_actions",
			slack.NewButtonBlockElement("all_rules", svc, text(slack.PlainTextType, "Show all rules")),
			slack.NewButtonBlockElement("exempt_request", svc, text(slack.PlainTextType, "Request exemption")),
			slack.NewDatePickerBlockElement("until"),
			slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, text(slack.PlainTextType, "Level"), "level",
				slack.NewOptionBlockObject("gold", text(slack.PlainTextType, "Gold"), nil)),
			slack.NewCheckboxGroupsBlockElement("checks",
				slack.NewOptionBlockObject("a", text(slack.PlainTextType, "Alpha"), nil),
				slack.NewOptionBlockObject("b", text(slack.PlainTextType, "Beta"), nil)),
		),
	}
	reply(w, map[string]any{"response_type": "ephemeral", "text": "Answer for " + svc, "blocks": blocks})
}

func (b *fakeBot) interaction(w http.ResponseWriter, r *http.Request) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(r.FormValue("payload")), &cb); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		a := cb.ActionCallback.BlockActions[0]
		b.record(fmt.Sprintf("action %s by %s in %s container %s", a.ActionID, cb.User.ID, cb.Channel.ID, cb.Container.Type))
		switch a.ActionID {
		case "all_rules":
			_ = slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: "All rules of *" + a.Value + "*", Blocks: &slack.Blocks{BlockSet: []slack.Block{
				slack.NewSectionBlock(text(slack.MarkdownType, "All rules of *"+a.Value+"*"), nil, slack.NewAccessory(slack.NewButtonBlockElement("dismiss", "", text(slack.PlainTextType, "Dismiss")))),
			}}})
		case "dismiss":
			_ = slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{DeleteOriginal: true})
		case "more":
			_ = slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: "Snoozed: " + a.SelectedOption.Value})
		case "level":
			_ = slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: "Level: " + a.SelectedOption.Value + " (" + a.SelectedOption.Text.Text + ")"})
		case "checks":
			var vals []string
			for _, o := range a.SelectedOptions {
				vals = append(vals, o.Value+"="+o.Text.Text)
			}
			_ = slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: "Checked: " + strings.Join(vals, ",")})
		case "until":
			_ = slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: "Date chosen: " + a.SelectedDate, ReplaceOriginal: true})
		case "exempt_request":
			modal := slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "exempt", PrivateMetadata: a.Value,
				Title: text(slack.PlainTextType, "Request exemption"), Submit: text(slack.PlainTextType, "Request"), Close: text(slack.PlainTextType, "Cancel"),
				Blocks: slack.Blocks{BlockSet: []slack.Block{
					slack.NewInputBlock("reason", text(slack.PlainTextType, "Why"), nil, slack.NewPlainTextInputBlockElement(text(slack.PlainTextType, "Because…"), "reason")),
					slack.NewInputBlock("until", text(slack.PlainTextType, "Until"), nil, slack.NewDatePickerBlockElement("until")),
				}}}
			if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, modal); err != nil {
				b.t.Errorf("fake bot: views.open: %v", err)
			}
		case "approve":
			_, _, _, err := b.api.UpdateMessageContext(ctx, cb.Channel.ID, cb.Message.Timestamp, slack.MsgOptionText("Approved by <@"+cb.User.ID+">", false))
			if err != nil {
				b.t.Errorf("fake bot: chat.update: %v", err)
			}
		case "home_button":
			_, _, _ = b.api.PostMessageContext(ctx, cb.User.ID, slack.MsgOptionText("You clicked the Home tab's button", false))
		}
	case slack.InteractionTypeViewSubmission:
		vals := cb.View.State.Values
		reason := vals["reason"]["reason"].Value
		until := vals["until"]["until"].SelectedDate
		b.record("submit " + cb.View.CallbackID + " by " + cb.User.ID + ": " + reason + " until " + until)
		if strings.TrimSpace(reason) == "" {
			reply(w, slack.NewErrorsViewSubmissionResponse(map[string]string{"reason": "Say why"}))
			return
		}
		_, _, err := b.api.PostMessageContext(ctx, b.exemptions,
			slack.MsgOptionText("exemption requested", false),
			slack.MsgOptionBlocks(
				slack.NewSectionBlock(text(slack.MarkdownType, "<@"+cb.User.ID+"> asks to exempt *"+cb.View.PrivateMetadata+"* until "+until+": "+slackEscape(reason)), nil, nil),
				slack.NewActionBlock("decide", slack.NewButtonBlockElement("approve", cb.View.PrivateMetadata, text(slack.PlainTextType, "Approve")).WithStyle(slack.StylePrimary)),
			))
		if err != nil {
			b.t.Errorf("fake bot: chat.postMessage: %v", err)
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (b *fakeBot) event(w http.ResponseWriter, r *http.Request) {
	var e struct {
		Event struct {
			Type string `json:"type"`
			User string `json:"user"`
		} `json:"event"`
	}
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.record("event " + e.Event.Type + " by " + e.Event.User)
	if e.Event.Type == "app_home_opened" {
		home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewHeaderBlock(text(slack.PlainTextType, "Your services")),
			slack.NewSectionBlock(text(slack.MarkdownType, "Home of <@"+e.Event.User+">"), nil,
				slack.NewAccessory(slack.NewButtonBlockElement("home_button", "x", text(slack.PlainTextType, "Say hi")))),
		}}}
		if _, err := b.api.PublishViewContext(r.Context(), slack.PublishViewContextRequest{UserID: e.Event.User, View: home}); err != nil {
			b.t.Errorf("fake bot: views.publish: %v", err)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// fakeControls posts what the real jobs would, and counts the weeks.
type fakeControls struct {
	api     *slack.Client
	channel string
	mu      sync.Mutex
	now     time.Time
}

func (c *fakeControls) RunWeeklyDigest(ctx context.Context) error {
	c.mu.Lock()
	now := c.now
	c.mu.Unlock()
	_, _, err := c.api.PostMessageContext(ctx, c.channel, slack.MsgOptionText("Weekly digest for "+now.Format("2 Jan 2006"), false))
	return err
}

func (c *fakeControls) RunTeamNotices(ctx context.Context) error {
	return fmt.Errorf("no team has a channel")
}

func (c *fakeControls) AdvanceWeek(ctx context.Context) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.AddDate(0, 0, 7)
	return c.now, nil
}

// workspace is a playground in front of the fake bot.
type workspace struct {
	emu                 *slackemu.Server
	bot                 *fakeBot
	pg                  *Playground
	url                 string
	alice, bob          User
	reports, exemptions string
}

func newWorkspace(t testing.TB) *workspace {
	emu := slackemu.New(t)
	w := &workspace{emu: emu}
	w.reports = emu.AddChannel("prodready-reports")
	w.exemptions = emu.AddChannel("prodready-exemptions")
	a, b := emu.AddUser("alice@example.com"), emu.AddUser("bob@example.com")
	w.alice = User{ID: a.ID, Name: "alice", Role: "engineer"}
	w.bob = User{ID: b.ID, Name: "bob", Role: "approver"}
	bot, botSrv := newFakeBot(t, emu, w.exemptions)
	w.bot = bot
	ctl := &fakeControls{api: slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL())), channel: w.reports,
		now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	w.pg = New(Config{Emulator: emu, BotURL: botSrv.URL, SigningSecret: emu.SigningSecret(),
		Users:    []User{w.alice, w.bob},
		Channels: []Channel{{ID: w.reports, Name: "prodready-reports", Purpose: "weekly digest"}, {ID: w.exemptions, Name: "prodready-exemptions", Purpose: "exemption requests"}},
		Controls: ctl})
	h, err := w.pg.Handler(true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}
