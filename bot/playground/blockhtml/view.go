package blockhtml

import (
	"encoding/json"
	"html/template"
	"strconv"
	"strings"
)

// Modal renders a modal view (JSON as the app sent it to views.open):
// its title, blocks with input fields, Close and Submit. errs are the
// errors a view_submission answered, by block_id.
func (r *Renderer) Modal(viewID string, raw json.RawMessage, errs map[string]string) template.HTML {
	var v obj
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return template.HTML(`<div class="modal">` + unknown("the view is not a JSON object", raw) + `</div>`)
	}
	var s strings.Builder
	s.WriteString(`<form class="modal" data-view-id="` + esc(viewID) + `" data-callback-id="` + esc(str(v, "callback_id")) + `">`)
	s.WriteString(`<div class="modal-head"><span class="modal-title">` + r.textObj(sub(v, "title")) + `</span><button type="button" class="modal-x" data-close aria-label="Close">✕</button></div>`)
	s.WriteString(`<div class="modal-body">`)
	for i, b := range list(v, "blocks") {
		s.WriteString(r.block(b, i, errs))
	}
	s.WriteString(`</div><div class="modal-foot">`)
	closeText := "Cancel"
	if c := sub(v, "close"); c != nil {
		closeText = plain(c)
	}
	s.WriteString(`<button type="button" class="el-button" data-close>` + esc(closeText) + `</button>`)
	if sb := sub(v, "submit"); sb != nil {
		s.WriteString(`<button type="submit" class="el-button el-primary" data-submit>` + r.textObj(sb) + `</button>`)
	}
	s.WriteString(`</div></form>`)
	return template.HTML(s.String())
}

// Home renders a Home tab view (JSON as the app sent it to views.publish).
func (r *Renderer) Home(viewID string, raw json.RawMessage) template.HTML {
	var v obj
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return template.HTML(unknown("the Home tab is not a JSON object", raw))
	}
	var s strings.Builder
	s.WriteString(`<div class="home" data-view-id="` + esc(viewID) + `">`)
	for i, b := range list(v, "blocks") {
		s.WriteString(r.block(b, i, nil))
	}
	s.WriteString(`</div>`)
	return template.HTML(s.String())
}

// Message is one message as a channel shows it.
type Message struct {
	// ID identifies the message to the page's script (data-msg).
	ID     string
	Author string
	App    bool   // a bot: the APP badge
	Time   string // as shown, e.g. "9:00 AM"
	// Text is the mrkdwn text, shown only when there are no blocks (then
	// it is the notification's fallback).
	Text   string
	Blocks json.RawMessage
	// Ephemeral marks an answer only its user sees.
	Ephemeral bool
	Files     []File
	Replies   []Message
}

// File is a file shared with a message.
type File struct {
	Name, Title string
	URL         string // where the page fetches it
	Image       bool
}

// Message renders a message: avatar, author, time, body, files, thread.
func (r *Renderer) Message(m Message) template.HTML {
	var s strings.Builder
	class := "msg"
	if m.Ephemeral {
		class += " msg-ephemeral"
	}
	s.WriteString(`<div class="` + class + `" data-msg="` + esc(m.ID) + `">`)
	initial := "?"
	if m.Author != "" {
		initial = strings.ToUpper(string([]rune(m.Author)[:1]))
	}
	avatar := "avatar"
	if m.App {
		avatar += " avatar-app"
	}
	s.WriteString(`<div class="` + avatar + `">` + esc(initial) + `</div><div class="msg-main"><div class="msg-head"><span class="msg-author">` + esc(m.Author) + `</span>`)
	if m.App {
		s.WriteString(`<span class="badge">APP</span>`)
	}
	s.WriteString(`<span class="msg-time">` + esc(m.Time) + `</span></div>`)
	if m.Ephemeral {
		s.WriteString(`<div class="msg-only-you">👁 Only visible to you</div>`)
	}
	s.WriteString(`<div class="msg-body">`)
	if len(m.Blocks) > 0 && string(m.Blocks) != "null" {
		s.WriteString(string(r.Blocks(m.Blocks)))
	} else {
		s.WriteString(`<div class="b-text">` + r.Mrkdwn(m.Text) + `</div>`)
	}
	s.WriteString(`</div>`)
	for _, f := range m.Files {
		s.WriteString(r.file(f))
	}
	if len(m.Replies) > 0 {
		s.WriteString(`<div class="thread"><div class="thread-count">` + esc(replies(len(m.Replies))) + `</div>`)
		for _, rep := range m.Replies {
			s.WriteString(string(r.Message(rep)))
		}
		s.WriteString(`</div>`)
	}
	s.WriteString(`</div></div>`)
	return template.HTML(s.String())
}

func replies(n int) string {
	if n == 1 {
		return "1 reply"
	}
	return strconv.Itoa(n) + " replies"
}

func (r *Renderer) file(f File) string {
	title := f.Title
	if title == "" {
		title = f.Name
	}
	if f.Image {
		return `<div class="msg-file"><div class="msg-file-title">` + esc(title) + `</div><img class="msg-file-img" src="` + esc(f.URL) + `" alt="` + esc(title) + `"></div>`
	}
	return `<div class="msg-file"><a class="msg-file-link" href="` + esc(f.URL) + `" download>📄 ` + esc(title) + `</a></div>`
}

// Document is a standalone HTML page (the CSS inline) showing body, as
// pictures are taken of it.
func Document(title string, body template.HTML) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>` + esc(title) + `</title><style>` + css + `</style></head><body class="slack doc">` + string(body) + `</body></html>`
}
