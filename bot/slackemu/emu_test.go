package slackemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/prodready/prodready/bot/slackemu"
)

func client(emu *slackemu.Server, token string) *slack.Client {
	return slack.New(token, slack.OptionAPIURL(emu.URL()))
}

func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestSignMatchesSlackDocumentedExample(t *testing.T) {
	// The example of Slack's "Verifying requests from Slack".
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	got := slackemu.Sign("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", []byte(body))
	if want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestAuthAndScopes(t *testing.T) {
	emu := slackemu.New(t)
	emu.AddChannel("general")
	emu.AddToken("xoxb-readonly", "users:read")
	emu.AddToken("xoxb-revoked", slackemu.BotScopes...)
	emu.RevokeToken("xoxb-revoked")
	cases := []struct {
		name, token, want string
	}{
		{"no token", "", "not_authed"},
		{"unknown token", "xoxb-nope", "invalid_auth"},
		{"revoked token", "xoxb-revoked", "token_revoked"},
		{"missing scope", "xoxb-readonly", "missing_scope"},
		{"app token on a bot method", emu.AppToken(), "not_allowed_token_type"},
		{"good token", emu.BotToken(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := client(emu, c.token).PostMessage("general", slack.MsgOptionText("hi", false))
			if got := slackErr(err); got != c.want {
				t.Fatalf("error = %q, want %q", got, c.want)
			}
		})
	}
	calls := emu.CallsTo("chat.postMessage")
	if len(calls) != len(cases) {
		t.Fatalf("recorded %d calls, want %d", len(calls), len(cases))
	}
	if calls[3].Error != "missing_scope" || calls[3].Params["channel"] != "general" {
		t.Fatalf("call 4 recorded as %+v", calls[3])
	}
	if n := len(emu.Messages("general")); n != 1 {
		t.Fatalf("general holds %d messages, want 1", n)
	}
}

func TestMissingScopeSaysWhichScope(t *testing.T) {
	emu := slackemu.New(t)
	emu.AddToken("xoxb-chat", "chat:write")
	resp, err := http.PostForm(emu.URL()+"users.lookupByEmail", map[string][]string{"token": {"xoxb-chat"}, "email": {"a@b.c"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body["ok"] != false || body["error"] != "missing_scope" || body["needed"] != "users:read.email" || body["provided"] != "chat:write" {
		t.Fatalf("answer %d %v", resp.StatusCode, body)
	}
}

func TestPostMessageChannels(t *testing.T) {
	emu := slackemu.New(t)
	gen := emu.AddChannel("#general")
	emu.AddChannel("outside", slackemu.NotMember())
	emu.AddChannel("old", slackemu.Archived())
	alice := emu.AddUser("alice@example.com")
	api := client(emu, emu.BotToken())
	cases := []struct{ channel, want string }{
		{gen, ""}, {"#general", ""}, {"general", ""}, {alice.ID, ""},
		{"nowhere", "channel_not_found"}, {"", "channel_not_found"},
		{"outside", "not_in_channel"}, {"old", "is_archived"},
	}
	for _, c := range cases {
		_, _, err := api.PostMessage(c.channel, slack.MsgOptionText("hello "+c.channel, false))
		if got := slackErr(err); got != c.want {
			t.Errorf("post to %q: error %q, want %q", c.channel, got, c.want)
		}
	}
	if got := emu.Messages("general"); len(got) != 3 || got[0].Channel != gen || got[0].Text != "hello "+gen {
		t.Fatalf("general = %+v", got)
	}
	dm := emu.Messages(alice.ID)
	im, _ := emu.IM(alice.ID)
	if len(dm) != 1 || dm[0].Channel != im || !strings.HasPrefix(im, "D") {
		t.Fatalf("DM = %+v (im %q)", dm, im)
	}
	if _, _, err := api.PostMessage(gen); slackErr(err) != "no_text" {
		t.Fatalf("empty message: %v", err)
	}
}

func section(n int) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", strings.Repeat("x", n), false, false), nil, nil)
}

func TestBlockKitLimits(t *testing.T) {
	emu := slackemu.New(t)
	emu.AddChannel("general")
	api := client(emu, emu.BotToken())
	fields := func(n int) []*slack.TextBlockObject {
		var out []*slack.TextBlockObject
		for i := 0; i < n; i++ {
			out = append(out, slack.NewTextBlockObject("mrkdwn", "f", false, false))
		}
		return out
	}
	many := func(n int) []slack.Block {
		var out []slack.Block
		for i := 0; i < n; i++ {
			out = append(out, section(10))
		}
		return out
	}
	cases := []struct {
		name   string
		blocks []slack.Block
		text   string
		want   string
	}{
		{"50 blocks", many(50), "fallback", ""},
		{"51 blocks", many(51), "fallback", "invalid_blocks"},
		{"section text 3000", []slack.Block{section(3000)}, "f", ""},
		{"section text 3001", []slack.Block{section(3001)}, "f", "invalid_blocks"},
		{"header 150", []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 150), false, false))}, "f", ""},
		{"header 151", []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 151), false, false))}, "f", "invalid_blocks"},
		{"header in mrkdwn", []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject("mrkdwn", "h", false, false))}, "f", "invalid_blocks"},
		{"10 fields", []slack.Block{slack.NewSectionBlock(nil, fields(10), nil)}, "f", ""},
		{"11 fields", []slack.Block{slack.NewSectionBlock(nil, fields(11), nil)}, "f", "invalid_blocks"},
		{"text 40000", nil, strings.Repeat("t", 40000), ""},
		{"text 40001", nil, strings.Repeat("t", 40001), "msg_too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := []slack.MsgOption{slack.MsgOptionText(c.text, false)}
			if c.blocks != nil {
				opts = append(opts, slack.MsgOptionBlocks(c.blocks...))
			}
			_, _, err := api.PostMessage("general", opts...)
			if got := slackErr(err); got != c.want {
				t.Fatalf("error %q, want %q", got, c.want)
			}
			if c.blocks != nil {
				raw, _ := json.Marshal(c.blocks)
				if verr := slackemu.ValidateBlocks(raw); (verr == nil) != (c.want == "") {
					t.Fatalf("ValidateBlocks = %v, want failure %v", verr, c.want != "")
				}
			}
		})
	}
	last := emu.CallsTo("chat.postMessage")
	if len(last) == 0 {
		t.Fatal("no calls recorded")
	}
	if err := slackemu.ValidateBlocks(json.RawMessage(`{"not":"an array"}`)); err == nil || !strings.Contains(err.Error(), "invalid_blocks_format") {
		t.Fatalf("object as blocks: %v", err)
	}
}

