package playground

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
)

// state is what the page shows beyond the emulator's channels: answers
// posted to response URLs and slash commands' replies (Slack shows them
// only in the client), edits they make to messages, and which modal is
// whose. The emulator's messages get a sequence number when first seen,
// so the page orders them with the rest.
type state struct {
	seq      int
	seen     map[string]int      // emulator message key → seq
	items    []*item             // the page's own messages
	edits    map[string]*edit    // message id → what replaced it
	tracked  []*tracked          // response URLs the page handed out
	modals   map[string]*modal   // view id → modal
	lastUser string              // who last sent something: a new modal is theirs
	homes    map[string]bool     // users whose Home tab the page opened
	notes    map[string][]notice // user → notices for the page to show
}

func newState() state {
	return state{seen: map[string]int{}, edits: map[string]*edit{}, modals: map[string]*modal{},
		homes: map[string]bool{}, notes: map[string][]notice{}}
}

// item is a message only the page knows: an answer to a response_url or
// a command, a command the user ran in the channel, or Slackbot's error.
type item struct {
	seq     int
	channel string
	user    string // who sees it; "" everyone
	author  string
	app     bool
	text    string
	blocks  json.RawMessage
	at      time.Time
}

func (it *item) id() string { return "p" + strconv.Itoa(it.seq) }

// edit is a response_url's replace_original or delete_original.
type edit struct {
	text    string
	blocks  json.RawMessage
	deleted bool
}

// tracked is a response_url the page gave the bot with a command or a
// click: its posts become messages, or edit the message clicked.
type tracked struct {
	url     string
	channel string
	user    string
	origin  string // the message clicked; "" for a command
	last    string // the last message this URL posted
	used    int    // posts consumed
	echo    string // the command to show before an in_channel answer
}

type modal struct {
	user   string
	raw    json.RawMessage
	closed bool
	errs   map[string]string
}

type notice struct {
	text string
	bad  bool
}

func emuKey(m slackemu.Message) string { return "e" + m.Channel + "/" + m.TS }

// sync brings in what changed in the emulator; p.mu is held.
func (p *Playground) syncLocked() {
	st := &p.st
	emu := p.cfg.Emulator
	for _, m := range emu.AllMessages() {
		if _, ok := st.seen[emuKey(m)]; !ok {
			st.seq++
			st.seen[emuKey(m)] = st.seq
		}
	}
	for _, t := range st.tracked {
		posts := emu.Responses(t.url)
		for ; t.used < len(posts); t.used++ {
			p.applyLocked(t, posts[t.used])
		}
	}
	for _, v := range emu.Views() {
		m, ok := st.modals[v.ID]
		if !ok {
			st.modals[v.ID] = &modal{user: st.lastUser, raw: v.JSON}
			continue
		}
		if !m.closed && string(m.raw) != string(v.JSON) {
			m.raw, m.errs = v.JSON, nil
		}
	}
}

// applyLocked applies one post to a response_url as Slack's client does.
func (p *Playground) applyLocked(t *tracked, post slackemu.ResponsePost) {
	if post.Error != "" {
		return // Slack refused it: nothing shows
	}
	target := t.origin
	if target == "" {
		target = t.last
	}
	switch {
	case post.DeleteOriginal:
		if target != "" {
			p.st.edits[target] = &edit{deleted: true}
		}
		return
	case post.ReplaceOriginal && target != "":
		p.st.edits[target] = &edit{text: post.Text, blocks: post.Blocks}
		return
	}
	user := t.user
	if post.ResponseType == "in_channel" {
		user = ""
		if t.echo != "" {
			p.addLocked(&item{channel: t.channel, author: p.name(t.user), text: t.echo})
			t.echo = ""
		}
	}
	it := &item{channel: t.channel, user: user, author: "prodready", app: true, text: post.Text, blocks: post.Blocks}
	p.addLocked(it)
	t.last = it.id()
}

func (p *Playground) addLocked(it *item) {
	p.st.seq++
	it.seq = p.st.seq
	if it.at.IsZero() {
		it.at = time.Now()
	}
	p.st.items = append(p.st.items, it)
}

func (p *Playground) name(userID string) string {
	if u, ok := p.user(userID); ok {
		return u.Name
	}
	return userID
}

// shown is a message as one viewer sees it in one conversation.
type shown struct {
	seq       int
	id        string
	channel   string
	ts        string // the emulator's; "" for the page's own
	author    string
	app       bool
	at        time.Time
	text      string
	blocks    json.RawMessage
	ephemeral bool
	files     []string
	replies   []shown
}

// conversationLocked is what viewer sees in channel, oldest first.
func (p *Playground) conversationLocked(channel, viewer string) []shown {
	var out []shown
	replies := map[string][]shown{}
	for _, m := range p.cfg.Emulator.AllMessages() {
		if m.Channel != channel || (m.Ephemeral && m.User != viewer) {
			continue
		}
		s := shown{seq: p.st.seen[emuKey(m)], id: emuKey(m), channel: m.Channel, ts: m.TS, author: "prodready", app: true,
			at: tsTime(m.TS), text: m.Text, blocks: m.Blocks, ephemeral: m.Ephemeral, files: m.Files}
		if !p.editLocked(&s) {
			continue
		}
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			replies[m.ThreadTS] = append(replies[m.ThreadTS], s)
			continue
		}
		out = append(out, s)
	}
	for _, it := range p.st.items {
		if it.channel != channel || (it.user != "" && it.user != viewer) {
			continue
		}
		s := shown{seq: it.seq, id: it.id(), channel: it.channel, author: it.author, app: it.app, at: it.at,
			text: it.text, blocks: it.blocks, ephemeral: it.user != ""}
		if p.editLocked(&s) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	for i := range out {
		if out[i].ts != "" {
			out[i].replies = replies[out[i].ts]
		}
	}
	return out
}

// editLocked applies a replace or delete to s; false when deleted.
func (p *Playground) editLocked(s *shown) bool {
	e, ok := p.st.edits[s.id]
	if !ok {
		return true
	}
	if e.deleted {
		return false
	}
	s.text, s.blocks = e.text, e.blocks
	return true
}

// messageLocked finds a message by the id the page gave it.
func (p *Playground) messageLocked(channel, id, viewer string) (shown, bool) {
	for _, s := range p.conversationLocked(channel, viewer) {
		if s.id == id {
			return s, true
		}
		for _, r := range s.replies {
			if r.id == id {
				return r, true
			}
		}
	}
	return shown{}, false
}

// openModalLocked is the modal viewer has open, if any: the newest.
func (p *Playground) openModalLocked(viewer string) (string, *modal) {
	var ids []string
	for id, m := range p.st.modals {
		if m.user == viewer && !m.closed {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", nil
	}
	sort.Strings(ids)
	id := ids[len(ids)-1]
	return id, p.st.modals[id]
}

// tsTime is a Slack timestamp's time.
func tsTime(ts string) time.Time {
	sec, _, _ := strings.Cut(ts, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(n, 0)
}
