package blockhtml

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/slackemu"
)

// TestDocsBlockKit renders every message in docs/blockkit: no block is
// left unknown and the texts a reader needs are there.
func TestDocsBlockKit(t *testing.T) {
	files, err := filepath.Glob("../../../docs/blockkit/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Block Kit examples in docs/blockkit: %v", err)
	}
	want := map[string][]string{
		"answer.json": {`class="b-header"`, "Fraud Detector (fraud-detector)", "Share in channel", "Show all rules", `<span class="emoji" title=":large_yellow_circle:">`, `href="https://github.com/example/fraud-detector"`},
		"digest.json": {`class="b-header"`, `class="b-divider"`},
		"notice.json": {`class="b-header"`},
	}
	r := New(Options{Interactive: true})
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := string(r.Blocks(raw))
			if strings.Contains(got, "b-unknown") {
				t.Errorf("%s: a block was not rendered:\n%s", f, got)
			}
			for _, w := range want[filepath.Base(f)] {
				if !strings.Contains(got, w) {
					t.Errorf("%s: the HTML lacks %q", f, w)
				}
			}
			var doc struct {
				Blocks []json.RawMessage `json:"blocks"`
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(got, `data-block-id=`); n < len(doc.Blocks) {
				t.Errorf("%s: %d blocks rendered of %d", f, n, len(doc.Blocks))
			}
		})
	}
}

