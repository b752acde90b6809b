package blockhtml

import (
	"strings"
	"testing"
)

func TestMrkdwn(t *testing.T) {
	r := New(Options{Users: map[string]string{"U1": "alice"}, Channels: map[string]string{"C1": "payments"}})
	cases := []struct{ name, in, want string }{
		{"bold", "a *b* c", "a <b>b</b> c"},
		{"italic", "_it_", "<i>it</i>"},
		{"strike", "~gone~", "<s>gone</s>"},
		{"nested", "*bold _and it_*", "<b>bold <i>and it</i></b>"},
		{"no bold inside a word", "2*3*4", "2*3*4"},
		{"no bold with space inside", "* not bold *", "* not bold *"},
		{"snake_case stays", "rule_has_owner and other_rule", "rule_has_owner and other_rule"},
		{"code", "run `go test` now", `run <code class="mk-code">go test</code> now`},
		{"no bold in code", "`*x*`", `<code class="mk-code">*x*</code>`},
		{"pre", "```\nline 1\n*x*\n```", `<pre class="mk-pre">line 1
*x*</pre>`},
		{"quote", "&gt; quoted\n&gt; more\nafter", `<blockquote class="mk-quote">quoted<br>more</blockquote>after`},
		{"list", "• one\n• two", `<ul class="mk-list"><li>one</li><li>two</li></ul>`},
		{"ordered", "1. one\n2. two", `<ol class="mk-list"><li>one</li><li>two</li></ol>`},
		{"link", "<https://example.com/a?b=1&amp;c=2|the docs>", `<a class="mk-link" href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>`},
		{"bare link", "<https://example.com>", `<a class="mk-link" href="https://example.com" target="_blank" rel="noopener noreferrer">https://example.com</a>`},
		{"javascript link is text", "<javascript:alert(1)|click>", "click"},
		{"user", "<@U1>", `<span class="mk-mention">@alice</span>`},
		{"unknown user", "<@U9>", `<span class="mk-mention">@U9</span>`},
		{"channel", "<#C1>", `<span class="mk-mention">#payments</span>`},
		{"channel with label", "<#C2|general>", `<span class="mk-mention">#general</span>`},
		{"here", "<!here>", `<span class="mk-mention mk-broadcast">@here</span>`},
		{"date", "<!date^1795683600^{date_short} at {time}|26 Nov>", `<span class="mk-date">Nov 26, 2026 at 9:00 AM</span>`},
		{"date long", "<!date^1795683600^{date_long}|x>", `<span class="mk-date">Thursday, November 26th, 2026</span>`},
		{"bad date falls back", "<!date^soon^{date}|next week>", `<span class="mk-date">next week</span>`},
		{"entities", "a &lt;b&gt; &amp; c", "a &lt;b&gt; &amp; c"},
		{"stray ampersand", "R&D", "R&amp;D"},
		{"emoji", ":white_check_mark: done", `<span class="emoji" title=":white_check_mark:">✅</span> done`},
		{"unknown emoji", ":not_an_emoji: 12:30:00", ":not_an_emoji: 12:30:00"},
		{"lines", "a\nb", "a<br>b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := r.Mrkdwn(c.in); got != c.want {
				t.Errorf("Mrkdwn(%q)\n got %s\nwant %s", c.in, got, c.want)
			}
		})
	}
}

func TestMrkdwnEscapesHostileText(t *testing.T) {
	r := New(Options{})
	for _, in := range []string{
		"<script>alert(1)</script>",
		"*<script>alert(1)</script>*",
		"`<script>`",
		"```<img src=x onerror=alert(1)>```",
		"<https://x.example/\"onmouseover=\"alert(1)|x>",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"<@U1|<script>>",
		"<!date^1^{date}|<script>>",
	} {
		got := r.Mrkdwn(in)
		if strings.Contains(got, "<script") || strings.Contains(got, "<img") || strings.Contains(got, `"onmouseover`) {
			t.Errorf("Mrkdwn(%q) lets markup through: %s", in, got)
		}
	}
}
