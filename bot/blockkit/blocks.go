package blockkit

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits for a message.
const (
	MaxBlocks      = 50
	MaxSectionText = 3000
	MaxHeaderText  = 150
	MaxFields      = 10
	MaxFieldText   = 2000
	MaxFallback    = 3000 // the notification text; Slack allows more, people read less
)

func Mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func Plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func Header(s string) slack.Block {
	return slack.NewHeaderBlock(Plain(Cut(s, MaxHeaderText)))
}

// cut shortens s to max characters, ending with "…" when it cuts. It
// never cuts an escape (&amp;) in two, which would leave a bare "&".
func Cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max-1]
	if i := lastIndexRune(r, '&'); i >= 0 && i >= len(r)-4 && !containsRune(r[i:], ';') {
		r = r[:i]
	}
	return string(r) + "…"
}

func lastIndexRune(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}

func containsRune(r []rune, c rune) bool { return lastIndexRune(r, c) >= 0 }

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes what Slack's mrkdwn treats as markup delimiters. It is the
// one escaping function: every string from the catalog, the history or
// an error goes through it (or link, for a URL) before it reaches mrkdwn.
func Esc(s string) string { return escaper.Replace(s) }

// linkURL makes a URL safe inside <…|…>: the characters that would end
// the link or start its label are percent-encoded, & is escaped.
var linkURL = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "\n", "%0A").Replace

// link is a mrkdwn link to url labelled label; only the label (escaped)
// when url is not an http(s) URL.
func Link(url, label string) string {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return Esc(label)
	}
	return "<" + linkURL(url) + "|" + Esc(label) + ">"
}

// fallback is a message's plain-text fallback: Slack reads it as mrkdwn
// too, so names like "<!channel>" are escaped, or they would ping.
func Fallback(s string) string { return Esc(Cut(s, MaxFallback)) }

// code shows a name as inline code, safely.
func Code(s string) string {
	return "`" + strings.ReplaceAll(Esc(s), "`", "'") + "`"
}