// TestBlocks renders one of each block and element.
func TestBlocks(t *testing.T) {
	r := New(Options{Interactive: true})
	cases := []struct {
		name, blocks string
		want         []string
	}{
		{"header", `[{"type":"header","text":{"type":"plain_text","text":"Title :rocket:"}}]`, []string{`<div class="b-header" data-block-id="auto-0">Title <span class="emoji" title=":rocket:">🚀</span></div>`}},
		{"plain_text without emoji", `[{"type":"header","text":{"type":"plain_text","text":"a :rocket:","emoji":false}}]`, []string{`>a :rocket:</div>`}},
		{"section with fields and accessory", `[{"type":"section","block_id":"s1","text":{"type":"mrkdwn","text":"*hi*"},"fields":[{"type":"mrkdwn","text":"f1"},{"type":"plain_text","text":"f2"}],"accessory":{"type":"button","action_id":"go","value":"v","text":{"type":"plain_text","text":"Go"},"style":"primary"}}]`,
			[]string{`<div class="b-text"><b>hi</b></div>`, `<div class="b-field">f1</div>`, `<div class="b-field">f2</div>`, `class="el-button el-primary" data-type="button" data-action-id="go" data-block-id="s1" data-value="v">Go</button>`}},
		{"context", `[{"type":"context","elements":[{"type":"image","image_url":"https://x.example/a.png","alt_text":"a"},{"type":"mrkdwn","text":"small"}]}]`, []string{`<img class="b-context-img" src="https://x.example/a.png"`, `<span class="b-context-text">small</span>`}},
		{"divider", `[{"type":"divider"}]`, []string{`<hr class="b-divider"`}},
		{"actions", `[{"type":"actions","block_id":"a","elements":[
			{"type":"button","action_id":"del","text":{"type":"plain_text","text":"Delete"},"style":"danger","confirm":{"title":{"type":"plain_text","text":"Sure?"},"text":{"type":"plain_text","text":"Really"}}},
			{"type":"overflow","action_id":"more","options":[{"text":{"type":"plain_text","text":"Snooze"},"value":"snooze"}]},
			{"type":"datepicker","action_id":"day","initial_date":"2026-12-01"},
			{"type":"static_select","action_id":"pick","placeholder":{"type":"plain_text","text":"Choose"},"options":[{"text":{"type":"plain_text","text":"One"},"value":"1"}],"option_groups":[{"label":{"type":"plain_text","text":"G"},"options":[{"text":{"type":"plain_text","text":"Two"},"value":"2"}]}]}]}]`,
			[]string{`el-danger`, `data-confirm="Sure?

Really"`, `<div class="el-overflow" data-type="overflow" data-action-id="more"`, `data-value="snooze" data-text="Snooze">Snooze</button>`, `<input type="date" class="el-date" data-type="datepicker" data-action-id="day" data-block-id="a" value="2026-12-01">`, `<option value="" disabled selected>Choose</option>`, `<optgroup label="G"><option value="2">Two</option></optgroup>`}},
		{"image", `[{"type":"image","image_url":"https://x.example/c.png","alt_text":"chart","title":{"type":"plain_text","text":"Chart"}}]`, []string{`<div class="b-image-title">Chart</div>`, `<img class="b-image-img" src="https://x.example/c.png" alt="chart"`}},
		{"image with a javascript URL", `[{"type":"image","image_url":"javascript:alert(1)","alt_text":"x"}]`, []string{`b-img-missing`}},
		{"rich_text", `[{"type":"rich_text","elements":[
			{"type":"rich_text_section","elements":[{"type":"text","text":"bold","style":{"bold":true}},{"type":"text","text":" "},{"type":"link","url":"https://x.example","text":"link"},{"type":"emoji","name":"tada"},{"type":"user","user_id":"U1"}]},
			{"type":"rich_text_list","style":"ordered","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"first"}]}]},
			{"type":"rich_text_preformatted","elements":[{"type":"text","text":"code"}]},
			{"type":"rich_text_quote","elements":[{"type":"text","text":"said"}]}]}]`,
			[]string{`<b>bold</b>`, `<a class="mk-link" href="https://x.example"`, `🎉`, `@U1`, `<ol class="mk-list" style="margin-left:0px"><li>first</li></ol>`, `<pre class="mk-pre">code</pre>`, `<blockquote class="mk-quote">said</blockquote>`}},
		{"input", `[{"type":"input","block_id":"why","optional":true,"label":{"type":"plain_text","text":"Why"},"hint":{"type":"plain_text","text":"Say why"},"element":{"type":"plain_text_input","action_id":"why","multiline":true,"placeholder":{"type":"plain_text","text":"Because"}}}]`,
			[]string{`<label class="b-input-label">Why <span class="b-optional">(optional)</span></label>`, `<textarea class="el-text" data-type="plain_text_input" data-action-id="why" data-block-id="why" placeholder="Because">`, `<div class="b-hint">Say why</div>`}},
		{"unknown block", `[{"type":"video","title":{"type":"plain_text","text":"v"}}]`, []string{`⚠ block of type &#34;video&#34; is not rendered by the playground`, `&#34;title&#34;`}},
		{"unknown element", `[{"type":"actions","elements":[{"type":"workflow_button","text":{"type":"plain_text","text":"w"}}]}]`, []string{`element of type &#34;workflow_button&#34; is not rendered`}},
		{"not an array", `{"blocks":"x"}`, []string{`the blocks are not a JSON array`}},
		{"not JSON", `[{`, []string{`b-unknown`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(r.Blocks(json.RawMessage(c.blocks)))
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("the HTML lacks %s\n got %s", w, got)
				}
			}
		})
	}
}

