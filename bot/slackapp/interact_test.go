package slackapp

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/exemption"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard/demo"
)

func interactionURL(r *running) string {
	return strings.TrimSuffix(r.url, CommandPath) + InteractionPath
}

func interact(t *testing.T, emu *slackemu.Server, url string, i slackemu.Interaction) *slackemu.Reply {
	t.Helper()
	r, err := emu.SendInteraction(context.Background(), url, i)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusOK {
		t.Fatalf("interaction %+v: %d %s", i, r.Status, r.Body)
	}
	return r
}

// lastResponse waits for the n-th post to the reply's response_url.
func lastResponse(t *testing.T, emu *slackemu.Server, r *slackemu.Reply, n int) slackemu.ResponsePost {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	posts, err := emu.WaitResponses(ctx, r.ResponseURL, n)
	if err != nil {
		t.Fatal(err)
	}
	p := posts[n-1]
	if p.Error != "" {
		t.Fatalf("Slack refused the response: %s", p.Error)
	}
	return p
}

// blocksText flattens blocks to their texts, in order.
func blocksText(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for k, y := range x {
				if k != "text" {
					walk(y)
				} else if _, isStr := y.(string); !isStr {
					walk(y)
				}
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	return b.String()
}

func TestInteractionsAreSignedLikeCommands(t *testing.T) {
	emu := slackemu.New(t)
	r := start(t, emu, Config{BotToken: emu.BotToken()})
	waitReady(t, r.bot)
	url := interactionURL(r)
	ctx := context.Background()

	forged, _, err := emu.InteractionRequest(ctx, url, slackemu.Interaction{ActionID: actShare, Value: "payments-api"})
	if err != nil {
		t.Fatal(err)
	}
	forged.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64))
	stale, _, _ := emu.InteractionRequest(ctx, url, slackemu.Interaction{ActionID: actShare, Value: "payments-api", Timestamp: time.Now().Add(-10 * time.Minute)})
	good, respURL, _ := emu.InteractionRequest(ctx, url, slackemu.Interaction{ActionID: actShare, Value: "payments-api"})
	replay, _, _ := emu.InteractionRequest(ctx, url, slackemu.Interaction{ActionID: actShare, Value: "payments-api"})
	// The replay is the good request again: same body, same signature.
	replay.Header = good.Header.Clone()
	body, _ := good.GetBody()
	replay.Body = body
	cases := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"forged", forged, http.StatusUnauthorized},
		{"stale", stale, http.StatusUnauthorized},
		{"good", good, http.StatusOK},
		{"replayed", replay, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		rep, err := emu.Do(tc.req, respURL)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status != tc.want {
			t.Errorf("%s: %d, want %d (%s)", tc.name, rep.Status, tc.want, rep.Body)
		}
	}
}

func TestShareShowAllRulesAndGoneServices(t *testing.T) {
	emu := slackemu.New(t)
	r := start(t, emu, Config{BotToken: emu.BotToken()})
	waitReady(t, r.bot)
	url := interactionURL(r)

	ans := send(t, emu, r.url, "payments-api")
	checkEphemeralJSON(t, ans)
	for _, want := range []string{`"action_id":"share"`, `"action_id":"all_rules"`, `"action_id":"exempt_request:0"`} {
		if !strings.Contains(string(ans.Message.Blocks), want) {
			t.Errorf("answer lacks %s: %s", want, ans.Message.Blocks)
		}
	}

	rep := interact(t, emu, url, slackemu.Interaction{ActionID: actShare, Value: "payments-api"})
	p := lastResponse(t, emu, rep, 1)
	if p.ResponseType != "in_channel" || !strings.Contains(p.Text, "payments-api") || strings.Contains(string(p.Blocks), `"actions"`) {
		t.Errorf("shared: %s %s %s", p.ResponseType, p.Text, p.Blocks)
	}

	rep = interact(t, emu, url, slackemu.Interaction{ActionID: actAllRules, Value: "payments-api"})
	p = lastResponse(t, emu, rep, 1)
	if txt := blocksText(p.Blocks); p.ResponseType != "ephemeral" || !strings.Contains(txt, "All rules of") || !strings.Contains(txt, ":white_check_mark:") || !strings.Contains(txt, ":x:") {
		t.Errorf("all rules: %s\n%s", p.ResponseType, txt)
	}

	for _, a := range []slackemu.Interaction{
		{ActionID: actShare, Value: "no-such-service"},
		{ActionID: actAllRules, Value: "no-such-service"},
	} {
		rep = interact(t, emu, url, a)
		p = lastResponse(t, emu, rep, 1)
		if p.ResponseType != "ephemeral" || !strings.Contains(p.Text, "no service no-such-service in the catalog any more") {
			t.Errorf("%s on a gone service: %s %q", a.ActionID, p.ResponseType, p.Text)
		}
	}
}

