package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits for a message.
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxHeaderText  = 150
	maxFields      = 10
	maxFieldText   = 2000
	maxFallback    = 3000 // the notification text; Slack allows more, people read less
)

// Message is an answer: blocks within Slack's limits, and the plain-text
// fallback Slack shows in notifications and where blocks cannot render.
type Message struct {
	Text   string
	Blocks []slack.Block
}

// blockBuilder lays out a message within Slack's limits. Lines are packed
// into section blocks of at most maxSectionText characters; when blocks run
// out, the rest is counted and the message ends with "…and N more <noun>".
type blockBuilder struct {
	blocks  []slack.Block
	lines   []string
	size    int // characters in lines, with their newlines
	items   int // items in lines
	dropped int // items that did not fit
	full    bool
	noun    string
}

// room keeps one block free for the "…and N more" line.
func (b *blockBuilder) room() bool { return !b.full && len(b.blocks) < maxBlocks-1 }

// block adds a block after the pending lines; items is how many listed
// things (rules, services) it shows, counted if it does not fit.
func (b *blockBuilder) block(blk slack.Block, items int) {
	b.flush()
	if !b.room() {
		b.full = true
		b.dropped += items
		return
	}
	b.blocks = append(b.blocks, blk)
}

// line adds a line of mrkdwn to the current section; item says whether it
// is one of the listed things.
func (b *blockBuilder) line(s string, item bool) {
	if b.dropItem(item) {
		return
	}
	n := utf8.RuneCountInString(s)
	if n > maxSectionText { // counted once: long lists have many lines
		s = cut(s, maxSectionText)
		n = utf8.RuneCountInString(s)
	}
	if b.size > 0 && b.size+1+n > maxSectionText {
		b.flush()
	}
	if b.size > 0 {
		b.size++
	}
	b.lines = append(b.lines, s)
	b.size += n
	if item {
		b.items++
	}
}

// dropItem reports whether the message is full, so that a line would only
// be counted, never shown; an item is counted then. Callers check it before
// building a long line: a team of 1,000 services shows a few hundred.
func (b *blockBuilder) dropItem(item bool) bool {
	if !b.full {
		return false
	}
	if item {
		b.dropped++
	}
	return true
}

func (b *blockBuilder) flush() {
	if len(b.lines) == 0 {
		return
	}
	text := strings.Join(b.lines, "\n")
	items := b.items
	b.lines, b.size, b.items = nil, 0, 0
	b.block(slack.NewSectionBlock(mrkdwn(text), nil, nil), items)
}

func (b *blockBuilder) finish() []slack.Block {
	b.flush()
	if b.full {
		more := fmt.Sprintf("…and %d more %s", b.dropped, b.noun)
		if b.dropped == 0 {
			more = "…and more"
		}
		b.blocks = append(b.blocks, slack.NewContextBlock("", mrkdwn(more)))
	}
	return b.blocks
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func header(s string) slack.Block {
	return slack.NewHeaderBlock(plain(cut(s, maxHeaderText)))
}

// cut shortens s to max characters, ending with "…" when it cuts. It
// never cuts an escape (&amp;) in two, which would leave a bare "&".
func cut(s string, max int) string {
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

// esc escapes what Slack's mrkdwn treats as markup delimiters. It is the
// one escaping function: every string from the catalog, the history or
// an error goes through it (or link, for a URL) before it reaches mrkdwn.
var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// linkURL makes a URL safe inside <…|…>: the characters that would end
// the link or start its label are percent-encoded, & is escaped.
var linkURL = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "\n", "%0A").Replace

// link is a mrkdwn link to url labelled label; only the label (escaped)
// when url is not an http(s) URL.
func link(url, label string) string {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return esc(label)
	}
	return "<" + linkURL(url) + "|" + esc(label) + ">"
}

// fallback is a message's plain-text fallback: Slack reads it as mrkdwn
// too, so names like "<!channel>" are escaped, or they would ping.
func fallback(s string) string { return esc(cut(s, maxFallback)) }

// code shows a name as inline code, safely.
func code(s string) string {
	return "`" + strings.ReplaceAll(esc(s), "`", "'") + "`"
}

// keptMessage is a message laid out once and kept for many answers (a
// team's, per evaluation): its blocks as text, made into new Block Kit
// values for each answer, so that answers share only immutable strings.
type keptMessage struct {
	text   string
	blocks []keptBlock
}

type keptBlock struct {
	kind slack.MessageBlockType // header, context or section
	text string
}

// keep reads m's blocks back as text. It returns false for blocks that
// carry more than one text (fields, accessories, several elements), which
// it could not make again alike.
func keep(m Message) (keptMessage, bool) {
	k := keptMessage{text: m.Text, blocks: make([]keptBlock, 0, len(m.Blocks))}
	for _, blk := range m.Blocks {
		var t *slack.TextBlockObject
		switch b := blk.(type) {
		case *slack.HeaderBlock:
			if b.BlockID != "" || b.Level != 0 {
				return keptMessage{}, false
			}
			t = b.Text
		case *slack.ContextBlock:
			if b.BlockID != "" || len(b.ContextElements.Elements) != 1 {
				return keptMessage{}, false
			}
			t, _ = b.ContextElements.Elements[0].(*slack.TextBlockObject)
		case *slack.SectionBlock:
			if b.BlockID != "" || b.Fields != nil || b.Accessory != nil || b.Expand {
				return keptMessage{}, false
			}
			t = b.Text
		}
		// As mrkdwn and plain make them.
		if t == nil || t.Verbatim {
			return keptMessage{}, false
		}
		if blk.BlockType() == slack.MBTHeader {
			if t.Type != slack.PlainTextType || t.Emoji == nil || *t.Emoji {
				return keptMessage{}, false
			}
		} else if t.Type != slack.MarkdownType || t.Emoji != nil {
			return keptMessage{}, false
		}
		k.blocks = append(k.blocks, keptBlock{kind: blk.BlockType(), text: t.Text})
	}
	return k, true
}

// message makes the kept message's blocks anew.
func (k *keptMessage) message() Message {
	blocks := make([]slack.Block, len(k.blocks))
	for i, b := range k.blocks {
		switch b.kind {
		case slack.MBTHeader:
			blocks[i] = slack.NewHeaderBlock(plain(b.text))
		case slack.MBTContext:
			blocks[i] = slack.NewContextBlock("", mrkdwn(b.text))
		default:
			blocks[i] = slack.NewSectionBlock(mrkdwn(b.text), nil, nil)
		}
	}
	return Message{Text: k.text, Blocks: blocks}
}