func TestInvalidBlocksNamesThePointer(t *testing.T) {
	emu := slackemu.New(t)
	emu.AddChannel("general")
	resp, err := http.PostForm(emu.URL()+"chat.postMessage", map[string][]string{
		"token": {emu.BotToken()}, "channel": {"general"}, "text": {"f"},
		"blocks": {`[{"type":"section","text":{"type":"mrkdwn","text":"ok"}},{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}]`},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK     bool     `json:"ok"`
		Error  string   `json:"error"`
		Errors []string `json:"errors"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if body.OK || body.Error != "invalid_blocks" || len(body.Errors) != 1 || !strings.Contains(body.Errors[0], "/blocks/1/text") {
		t.Fatalf("answer %+v", body)
	}
}

func TestUsersAndConversations(t *testing.T) {
	emu := slackemu.New(t)
	alice := emu.AddUser("Alice@Example.com")
	api := client(emu, emu.BotToken())
	u, err := api.GetUserByEmail("alice@example.com")
	if err != nil || u.ID != alice.ID || u.Profile.Email != "Alice@Example.com" {
		t.Fatalf("lookupByEmail = %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmail("bob@example.com"); slackErr(err) != "users_not_found" {
		t.Fatalf("unknown email: %v", err)
	}
	if _, err := api.GetUserInfo("U404"); slackErr(err) != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}
	ch, noop, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{alice.ID}})
	if err != nil || !strings.HasPrefix(ch.ID, "D") || noop || already {
		t.Fatalf("open = %+v %v %v %v", ch, noop, already, err)
	}
	again, _, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{alice.ID}})
	if err != nil || again.ID != ch.ID || !already {
		t.Fatalf("reopen = %+v %v %v", again, already, err)
	}
	if _, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U404"}}); slackErr(err) != "user_not_found" {
		t.Fatalf("open unknown user: %v", err)
	}
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	if m := emu.Messages(alice.ID); len(m) != 1 || m[0].Text != "psst" {
		t.Fatalf("DM = %+v", m)
	}
	noScope := slackemu.New(t)
	noScope.AddToken("xoxb-x", "chat:write")
	if _, _, _, err := client(noScope, "xoxb-x").OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}}); slackErr(err) != "missing_scope" {
		t.Fatalf("open without im:write: %v", err)
	}
}

func TestUploadFileAsSlackGoDoes(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("reports")
	api := client(emu, emu.BotToken())
	content := "service,level\npayments-api,Silver\n"
	f, err := api.UploadFile(slack.UploadFileParameters{
		Filename: "report.csv", FileSize: len(content), Content: content,
		Title: "Weekly report", Channel: ch, InitialComment: "This week",
	})
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	files := emu.Files()
	if len(files) != 1 || files[0].ID != f.ID || string(files[0].Content) != content || !files[0].Complete || files[0].Title != "Weekly report" || files[0].Channels[0] != ch {
		t.Fatalf("files = %+v", files)
	}
	msgs := emu.Messages("reports")
	if len(msgs) != 1 || msgs[0].Text != "This week" || len(msgs[0].Files) != 1 || msgs[0].Files[0] != f.ID {
		t.Fatalf("messages = %+v", msgs)
	}
	_, err = api.UploadFile(slack.UploadFileParameters{Filename: "x", FileSize: 1, Content: "x", Channel: "nowhere"})
	if !strings.Contains(fmt.Sprint(err), "channel_not_found") {
		t.Fatalf("upload to unknown channel: %v", err)
	}
	if _, err := api.CompleteUploadExternalContext(context.Background(), slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: "F404"}}}); slackErr(err) != "file_not_found" {
		t.Fatalf("complete unknown file: %v", err)
	}
}

func TestRateLimits(t *testing.T) {
	emu := slackemu.New(t)
	emu.AddChannel("a")
	emu.AddChannel("b")
	api := client(emu, emu.BotToken())
	emu.RateLimitChannel("chat.postMessage", "a", 1, time.Minute)
	if _, _, err := api.PostMessage("a", slack.MsgOptionText("1", false)); err != nil {
		t.Fatal(err)
	}
	_, _, err := api.PostMessage("a", slack.MsgOptionText("2", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter < 59*time.Second || rl.RetryAfter > time.Minute {
		t.Fatalf("second post to a: %v", err)
	}
	if _, _, err := api.PostMessage("b", slack.MsgOptionText("1", false)); err != nil {
		t.Fatalf("channel b is not limited: %v", err)
	}
	emu.RateLimit("users.lookupByEmail", 0, 2*time.Second)
	_, err = api.GetUserByEmail("x@y.z")
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("method limit: %v", err)
	}
	calls := emu.CallsTo("chat.postMessage")
	if calls[1].Status != http.StatusTooManyRequests || calls[1].Error != "ratelimited" {
		t.Fatalf("limited call recorded as %+v", calls[1])
	}
	emu.ClearRateLimits()
	if _, _, err := api.PostMessage("a", slack.MsgOptionText("3", false)); err != nil {
		t.Fatal(err)
	}
}

func TestFaultsAndSlowAnswers(t *testing.T) {
	emu := slackemu.New(t)
	emu.AddChannel("a")
	api := client(emu, emu.BotToken())
	emu.FailNext("chat.postMessage", http.StatusServiceUnavailable)
	_, _, err := api.PostMessage("a", slack.MsgOptionText("1", false))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != 503 {
		t.Fatalf("first post: %v", err)
	}
	if _, _, err := api.PostMessage("a", slack.MsgOptionText("2", false)); err != nil {
		t.Fatalf("the fault is one-shot: %v", err)
	}
	emu.FailNextWith("*", "fatal_error")
	if _, err := api.AuthTest(); slackErr(err) != "fatal_error" {
		t.Fatalf("FailNextWith: %v", err)
	}
	emu.Slow("chat.postMessage", 2*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := api.PostMessageContext(ctx, "a", slack.MsgOptionText("3", false)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow answer: %v", err)
	}
	if _, err := api.AuthTest(); err != nil {
		t.Fatalf("other methods are not slow: %v", err)
	}
}

// verifyingApp is a minimal app: verifies the signature as slack-go does
// and echoes the text in an ephemeral answer, and later to response_url.
func verifyingApp(t *testing.T, secret string, later chan<- string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sv.Write(body)
		if err := sv.Ensure(); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		later <- cmd.ResponseURL
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"response_type": "ephemeral", "text": cmd.Command + " " + cmd.Text})
	})
}

func TestSlashCommandOverHTTP(t *testing.T) {
	emu := slackemu.New(t)
	later := make(chan string, 1)
	app := httptest.NewServer(verifyingApp(t, emu.SigningSecret(), later))
	defer app.Close()
	ctx := context.Background()
	r, err := emu.SendSlashCommand(ctx, app.URL, slackemu.SlashCommand{Text: "payments api & more"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.Message == nil || r.Message.Text != "/prodready payments api & more" || r.Message.ResponseType != "ephemeral" {
		t.Fatalf("reply %d %s", r.Status, r.Body)
	}
	responseURL := <-later
	if responseURL != r.ResponseURL || !strings.HasPrefix(responseURL, emu.BaseURL()+"/commands/") {
		t.Fatalf("response_url %q", responseURL)
	}
	api := client(emu, emu.BotToken())
	for i := 0; i < 5; i++ {
		if _, _, err := api.PostMessage("", slack.MsgOptionResponseURL(responseURL, "ephemeral"), slack.MsgOptionText(fmt.Sprint("later ", i), false)); err != nil {
			t.Fatalf("post %d to response_url: %v", i, err)
		}
	}
	if _, _, err := api.PostMessage("", slack.MsgOptionResponseURL(responseURL, "ephemeral"), slack.MsgOptionText("sixth", false)); err == nil {
		t.Fatal("a sixth post to a response_url was accepted; Slack allows five")
	}
	posts, err := emu.WaitResponses(ctx, responseURL, 6)
	if err != nil || posts[0].Text != "later 0" || posts[0].ResponseType != "ephemeral" || posts[5].Error != "used_url" {
		t.Fatalf("posts %+v, %v", posts, err)
	}
	// Stale: signed 6 minutes ago.
	r, err = emu.SendSlashCommand(ctx, app.URL, slackemu.SlashCommand{Text: "x", Timestamp: time.Now().Add(-6 * time.Minute)})
	if err != nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("stale: %v %v", r, err)
	}
	// Forged: body changed after signing.
	req, _, _, err := emu.CommandRequest(ctx, app.URL, slackemu.SlashCommand{Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	req.Body = io.NopCloser(strings.NewReader("text=forged"))
	req.ContentLength = int64(len("text=forged"))
	r, err = emu.Do(req, "")
	if err != nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("forged: %v %v", r, err)
	}
}

func TestResponseURLValidatesBlocks(t *testing.T) {
	emu := slackemu.New(t)
	later := make(chan string, 1)
	app := httptest.NewServer(verifyingApp(t, emu.SigningSecret(), later))
	defer app.Close()
	if _, err := emu.SendSlashCommand(context.Background(), app.URL, slackemu.SlashCommand{}); err != nil {
		t.Fatal(err)
	}
	u := <-later
	var blocks []slack.Block
	for i := 0; i < 51; i++ {
		blocks = append(blocks, section(5))
	}
	api := client(emu, emu.BotToken())
	_, _, err := api.PostMessage("", slack.MsgOptionResponseURL(u, "ephemeral"), slack.MsgOptionText("f", false), slack.MsgOptionBlocks(blocks...))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusBadRequest {
		t.Fatalf("51 blocks to response_url: %v", err)
	}
	if p := emu.Responses(u); len(p) != 1 || p[0].Error != "invalid_blocks" {
		t.Fatalf("posts %+v", p)
	}
}

func TestSocketMode(t *testing.T) {
	emu := slackemu.New(t, slackemu.Options{PingInterval: 50 * time.Millisecond})
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL()), slack.OptionAppLevelToken(emu.AppToken()))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sm.RunContext(ctx)
	go func() {
		for evt := range sm.Events {
			if evt.Type != socketmode.EventTypeSlashCommand {
				continue
			}
			cmd := evt.Data.(slack.SlashCommand)
			sm.Ack(*evt.Request, map[string]any{"response_type": "ephemeral", "text": "got " + cmd.Text + " from " + cmd.UserID})
		}
	}()
	r, err := emu.SendSlashCommandSocket(ctx, slackemu.SlashCommand{Text: "payments-api", UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Message == nil || r.Message.Text != "got payments-api from U1" {
		t.Fatalf("ack %s", r.Body)
	}
	if acks := emu.Acks(); len(acks) != 1 {
		t.Fatalf("acks %+v", acks)
	}
	botAsApp := slack.New("", slack.OptionAPIURL(emu.URL()), slack.OptionAppLevelToken(emu.BotToken()))
	if _, _, err := botAsApp.StartSocketModeContext(ctx); slackErr(err) != "not_allowed_token_type" {
		t.Fatalf("bot token on apps.connections.open: %v", err)
	}
}

func TestSocketURLIsSingleUse(t *testing.T) {
	emu := slackemu.New(t)
	api := slack.New("", slack.OptionAPIURL(emu.URL()), slack.OptionAppLevelToken(emu.AppToken()))
	_, wsURL, err := api.StartSocketModeContext(context.Background())
	if err != nil || !strings.HasPrefix(wsURL, "ws://127.0.0.1:") {
		t.Fatalf("connections.open = %q %v", wsURL, err)
	}
	httpURL := "http" + strings.TrimPrefix(wsURL, "ws")
	resp, err := http.Get(httpURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// A plain GET is not a websocket; the ticket is spent all the same.
	resp, err = http.Get(httpURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("second use: %d", resp.StatusCode)
	}
}

func TestSlashCommandsNeedTheCommandsScope(t *testing.T) {
	emu := slackemu.New(t)
	emu.AddToken(emu.BotToken(), "chat:write") // reinstalled without commands
	if _, err := emu.SendSlashCommand(context.Background(), "http://127.0.0.1:1/", slackemu.SlashCommand{}); err == nil || !strings.Contains(err.Error(), "commands scope") {
		t.Fatalf("SendSlashCommand: %v", err)
	}
}