// TestExemptionRequestApproveDeny walks a request from the answer's button
// to the approver's click, with every bad input on the way.
func TestExemptionRequestApproveDeny(t *testing.T) {
	ctx := context.Background()
	emu := slackemu.New(t)
	approvals := emu.AddChannel("approvals")
	requester := emu.AddUser("dev@example.com")
	lead := emu.AddUser("lead@example.com")
	outsider := emu.AddUser("intern@example.com")
	emu.AddUserGroup("S0LEADS", lead.ID)
	st, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exCfg := exemption.Config{Channel: approvals, Approvers: []string{"U0SOMEONE", "S0LEADS"}, Max: 90 * 24 * time.Hour}
	r := start(t, emu, Config{BotToken: emu.BotToken(), Store: st, Exemptions: exCfg,
		Source: exemption.With(demo.Source{}, exCfg, st, nil)})
	waitReady(t, r.bot)
	url := interactionURL(r)

	// The button opens the modal, the clicked scorecard's failing rules in it.
	interact(t, emu, url, slackemu.Interaction{UserID: requester.ID, ActionID: actExemptRequest + ":0", Value: `{"s":"refunds-worker","c":"production_readiness"}`})
	views := emu.Views()
	if len(views) != 1 || views[0].CallbackID != cbExemptionModal || !strings.Contains(string(views[0].Blocks), "has_readme") {
		t.Fatalf("modal: %+v", views)
	}
	meta := views[0].PrivateMetadata
	submit := func(user, rule, until, reason string) *slackemu.Reply {
		return interact(t, emu, url, slackemu.Interaction{Type: "view_submission", UserID: user, CallbackID: cbExemptionModal, PrivateMetadata: meta,
			State: map[string]map[string]slackemu.StateValue{
				blockRule:   {blockRule: slackemu.OptionValue(rule)},
				blockReason: {blockReason: slackemu.TextValue(reason)},
				blockUntil:  {blockUntil: slackemu.DateValue(until)},
			}})
	}
	later := time.Now().Add(100 * 24 * time.Hour).Format(time.DateOnly)
	soon := time.Now().Add(20 * 24 * time.Hour).Format(time.DateOnly)
	for _, bad := range []struct{ rule, until, reason, field, want string }{
		{"has_readme", later, "moving", blockUntil, "At most 90 days from today"},
		{"has_readme", soon, "  ", blockReason, "Say why"},
		{"no_such_rule", soon, "x", blockRule, `has no rule "no_such_rule" any more`},
		{"freshness_under_year", soon, "x", blockRule, "passes now"},
	} {
		rep := submit(requester.ID, bad.rule, bad.until, bad.reason)
		var resp struct {
			Action string            `json:"response_action"`
			Errors map[string]string `json:"errors"`
		}
		if err := json.Unmarshal(rep.Body, &resp); err != nil || resp.Action != "errors" || !strings.Contains(resp.Errors[bad.field], bad.want) {
			t.Errorf("%+v: %s", bad, rep.Body)
		}
	}
	if rep := submit(requester.ID, "has_readme", soon, "README moves with the split"); len(strings.TrimSpace(string(rep.Body))) != 0 {
		t.Fatalf("a good request was refused: %s", rep.Body)
	}
	// Asked twice: the second is refused, nothing recorded twice.
	rep := submit(requester.ID, "has_readme", soon, "again")
	if !strings.Contains(string(rep.Body), "already waiting for a decision") {
		t.Errorf("second request: %s", rep.Body)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	msgs, err := emu.WaitMessages(wctx, approvals, 1)
	if err != nil {
		t.Fatal(err)
	}
	if txt := dgText(t, msgs[0]); !strings.Contains(txt, "refunds-worker") || !strings.Contains(string(msgs[0].Blocks), actExemptApprove) || len(msgs) != 1 {
		t.Fatalf("request in the channel: %d messages\n%s", len(msgs), txt)
	}
	pending, _ := st.Exemptions(ctx, history.ExemptionRequested)
	if len(pending) != 1 {
		t.Fatalf("%d pending requests", len(pending))
	}
	id := "1"
	if pending[0].ID != 1 {
		t.Fatalf("id %d", pending[0].ID)
	}

	// Not an approver: refused, nothing recorded.
	rep = interact(t, emu, url, slackemu.Interaction{UserID: outsider.ID, ChannelID: approvals, ActionID: actExemptApprove, Value: id, MessageTS: msgs[0].TS})
	if p := lastResponse(t, emu, rep, 1); !strings.Contains(p.Text, "Only the approvers") {
		t.Errorf("outsider: %q", p.Text)
	}
	// An approver through the user group: approved; the message shows it
	// and the requester hears it.
	rep = interact(t, emu, url, slackemu.Interaction{UserID: lead.ID, ChannelID: approvals, ActionID: actExemptApprove, Value: id, MessageTS: msgs[0].TS})
	if p := lastResponse(t, emu, rep, 1); !p.ReplaceOriginal || !strings.Contains(blocksText(p.Blocks), "Approved by <@"+lead.ID+">") || strings.Contains(string(p.Blocks), actExemptApprove) {
		t.Errorf("approved message: %+v %s", p, p.Blocks)
	}
	dm, err := emu.WaitMessages(wctx, requester.ID, 2) // "sent for approval", then the outcome
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dm[len(dm)-1].Text, "was approved by") {
		t.Errorf("requester heard %q", dm[len(dm)-1].Text)
	}
	// A double click, and a deny after it: nothing changes.
	for _, act := range []string{actExemptApprove, actExemptDeny} {
		rep = interact(t, emu, url, slackemu.Interaction{UserID: lead.ID, ChannelID: approvals, ActionID: act, Value: id})
		if p := lastResponse(t, emu, rep, 1); !strings.Contains(p.Text, "already approved by") {
			t.Errorf("%s again: %q", act, p.Text)
		}
	}
	rec, _ := st.Exemption(ctx, 1)
	if rec.Status != history.ExemptionApproved || rec.DecidedBy != lead.ID {
		t.Errorf("record %+v", rec)
	}
	// The next evaluation counts it: the answer shows the rule exempt.
	if err := r.bot.Holder().Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ans := send(t, emu, r.url, "refunds-worker")
	if txt := blocksText(ans.Message.Blocks); !strings.Contains(txt, "exempt until "+soon+": README moves with the split — by <@"+lead.ID+"> (slack)") {
		t.Errorf("answer after approval:\n%s", txt)
	}
}