// TestHostileEverywhere puts <script> in every text field of every block
// and element, and in ids and values: none reaches the HTML unescaped.
func TestHostileEverywhere(t *testing.T) {
	const x = `<script>alert(1)</script>"'`
	js, _ := json.Marshal(x)
	h := string(js)
	txt := `{"type":"mrkdwn","text":` + h + `}`
	pt := `{"type":"plain_text","text":` + h + `}`
	opt := `{"text":` + pt + `,"value":` + h + `,"url":` + h + `}`
	blocks := `[
	 {"type":"header","block_id":` + h + `,"text":` + pt + `},
	 {"type":"section","block_id":` + h + `,"text":` + txt + `,"fields":[` + txt + `,` + pt + `],"accessory":{"type":"button","action_id":` + h + `,"value":` + h + `,"url":` + h + `,"text":` + pt + `,"confirm":{"title":` + pt + `,"text":` + txt + `}}},
	 {"type":"section","text":` + txt + `,"accessory":{"type":"image","image_url":` + h + `,"alt_text":` + h + `}},
	 {"type":"context","elements":[` + txt + `,{"type":"image","image_url":` + h + `,"alt_text":` + h + `}]},
	 {"type":"actions","elements":[{"type":"overflow","action_id":` + h + `,"options":[` + opt + `]},{"type":"datepicker","action_id":` + h + `,"initial_date":` + h + `,"placeholder":` + pt + `},{"type":"static_select","action_id":` + h + `,"placeholder":` + pt + `,"options":[` + opt + `],"initial_option":` + opt + `,"option_groups":[{"label":` + pt + `,"options":[` + opt + `]}]},{"type":"radio_buttons","action_id":` + h + `,"options":[` + opt + `]}]},
	 {"type":"image","image_url":` + h + `,"alt_text":` + h + `,"title":` + pt + `},
	 {"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":` + h + `},{"type":"link","url":` + h + `,"text":` + h + `},{"type":"emoji","name":` + h + `},{"type":"user","user_id":` + h + `},{"type":"channel","channel_id":` + h + `},{"type":"date","timestamp":1,"format":` + h + `,"fallback":` + h + `},{"type":` + h + `}]},{"type":` + h + `}]},
	 {"type":"input","block_id":` + h + `,"label":` + pt + `,"hint":` + pt + `,"element":{"type":"plain_text_input","action_id":` + h + `,"initial_value":` + h + `,"placeholder":` + pt + `}},
	 {"type":"input","label":` + pt + `,"element":{"type":"plain_text_input","multiline":true,"initial_value":` + h + `}},
	 {"type":` + h + `,"text":` + h + `}
	]`
	r := New(Options{Interactive: true, Users: map[string]string{"U1": x}})
	out := string(r.Blocks(json.RawMessage(blocks)))
	out += string(r.Modal(x, json.RawMessage(`{"type":"modal","title":`+pt+`,"submit":`+pt+`,"close":`+pt+`,"callback_id":`+h+`,"blocks":`+blocks+`}`), map[string]string{x: x}))
	out += string(r.Home(x, json.RawMessage(`{"type":"home","blocks":`+blocks+`}`)))
	out += string(r.Message(Message{ID: x, Author: x, Time: x, Text: x, Files: []File{{Name: x, Title: x, URL: x, Image: true}, {Name: x, URL: x}}, Replies: []Message{{Author: x, Text: x}}}))
	for _, bad := range []string{"<script", `"'`, `="<`, "javascript:"} {
		if i := strings.Index(out, bad); i >= 0 {
			t.Errorf("%q reaches the HTML unescaped: …%s…", bad, out[max(0, i-120):min(len(out), i+80)])
		}
	}
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Error("the hostile text is not shown escaped at all: was it dropped?")
	}
}

// TestEmulatorMessages renders what a Slack client posted to the emulator:
// the blocks and text as Slack stored them.
func TestEmulatorMessages(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("reports")
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL()))
	ctx := context.Background()
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Weekly digest", false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*57%* at Silver · <https://x.example|details>", false, false), nil, nil),
		slack.NewActionBlock("acts", slack.NewButtonBlockElement("all_rules", "svc", slack.NewTextBlockObject(slack.PlainTextType, "Show all rules", false, false))),
	}
	if _, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(blocks...)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("just *text* &lt;x&gt;", false)); err != nil {
		t.Fatal(err)
	}
	msgs := emu.Messages(ch)
	if len(msgs) != 2 {
		t.Fatalf("the emulator holds %d messages, want 2", len(msgs))
	}
	r := New(Options{Interactive: true})
	cases := []struct {
		m          slackemu.Message
		want, lack []string
	}{
		{msgs[0], []string{"Weekly digest", "<b>57%</b> at Silver", `href="https://x.example"`, `data-action-id="all_rules" data-block-id="acts" data-value="svc">Show all rules`}, []string{"fallback", "b-unknown"}},
		{msgs[1], []string{"just <b>text</b> &lt;x&gt;"}, nil},
	}
	for i, c := range cases {
		got := string(r.Message(Message{Author: "prodready", App: true, Text: c.m.Text, Blocks: c.m.Blocks}))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("message %d: the HTML lacks %s\n got %s", i, w, got)
			}
		}
		for _, w := range c.lack {
			if strings.Contains(got, w) {
				t.Errorf("message %d: the HTML shows %s", i, w)
			}
		}
	}
}
