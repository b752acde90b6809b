package slackapp

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/slack-go/slack"
)

// Message is an answer: blocks within Slack's limits, and the plain-text
// fallback Slack shows in notifications and where blocks cannot render.
type Message struct {
	Text   string
	Blocks []slack.Block
}

// blockBuilder lays out a message within Slack's limits. Lines are packed
// into section blocks of at most blockkit.MaxSectionText characters; when blocks run
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
func (b *blockBuilder) room() bool { return !b.full && len(b.blocks) < blockkit.MaxBlocks-1 }

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
	if n > blockkit.MaxSectionText { // counted once: long lists have many lines
		s = blockkit.Cut(s, blockkit.MaxSectionText)
		n = utf8.RuneCountInString(s)
	}
	if b.size > 0 && b.size+1+n > blockkit.MaxSectionText {
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
	b.block(slack.NewSectionBlock(blockkit.Mrkdwn(text), nil, nil), items)
}

func (b *blockBuilder) finish() []slack.Block {
	b.flush()
	if b.full {
		more := fmt.Sprintf("…and %d more %s", b.dropped, b.noun)
		if b.dropped == 0 {
			more = "…and more"
		}
		b.blocks = append(b.blocks, slack.NewContextBlock("", blockkit.Mrkdwn(more)))
	}
	return b.blocks
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
			blocks[i] = slack.NewHeaderBlock(blockkit.Plain(b.text))
		case slack.MBTContext:
			blocks[i] = slack.NewContextBlock("", blockkit.Mrkdwn(b.text))
		default:
			blocks[i] = slack.NewSectionBlock(blockkit.Mrkdwn(b.text), nil, nil)
		}
	}
	return Message{Text: k.text, Blocks: blocks}
}