func TestSnoozeButton(t *testing.T) {
	ctx := context.Background()
	emu := slackemu.New(t)
	st, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Members: the catalog's team lead (Bundle.Teams), and one of the
	// Slack user group named for the team.
	lead := emu.AddUser("payments-lead@example.com")
	grouped := emu.AddUser("sre@example.com")
	emu.AddNamedUserGroup("S0PAY", "payments", grouped.ID)
	outsider := emu.AddUser("intern@example.com")
	r := start(t, emu, Config{BotToken: emu.BotToken(), Store: st})
	waitReady(t, r.bot)
	url := interactionURL(r)
	steps := []struct {
		name, user, team, saying string
	}{
		{"not a member", outsider.ID, "payments", "Only members of payments can snooze its notices"},
		{"no such team", lead.ID, "no-such-team", "No team no-such-team in the teams file or the catalog"},
		{"a member", lead.ID, "payments", "snoozed for 7 days"},
		{"a user group member", grouped.ID, "payments", "already snoozed by <@" + lead.ID + ">"},
	}
	for _, s := range steps {
		rep := interact(t, emu, url, slackemu.Interaction{UserID: s.user, ActionID: blockkit.ActSnooze, Value: s.team})
		if p := lastResponse(t, emu, rep, 1); !strings.Contains(p.Text, s.saying) {
			t.Errorf("%s: %q; want it saying %q", s.name, p.Text, s.saying)
		}
	}
	if z, ok, _ := st.SnoozeOf(ctx, "payments", time.Now()); !ok || z.By != lead.ID {
		t.Errorf("snooze %+v %v", z, ok)
	}
	if _, ok, _ := st.SnoozeOf(ctx, "no-such-team", time.Now()); ok {
		t.Errorf("a team that does not exist was snoozed")
	}
}

func TestInteractionsOverSocketMode(t *testing.T) {
	emu := slackemu.New(t)
	r := start(t, emu, Config{BotToken: emu.BotToken(), AppToken: emu.AppToken()})
	waitReady(t, r.bot)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := emu.SendInteractionSocket(ctx, slackemu.Interaction{ActionID: actShare, Value: "checkout-web"})
	if err != nil {
		t.Fatal(err)
	}
	if p := lastResponse(t, emu, rep, 1); p.ResponseType != "in_channel" || !strings.Contains(p.Text, "checkout-web") {
		t.Errorf("shared over Socket Mode: %+v", p)
	}
}

// TestExemptionModalErrorsOverSocketMode: a view_submission's errors go
// back in the Socket Mode ack, as Slack wants them there.
func TestExemptionModalErrorsOverSocketMode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	emu := slackemu.New(t)
	st, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := start(t, emu, Config{BotToken: emu.BotToken(), AppToken: emu.AppToken(), Store: st,
		Exemptions: exemption.Config{Channel: emu.AddChannel("approvals"), Max: 30 * 24 * time.Hour}})
	waitReady(t, r.bot)
	rep, err := emu.SendInteractionSocket(ctx, slackemu.Interaction{Type: "view_submission", CallbackID: cbExemptionModal,
		PrivateMetadata: `{"s":"refunds-worker","c":"production_readiness"}`,
		State: map[string]map[string]slackemu.StateValue{
			blockRule:   {blockRule: slackemu.OptionValue("has_readme")},
			blockReason: {blockReason: slackemu.TextValue("split")},
			blockUntil:  {blockUntil: slackemu.DateValue(time.Now().Add(45 * 24 * time.Hour).Format(time.DateOnly))},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rep.Body), `"response_action":"errors"`) || !strings.Contains(string(rep.Body), "At most 30 days from today") {
		t.Errorf("ack %s", rep.Body)
	}
	if all, _ := st.Exemptions(ctx, ""); len(all) != 0 {
		t.Errorf("a refused request was recorded: %+v", all)
	}
}
