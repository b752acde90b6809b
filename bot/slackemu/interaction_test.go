package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func button(text, actionID, value string) map[string]any {
	return map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": text}, "action_id": actionID, "value": value}
}

func actions(elems ...map[string]any) string {
	b, _ := json.Marshal([]any{map[string]any{"type": "actions", "elements": elems}})
	return string(b)
}

// TestElementLimits: a message Slack would refuse is refused, with Slack's code.
func TestElementLimits(t *testing.T) {
	emu := New(t)
	ch := emu.AddChannel("general")
	cases := []struct {
		name, blocks, want string
	}{
		{"fine", actions(button("Approve", "approve", "1"), button("Deny", "deny", "1")), ""},
		{"button text 76", actions(button(strings.Repeat("a", 76), "a", "1")), "invalid_blocks"},
		{"action_id 256", actions(button("a", strings.Repeat("x", 256), "1")), "invalid_blocks"},
		{"value 2001", actions(button("a", "a", strings.Repeat("v", 2001))), "invalid_blocks"},
		{"duplicate action_id", actions(button("a", "same", "1"), button("b", "same", "2")), "invalid_blocks"},
		{"51 blocks", func() string {
			var bs []any
			for range 51 {
				bs = append(bs, map[string]any{"type": "divider"})
			}
			b, _ := json.Marshal(bs)
			return string(b)
		}(), "invalid_blocks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.PostForm(emu.URL()+"chat.postMessage", url.Values{"token": {emu.BotToken()}, "channel": {ch}, "text": {"x"}, "blocks": {tc.blocks}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			}
			json.NewDecoder(resp.Body).Decode(&got)
			if got.Error != tc.want {
				t.Errorf("error %q, want %q", got.Error, tc.want)
			}
		})
	}
}

func modal(blocks int) string {
	var bs []any
	for i := range blocks {
		bs = append(bs, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": fmt.Sprint(i)}})
	}
	b, _ := json.Marshal(map[string]any{"type": "modal", "title": map[string]any{"type": "plain_text", "text": "Exemption"}, "blocks": bs, "callback_id": "x"})
	return string(b)
}

func TestViewsOpenPublishAndUserGroups(t *testing.T) {
	emu := New(t)
	alice := emu.AddUser("alice@example.com")
	emu.AddUserGroup("S0APPROVE", alice.ID)
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL()))
	call := func(method string, v url.Values) string {
		v.Set("token", emu.BotToken())
		resp, err := http.PostForm(emu.URL()+method, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			Error string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&got)
		return got.Error
	}
	trig := emu.TriggerID()
	if e := call("views.open", url.Values{"trigger_id": {trig}, "view": {modal(100)}}); e != "" {
		t.Errorf("100 blocks: %s", e)
	}
	if e := call("views.open", url.Values{"trigger_id": {trig}, "view": {modal(1)}}); e != "exchanged_trigger_id" {
		t.Errorf("trigger used twice: %q", e)
	}
	if e := call("views.open", url.Values{"trigger_id": {emu.TriggerID()}, "view": {modal(101)}}); e != "invalid_arguments" {
		t.Errorf("101 blocks: %q", e)
	}
	if e := call("views.open", url.Values{"trigger_id": {"nope"}, "view": {modal(1)}}); e != "invalid_trigger_id" {
		t.Errorf("unknown trigger: %q", e)
	}
	if len(emu.Views()) != 1 || emu.Views()[0].Title != "Exemption" {
		t.Errorf("views %+v", emu.Views())
	}
	home := strings.Replace(modal(100), `"modal"`, `"home"`, 1)
	if e := call("views.publish", url.Values{"user_id": {alice.ID}, "view": {home}}); e != "" {
		t.Errorf("publish: %s", e)
	}
	if e := call("views.publish", url.Values{"user_id": {alice.ID}, "view": {strings.Replace(modal(101), `"modal"`, `"home"`, 1)}}); e != "invalid_arguments" {
		t.Errorf("101-block home: %q", e)
	}
	if _, ok := emu.Home(alice.ID); !ok {
		t.Error("no home")
	}
	users, err := api.GetUserGroupMembers("S0APPROVE")
	if err != nil || len(users) != 1 || users[0] != alice.ID {
		t.Errorf("members %v, %v", users, err)
	}
	if _, err := api.GetUserGroupMembers("S0NONE"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("unknown group: %v", err)
	}
}

// TestSendInteractionIsSigned: the app can verify the payload with the
// signing secret, and a response_url comes with block_actions.
func TestSendInteractionIsSigned(t *testing.T) {
	emu := New(t)
	var got slack.InteractionCallback
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, emu.SigningSecret())
		if err == nil {
			sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		form, _ := url.ParseQuery(string(body))
		json.Unmarshal([]byte(form.Get("payload")), &got)
	}))
	defer app.Close()
	r, err := emu.SendInteraction(context.Background(), app.URL, Interaction{ActionID: "share", Value: "payments-api"})
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("%v %+v", err, r)
	}
	if got.Type != slack.InteractionTypeBlockActions || len(got.ActionCallback.BlockActions) != 1 || got.ActionCallback.BlockActions[0].Value != "payments-api" || got.ResponseURL == "" || got.TriggerID == "" {
		t.Errorf("payload %+v", got)
	}
	r, err = emu.SendInteraction(context.Background(), app.URL, Interaction{Type: "view_submission", CallbackID: "req",
		State: map[string]map[string]StateValue{"reason": {"reason": TextValue("because")}, "until": {"until": DateValue("2026-12-01")}}})
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("%v %+v", err, r)
	}
	if got.View.CallbackID != "req" || got.View.State.Values["reason"]["reason"].Value != "because" || got.View.State.Values["until"]["until"].SelectedDate != "2026-12-01" {
		t.Errorf("view payload %+v", got.View)
	}
}
