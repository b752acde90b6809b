package slackemu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/slackemu"
)

func TestMetadataIsKeptAndReturnedByHistory(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("reports")
	api := client(emu, emu.BotToken())
	ctx := context.Background()
	meta := slack.SlackMetadata{EventType: "prodready_delivery", EventPayload: map[string]any{"key": "weekly-report/2026-W48/C1/0"}}
	_, ts, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("digest", false), slack.MsgOptionMetadata(meta))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("plain", false)); err != nil {
		t.Fatal(err)
	}
	if m := emu.Messages(ch)[0]; string(m.Metadata) == "" {
		t.Fatalf("the emulator did not keep the metadata: %+v", m)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch, IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Messages) != 2 || h.Messages[0].Text != "plain" || h.Messages[1].Timestamp != ts {
		t.Fatalf("history should list both messages, newest first: %+v", h.Messages)
	}
	if got := h.Messages[1].Metadata; got.EventType != meta.EventType || got.EventPayload["key"] != meta.EventPayload["key"] {
		t.Errorf("metadata %+v, want %+v", got, meta)
	}
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch})
	if err != nil || h.Messages[1].Metadata.EventType != "" {
		t.Errorf("without include_all_metadata the metadata is left out: %+v %v", h, err)
	}
}

func TestHistoryPagesAndBounds(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("busy")
	api := client(emu, emu.BotToken())
	ctx := context.Background()
	var tss []string
	for i := 0; i < 7; i++ {
		_, ts, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText(fmt.Sprint(i), false))
		if err != nil {
			t.Fatal(err)
		}
		tss = append(tss, ts)
	}
	var seen []string
	cursor := ""
	pages := 0
	for {
		h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch, Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range h.Messages {
			seen = append(seen, m.Text)
		}
		if !h.HasMore {
			break
		}
		cursor = h.ResponseMetaData.NextCursor
	}
	if pages != 3 || fmt.Sprint(seen) != "[6 5 4 3 2 1 0]" {
		t.Errorf("%d pages: %v", pages, seen)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch, Oldest: tss[4]})
	if err != nil || len(h.Messages) != 2 {
		t.Errorf("oldest is exclusive: %d messages, %v", len(h.Messages), err)
	}
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch, Oldest: tss[4], Latest: tss[6], Inclusive: true})
	if err != nil || len(h.Messages) != 3 {
		t.Errorf("inclusive bounds: %d messages, %v", len(h.Messages), err)
	}
}

func TestHistoryErrors(t *testing.T) {
	emu := slackemu.New(t)
	pub := emu.AddChannel("public")
	priv := emu.AddChannel("private", slackemu.Private())
	out := emu.AddChannel("outside", slackemu.NotMember())
	alice := emu.AddUser("alice@example.com")
	bob := emu.AddUser("bob@example.com")
	api := client(emu, emu.BotToken())
	ctx := context.Background()
	im, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{alice.ID}})
	if err != nil {
		t.Fatal(err)
	}
	mpim, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{alice.ID, bob.ID}})
	if err != nil {
		t.Fatal(err)
	}
	emu.AddToken("xoxb-chat-only", "chat:write")
	cases := []struct {
		name, token, channel, needed, want string
		params                             slack.GetConversationHistoryParameters
	}{
		{"unknown channel", emu.BotToken(), "C0NOSUCH", "", "channel_not_found", slack.GetConversationHistoryParameters{}},
		{"a name, not an id", emu.BotToken(), "public", "", "channel_not_found", slack.GetConversationHistoryParameters{}},
		{"bot not in the channel", emu.BotToken(), out, "", "not_in_channel", slack.GetConversationHistoryParameters{}},
		{"no history scope at all", "xoxb-chat-only", pub, "channels:history", "missing_scope", slack.GetConversationHistoryParameters{}},
		{"bad cursor", emu.BotToken(), pub, "", "invalid_cursor", slack.GetConversationHistoryParameters{Cursor: "nonsense"}},
		{"bad oldest", emu.BotToken(), pub, "", "invalid_ts_oldest", slack.GetConversationHistoryParameters{Oldest: "yesterday"}},
		{"good", emu.BotToken(), pub, "", "", slack.GetConversationHistoryParameters{}},
	}
	// Each kind of conversation needs its own scope.
	for _, k := range []struct{ ch, scope string }{{pub, "channels:history"}, {priv, "groups:history"}, {im.ID, "im:history"}, {mpim.ID, "mpim:history"}} {
		var others []string
		for _, s := range slackemu.BotScopes {
			if s != k.scope {
				others = append(others, s)
			}
		}
		tok := "xoxb-without-" + k.scope
		emu.AddToken(tok, others...)
		cases = append(cases, struct {
			name, token, channel, needed, want string
			params                             slack.GetConversationHistoryParameters
		}{"without " + k.scope, tok, k.ch, k.scope, "missing_scope", slack.GetConversationHistoryParameters{}},
			struct {
				name, token, channel, needed, want string
				params                             slack.GetConversationHistoryParameters
			}{"with " + k.scope, emu.BotToken(), k.ch, "", "", slack.GetConversationHistoryParameters{}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.params
			p.ChannelID = c.channel
			_, err := client(emu, c.token).GetConversationHistoryContext(ctx, &p)
			if got := slackErr(err); got != c.want {
				t.Fatalf("error %q, want %q", got, c.want)
			}
			if c.needed != "" {
				calls := emu.CallsTo("conversations.history")
				last := calls[len(calls)-1]
				if last.Error != "missing_scope" {
					t.Fatalf("last call %+v", last)
				}
			}
		})
	}
}

func TestMetadataErrors(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("reports")
	for _, c := range []struct{ meta, want string }{
		{`not json`, "invalid_metadata_format"},
		{`{"event_payload":{"key":"k"}}`, "invalid_metadata_schema"},
		{`{"event_type":"x","event_payload":"k"}`, "invalid_metadata_schema"},
		{`{"event_type":"x","event_payload":{"key":"` + strings.Repeat("k", 9000) + `"}}`, "metadata_too_large"},
		{`{"event_type":"x","event_payload":{"key":"k"}}`, ""},
	} {
		// Raw form posts: slack-go cannot build malformed metadata.
		res, err := http.PostForm(emu.URL()+"chat.postMessage", url.Values{"token": {emu.BotToken()}, "channel": {ch}, "text": {"t"}, "metadata": {c.meta}})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if err != nil || body.Error != c.want || body.OK != (c.want == "") {
			t.Errorf("metadata %.40s: %+v %v, want error %q", c.meta, body, err, c.want)
		}
	}
	if n := len(emu.Messages(ch)); n != 1 {
		t.Errorf("%d messages kept, want only the one with good metadata", n)
	}
}
